/**
 * pd end to end: cluster names on three engines (SWIM on loopback, keep-majority), each a
 * real process started by `pd start --detach`. Node a's config gives its worker
 * `"clusterName": "payments"`: every node resolves it (`pd cluster names`), and `pd call
 * payments` on c reaches the holder on a; `pd cluster register payments ...` on b is refused
 * naming a (`cluster/name-taken`, exit 1), as is `pd cluster unregister` of a's name there.
 * Then a is killed (SIGKILL): the name goes from b and c with a's connection (a node's names
 * are forgotten when it is lost), SWIM declares a dead, and b takes the name (`pd cluster
 * register`), which c then resolves and calls. Between the two, `pd cluster register-prefix`
 * on b claims b's subtree, which c resolves, and c's own claim of it is refused
 * (`cluster/prefix-taken`).
 *
 * Nothing here asserts speed: every wait is for a state, bounded only to fail a state that
 * never comes.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, PD_TIMEOUT_MS, configDir, pd, requireBuild, until, type Run } from './helpers.js';

const E2E_TIMEOUT_MS = 3 * PD_TIMEOUT_MS;
type Node = 'a' | 'b' | 'c';
const ID: Record<Node, string> = { a: `cn-a-${process.pid}`, b: `cn-b-${process.pid}`, c: `cn-c-${process.pid}` };
const TIMING = { probeIntervalMs: 500, probeTimeoutMs: 300, gossipIntervalMs: 100, pushPullIntervalMs: 5000 };
let env: Record<string, string>;
const files: Partial<Record<Node, string>> = {};
const pids = new Map<Node, number>();

async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

async function start(node: Node): Promise<void> {
  const run: Run = await pd(['start', '--config', files[node]!, '--detach', '--json'], env);
  if (run.code !== 0) throw new Error(`pd start ${node} failed (${run.code}): ${run.stdout}${run.stderr}`);
  pids.set(node, run.json.pid);
}

function config(node: Node, seeds: { host: string; port: number }[], worker: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 1, modules: [KINDS], engine: { id: ID[node], shutdownDeadlineMs: 60_000 },
    federation: { nodeId: node, secretFile: 'cluster.secret', membership: { kind: 'swim', seeds, timing: TIMING, downing: { strategy: 'keep-majority', stableAfterMs: 3000 } } },
    tree: { id: 'app', children: [worker] },
  };
}

/** The holder of `name` as node `observer` sees it (`pd cluster names --json`). */
async function holderOn(observer: Node, name: string): Promise<{ node: string; addr: string } | undefined> {
  return (await pdj(['cluster', 'names', '--engine', ID[observer]])).names.find((n: { name: string }) => n.name === name);
}

beforeAll(async () => {
  requireBuild();
  const a = await configDir(config('a', [], { id: 'pay', kind: 'counter', args: { start: 7 }, clusterName: 'payments' }));
  files.a = a.file;
  env = { PD_STATE_DIR: a.stateDir };
  const secret = join(a.dir, 'cluster.secret');
  await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
  await chmod(secret, 0o600);
  await start('a');
  const self = (await pdj(['cluster', 'members', '--engine', ID.a])).members[0];
  const seeds = [{ host: '127.0.0.1', port: self.gossip.port }];
  for (const node of ['b', 'c'] as const) {
    files[node] = join(a.dir, `${node}.json`);
    await writeFile(files[node]!, JSON.stringify(config(node, seeds, { id: 'spare', kind: 'counter', args: { start: node === 'b' ? 1 : 2 } })));
    await start(node);
  }
}, 4 * PD_TIMEOUT_MS);

afterAll(async () => {
  for (const [node, pid] of pids) {
    try {
      process.kill(pid, 0);
      await pd(['stop', '--engine', ID[node]], env);
    } catch {
      // Already gone.
    }
  }
}, 3 * PD_TIMEOUT_MS);

describe('pd cluster names on three engines', { timeout: E2E_TIMEOUT_MS }, () => {
  it('a config clusterName on a resolves from b and c; pd call NAME on c reaches it', async () => {
    const mine = await pdj(['cluster', 'names', '--engine', ID.a]);
    expect(mine).toMatchObject({
      nodeId: 'a', names: [{ name: 'payments', node: 'a', clock: expect.any(Number), addr: expect.stringMatching(/^<\d+\.0\.\d+\.\d+>$/) }], conflicts: [],
      configured: [{ name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName', state: 'held' }],
    });
    for (const observer of ['b', 'c'] as const) {
      const seen = await until(async () => (await holderOn(observer, 'payments')) ?? null, `${observer} resolves payments`);
      expect(seen).toMatchObject({ node: 'a', addr: mine.names[0].addr });
    }
    const text = await pd(['cluster', 'names', '--engine', ID.b], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^NAME +NODE +CLOCK +ADDR\npayments +a +\d+ +<\d+\.0\.\d+\.\d+>\n$/);
    // pd registry --cluster shows the same.
    expect((await pdj(['registry', '--cluster', '--engine', ID.b])).names).toEqual((await pdj(['cluster', 'names', '--engine', ID.b])).names);
    // c has no actor called payments: the target resolves through the cluster registry.
    expect(await pdj(['send', '--engine', ID.c, 'payments', '{"type":"inc"}'])).toMatchObject({ result: 'queued', addr: mine.names[0].addr });
    const reply = await until(async () => {
      const r = await pdj(['call', '--engine', ID.c, 'payments', '{"type":"get"}']);
      return r.reply === 8 ? r : null;
    }, 'c calls payments on a');
    expect(reply.addr).toBe(mine.names[0].addr);
  });

  it('registering the name on b is refused, naming a (cluster/name-taken, exit 1)', async () => {
    const json = await pd(['cluster', 'register', 'payments', '/user/app/spare', '--engine', ID.b, '--json'], env);
    expect(json.code).toBe(1);
    expect(json.json.error).toMatchObject({ code: 'cluster/name-taken', data: { name: 'payments', node: 'a' }, message: expect.stringMatching(/^the cluster name "payments" is taken: node a holds it for <[\d.]+>$/) });
    const text = await pd(['cluster', 'register', 'payments', '/user/app/spare', '--engine', ID.b], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^pd: the cluster name "payments" is taken: node a holds it for <[\d.]+>\n {2}hint: unregister it on node a /);
    const elsewhere = await pd(['cluster', 'unregister', 'payments', '--engine', ID.b, '--json'], env);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.json.error).toMatchObject({ code: 'cluster/name-taken', data: { node: 'a' } });
    const usage = await pd(['cluster', 'register', 'payments', '--engine', ID.b], env);
    expect(usage.code).toBe(2);
  });

  it('pd cluster register-prefix on b claims its subtree; c resolves it, and its own claim is refused (cluster/prefix-taken, exit 1)', async () => {
    const claimed = await pdj(['cluster', 'register-prefix', '/user/app/spare', '--engine', ID.b]);
    expect(claimed).toMatchObject({ nodeId: 'b', prefix: '/user/app/spare', node: 'b', path: '/user/app/spare', already: false });
    const onC = await until(async () => (await pdj(['cluster', 'names', '--engine', ID.c])).prefixes.find((p: { prefix: string }) => p.prefix === '/user/app/spare') ?? null, 'c sees b\'s prefix');
    expect(onC).toMatchObject({ node: 'b', addr: claimed.addr });
    const refused = await pd(['cluster', 'register-prefix', '/user/app/spare', '--engine', ID.c, '--json'], env);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'cluster/prefix-taken', data: { prefix: '/user/app/spare', node: 'b' } });
    const text = await pd(['cluster', 'unregister-prefix', '/user/app/spare', '--engine', ID.b], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('unregistered /user/app/spare on node b\n');
    await until(async () => ((await pdj(['cluster', 'names', '--engine', ID.c])).prefixes.length === 0 ? true : null), 'c forgets b\'s prefix');
  });

  it('a killed: the name goes with it, SWIM declares it dead, and b takes the name; c resolves b', async () => {
    process.kill(pids.get('a')!, 'SIGKILL');
    pids.delete('a');
    for (const observer of ['b', 'c'] as const) {
      await until(async () => ((await holderOn(observer, 'payments')) === undefined ? true : null), `${observer} forgets a's payments`);
      await until(async () => {
        const view = await pdj(['cluster', 'members', '--engine', ID[observer]]);
        return view.members.find((m: { id: string }) => m.id === 'a')?.status === 'dead' ? true : null;
      }, `${observer} declares a dead`);
    }
    expect(await holderOn('b', 'payments')).toBeUndefined();
    const taken = await pdj(['cluster', 'register', 'payments', '/user/app/spare', '--engine', ID.b]);
    expect(taken).toMatchObject({ nodeId: 'b', name: 'payments', node: 'b', path: '/user/app/spare', already: false });
    const onC = await until(async () => ((await holderOn('c', 'payments'))?.node === 'b' ? holderOn('c', 'payments') : null), 'c sees b hold payments');
    expect(onC!.addr).toBe(taken.addr);
    expect((await pdj(['call', '--engine', ID.c, 'payments', '{"type":"get"}'])).reply).toBe(1);
    const text = await pd(['cluster', 'unregister', 'payments', '--engine', ID.b], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('unregistered payments on node b\n');
  });
});
