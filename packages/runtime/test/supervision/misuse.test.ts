import { manualHarness } from './harness.js';
import { misuseConformance } from './misuse.suite.js';

misuseConformance(manualHarness);
