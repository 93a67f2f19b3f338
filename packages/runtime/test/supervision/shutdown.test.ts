import { manualHarness } from './harness.js';
import { shutdownConformance } from './shutdown.suite.js';

shutdownConformance(manualHarness);
