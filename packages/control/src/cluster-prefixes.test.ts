/**
 * Cluster path prefixes for `pd start` engines: the config's `clusterPrefix` (its checks by
 * field path), claimed for the entry's own path and kept claimed by the engine across its
 * actor's restarts (the same keeper as `clusterName`), and the control methods
 * `cluster.registerPrefix` / `cluster.unregisterPrefix` — two engines booted in this process
 * as two nodes (SWIM on loopback), each with its control plane, asked through a real
 * `ControlClient`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredClaims, validateConfig } from '@pd/control';
import { bootPair, issues, until, type NodePair } from './control.test-util.js';

describe('config: clusterPrefix', () => {
  const tree = (children: unknown[]) => ({ id: 'app', children });
  it('is a worker or supervisor field that claims its own path and needs a federation', () => {
    const ok = validateConfig({
      version: 1, federation: { nodeId: 'a' },
      tree: tree([{ id: 'pay', kind: 'counter', clusterName: 'payments', clusterPrefix: true }, { id: 'sup', clusterPrefix: true, children: [{ id: 'w', kind: 'counter', clusterPrefix: false }] }]),
    });
    expect(configuredClaims(ok.tree)).toEqual([
      { name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName' },
      { prefix: '/user/app/pay', path: '/user/app/pay', at: 'tree.children[0].clusterPrefix' },
      { prefix: '/user/app/sup', path: '/user/app/sup', at: 'tree.children[1].clusterPrefix' },
    ]);
    expect(issues({ version: 1, tree: tree([{ id: 's', clusterPrefix: true, children: [{ id: 'w', kind: 'counter', clusterPrefix: true }] }]) })).toEqual([
      { path: 'tree.children[0].clusterPrefix', message: 'a cluster path prefix needs a cluster: give the config a "federation" section' },
      { path: 'tree.children[0].children[0].clusterPrefix', message: 'a cluster path prefix needs a cluster: give the config a "federation" section' },
    ]);
    // false claims nothing, and needs nothing.
    expect(() => validateConfig({ version: 1, tree: tree([{ id: 'w', kind: 'counter', clusterPrefix: false }]) })).not.toThrow();
    expect(issues({ version: 1, federation: { nodeId: 'a' }, tree: tree([{ id: 'w', kind: 'counter', clusterPrefix: '/user/app/w' }]) })).toEqual([
      { path: 'tree.children[0].clusterPrefix', message: 'expected a boolean, got the string "/user/app/w"' },
    ]);
  });
});

describe('cluster path prefixes on two booted nodes', () => {
  let pair: NodePair;
  let nodes: NodePair['nodes'];
  let clients: NodePair['clients'];

  beforeAll(async () => {
    pair = await bootPair('cprefix', (node) => ({
      id: 'app', intensity: 10,
      children: node === 'a'
        ? [
          { id: 'orders', clusterPrefix: true, intensity: 10, children: [{ id: 'o1', kind: 'counter', args: { start: 3 } }] },
          { id: 'pay', kind: 'counter', args: { start: 7 }, clusterPrefix: true },
        ]
        : [{ id: 'spare', kind: 'counter', args: { start: 1 } }],
    }));
    ({ nodes, clients } = pair);
  }, 60_000);

  afterAll(() => pair?.stop(), 60_000);

  type Registry = { prefixes: { prefix: string; node: string; addr: string }[]; configured: Record<string, unknown>[] };
  const registry = async (n: 'a' | 'b') => (await clients[n]!.call('cluster.registry')) as Registry;
  const holder = async (n: 'a' | 'b', prefix: string) => (await registry(n)).prefixes.find((e) => e.prefix === prefix);

  it('claims a config clusterPrefix at start, for a supervisor and a worker; the other node resolves paths below it', async () => {
    const a = nodes.a!;
    expect((await registry('a')).configured).toEqual([
      { prefix: '/user/app/orders', path: '/user/app/orders', at: 'tree.children[0].clusterPrefix', state: 'held' },
      { prefix: '/user/app/pay', path: '/user/app/pay', at: 'tree.children[1].clusterPrefix', state: 'held' },
    ]);
    const onB = await until(async () => ((await registry('b')).prefixes.length === 2 ? (await registry('b')).prefixes : null), 'b sees both prefixes');
    expect(onB).toEqual([
      expect.objectContaining({ prefix: '/user/app/orders', node: 'a', addr: String(a.engine.resolve('/user/app/orders')) }),
      expect.objectContaining({ prefix: '/user/app/pay', node: 'a', addr: String(a.engine.resolve('/user/app/pay')) }),
    ]);
    const b = nodes.b!.federation!;
    expect(b.registry.whereisPrefix('/user/app/orders/o1')).toMatchObject({ prefix: '/user/app/orders', node: 'a' });
    expect(String(await b.whereisPath('/user/app/orders/o1'))).toBe(String(a.engine.resolve('/user/app/orders/o1')));
    expect(b.registry.whereisPrefix('/user/app/spare')).toBeUndefined();
  });

  it('keeps the config prefix across a restart of its actor (a new incarnation claims it again)', async () => {
    for (const path of ['/user/app/pay', '/user/app/orders']) {
      const before = (await holder('a', path))!.addr;
      await clients.a!.call('actor.kill', { target: path });
      const after = await until(async () => {
        const h = await holder('b', path);
        return h !== undefined && h.addr !== before ? h : null;
      }, `b sees the restarted holder of ${path}`);
      expect(after).toMatchObject({ node: 'a', addr: String(nodes.a!.engine.resolve(path)) });
    }
    expect(String(await nodes.b!.federation!.whereisPath('/user/app/orders/o1'))).toBe(String(nodes.a!.engine.resolve('/user/app/orders/o1')));
  });

  it('refuses a prefix held on another node, and malformed prefixes', async () => {
    const refused = await clients.b!.call('cluster.registerPrefix', { prefix: '/user/app/pay', target: '/user/app/spare' }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'cluster/prefix-taken', data: { prefix: '/user/app/pay', node: 'a' } });
    expect(refused.message).toMatch(/^the cluster path prefix "\/user\/app\/pay" is taken: node a holds it for <\d+\.\d+\.\d+\.\d+>$/);
    expect(await clients.b!.call('cluster.unregisterPrefix', { prefix: '/user/app/pay' }).catch((e) => e)).toMatchObject({ code: 'cluster/prefix-taken', data: { node: 'a' } });
    expect(await clients.b!.call('cluster.unregisterPrefix', { prefix: '/user/nobody' }).catch((e) => e)).toMatchObject({ code: 'target/unknown' });
    for (const prefix of ['user/app', '/', '/user//x']) {
      expect(await clients.b!.call('cluster.registerPrefix', { prefix, target: '/user/app/spare' }).catch((e) => e)).toMatchObject({ code: 'rpc/invalid-params' });
    }
    // No target: the actor at the prefix itself, which b does not have.
    expect(await clients.b!.call('cluster.registerPrefix', { prefix: '/user/app/none' }).catch((e) => e)).toMatchObject({ code: 'target/unknown' });
  });

  it('unregisterPrefix releases a config prefix; the other node may take it; registerPrefix on the configured actor keeps it again', async () => {
    expect(await clients.a!.call('cluster.unregisterPrefix', { prefix: '/user/app/pay' })).toEqual({ nodeId: 'a', prefix: '/user/app/pay', unregistered: true, released: true });
    await until(async () => ((await holder('b', '/user/app/pay')) === undefined ? true : null), 'b forgets /user/app/pay');
    await new Promise((r) => setTimeout(r, 500)); // The keeper looks every 200 ms: released, it does not take it back.
    expect(await holder('a', '/user/app/pay')).toBeUndefined();
    expect((await registry('a')).configured[1]).toMatchObject({ prefix: '/user/app/pay', state: 'released' });
    const taken = await clients.b!.call('cluster.registerPrefix', { prefix: '/user/app/pay', target: '/user/app/spare' });
    expect(taken).toMatchObject({ nodeId: 'b', prefix: '/user/app/pay', node: 'b', path: '/user/app/spare', already: false });
    expect(await clients.b!.call('cluster.registerPrefix', { prefix: '/user/app/pay', target: '/user/app/spare' })).toMatchObject({ already: true });
    await until(async () => ((await holder('a', '/user/app/pay'))?.node === 'b' ? true : null), 'a sees b hold /user/app/pay');
    expect(await clients.a!.call('cluster.registerPrefix', { prefix: '/user/app/pay' }).catch((e) => e)).toMatchObject({ code: 'cluster/prefix-taken', data: { node: 'b' } });
    await clients.b!.call('cluster.unregisterPrefix', { prefix: '/user/app/pay' });
    await until(async () => ((await holder('a', '/user/app/pay')) === undefined ? true : null), 'a forgets b\'s claim');
    // No target: the actor at the prefix, the configured one, so the config's claim is kept again.
    expect(await clients.a!.call('cluster.registerPrefix', { prefix: '/user/app/pay' })).toMatchObject({ prefix: '/user/app/pay', node: 'a', path: '/user/app/pay', already: false });
    expect((await registry('a')).configured[1]).toMatchObject({ state: 'held' });
    const before = (await holder('a', '/user/app/pay'))!.addr;
    await clients.a!.call('actor.kill', { target: '/user/app/pay' });
    await until(async () => {
      const h = await holder('a', '/user/app/pay');
      return h !== undefined && h.addr !== before ? h : null;
    }, 'a claims it again for the restarted actor');
  });
});
