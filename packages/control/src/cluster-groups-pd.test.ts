/**
 * Process groups by hand: the control methods `cluster.joinGroup` / `cluster.leaveGroup`
 * (`pd cluster join-group` / `leave-group`) on two engines booted in this process as two
 * nodes (SWIM on loopback), each with its control plane, asked through a real
 * `ControlClient`. A member joined on a is seen from b; joining twice says `already`;
 * leaving takes it out everywhere; bad input is refused naming the problem; an exit takes
 * the member out on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredClaims, validateConfig } from '@pd/control';
import { bootPair, issues, until, type NodePair } from './control.test-util.js';

describe('config: clusterGroups', () => {
  it('is a worker or supervisor field listing the groups its actor joins, and needs a federation', () => {
    const tree = { id: 'app', children: [{ id: 'w', kind: 'counter', clusterGroups: ['pool'] }, { id: 's', clusterGroups: ['sups', 'all'], children: [{ id: 'x', kind: 'counter' }] }] };
    expect(configuredClaims(validateConfig({ version: 1, federation: { nodeId: 'a' }, tree }).tree)).toEqual([
      { group: 'pool', path: '/user/app/w', at: 'tree.children[0].clusterGroups[0]' },
      { group: 'sups', path: '/user/app/s', at: 'tree.children[1].clusterGroups[0]' },
      { group: 'all', path: '/user/app/s', at: 'tree.children[1].clusterGroups[1]' },
    ]);
    expect(issues({ version: 1, tree })).toEqual([
      { path: 'tree.children[0].clusterGroups', message: 'process groups need a cluster: give the config a "federation" section' },
      { path: 'tree.children[1].clusterGroups', message: 'process groups need a cluster: give the config a "federation" section' },
    ]);
    expect(issues({ version: 1, federation: { nodeId: 'a' }, tree: { id: 'app', children: [{ id: 'w', kind: 'counter', clusterGroups: ['pool', ''] }] } })[0]!.path)
      .toBe('tree.children[0].clusterGroups[1]');
  });
});

describe('process groups from the control plane, on two booted nodes', () => {
  let pair: NodePair;
  let clients: NodePair['clients'];

  beforeAll(async () => {
    pair = await bootPair('cgroups', () => ({
      id: 'app', intensity: 20,
      children: [{ id: 'w1', kind: 'counter' }, { id: 'w2', kind: 'counter', register: 'second' }, { id: 'kept', kind: 'counter', clusterGroups: ['pool', 'all'] }],
    }));
    ({ clients } = pair);
  }, 60_000);

  afterAll(() => pair?.stop(), 60_000);

  type Registry = { groups: { group: string; members: { node: string; addr: string }[] }[] };
  const membersSeenBy = async (n: 'a' | 'b', group: string) => ((await clients[n]!.call('cluster.registry')) as Registry).groups.find((g) => g.group === group)?.members ?? [];

  it('joins by path and by name; b sees both members; joining again is already; leaving takes one out everywhere', async () => {
    const a = clients.a!;
    const first = await a.call('cluster.joinGroup', { group: 'workers', target: '/user/app/w1' }) as Record<string, unknown>;
    expect(first).toMatchObject({ nodeId: 'a', group: 'workers', path: '/user/app/w1', already: false, members: 1 });
    const second = await a.call('cluster.joinGroup', { group: 'workers', target: 'second' }) as Record<string, unknown>;
    expect(second).toMatchObject({ path: '/user/app/w2', already: false, members: 2 });
    expect(await a.call('cluster.joinGroup', { group: 'workers', target: '/user/app/w1' })).toMatchObject({ already: true, members: 2 });
    const seen = await until(async () => {
      const members = await membersSeenBy('b', 'workers');
      return members.length === 2 ? members : null;
    }, 'b sees both members of workers');
    expect(seen.map((m) => m.addr).sort()).toEqual([first.addr, second.addr].sort());
    expect(seen.every((m) => m.node === 'a')).toBe(true);

    expect(await a.call('cluster.leaveGroup', { group: 'workers', target: 'second' })).toMatchObject({ left: true, members: 1 });
    expect(await a.call('cluster.leaveGroup', { group: 'workers', target: 'second' })).toMatchObject({ left: false, members: 1 });
    await until(async () => ((await membersSeenBy('b', 'workers')).length === 1 ? true : null), 'b sees the one left');
  });

  it('refuses a bad group, an unknown target, and an actor of another node, naming the problem', async () => {
    const a = clients.a!;
    await expect(a.call('cluster.joinGroup', { group: '', target: '/user/app/w1' })).rejects.toMatchObject({ code: 'rpc/invalid-params', message: expect.stringMatching(/^cluster\.joinGroup: param "group"/) });
    await expect(a.call('cluster.joinGroup', { group: 'g'.repeat(1025), target: '/user/app/w1' })).rejects.toMatchObject({
      code: 'rpc/invalid-params', message: expect.stringMatching(/^cluster\.joinGroup: .*the group must be a non-empty string of at most/),
    });
    await expect(a.call('cluster.joinGroup', { group: 'workers', target: '/user/app/nobody' })).rejects.toMatchObject({ code: 'target/unknown' });
    // b's actor cannot join from a: a group's members join on their own node.
    const onB = await clients.b!.call('cluster.joinGroup', { group: 'mixed', target: '/user/app/w1' }) as Record<string, unknown>;
    await expect(a.call('cluster.leaveGroup', { group: 'mixed', target: onB.addr })).rejects.toMatchObject({ code: expect.stringMatching(/^(rpc\/invalid-params|target\/unknown)$/) });
  });

  it('a config clusterGroups membership is joined at start and kept across restarts; leave-group releases it, join-group keeps it again', async () => {
    const a = clients.a!;
    // Both nodes boot the same tree: each has its own configured member; these are a's.
    const ofA = async (n: 'a' | 'b', group: string) => (await membersSeenBy(n, group)).filter((m) => m.node === 'a').map((m) => m.addr);
    const kept = async () => {
      const members = await ofA('b', 'pool');
      return members.length === 1 ? members[0]! : null;
    };
    const first = await until(kept, 'the configured member of pool, seen from b');
    expect(await ofA('b', 'all')).toEqual([first]);
    await a.call('actor.kill', { target: '/user/app/kept' });
    const second = await until(async () => {
      const addr = await kept();
      return addr !== null && addr !== first ? addr : null;
    }, 'the restarted actor, a member of pool again');
    const released = await a.call('cluster.leaveGroup', { group: 'pool', target: '/user/app/kept' }) as Record<string, unknown>;
    expect(released).toMatchObject({ addr: second, left: true, released: true });
    const configured = async () => ((await a.call('cluster.registry')) as { configured: { group?: string; state: string }[] }).configured.filter((c) => c.group !== undefined);
    expect(await configured()).toEqual([
      expect.objectContaining({ group: 'pool', path: '/user/app/kept', state: 'released' }),
      expect.objectContaining({ group: 'all', path: '/user/app/kept', state: 'held' }),
    ]);
    // Released: a restart does not join pool again (all, still kept, it does).
    await a.call('actor.kill', { target: '/user/app/kept' });
    const third = await until(async () => {
      const all = await ofA('b', 'all');
      return all.length === 1 && all[0] !== second ? all[0]! : null;
    }, 'the next incarnation in all');
    expect(await ofA('a', 'pool')).toEqual([]);
    expect(await a.call('cluster.joinGroup', { group: 'pool', target: '/user/app/kept' })).toMatchObject({ addr: third, already: false });
    expect((await configured()).map((c) => c.state)).toEqual(['held', 'held']);
  });

  it('a member that exits leaves the group on its own; its restart is a new actor, not a member', async () => {
    const a = clients.a!;
    const joined = await a.call('cluster.joinGroup', { group: 'restarting', target: '/user/app/w2' }) as Record<string, unknown>;
    await until(async () => ((await membersSeenBy('b', 'restarting')).length === 1 ? true : null), 'b sees the member');
    await a.call('actor.kill', { target: '/user/app/w2' });
    await until(async () => ((await membersSeenBy('b', 'restarting')).length === 0 ? true : null), 'the member gone, seen from b');
    expect(await membersSeenBy('a', 'restarting')).toEqual([]);
    // Restarted by its supervisor: another address, and not in the group until it joins again.
    const again = await until(async () => {
      try {
        return await a.call('cluster.joinGroup', { group: 'restarting', target: '/user/app/w2' }) as Record<string, unknown>;
      } catch {
        return null;
      }
    }, 'the restarted actor joins');
    expect(again.addr).not.toBe(joined.addr);
    expect(again).toMatchObject({ already: false, members: 1 });
  });
});
