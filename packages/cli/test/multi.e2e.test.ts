/**
 * pd end to end with a multi-core engine: `pd start --detach` boots `engine.mode: "multi"`
 * with two cores from a config whose kinds are plain `{ name, create }` objects, and a
 * placement policy that puts the counters on core 1. The control plane shows every core:
 * ps, tree, inspect (by path, name and address), call, stop of an actor on core 1 (its
 * supervisor on core 0 restarts it there), dead, status. `pd stop` of a clean run leaves
 * nothing in the state folder — no state file, no log (#18).
 *
 * Nothing here depends on speed: every step waits for the answer of the one before.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PD_TIMEOUT_MS, configDir, pd, requireBuild, type Run } from './helpers.js';

const E2E_TIMEOUT_MS = 2 * PD_TIMEOUT_MS;
const ID = `multi-${process.pid}`;
let env: Record<string, string>;
let stateDir: string;
let started: Run;

const CONFIG = {
  version: 1,
  engine: { id: ID, mode: 'multi', cores: 2, shutdownDeadlineMs: 60_000, placement: { kinds: { counter: { core: 1 } } } },
  tree: {
    id: 'app',
    children: [
      { id: 'counter', kind: 'counter', args: { start: 10 }, register: 'counter' },
      { id: 'workers', children: [{ id: 'echo', kind: 'echo' }, { id: 'tally', kind: 'counter' }] },
    ],
  },
};

async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

/** Retry `probe` until it gives a value; a bound only for a restart that never comes. */
async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not seen after 100 tries`);
}

beforeAll(async () => {
  requireBuild();
  const made = await configDir(CONFIG);
  stateDir = made.stateDir;
  env = { PD_STATE_DIR: stateDir };
  started = await pd(['start', '--config', made.file, '--detach', '--json'], env);
  if (started.code !== 0) throw new Error(`pd start failed (${started.code}): ${started.stdout}${started.stderr}`);
}, 3 * PD_TIMEOUT_MS);

afterAll(async () => {
  const pid = started?.json?.pid;
  if (typeof pid !== 'number') return;
  try {
    process.kill(pid, 0);
    await pd(['stop', '--engine', ID], env);
  } catch {
    // Already gone.
  }
}, 2 * PD_TIMEOUT_MS);

describe('pd against a multi-core engine', { timeout: E2E_TIMEOUT_MS }, () => {
  it('status: multi mode, two cores, counters of each', async () => {
    const status = await pdj(['status']);
    expect(status).toMatchObject({ id: ID, status: 'running', mode: 'multi', cores: 2, kinds: expect.arrayContaining(['counter', 'echo']) });
    expect(status.coreStats.map((c: any) => c.core)).toEqual([0, 1]);
    expect(status.coreStats[1].live).toBe(2);
    expect(status.stats.live).toBe(status.coreStats[0].live + status.coreStats[1].live);
  });

  it('ps and tree show the actors of core 1 where the config put them', async () => {
    const [ps, tree, text] = await Promise.all([pdj(['ps']), pdj(['tree']), pd(['tree'], env)]);
    const rows = Object.fromEntries(ps.actors.map((a: any) => [a.path, a]));
    expect(Object.keys(rows).sort()).toEqual(['/user/app', '/user/app/counter', '/user/app/workers', '/user/app/workers/echo', '/user/app/workers/tally']);
    expect(rows['/user/app/counter']).toMatchObject({ kind: 'counter', core: 1, parent: '/user/app' });
    expect(rows['/user/app/workers/tally']).toMatchObject({ kind: 'counter', core: 1, parent: '/user/app/workers' });
    expect(rows['/user/app/workers/echo']).toMatchObject({ kind: 'echo', core: 0 });
    expect(rows['/user/app/counter'].addr).toMatch(/^<\d+\.1\.\d+\.\d+>$/);
    // One tree, rooted on core 0, with the core-1 actors at their supervisors' places.
    expect(tree.roots).toHaveLength(1);
    const [app] = tree.roots;
    expect(app.children.map((c: any) => [c.path, c.kind, c.core])).toEqual([['/user/app/counter', 'counter', 1], ['/user/app/workers', 'supervisor', 0]]);
    expect(app.children[1].children.map((c: any) => [c.path, c.core])).toEqual([['/user/app/workers/echo', 0], ['/user/app/workers/tally', 1]]);
    expect(text.stdout).toMatch(/counter {2}\(counter\) {2}core 1 {2}</);
  });

  it('inspect an actor of core 1 by path, name and address; call it', async () => {
    const byPath = await pdj(['inspect', '/user/app/counter']);
    expect(byPath).toMatchObject({ path: '/user/app/counter', kind: 'counter', core: 1, status: 'running', parent: '/user/app' });
    const [byName, byAddr] = await Promise.all([pdj(['inspect', 'counter']), pdj(['inspect', byPath.addr])]);
    expect(byName.addr).toBe(byPath.addr);
    expect(byAddr.path).toBe('/user/app/counter');
    const tally = (await pdj(['ps', '--kind', 'counter'])).actors.find((a: any) => a.path === '/user/app/workers/tally');
    expect((await pdj(['inspect', tally.addr.replace(/[<>]/g, '')])).core).toBe(1);
    expect((await pdj(['call', 'counter', '{"type":"get"}'])).reply).toBe(10);
  });

  it('spawn follows the placement policy to core 1, and the new actor is a target like any other', async () => {
    const spawned = await pdj(['spawn', 'counter', '{"start":3}', '--name', 'extra']);
    expect(spawned).toMatchObject({ path: '/user/extra', kind: 'counter', status: 'running', core: 1 });
    expect(await pdj(['inspect', '/user/extra'])).toMatchObject({ addr: spawned.addr, core: 1, parent: null });
    expect((await pdj(['call', '/user/extra', '{"type":"get"}'])).reply).toBe(3);
    expect((await pdj(['stop', '/user/extra'])).reason).toMatchObject({ type: 'shutdown' });
  });

  it('stop an actor of core 1: it exits there, its supervisor restarts it on core 1, dead shows the exit', async () => {
    const before = await pdj(['inspect', '/user/app/workers/tally']);
    const stopped = await pdj(['stop', '/user/app/workers/tally', '--reason', 'done']);
    expect(stopped).toMatchObject({ path: '/user/app/workers/tally', addr: before.addr, reason: { type: 'shutdown' } });
    // The supervisor (one-for-one, permanent) starts a new incarnation, on core 1 again, once
    // the exit has crossed back to core 0: wait for it (each try is a whole pd process).
    const after = await until(async () => {
      const run = await pd(['inspect', '/user/app/workers/tally', '--json'], env);
      return run.code === 0 && run.json.addr !== before.addr ? run.json : null;
    }, 'the restarted tally');
    expect(after.core).toBe(1);
    expect(after.addr).not.toBe(before.addr);
    const dead = await pdj(['dead']);
    expect(dead.terminated).toContainEqual(expect.objectContaining({ path: '/user/app/workers/tally', kind: 'counter', core: 1, addr: before.addr }));
    expect(dead.terminated.filter((t: any) => t.kind === 'RemoteChild')).toEqual([]);
  });

  it('pd stop ends every core and leaves nothing in the state folder, no log included', async () => {
    const stopped = await pdj(['stop']);
    expect(stopped).toEqual({ stopped: true, id: ID, pid: started.json.pid });
    expect(await readdir(stateDir)).toEqual([]);
  });
});

describe('pd start refuses what cannot start on the worker cores', { timeout: E2E_TIMEOUT_MS }, () => {
  it('a tree whose child on core 1 crashes as it starts: the engine stops again and says which child and why (exit 1)', async () => {
    const made = await configDir({
      version: 1, engine: { id: 'multi-broken', mode: 'multi', cores: 2, placement: { kinds: { broken: { core: 1 } } } },
      tree: { id: 'app', children: [{ id: 'b', kind: 'broken' }] },
    });
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(1);
    expect(run.json.error.message).toContain('the config tree did not start:\n  tree.children[0] (/user/app/b): it exited (error: Error: broken on purpose)');
    expect((await readdir(made.stateDir)).filter((f) => f.endsWith('.json'))).toEqual([]);
  });


  it('is a config error at `modules` naming the core and its error, and nothing keeps running', async () => {
    const made = await configDir({ version: 1, engine: { id: 'multi-bad', mode: 'multi', cores: 2 }, modules: ['./main-only.mjs'], tree: { children: [{ id: 'c', kind: 'counter' }] } });
    // Loads on the main thread (so the config checks out), throws on a worker thread.
    await writeFile(join(made.dir, 'main-only.mjs'), [
      "import { isMainThread } from 'node:worker_threads';",
      "if (!isMainThread) throw new Error('not on a worker');",
      'export const kinds = [{ name: "counter", create: () => ({ receive() {} }) }];',
    ].join('\n'));
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{ path: 'modules', message: 'core 1 (a worker thread) cannot load them: Error: not on a worker' }]);
    expect((await readdir(made.stateDir)).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});
