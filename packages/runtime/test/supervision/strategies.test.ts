import { manualHarness } from './harness.js';
import { strategyConformance } from './strategies.suite.js';

strategyConformance(manualHarness);
