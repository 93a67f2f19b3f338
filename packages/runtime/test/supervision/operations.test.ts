import { manualHarness } from './harness.js';
import { operationsConformance } from './operations.suite.js';

operationsConformance(manualHarness);
