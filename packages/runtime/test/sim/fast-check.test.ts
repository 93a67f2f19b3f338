/**
 * fast-check integration: generated plans (workloads, fault schedules, network faults,
 * buggify, seeds) are valid and replayable; a property over a sound scenario holds; a
 * property over the planted race fails and shrinks to a small plan whose replay command
 * the failure prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario, validateFaults } from '../../src/sim/index.js';
import { simPlanArbitrary, simProperty } from '../../src/sim/fast-check.js';
import { ordering } from './scenarios/ordering.scenario.js';
import { plantedLostUpdate } from './scenarios/planted-lost-update.scenario.js';
import { supervisedWorkers } from './scenarios/supervised-workers.scenario.js';

describe('fast-check integration', () => {
  it('generates explicit plans with fault schedules of the kinds a scenario allows', () => {
    const plans = fc.sample(simPlanArbitrary(fc, supervisedWorkers, { maxFaults: 6 }), { numRuns: 50, seed: 3 });
    const kinds = new Set(plans.flatMap((p) => p.faults!.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual(['clock-jump', 'crash-actor', 'crash-node']);
    for (const p of plans) {
      expect(validateFaults(JSON.parse(JSON.stringify(p.faults)))).toEqual(p.faults);
      expect(p.faults!.length).toBeLessThanOrEqual(6);
    }
  });

  it('a property over a sound scenario holds for generated plans', async () => {
    await fc.assert(simProperty(fc, ordering, { maxSize: 4, maxFaults: 4 }), { numRuns: 8, seed: 7 });
  });

  it('a property over the planted race fails and shrinks to two requests, naming the replay command', async () => {
    const out = await fc.check(simProperty(fc, plantedLostUpdate), { numRuns: 300, seed: 11 });
    expect(out.failed).toBe(true);
    const plan = out.counterexample![0];
    expect(plan.workload).toHaveLength(2);
    expect(String(out.errorInstance)).toContain('replay: npm run sim -- --scenario planted-lost-update --seed');
    // The shrunk counterexample replays.
    const again = await runScenario(plantedLostUpdate, plan);
    expect(again.failure?.message).toContain('the counter is 1 after 2 increments');
  });
});
