// Test runs crash thousands of actors on purpose: their crash reports would bury real
// output, so engines created by tests are silent unless a test passes its own logger.
import { setDefaultLogger, silentLogger } from '@pd/runtime';

setDefaultLogger(silentLogger);
