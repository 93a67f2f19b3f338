/**
 * The runtime's simulation scenarios (test/sim/scenarios) under injected faults: actor
 * kills and crashes, node crashes and restarts, clock jumps, a lossy, duplicating,
 * partitioned network, buggify. Each passes its invariants, `always` assertions and
 * liveness phase for several seeds; a seed replays to the same trace hash in this process
 * and in another; a run that differs between two runs is caught at the step it diverges.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { checkDeterminism, defineScenario, runScenario, type Scenario } from '../../src/sim/index.js';
import { linksMonitors } from './scenarios/links-monitors.scenario.js';
import { netEcho } from './scenarios/net-echo.scenario.js';
import { ordering } from './scenarios/ordering.scenario.js';
import { supervisedWorkers } from './scenarios/supervised-workers.scenario.js';
import { timersClock } from './scenarios/timers-clock.scenario.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCENARIOS: Scenario[] = [netEcho, supervisedWorkers, linksMonitors, timersClock, ordering];
const SEEDS = Array.from({ length: Number(process.env.PD_SIM_SEEDS ?? 4) }, (_, i) => 1000 + i * 7919);

// Each test runs many seeded worlds (one starts another Node process): seconds of CPU that a
// busy machine stretches, so they get a generous limit rather than vitest's 30 s default.
describe('simulation scenarios', { timeout: 120_000 }, () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name} holds its invariants and converges for ${SEEDS.length} seeds`, async () => {
      for (const seed of SEEDS) {
        const r = await runScenario(scenario, seed);
        expect(r.failure, `seed ${seed}: ${r.failure?.message}`).toBeNull();
        expect(r.steps).toBeGreaterThan(0);
      }
    });
  }

  it('injects the faults each scenario allows, across seeds', async () => {
    const applied = new Set<string>();
    for (const scenario of [supervisedWorkers, netEcho]) {
      for (let seed = 1; seed <= 12; seed++) for (const f of (await runScenario(scenario, seed)).applied) applied.add(f.kind);
    }
    expect([...applied].sort()).toEqual(['clock-jump', 'clog', 'crash-actor', 'crash-node', 'partition']);
  });

  it('same seed, same trace hash: twice in this process, and in another process', async () => {
    const seed = 4242;
    const report = await checkDeterminism(netEcho, seed);
    expect(report.message).toBe('');
    expect(report.ok).toBe(true);
    expect(report.first.hash).toBe(report.second.hash);
    const other = JSON.parse(execFileSync(process.execPath, ['tools/sim.mjs', '--scenario', 'net-echo', '--seed', String(seed), '--json'], { cwd: ROOT, encoding: 'utf8' }).trim());
    expect(other).toMatchObject({ seed, scenario: 'net-echo', ok: true, hash: report.first.hash, steps: report.first.steps, node: process.version });
  });

  it('the determinism check names the first step at which two runs of a seed diverge', async () => {
    let runs = 0;
    // Leaks state between runs (a module-level counter), as a careless scenario might.
    const leaky = defineScenario({
      name: 'leaky',
      description: 'reads state that outlives a run',
      durationMs: 100,
      boot(node) {
        const delay = 5 + (runs++ % 2) * 3;
        const a = node.engine.spawn({ receive: (n: number, ctx: Context<number>) => void (n < 6 && ctx.sendAfter(ctx.self, n + 1, n === 3 ? delay : 5)) });
        node.engine.send(a, 0);
      },
    });
    const report = await checkDeterminism(leaky, 1);
    expect(report.ok).toBe(false);
    expect(report.divergence!.step).toBeGreaterThan(3);
    expect(report.message).toMatch(/the runs diverge at step \d+/);
    expect(report.message).toMatch(/first run: +#\d+ t=\d+\.\d+ n0#0 timer/);
    expect(report.divergence!.before).toHaveLength(3);
  });
});
