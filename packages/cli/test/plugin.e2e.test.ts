/**
 * `pd plugin` end to end: a real engine started by `pd start --detach` from a config whose
 * `plugins` section loads the AssemblyScript counter example (built by @pd/plugin's build)
 * and whose tree runs one; then every `pd plugin` subcommand through the real binary.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PD_TIMEOUT_MS, configDir, pd, requireBuild, type Run } from './helpers.js';

const COUNTER = fileURLToPath(new URL('../../plugin/examples/counter-as/build/counter.wasm', import.meta.url));
const ID = `plugin-e2e-${process.pid}`;
let env: Record<string, string>;
let started: Run;

/** `pd ARGS --json` against the engine; checks the exit status. */
async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

beforeAll(async () => {
  requireBuild();
  const made = await configDir({
    version: 1,
    engine: { id: ID, shutdownDeadlineMs: 1000 },
    plugins: [{ name: 'wcounter', file: COUNTER, limits: { fuel: 100_000 } }],
    tree: { id: 'app', children: [{ id: 'c', kind: 'wcounter', register: 'c', restart: 'transient' }] },
  });
  env = { PD_STATE_DIR: made.stateDir };
  started = await pd(['start', '--config', made.file, '--detach', '--json'], env);
  if (started.code !== 0) throw new Error(`pd start failed (${started.code}): ${started.stdout}${started.stderr}`);
}, 3 * PD_TIMEOUT_MS);

afterAll(async () => {
  if (typeof started?.json?.pid === 'number') await pd(['stop', '--engine', ID], env).catch(() => {});
}, 2 * PD_TIMEOUT_MS);

describe('pd plugin against a real engine', { timeout: 4 * PD_TIMEOUT_MS }, () => {
  it('the config\'s plugin runs in the tree; list and info show it', async () => {
    expect(await pdj(['call', 'c', '5'])).toMatchObject({ reply: 5 });
    const [list, info, human] = await Promise.all([pdj(['plugin', 'list']), pdj(['plugin', 'info', 'wcounter']), pd(['plugin', 'list'], env)]);
    expect(list.plugins).toEqual([expect.objectContaining({ name: 'wcounter', abiVersion: 1, version: 1, actors: 1, messages: 1 })]);
    expect(info).toMatchObject({ name: 'wcounter', abiVersion: 1, limits: { fuel: 100_000 }, actors: 1 });
    expect(info.fuelUsed).toBeGreaterThan(0);
    expect(human.stdout).toMatch(/^NAME\s+VERSION\s+ABI\s+ACTORS\s+MESSAGES\s+FUEL USED\s+MEMORY\nwcounter\s+1\s+1\s+1\s+1\s+\d+\s+[\d.]+ KiB\n$/);
  });

  it('load with --name and --limits, spawn, reload (hot swap), unload (its actors stop)', async () => {
    const loaded = await pdj(['plugin', 'load', COUNTER, '--name', 'counter2', '--limits', '{"fuel":50000}']);
    expect(loaded).toMatchObject({ name: 'counter2', version: 1, actors: 0, limits: { fuel: 50_000 } });
    const spawned = await pdj(['spawn', 'counter2', '--name', 'c2']);
    expect(await pdj(['call', '/user/c2', '2'])).toMatchObject({ reply: 2 });
    const reloaded = await pdj(['plugin', 'reload', 'counter2', COUNTER]);
    expect(reloaded).toMatchObject({ name: 'counter2', version: 2, swapped: 1 });
    // Same actor, new instance: the count starts again.
    expect(await pdj(['call', '/user/c2', '3'])).toMatchObject({ reply: 3 });
    expect((await pdj(['inspect', '/user/c2'])).addr).toBe(spawned.addr);
    const unloaded = await pd(['plugin', 'unload', 'counter2'], env);
    expect(unloaded.code).toBe(0);
    expect(unloaded.stdout.trim()).toBe('unloaded counter2: 1 actor stopped (shutdown: plugin-unloaded)');
    expect((await pdj(['ps', '--kind', 'counter2'])).total).toBe(0);
    expect((await pdj(['plugin', 'list'])).plugins.map((p: { name: string }) => p.name)).toEqual(['wcounter']);
  });

  it('mistakes: an unknown plugin, a refused module, a bad subcommand', async () => {
    const [missing, refused, usage, badLimits] = await Promise.all([
      pdj(['plugin', 'info', 'nope'], 1),
      pdj(['plugin', 'load', fileURLToPath(new URL('./helpers.ts', import.meta.url)), '--name', 'junk'], 1),
      pd(['plugin', 'frob'], env),
      pdj(['plugin', 'load', COUNTER, '--limits', '[1]'], 2),
    ]);
    expect(missing.error).toMatchObject({ code: 'plugin/not-loaded', hint: 'see `pd plugin list`' });
    expect(refused.error).toMatchObject({ code: 'plugin/refused', data: { cause: 'plugin/invalid-module' } });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown subcommand "frob"');
    expect(badLimits.error.message).toContain('--limits must be a JSON object');
  });
});
