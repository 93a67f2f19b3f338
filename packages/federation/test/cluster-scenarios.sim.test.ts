/**
 * Issue #13's cluster scenarios (test/sim/scenarios/cluster.scenario.ts), run through the
 * simulator's own runner over a few seeds, so the suite guards them: each run must pass its
 * safety checks and converge within the liveness bound (virtual time only; the runner's
 * `--check-determinism` compares replays). `PD_FIGURES=1` prints the figures of each run (false
 * positives, convergence after the faults stop, in virtual ms).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '@pd/runtime/sim';
import { CLUSTER_QUIET_MS, clusterChurn, clusterFigures, clusterPartition, clusterStall } from './sim/scenarios/cluster.scenario.js';

/** One seed each: a run is 1–4 s of CPU; `npm run sim -- --scenario cluster-… --seeds 20 --check-determinism` runs many, twice. */
const SEEDS = [1];

describe('cluster scenarios (pnpm sim --scenario cluster-*)', () => {
  for (const scenario of [clusterPartition, clusterChurn, clusterStall]) {
    it.each(SEEDS)(`${scenario.name}, seed %i: safe, and converges within ${CLUSTER_QUIET_MS} ms of virtual time once faults stop`, async (seed) => {
      const result = await runScenario(scenario, seed);
      expect(result.failure?.message ?? null).toBeNull();
      const figures = clusterFigures.get(`${scenario.name}/${seed}`)!;
      if (process.env.PD_FIGURES === '1') console.log(scenario.name, seed, JSON.stringify(figures));
      expect(figures.convergedAfterMs).toBeGreaterThanOrEqual(0);
      expect(figures.convergedAfterMs).toBeLessThanOrEqual(CLUSTER_QUIET_MS);
      if (scenario === clusterStall) {
        expect(figures.stalls).toBeGreaterThan(5);
        expect(figures.falsePositivesLifeguard).toBe(0);
      }
      if (scenario === clusterChurn) expect(figures.crash! + figures.leave!).toBeGreaterThan(0);
      if (scenario === clusterPartition) expect(figures.cuts).toBeGreaterThan(0);
    }, 120_000);
  }

});
