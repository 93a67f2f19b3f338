/**
 * The cluster registry in the simulator, across seeds: four nodes (static membership),
 * every pair connected. A name registered on a is resolved to a's actor from every node and
 * refused on another; a 2 | 2 partition makes each side forget the other's names; during it
 * the name a held is registered again on d, and a new name on both sides (b and c); after
 * the heal every node resolves each name to the same holder, decided by (hybrid logical clock,
 * node id): a's earlier registration wins over d's (d had heard of it), and exactly one of
 * b's and c's wins; each loser's node records the conflict and its holder receives a
 * `pd/name-conflict` message naming the winner. A holder that exits frees its name
 * everywhere. Garbage notices are dropped and counted. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, defineKind } from '@pd/actor';
import { SimWorld } from '@pd/runtime/sim';
import { staticCluster, stepper } from './static-cluster.test-util.js';
import { ClusterRegistry, NAME_CONFLICT, type NameConflictMessage } from './index.js';

const IDS = ['a', 'b', 'c', 'd'];

interface Outcome {
  holders: Record<string, Record<string, string | null>>;
  conflictsByNode: Record<string, string[]>;
  notified: string[];
  afterExit: (string | null)[];
  refusedOnD: string;
  hash: string;
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const notified: string[] = [];
  const Holder = defineKind<unknown, string>('holder', (name) => ({
    receive(m: unknown) {
      const c = m as Partial<NameConflictMessage>;
      if (c?.type === NAME_CONFLICT) notified.push(`${name}:${c.name}->${c.winnerNode}`);
      if (m === 'stop') return undefined;
      return undefined;
    },
  }));
  const cluster = staticCluster(world, IDS, [Holder]);
  const nodes = cluster.nodes;
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const reg = (id: string) => nodes.get(id)!.federation.registry;
  const nodeOfHolder = cluster.holderNode;
  const step = stepper(world);
  const spawn = (id: string, name: string): AnyAddr => cluster.spawn(id, Holder, name);

  await step('start and connect every pair', cluster.connectAll);
  const onA = spawn('a', 'a-leader');
  await step('a registers leader; everyone resolves it', () => reg('a').register('leader', onA), () => IDS.every((id) => nodeOfHolder(id, 'leader') === 'a'));
  let refusedOnD = '';
  try {
    reg('d').register('leader', spawn('d', 'd-early'));
  } catch (error) {
    refusedOnD = (error as { code?: string }).code ?? String(error);
  }

  world.net.partition(['ha', 'hb'], ['hc', 'hd']);
  await step('each side forgets the other side\'s names', () => undefined, () => nodeOfHolder('c', 'leader') === null && nodeOfHolder('d', 'leader') === null);
  await step('names registered on both sides', () => {
    reg('d').register('leader', spawn('d', 'd-leader'));
    reg('b').register('both', spawn('b', 'b-both'));
    reg('c').register('both', spawn('c', 'c-both'));
  }, () => nodeOfHolder('c', 'leader') === 'd' && nodeOfHolder('a', 'leader') === 'a');
  world.net.heal();
  const agreed = (): boolean => ['leader', 'both'].every((name) => {
    const seen = IDS.map((id) => nodeOfHolder(id, name));
    return seen[0] !== null && seen.every((s) => s === seen[0]);
  }) && notified.length === 2;
  await step('after the heal everyone agrees', () => undefined, agreed);

  const holders: Record<string, Record<string, string | null>> = {};
  for (const id of IDS) holders[id] = { leader: nodeOfHolder(id, 'leader'), both: nodeOfHolder(id, 'both') };
  const conflictsByNode: Record<string, string[]> = {};
  for (const id of IDS) conflictsByNode[id] = reg(id).conflicts().map((c) => `${c.name}:${c.loser.node}<${c.winner.node}`);

  // The winner exits: its name is free everywhere.
  const winner = reg('a').whereis('leader')!;
  await step('the holder exits', () => { nodes.get('a')!.engine.stop(winner); }, () => IDS.every((id) => nodeOfHolder(id, 'leader') === null));
  const afterExit = IDS.map((id) => nodeOfHolder(id, 'leader'));
  const hash = world.trace.hash;
  world.dispose();
  return { holders, conflictsByNode, notified: notified.sort(), afterExit, refusedOnD, hash };
}

describe('the cluster registry in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: names span nodes; a partition\'s double registrations are decided the same everywhere, the loser told', async (seed) => {
    const o = await run(seed);
    expect(o.refusedOnD).toBe('registry/name-taken');
    for (const id of IDS) expect(o.holders[id]!.leader, `${id} resolves leader to a`).toBe('a');
    const both = o.holders.a!.both;
    expect(['b', 'c']).toContain(both);
    for (const id of IDS) expect(o.holders[id]!.both).toBe(both);
    const loser = both === 'b' ? 'c' : 'b';
    expect(o.conflictsByNode.d).toEqual(['leader:d<a']);
    expect(o.conflictsByNode[loser]).toEqual([`both:${loser}<${both}`]);
    expect(o.conflictsByNode.a).toEqual([]);
    expect(o.conflictsByNode[both!]).toEqual([]);
    expect(o.notified).toEqual([`${loser}-both:both->${both}`, 'd-leader:leader->a'].sort());
    expect(o.afterExit).toEqual([null, null, null, null]);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(11)).hash).toBe((await run(11)).hash);
  });

  it('garbage from a peer is dropped and counted, never thrown; a peer cannot register for another node\'s actor', () => {
    const told: unknown[] = [];
    const registry = new ClusterRegistry({
      nodeId: 'x', incarnation: () => 1, alive: () => true, tell: (_a, m) => told.push(m), noticeTo: () => {}, upPeers: () => [],
    });
    for (const body of [null, 1, 'x', {}, { full: 'yes', entries: [], removed: [] }, { full: true, entries: 'no', removed: [] }]) {
      expect(() => registry.notice('p', 7, body ?? {})).not.toThrow();
    }
    expect(registry.badNotices).toBe(6);
    // Entries with bad names, clocks or addresses of another incarnation are skipped.
    registry.notice('p', 7, { full: true, entries: [['', {}, 1], ['n', { node: 9 }, 1], 'junk', ['m', null, -1]], removed: [1, null] });
    expect(registry.list()).toEqual([]);
    expect(told).toEqual([]);
  });
});
