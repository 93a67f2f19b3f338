/**
 * The multi-core suite on simulated cores: three engines in one thread joined by
 * simulated rings, under several seeds (seeded latencies, scheduling and tie-breaks).
 * Replay one seed: PD_SIM_SEED=3 pnpm exec vitest run packages/runtime/test/multi/multi.sim.test.ts
 */
import { describe } from 'vitest';
import { simSeeds } from '../sim/support.js';
import { simulated } from './harness.js';
import { multiSuite } from './multi.suite.js';

for (const seed of simSeeds(3)) {
  describe(`multi-core behaviour [sim seed ${seed}]`, () => multiSuite(simulated(seed)));
}
