import { manualHarness } from './harness.js';
import { backoffConformance } from './backoff.suite.js';

backoffConformance(manualHarness);
