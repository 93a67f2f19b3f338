/**
 * pd end to end with three engines whose federation runs SWIM (`federation.membership:
 * { kind: "swim" }`), each a real process started by `pd start --detach` on loopback: node
 * a is the seed (its gossip port, picked by the engine, read from `pd cluster members`), b
 * and c join through it. `pd cluster members` shows all three alive on every node; then c
 * is killed with SIGKILL: a and b declare it dead and a monitor on each, held on c's
 * counter, fires `noconnection`, and keep-majority downing on a and b (two of three) keeps
 * them running with c downed, while `pd events` on a streams c's `member` changes and the
 * `downing` decision; c is started again without seeds and joins by hand (`pd cluster
 * join` through a's gossip endpoint) with a higher incarnation and is usable (`pd call
 * --node c`); `pd cluster leave` on c is a graceful leave (`left` on the others, c runs on
 * alone, a second join is refused); then a is killed, and b, alone in a one-to-one split
 * without the lowest id, stops itself (its process exits, as after `pd stop`).
 *
 * Nothing here asserts speed: SWIM runs on fast test timing, but every wait is for a state
 * and only bounded (generously) to fail a state that never comes; the times measured are
 * printed, not checked.
 */
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, KINDS, PD_TIMEOUT_MS, cleanEnv, configDir, pd, requireBuild, until, type Run } from './helpers.js';

const E2E_TIMEOUT_MS = 3 * PD_TIMEOUT_MS;
const ID = { a: `swim-a-${process.pid}`, b: `swim-b-${process.pid}`, c: `swim-c-${process.pid}` };
/** Fast probing (a detection in a few seconds), with room for a loaded machine's scheduling. */
const TIMING = { probeIntervalMs: 500, probeTimeoutMs: 300, gossipIntervalMs: 100, pushPullIntervalMs: 5000 };
let env: Record<string, string>;
let dir: string;
/** a's membership endpoint, the seed. */
let seedA = '';
/** `pd events` on a, while it runs (killed in afterAll if a test fails first). */
let stream: ReturnType<typeof spawn> | null = null;
const files: Record<string, string> = {};
const pids = new Map<string, number>();

async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

async function start(node: 'a' | 'b' | 'c'): Promise<void> {
  const run: Run = await pd(['start', '--config', files[node]!, '--detach', '--json'], env);
  if (run.code !== 0) throw new Error(`pd start ${node} failed (${run.code}): ${run.stdout}${run.stderr}`);
  pids.set(node, run.json.pid);
}

/** Node `observer`'s view of member `id`. */
async function memberOf(observer: 'a' | 'b' | 'c', id: string): Promise<{ status: string; incarnation: number } | undefined> {
  const view = await pdj(['cluster', 'members', '--engine', ID[observer]]);
  return view.members.find((m: { id: string }) => m.id === id);
}

function config(node: 'a' | 'b' | 'c', seeds: { host: string; port: number }[], tree: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 1, modules: [KINDS], engine: { id: ID[node], shutdownDeadlineMs: 60_000 },
    federation: { nodeId: node, secretFile: 'cluster.secret', membership: { kind: 'swim', seeds, timing: TIMING, downing: { strategy: 'keep-majority', stableAfterMs: 3000 } } },
    tree,
  };
}

beforeAll(async () => {
  requireBuild();
  const watcher = { id: 'app', children: [{ id: 'watcher', kind: 'watcher', register: 'watcher' }] };
  const a = await configDir(config('a', [], watcher));
  dir = a.dir;
  files.a = a.file;
  env = { PD_STATE_DIR: a.stateDir };
  const secret = join(dir, 'cluster.secret');
  await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
  await chmod(secret, 0o600);
  await start('a');
  // a is the seed: b and c join through the gossip port its engine picked.
  const self = (await pdj(['cluster', 'members', '--engine', ID.a])).members[0];
  const seeds = [{ host: '127.0.0.1', port: self.gossip.port }];
  seedA = `127.0.0.1:${self.gossip.port}`;
  files.b = join(dir, 'b.json');
  files.c = join(dir, 'c.json');
  await writeFile(files.b, JSON.stringify(config('b', seeds, watcher)));
  await writeFile(files.c, JSON.stringify(config('c', seeds, { id: 'app', children: [{ id: 'counter', kind: 'counter', args: { start: 7 }, register: 'counter' }] })));
  await start('b');
  await start('c');
}, 4 * PD_TIMEOUT_MS);

afterAll(async () => {
  stream?.kill('SIGKILL');
  for (const [node, pid] of pids) {
    try {
      process.kill(pid, 0);
      await pd(['stop', '--engine', ID[node as 'a']], env);
    } catch {
      // Already gone.
    }
  }
}, 3 * PD_TIMEOUT_MS);

describe('pd with three engines whose membership is SWIM', { timeout: E2E_TIMEOUT_MS }, () => {
  let deadIncarnation = 0;

  it('every node lists all three members alive (pd cluster members, --json and text)', async () => {
    for (const observer of ['a', 'b', 'c'] as const) {
      const view = await until(async () => {
        const v = await pdj(['cluster', 'members', '--engine', ID[observer]]);
        return v.members.length === 3 && v.members.every((m: { status: string }) => m.status === 'alive') ? v : null;
      }, `${observer} sees three alive members`);
      expect(view).toMatchObject({ nodeId: observer, kind: 'swim', healthScore: expect.any(Number) });
      expect(view.members[0]).toMatchObject({ id: observer, status: 'alive', address: { host: '127.0.0.1' }, gossip: { host: '127.0.0.1' } });
      expect(view.members.map((m: { id: string }) => m.id).sort()).toEqual(['a', 'b', 'c']);
    }
    // The cluster registry is reachable from pd too (no names here: cluster-names.e2e has them).
    const untroubled = { repairs: 0, unsent: 0, stale: 0, malformed: 0 };
    expect(await pdj(['registry', '--cluster', '--engine', ID.a])).toEqual({
      nodeId: 'a', names: [], conflicts: [], configured: [], groups: [], prefixes: [], prefixConflicts: [], replication: { registry: untroubled, groups: untroubled },
    });
    expect((await pd(['registry', '--cluster', '--engine', ID.b], env)).stdout).toBe('node b: no cluster names\n');
    const text = await pd(['cluster', 'members', '--engine', ID.a], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^membership: swim, local health \d+, downing keep-majority; messages: \d+ dropped, \d+ arrived unsealed\nMEMBER +STATE +INCARNATION +ADDRESS +GOSSIP +ACCUSERS\n/);
    expect(text.stdout).toMatch(/\na \(this node\) +alive +\d+ +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +-/);
    expect(text.stdout).toMatch(/\nc +alive +\d+ /);
  });

  it('c killed with SIGKILL: a and b declare it dead, and a monitor on each of its actor fires noconnection', async () => {
    // Watchers on a and b monitor c's counter: c sends them its address.
    for (const node of ['a', 'b'] as const) {
      expect(await pdj(['send', '--engine', ID.c, '--node', node, 'watcher', '{"watch":{"$addr":"counter"}}'])).toMatchObject({ result: 'queued' });
      await until(async () => ((await pdj(['cluster', 'status', '--engine', ID[node]])).books.watching >= 1 ? true : null), `${node} monitors c's counter`);
    }
    // a's event stream, followed by pd events from before the kill until a downs c.
    stream = spawn(process.execPath, [BIN, 'events', '--engine', ID.a, '--type', 'member', '--type', 'downing', '--json'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let streamed = '';
    let following = false;
    stream.stdout!.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
    stream.stderr!.on('data', (chunk: Buffer) => (following ||= chunk.toString().includes('following events')));
    await until(async () => (following ? true : null), 'pd events follows a');
    const killedAt = Date.now();
    process.kill(pids.get('c')!, 'SIGKILL');
    const seen = new Set<string>();
    for (const observer of ['a', 'b'] as const) {
      const dead = await until(async () => {
        const m = await memberOf(observer, 'c');
        if (m !== undefined) seen.add(`${observer}:${m.status}`);
        return m?.status === 'dead' ? m : null;
      }, `${observer} declares c dead`);
      console.log(`membership e2e: ${observer} saw c dead ${Date.now() - killedAt} ms after the kill (states seen: ${[...seen].join(', ')})`);
      deadIncarnation = Math.max(deadIncarnation, dead.incarnation);
    }
    for (const node of ['a', 'b'] as const) {
      const downs = await until(async () => {
        const reply = (await pdj(['call', '--engine', ID[node], 'watcher', '{"type":"downs"}'])).reply;
        return reply.length > 0 ? reply : null;
      }, `${node}'s monitor fires`);
      expect(downs).toEqual(['noconnection']);
    }
    // Keep-majority: a and b (two of three) keep running and down c, once their view is stable.
    for (const node of ['a', 'b'] as const) {
      const view = await until(async () => {
        const v = await pdj(['cluster', 'members', '--engine', ID[node]]);
        return v.downing.downed.includes('c') ? v : null;
      }, `${node} downs c`);
      expect(view.downing.decisions.at(-1)).toMatchObject({ decision: 'keep', unreachable: ['c'], members: 3, reachable: 2, strategy: 'keep-majority' });
    }
    const events = await until(async () => {
      const lines = streamed.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines.some((e) => e.type === 'downing') ? lines : null;
    }, 'pd events shows the downing');
    stream.kill('SIGINT');
    stream = null;
    const ofC = events.filter((e) => e.node === 'c').map((e) => e.status);
    expect(ofC.at(-1)).toBe('dead');
    expect(ofC).toContain('suspect');
    expect(events.find((e) => e.type === 'downing')).toMatchObject({ decision: 'keep', strategy: 'keep-majority', unreachable: ['c'], at: expect.any(Number) });
    expect(events.find((e) => e.node === 'c' && e.status === 'dead')).toMatchObject({ type: 'member', incarnation: expect.any(Number), by: expect.any(String) });
    // a and b stayed members of each other's view.
    expect((await memberOf('a', 'b'))?.status).toMatch(/^(alive|suspect)$/);
    expect((await memberOf('b', 'a'))?.status).toMatch(/^(alive|suspect)$/);
  });

  it('c started again alone joins through a (pd cluster join) with a higher incarnation, and is usable', async () => {
    // No seeds this time: c joins by hand.
    const alone = JSON.parse(await readFile(files.c!, 'utf8'));
    alone.federation.membership.seeds = [];
    await writeFile(files.c!, JSON.stringify(alone));
    await start('c');
    const joined = await pd(['cluster', 'join', '--engine', ID.c, seedA], env);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toMatch(/^c joined through 127\.0\.0\.1:\d+: [23] members alive \(a, (b, )?c\)(, new: a(, b)?)?\n$/);
    for (const observer of ['a', 'b'] as const) {
      const back = await until(async () => {
        const m = await memberOf(observer, 'c');
        return m?.status === 'alive' && m.incarnation > deadIncarnation ? m : null;
      }, `${observer} sees c alive again`);
      expect(back.incarnation).toBeGreaterThan(deadIncarnation);
    }
    const reply = await until(async () => {
      const run = await pd(['call', '--engine', ID.a, '--node', 'c', 'counter', '{"type":"get"}', '--json'], env);
      return run.code === 0 ? run.json.reply : null;
    }, 'a calls the counter on the new c');
    expect(reply).toBe(7);
  });

  it('pd cluster leave on c is a graceful leave: the others see it left, c runs on alone, and joins no more', async () => {
    expect(await pdj(['cluster', 'leave', '--engine', ID.c])).toEqual({ nodeId: 'c', left: true });
    for (const observer of ['a', 'b'] as const) {
      await until(async () => ((await memberOf(observer, 'c'))?.status === 'left' ? true : null), `${observer} sees c left`);
    }
    expect((await pdj(['status', '--engine', ID.c])).status).toBe('running');
    expect((await memberOf('c', 'c'))?.status).toBe('left');
    const again = await pd(['cluster', 'join', '--engine', ID.c, seedA, '--json'], env);
    expect(again.code).toBe(1);
    expect(again.json.error).toMatchObject({ code: 'cluster/unavailable', message: 'cannot join: node c has left the cluster' });
    expect(await pdj(['stop', '--engine', ID.c])).toMatchObject({ stopped: true });
    pids.delete('c');
  });

  it('a killed: b, alone, is the side of an even split without the lowest id, and stops itself', async () => {
    // c left, so the cluster is a and b: one against one, and keep-majority keeps the side of 'a'.
    process.kill(pids.get('a')!, 'SIGKILL');
    pids.delete('a');
    const pid = pids.get('b')!;
    await until(async () => {
      try {
        process.kill(pid, 0);
        return null;
      } catch {
        return true;
      }
    }, 'b stops its engine and exits');
    pids.delete('b');
    // It stopped as pd stop would: its state file is gone, so pd finds no engine b.
    const status = await pd(['status', '--engine', ID.b, '--json'], env);
    expect(status.code).not.toBe(0);
  });
});
