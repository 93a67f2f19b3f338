/**
 * The runner's command line: one line per seed with its trace hash, a summary, usage
 * errors (exit 2), `--list`, `--json`, `--expect-hash` (exit 130 on a mismatch) and
 * `--check-determinism` (exit 130 naming the step where two runs diverge).
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { defineScenario, runSimCli, SIM_USAGE } from '../../src/sim/index.js';
import { ordering } from './scenarios/ordering.scenario.js';
import { plantedLostUpdate } from './scenarios/planted-lost-update.scenario.js';

let leaks = 0;
const drifting = defineScenario({
  name: 'drifting',
  description: 'differs between runs of one seed',
  durationMs: 50,
  boot(node) {
    const a = node.engine.spawn({ receive: (n: number, ctx: Context<number>) => void (n < 4 && ctx.sendAfter(ctx.self, n + 1, 1 + (leaks++ % 3))) });
    node.engine.send(a, 0);
  },
});

async function cli(args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runSimCli(args, { scenarios: [ordering, plantedLostUpdate, drifting], print: (l) => out.push(...l.split('\n')) });
  return { code, out };
}

describe('sim runner CLI', () => {
  it('prints a header, one line per seed with its hash, and a summary; exits 0', async () => {
    const { code, out } = await cli(['--scenario', 'ordering', '--seeds', '3', '--from', '10']);
    expect(code).toBe(0);
    expect(out[0]).toBe(`sim: node ${process.version}, 3 seed(s) from 10, scenarios: ordering`);
    const seeds = out.filter((l) => l.startsWith('seed '));
    expect(seeds.map((l) => l.split(/\s+/)[1])).toEqual(['10', '11', '12']);
    for (const l of seeds) expect(l).toMatch(/ordering +ok +hash [0-9a-f]{16} +steps +\d+ +vt +\d+ms/);
    expect(out.at(-1)).toMatch(/^sim: 3 seed\(s\) planned, 3 run, 0 failed \(ordering 3\)/);
  });

  it('runs every scenario not tagged planted by default, choosing by seed', async () => {
    const { out } = await cli(['--seeds', '2', '--from', '0']);
    expect(out[0]).toContain('scenarios: ordering, drifting');
  });

  it('lists scenarios, tagging planted ones', async () => {
    const { code, out } = await cli(['--list']);
    expect(code).toBe(0);
    expect(out.find((l) => l.startsWith('planted-lost-update'))).toContain('[planted]');
  });

  it('refuses bad arguments with the usage and exit code 2', async () => {
    for (const args of [['--seeds', '0'], ['--bogus'], ['--seed', '-1'], ['--scenario', 'nope'], ['--faults', '[{"kind":"meteor","at":1}]'], ['--workload', '[1.5]']]) {
      const { code, out } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(out.join('\n')).toMatch(/^sim: /);
    }
    expect((await cli(['--bogus'])).out.join('\n')).toContain(SIM_USAGE.split('\n')[0]!);
  });

  it('prints JSON lines with the replay command', async () => {
    const { out } = await cli(['--scenario', 'ordering', '--seed', '5', '--json']);
    const line = JSON.parse(out[0]!);
    expect(line).toMatchObject({ seed: 5, scenario: 'ordering', ok: true, node: process.version, failure: null });
    expect(line.replay).toBe(`npm run sim -- --scenario ordering --seed 5 --expect-hash ${line.hash}`);
  });

  it('--expect-hash fails a run whose trace differs, with exit code 130', async () => {
    const { code, out } = await cli(['--scenario', 'ordering', '--seed', '5', '--expect-hash', '0000000000000000']);
    expect(code).toBe(130);
    expect(out.join('\n')).toMatch(/expected trace hash 0000000000000000, got [0-9a-f]{16}/);
  });

  it('--expect-hash says the trace differs (exit 130) even when the run also fails another way', async () => {
    const { code, out } = await cli(['--scenario', 'planted-lost-update', '--seed', '2', '--no-shrink', '--expect-hash', '0000000000000000']);
    expect(code).toBe(130);
    const text = out.join('\n');
    expect(text).toMatch(/FAIL seed 2, scenario planted-lost-update: nondeterminism \(exit 130\)/);
    expect(text).toMatch(/expected trace hash 0000000000000000, got [0-9a-f]{16}/);
    expect(text).toMatch(/this run also failed \(correctness\): final check failed: lost update/);
  });

  it('names the --module file of a scenario in its replay lines, and accepts --module in the arguments', async () => {
    const out: string[] = [];
    const code = await runSimCli(['--module', 'my.scenario.ts', '--scenario', 'planted-lost-update', '--seed', '2', '--no-shrink'], {
      scenarios: [plantedLostUpdate], print: (l) => out.push(...l.split('\n')), moduleOf: (s) => (s === plantedLostUpdate ? 'my.scenario.ts' : undefined),
    });
    expect(code).toBe(129);
    expect(out.find((l) => l.includes('replay:'))).toMatch(/replay: npm run sim -- --module my\.scenario\.ts --scenario planted-lost-update --seed 2 --expect-hash [0-9a-f]{16}$/);
    expect(SIM_USAGE).toContain('--module FILE');
  });

  it('--check-determinism runs each seed twice and names the step where they diverge', async () => {
    const good = await cli(['--scenario', 'ordering', '--seeds', '2', '--check-determinism']);
    expect(good.code).toBe(0);
    const bad = await cli(['--scenario', 'drifting', '--seed', '3', '--check-determinism']);
    expect(bad.code).toBe(130);
    const text = bad.out.join('\n');
    expect(text).toMatch(/FAIL seed 3, scenario drifting: nondeterminism \(exit 130\)/);
    expect(text).toMatch(/the runs diverge at step \d+/);
    expect(text).toMatch(/first run: +#\d+ t=/);
  });

  it('keeps going past a failure with --keep-going and exits with the first failure\'s code', async () => {
    const { code, out } = await cli(['--scenario', 'planted-lost-update', '--seeds', '40', '--from', '1', '--keep-going', '--no-shrink']);
    expect(code).toBe(129);
    const failed = out.filter((l) => /^seed .* FAIL/.test(l)).length;
    expect(failed).toBeGreaterThan(1);
    expect(out.at(-1)).toMatch(new RegExp(`40 run, ${failed} failed`));
  });
});
