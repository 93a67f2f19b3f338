import { manualHarness } from './harness.js';
import { addressingConformance } from './addressing.suite.js';

addressingConformance(manualHarness);
