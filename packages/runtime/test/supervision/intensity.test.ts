import { manualHarness } from './harness.js';
import { intensityConformance } from './intensity.suite.js';

intensityConformance(manualHarness);
