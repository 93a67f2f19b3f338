import { manualHarness } from './harness.js';
import { linksConformance } from './links.suite.js';

linksConformance(manualHarness);
