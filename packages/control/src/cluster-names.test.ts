/**
 * Cluster names for `pd start` engines: the config's `clusterName` (its checks by field
 * path), kept registered by the engine across its actor's restarts, and the control
 * methods `cluster.register` / `cluster.unregister` / `cluster.registry` (names, groups and
 * path prefixes) and a send to a cluster name — two engines booted in this process as two nodes (SWIM on loopback), each
 * with its control plane, asked through a real `ControlClient`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredNames, validateConfig } from '@pd/control';
import { bootPair, issues, until, type NodePair } from './control.test-util.js';

describe('config: clusterName', () => {
  const tree = (children: unknown[]) => ({ id: 'app', children });
  it('is a worker field that needs a federation and names one worker', () => {
    const ok = validateConfig({ version: 1, federation: { nodeId: 'a' }, tree: tree([{ id: 'pay', kind: 'counter', clusterName: 'payments' }, { id: 'sup', children: [{ id: 'w', kind: 'counter', clusterName: 'w' }] }]) });
    expect(configuredNames(ok.tree)).toEqual([
      { name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName' },
      { name: 'w', path: '/user/app/sup/w', at: 'tree.children[1].children[0].clusterName' },
    ]);
    expect(issues({ version: 1, tree: tree([{ id: 'pay', kind: 'counter', clusterName: 'payments' }]) })).toEqual([
      { path: 'tree.children[0].clusterName', message: 'a cluster name needs a cluster: give the config a "federation" section, or use "register" for a name on this engine only' },
    ]);
    expect(issues({ version: 1, federation: { nodeId: 'a' }, tree: tree([{ id: 'x', kind: 'counter', clusterName: 'n' }, { id: 's', children: [{ id: 'y', kind: 'counter', clusterName: 'n' }] }]) })).toEqual([
      { path: 'tree.children[1].children[0].clusterName', message: 'duplicate cluster name "n" (also tree.children[0].clusterName); a node holds a cluster name for one actor' },
    ]);
    expect(issues({ version: 1, federation: { nodeId: 'a' }, tree: tree([{ id: 's', clusterName: 'n', children: [] }]) })).toEqual([
      { path: 'tree.children[0].clusterName', message: 'only a worker (a child with "kind") takes "clusterName"' },
    ]);
    expect(issues({ version: 1, federation: { nodeId: 'a' }, tree: tree([{ id: 'x', kind: 'counter', clusterName: '/bad' }]) })[0]!.path).toBe('tree.children[0].clusterName');
  });
});

describe('cluster names on two booted nodes', () => {
  let pair: NodePair;
  let nodes: NodePair['nodes'];
  let clients: NodePair['clients'];

  beforeAll(async () => {
    pair = await bootPair('cnames', (node) => ({ id: 'app', intensity: 10, children: node === 'a' ? [{ id: 'pay', kind: 'counter', args: { start: 7 }, clusterName: 'payments' }] : [{ id: 'spare', kind: 'counter', args: { start: 1 } }] }));
    ({ nodes, clients } = pair);
  }, 60_000);

  afterAll(() => pair?.stop(), 60_000);

  const names = async (n: 'a' | 'b') => (await clients[n]!.call('cluster.registry')) as { names: { name: string; node: string; addr: string }[]; configured: { name: string; state: string; node?: string }[] };
  const holder = async (n: 'a' | 'b', name: string) => (await names(n)).names.find((e) => e.name === name);

  it('registers a config clusterName at start; every node resolves it; a send to it reaches the holder', async () => {
    const onA = await holder('a', 'payments');
    expect(onA).toMatchObject({ node: 'a' });
    expect((await names('a')).configured).toEqual([{ name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName', state: 'held' }]);
    const onB = await until(() => holder('b', 'payments'), 'b resolves payments');
    expect(onB.addr).toBe(onA!.addr);
    // b has no actor called payments: the name resolves through the cluster registry.
    await clients.b!.call('msg.send', { target: 'payments', message: { type: 'inc' } });
    expect(await clients.b!.call('msg.call', { target: 'payments', message: { type: 'get' } })).toEqual({ addr: onA!.addr, reply: 8 });
  });

  it('cluster.registry counts the replication\'s troubles: none between two healthy nodes', async () => {
    const zero = { repairs: 0, unsent: 0, stale: 0, malformed: 0 };
    for (const n of ['a', 'b'] as const) {
      expect(((await clients[n]!.call('cluster.registry')) as { replication: unknown }).replication).toEqual({ registry: zero, groups: zero });
    }
  });

  it('cluster.registry lists the process groups with their members as this node sees them', async () => {
    const a = nodes.a!;
    const worker = a.engine.resolve('/user/app/pay')!;
    a.federation!.groups.join('workers', worker);
    try {
      const seen = await until(async () => {
        const r = (await clients.b!.call('cluster.registry')) as { groups: { group: string; members: { node: string; addr: string }[] }[] };
        return r.groups.length > 0 ? r.groups : null;
      }, 'b lists the group');
      expect(seen).toEqual([{ group: 'workers', members: [{ node: 'a', addr: String(worker) }] }]);
      expect(((await clients.a!.call('cluster.registry')) as { groups: unknown }).groups).toEqual(seen);
    } finally {
      a.federation!.groups.leave('workers', worker);
    }
    await until(async () => (((await clients.b!.call('cluster.registry')) as { groups: unknown[] }).groups.length === 0 ? true : null), 'b forgets the group');
  });

  it('cluster.registry lists the path prefixes claimed, beside the fields it always had', async () => {
    const a = nodes.a!;
    const app = a.engine.resolve('/user/app')!;
    a.federation!.registry.registerPrefix('/user/app', app);
    try {
      const seen = await until(async () => {
        const r = (await clients.b!.call('cluster.registry')) as { prefixes: { prefix: string; node: string; clock: number; addr: string }[] };
        return r.prefixes.length > 0 ? r : null;
      }, 'b lists the prefix') as Record<string, unknown> & { prefixes: { prefix: string; node: string; clock: number; addr: string }[] };
      expect(Object.keys(seen)).toEqual(['nodeId', 'names', 'conflicts', 'configured', 'groups', 'prefixes', 'prefixConflicts', 'replication']);
      expect(seen.prefixes).toEqual([{ prefix: '/user/app', node: 'a', clock: seen.prefixes[0]!.clock, addr: String(app) }]);
      expect(seen.prefixConflicts).toEqual([]);
      // b resolves a path below the claim to a, and finds the actor there.
      expect(nodes.b!.federation!.registry.whereisPrefix('/user/app/pay')?.node).toBe('a');
      expect(String(await nodes.b!.federation!.whereisPath('/user/app/pay'))).toBe(String(a.engine.resolve('/user/app/pay')));
    } finally {
      a.federation!.registry.unregisterPrefix('/user/app');
    }
    await until(async () => (((await clients.b!.call('cluster.registry')) as { prefixes: unknown[] }).prefixes.length === 0 ? true : null), 'b forgets the prefix');
  });

  it('refuses the name on another node, naming the holder node', async () => {
    const refused = await clients.b!.call('cluster.register', { name: 'payments', target: '/user/app/spare' }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'cluster/name-taken', data: { name: 'payments', node: 'a' } });
    expect(refused.message).toMatch(/^the cluster name "payments" is taken: node a holds it for <\d+\.\d+\.\d+\.\d+>$/);
    expect(await clients.b!.call('cluster.unregister', { name: 'payments' }).catch((e) => e)).toMatchObject({ code: 'cluster/name-taken', data: { node: 'a' } });
    expect(await clients.b!.call('cluster.unregister', { name: 'nobody' }).catch((e) => e)).toMatchObject({ code: 'target/unknown' });
    expect(await clients.b!.call('cluster.register', { name: 'x', target: '/user/app/none' }).catch((e) => e)).toMatchObject({ code: 'target/unknown' });
  });

  it('keeps the config name across a restart of its actor (a new address, registered again)', async () => {
    const before = (await holder('a', 'payments'))!.addr;
    await clients.a!.call('actor.kill', { target: '/user/app/pay' });
    const after = await until(async () => {
      const h = await holder('b', 'payments');
      return h !== undefined && h.addr !== before ? h : null;
    }, 'b sees the restarted holder');
    expect(after.node).toBe('a');
  });

  it('unregister releases a config name; the other node may take it; register on the configured actor keeps it again', async () => {
    expect(await clients.a!.call('cluster.unregister', { name: 'payments' })).toEqual({ nodeId: 'a', name: 'payments', unregistered: true, released: true });
    await until(async () => ((await holder('b', 'payments')) === undefined ? true : null), 'b forgets payments');
    await new Promise((r) => setTimeout(r, 500)); // The keeper looks every 200 ms: released, it does not take it back.
    expect(await holder('a', 'payments')).toBeUndefined();
    expect((await names('a')).configured[0]).toMatchObject({ state: 'released' });
    const taken = await clients.b!.call('cluster.register', { name: 'payments', target: '/user/app/spare' });
    expect(taken).toMatchObject({ nodeId: 'b', name: 'payments', node: 'b', path: '/user/app/spare', already: false });
    expect(await clients.b!.call('cluster.register', { name: 'payments', target: '/user/app/spare' })).toMatchObject({ already: true });
    await until(async () => ((await holder('a', 'payments'))?.node === 'b' ? true : null), 'a sees b hold payments');
    expect(await clients.a!.call('cluster.register', { name: 'payments', target: '/user/app/pay' }).catch((e) => e)).toMatchObject({ code: 'cluster/name-taken', data: { node: 'b' } });
    // b lets go: a's keeper is still released, so nobody holds it until a registers it again.
    await clients.b!.call('cluster.unregister', { name: 'payments' });
    await until(async () => ((await holder('a', 'payments')) === undefined ? true : null), 'a forgets b\'s payments');
    expect(await clients.a!.call('cluster.register', { name: 'payments', target: '/user/app/pay' })).toMatchObject({ node: 'a', already: false });
    expect((await names('a')).configured[0]).toMatchObject({ state: 'held' });
    // Kept again: after another restart, registered again.
    const before = (await holder('a', 'payments'))!.addr;
    await clients.a!.call('actor.kill', { target: '/user/app/pay' });
    await until(async () => {
      const h = await holder('a', 'payments');
      return h !== undefined && h.addr !== before ? h : null;
    }, 'a registers the restarted actor again');
  });
});
