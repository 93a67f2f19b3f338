import { callsConformance } from './calls.suite.js';
import { manualHarness } from './harness.js';

callsConformance(manualHarness);
