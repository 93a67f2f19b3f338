/**
 * Cluster names for actors on a worker core: node m is a two-core engine booted from a
 * config whose counters run on core 1 (its federation on core 0), node s a single-core one;
 * both in this process with their control planes, SWIM on loopback. The config's
 * `clusterName` on a worker placed on core 1 is registered for that actor (not its stand-in
 * on core 0), resolved and called from s, and registered again for its next incarnation
 * after a kill; `cluster.register` takes a target on core 1, and the name goes with its
 * actor. A claim or group join refused for an actor of core 1 is reported `failed`, as one
 * of core 0 is. Every wait is for what the nodes report.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNameKeeper, ControlClient, bootEngine, parseConfig, type RunningEngine } from '@pd/control';
import { until } from './control.test-util.js';

// Plain { name, create } kinds: every core of m imports this file through pd's entry module.
const KINDS = `
export const kinds = [
  { name: 'counter', create: (args) => ({ n: args?.start ?? 0, receive(m) { if (m?.type === 'inc') this.n++; return m?.type === 'get' ? this.n : undefined; } }) },
];
`;

/** The bound of every wait here: a multi-core node's cores answer through their rings. */
const WAIT_MS = 30_000;

/** The core of an address as the wire shows it (`<node.core.slot.generation>`). */
const coreOf = (addr: string): number => Number(/^<\d+\.(\d+)\.\d+\.\d+>$/.exec(addr)?.[1] ?? -1);

describe('cluster names for actors on a worker core', () => {
  const nodes: Partial<Record<'m' | 's', RunningEngine>> = {};
  const clients: Partial<Record<'m' | 's', ControlClient>> = {};
  const timing = { probeIntervalMs: 200, probeTimeoutMs: 100, gossipIntervalMs: 50, pushPullIntervalMs: 2000 };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-cnames-multi-'));
    await writeFile(join(dir, 'kinds.mjs'), KINDS);
    const secretFile = join(dir, 'cluster.secret');
    await writeFile(secretFile, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(secretFile, 0o600);
    const config = (node: 'm' | 's', engine: object, seeds: { host: string; port: number }[], children: unknown[]) => parseConfig(JSON.stringify({
      version: 1, engine: { id: `cnames-multi-${node}-${process.pid}`, ...engine }, modules: ['./kinds.mjs'],
      federation: { nodeId: node, secretFile, membership: { kind: 'swim', seeds, timing, downing: { strategy: 'off' } } },
      tree: { id: 'app', intensity: 10, children },
    }), join(dir, `${node}.json`));
    nodes.m = await bootEngine(config('m', { mode: 'multi', cores: 2, placement: { kinds: { counter: { core: 1 } } } }, [], [
      { id: 'pay', kind: 'counter', args: { start: 7 }, clusterName: 'payments' },
      { id: 'spare', kind: 'counter', args: { start: 1 } },
    ]), { stateDir: join(dir, 'state') });
    const gossip = nodes.m.federation!.swimMembership!.gossipAddress;
    nodes.s = await bootEngine(config('s', {}, [{ host: '127.0.0.1', port: gossip.port }], []), { stateDir: join(dir, 'state') });
    for (const n of ['m', 's'] as const) clients[n] = await ControlClient.connect({ url: nodes[n]!.state!.url, token: nodes[n]!.state!.token });
  }, 60_000);

  afterAll(async () => {
    for (const n of ['s', 'm'] as const) {
      await clients[n]?.close();
      await nodes[n]?.stop();
    }
  }, 60_000);

  const registry = async (n: 'm' | 's') => (await clients[n]!.call('cluster.registry')) as { names: { name: string; node: string; addr: string }[]; configured: { name: string; state: string }[] };
  const holder = async (n: 'm' | 's', name: string) => (await registry(n)).names.find((e) => e.name === name);

  it('a config clusterName on a worker of core 1 names that actor; the other node resolves and calls it', { timeout: 60_000 }, async () => {
    // Registered before the engine was reported started.
    const onM = (await holder('m', 'payments'))!;
    expect(onM).toMatchObject({ node: 'm' });
    expect(coreOf(onM.addr)).toBe(1);
    expect((await registry('m')).configured).toEqual([{ name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName', state: 'held' }]);
    const onS = await until(() => holder('s', 'payments'), 's resolves payments', WAIT_MS);
    expect(onS.addr).toBe(onM.addr);
    await clients.s!.call('msg.send', { target: 'payments', message: { type: 'inc' } });
    expect(await clients.s!.call('msg.call', { target: 'payments', message: { type: 'get' } })).toEqual({ addr: onM.addr, reply: 8 });
  });

  it('a claim or group join refused for an actor of core 1 is failed, with the error, not waiting', { timeout: 60_000 }, async () => {
    const m = nodes.m!;
    // The groups service and the registry refuse an empty group or name (a config cannot
    // give one: its checks match theirs), whatever core the actor runs on.
    const keeper = new ClusterNameKeeper(m.federation!, m.engine, [
      { group: '', path: '/user/app/spare', at: 'test.group' },
      { name: '', path: '/user/app/spare', at: 'test.name' },
      { group: '', path: '/user/app', at: 'test.core0' },
      { group: '', path: '/user/app/nobody', at: 'test.nobody' },
    ]);
    await keeper.keep(); // Resolves once the other cores were looked at.
    const spare = (await clients.m!.call('actor.info', { target: '/user/app/spare' })) as { addr: string; core: number };
    expect(spare.core).toBe(1);
    const groupError = expect.stringMatching(/^arg\/invalid: groups: join: the group must be a non-empty string/);
    expect(keeper.status()).toEqual([
      { group: '', path: '/user/app/spare', at: 'test.group', state: 'failed', error: groupError },
      { name: '', path: '/user/app/spare', at: 'test.name', state: 'failed', error: expect.stringMatching(/^arg\/invalid: cluster registry: name must be a non-empty string/) },
      // The supervisor runs on core 0: found at once, failed as before.
      { group: '', path: '/user/app', at: 'test.core0', state: 'failed', error: groupError },
      // No actor there: nothing refused, it waits for one.
      { group: '', path: '/user/app/nobody', at: 'test.nobody', state: 'waiting' },
    ]);
  });

  it('the name follows its actor across a restart on core 1', { timeout: 60_000 }, async () => {
    const before = (await holder('m', 'payments'))!.addr;
    await clients.m!.call('actor.kill', { target: '/user/app/pay' });
    const after = await until(async () => {
      const h = await holder('s', 'payments');
      return h !== undefined && h.addr !== before ? h : null;
    }, 's sees the restarted holder', WAIT_MS);
    expect(after.node).toBe('m');
    expect(coreOf(after.addr)).toBe(1);
    await until(async () => ((await registry('m')).configured[0]!.state === 'held' ? true : null), 'm reports the name held', WAIT_MS);
  });

  it('cluster.register takes a target on core 1; the name goes when its actor exits', { timeout: 60_000 }, async () => {
    const registered = (await clients.m!.call('cluster.register', { name: 'spare', target: '/user/app/spare' })) as { node: string; addr: string; path: string; already: boolean };
    expect(registered).toMatchObject({ node: 'm', path: '/user/app/spare', already: false });
    expect(coreOf(registered.addr)).toBe(1);
    expect(await clients.m!.call('cluster.register', { name: 'spare', target: '/user/app/spare' })).toMatchObject({ already: true });
    const onS = await until(() => holder('s', 'spare'), 's resolves spare', WAIT_MS);
    expect(onS.addr).toBe(registered.addr);
    expect(await clients.s!.call('msg.call', { target: 'spare', message: { type: 'get' } })).toEqual({ addr: registered.addr, reply: 1 });
    // Not a config name: not kept once its actor exits (the supervisor's restart is a new actor).
    await clients.m!.call('actor.kill', { target: '/user/app/spare' });
    await until(async () => ((await holder('s', 'spare')) === undefined && (await holder('m', 'spare')) === undefined ? true : null), 'spare gone on both nodes', WAIT_MS);
  });
});
