/**
 * The runner finds a deliberately planted race (scenarios/planted-lost-update: a counter
 * store and an incrementer that reads, thinks, then writes) within a bounded number of
 * seeds, shrinks it to two requests, and the printed command replays it exactly, in
 * another process, with the same trace hash.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSimCli } from '../../src/sim/index.js';
import { shrinkPlan } from '../../src/sim/fast-check.js';
import { plantedLostUpdate } from './scenarios/planted-lost-update.scenario.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAX_SEEDS = 200;

// Up to 200 seeded runs, a shrink and a replay in another process: seconds of CPU that a busy
// machine stretches, so a generous limit rather than vitest's 30 s default.
describe('planted race', { timeout: 120_000 }, () => {
  it('is found within the seed bound, shrunk, and replayed from the printed command', async () => {
    const lines: string[] = [];
    const code = await runSimCli(['--scenario', 'planted-lost-update', '--seeds', String(MAX_SEEDS), '--from', '1'], {
      scenarios: [plantedLostUpdate],
      print: (l) => lines.push(...l.split('\n')),
      shrink: (scenario, plan, failure) => shrinkPlan(fc, scenario, plan, failure),
    });
    const out = lines.join('\n');
    expect(code, out).toBe(129);
    const failed = lines.filter((l) => /^seed \d+ .* FAIL correctness/.test(l));
    expect(failed).toHaveLength(1);
    expect(lines.filter((l) => /^seed \d+ /.test(l)).length).toBeLessThanOrEqual(MAX_SEEDS);
    expect(out).toMatch(/FAIL seed \d+, scenario planted-lost-update: correctness \(exit 129\)/);
    expect(out).toMatch(/lost update: the counter is \d+ after \d+ increments/);
    expect(out).toContain(`node ${process.version}`);
    const replays = lines.filter((l) => l.trim().startsWith('replay: ')).map((l) => l.trim().slice('replay: '.length));
    expect(replays).toHaveLength(2);
    const shrunk = replays[1]!;
    expect(lines.find((l) => l.includes('shrunk in'))).toContain('the counter is 1 after 2 increments');
    const workload = JSON.parse(/--workload '(\[[^\]]*\])'/.exec(shrunk)![1]!) as number[];
    expect(workload).toHaveLength(2);
    // The printed command, run as printed from the repository root, fails the same way,
    // with the same trace hash (it carries --expect-hash).
    const replay = spawnSync('sh', ['-c', shrunk], { cwd: ROOT, encoding: 'utf8' });
    expect(replay.status, replay.stdout + replay.stderr).toBe(129);
    expect(replay.stdout).toMatch(/FAIL correctness/);
    expect(replay.stdout).toContain('the counter is 1 after 2 increments');
  });
});
