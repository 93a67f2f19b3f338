/**
 * Path prefixes in the cluster registry, in the simulator across seeds: four nodes (static
 * membership), every pair connected. a claims `/user/orders` for its supervisor there; every
 * node resolves paths below it to a (segment-wise: not `/user/ordersX`) and finds a's actor
 * at `/user/orders/42` through `federation.whereisPath`; b claims the nested
 * `/user/orders/eu`, and the longest claim wins each lookup everywhere; d's claim of
 * `/user/orders` is refused. A 2 | 2 partition makes each side forget the other side's
 * claims; during it d claims `/user/orders` and both b and c claim `/user/carts`; after the
 * heal every node agrees on each holder, decided by (hybrid logical clock, node id) as for
 * names — a's earlier claim wins over d's (d had heard of it), one of b's and c's — and each
 * loser's node records the conflict and its holder receives a `pd/prefix-conflict` message.
 * The nested claim's holder exits: its subtree falls back to the shorter claim everywhere.
 * Bad input and hostile notices (a claim of a kind this node does not know among them) are
 * refused or dropped and counted. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, defineKind } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { SimWorld } from '@pd/runtime/sim';
import { staticCluster, stepper } from './static-cluster.test-util.js';
import { ClusterRegistry, PREFIX_CONFLICT, type PrefixConflictMessage } from './index.js';
import type { Notice } from './protocol.js';

const IDS = ['a', 'b', 'c', 'd'];

/** Paths whose claiming node every node is asked for. */
const PROBES = ['/user/orders', '/user/orders/42', '/user/orders/eu', '/user/orders/eu/1', '/user/orders/euX', '/user/ordersX', '/user/carts/9'];

async function run(seed: number) {
  const world = new SimWorld({ seed });
  const notified: string[] = [];
  const Leaf = defineKind<unknown, string>('leaf', (tag) => ({
    receive(m: unknown) {
      const c = m as Partial<PrefixConflictMessage>;
      if (c?.type === PREFIX_CONFLICT) notified.push(`${tag}:${c.prefix}->${c.winnerNode}`);
      return undefined;
    },
  }));
  /** A subtree's owner: spawns its children (leaves) under its own path. */
  const Subtree = defineKind<unknown, { tag: string; children: string[] }>('subtree', ({ tag, children }) => ({
    started(ctx: Context<unknown>) {
      for (const child of children) ctx.spawn(Leaf, { args: `${tag}/${child}`, name: child });
    },
    receive(m: unknown) {
      const c = m as Partial<PrefixConflictMessage>;
      if (c?.type === PREFIX_CONFLICT) notified.push(`${tag}:${c.prefix}->${c.winnerNode}`);
      return undefined;
    },
  }));
  const cluster = staticCluster(world, IDS, [Leaf, Subtree]);
  const nodes = cluster.nodes;
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const fed = (id: string) => nodes.get(id)!.federation;
  const reg = (id: string) => fed(id).registry;
  const engine = (id: string) => nodes.get(id)!.engine;
  const step = stepper(world);
  const subtree = (id: string, name: string, children: string[]): AnyAddr => engine(id).spawn(Subtree, { args: { tag: `${id}-${name}`, children }, name });
  const at = (id: string, path: string): AnyAddr | undefined => engine(id).resolve(path);
  /** The node `id` resolves `path` to (null: no claim covers it). */
  const claimNode = (id: string, path: string): string | null => reg(id).whereisPrefix(path)?.node ?? null;
  const view = (id: string): Record<string, string | null> => Object.fromEntries(PROBES.map((p) => [p, claimNode(id, p)]));
  const everywhere = (path: string, node: string | null): boolean => IDS.every((id) => claimNode(id, path) === node);

  await step('start and connect every pair', cluster.connectAll);
  const aOrders = subtree('a', 'orders', ['42']);
  const bOrders = subtree('b', 'orders', ['eu']);
  await step('the subtrees start their children', () => undefined, () => at('a', '/user/orders/42') !== undefined && at('b', '/user/orders/eu') !== undefined);
  await step('a claims /user/orders; everyone resolves it', () => reg('a').registerPrefix('/user/orders', aOrders), () => everywhere('/user/orders/42', 'a'));
  await step('b claims the nested /user/orders/eu', () => reg('b').registerPrefix('/user/orders/eu', at('b', '/user/orders/eu')!), () => everywhere('/user/orders/eu/1', 'b'));
  const views = Object.fromEntries(IDS.map((id) => [id, view(id)]));
  const listed = reg('c').prefixes().map((p) => `${p.prefix}@${p.node}`);

  // The actor at a path, from another node: the claim names the node, the node finds the actor.
  const found: Record<string, boolean | null> = {};
  await step('whereisPath from d and c', async () => {
    found.a42 = (await fed('d').whereisPath('/user/orders/42'))?.equals(at('a', '/user/orders/42')!) ?? null;
    found.bEu = (await fed('c').whereisPath('/user/orders/eu'))?.equals(at('b', '/user/orders/eu')!) ?? null;
    found.aHere = (await fed('a').whereisPath('/user/orders/42'))?.equals(at('a', '/user/orders/42')!) ?? null;
    found.noActor = (await fed('c').whereisPath('/user/orders/nothing')) === undefined;
    found.noClaim = (await fed('c').whereisPath('/user/ordersX/42')) === undefined;
  });

  let refusedOnD = '';
  try {
    reg('d').registerPrefix('/user/orders', subtree('d', 'early', []));
  } catch (error) {
    refusedOnD = (error as { code?: string }).code ?? String(error);
  }

  world.net.partition(['ha', 'hb'], ['hc', 'hd']);
  await step('each side forgets the other side\'s claims', () => undefined, () => claimNode('c', '/user/orders/42') === null && claimNode('d', '/user/orders/eu/1') === null
    && claimNode('a', '/user/orders/42') === 'a' && claimNode('b', '/user/orders/42') === 'a');
  await step('claims on both sides', () => {
    reg('d').registerPrefix('/user/orders', subtree('d', 'orders', []));
    reg('b').registerPrefix('/user/carts', subtree('b', 'carts', []));
    reg('c').registerPrefix('/user/carts', subtree('c', 'carts', []));
  }, () => claimNode('c', '/user/orders/42') === 'd' && claimNode('a', '/user/carts/9') === 'b' && claimNode('d', '/user/carts/9') === 'c');
  world.net.heal();
  const agreed = (): boolean => ['/user/orders/42', '/user/carts/9', '/user/orders/eu/1'].every((path) => {
    const seen = IDS.map((id) => claimNode(id, path));
    return seen[0] !== null && seen.every((s) => s === seen[0]);
  }) && notified.length === 2;
  await step('after the heal everyone agrees', () => undefined, agreed);
  const healed = Object.fromEntries(IDS.map((id) => [id, view(id)]));
  const conflictsByNode = Object.fromEntries(IDS.map((id) => [id, reg(id).prefixConflicts().map((c) => `${c.prefix}:${c.loser.node}<${c.winner.node}`)]));
  const nameConflicts = IDS.map((id) => reg(id).conflicts().length);

  // The nested claim's holder exits: its subtree falls back to the shorter claim, a's.
  await step('the nested claim\'s holder exits', () => { engine('b').stop(at('b', '/user/orders/eu')!); }, () => everywhere('/user/orders/eu/1', 'a'));
  const bOrdersAlive = engine('b').info(bOrders) !== undefined;
  const hash = world.trace.hash;
  world.dispose();
  return { views, listed, found, refusedOnD, healed, conflictsByNode, nameConflicts, notified: notified.sort(), bOrdersAlive, hash };
}

describe('path prefixes in the cluster registry, in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: the longest claim covering a path names its node everywhere; a partition\'s double claims are decided as names are, the loser told', async (seed) => {
    const o = await run(seed);
    const expected = {
      '/user/orders': 'a', '/user/orders/42': 'a', '/user/orders/eu': 'b', '/user/orders/eu/1': 'b', '/user/orders/euX': 'a', '/user/ordersX': null, '/user/carts/9': null,
    };
    for (const id of IDS) expect(o.views[id], `${id}'s view`).toEqual(expected);
    expect(o.listed).toEqual(['/user/orders@a', '/user/orders/eu@b']);
    expect(o.found).toEqual({ a42: true, bEu: true, aHere: true, noActor: true, noClaim: true });
    expect(o.refusedOnD).toBe('registry/path-taken');

    const carts = o.healed.a!['/user/carts/9'];
    expect(['b', 'c']).toContain(carts);
    for (const id of IDS) expect(o.healed[id], `${id}'s view after the heal`).toEqual({ ...expected, '/user/carts/9': carts });
    const loser = carts === 'b' ? 'c' : 'b';
    expect(o.conflictsByNode.d).toEqual(['/user/orders:d<a']);
    expect(o.conflictsByNode[loser]).toEqual([`/user/carts:${loser}<${carts}`]);
    expect(o.conflictsByNode.a).toEqual([]);
    expect(o.conflictsByNode[carts!]).toEqual([]);
    expect(o.nameConflicts).toEqual([0, 0, 0, 0]);
    expect(o.notified).toEqual([`${loser}-carts:/user/carts->${carts}`, 'd-orders:/user/orders->a'].sort());
    // The loser was told, not killed.
    expect(o.bOrdersAlive).toBe(true);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(11)).hash).toBe((await run(11)).hash);
  });
});

describe('path prefixes in the cluster registry: input and notices', () => {
  const make = (alive = true) => {
    const sent: Notice[] = [];
    const told: unknown[] = [];
    const registry = new ClusterRegistry({
      nodeId: 'x', incarnation: () => 1, alive: () => alive, tell: (_a, m) => told.push(m), noticeTo: (_p, n) => sent.push(n), upPeers: () => ['p'],
    });
    return { registry, sent, told };
  };
  it('refuses a malformed prefix or path with an ArgumentError naming the problem', () => {
    const { registry } = make();
    const a = fake(1, 1);
    const bad: [unknown, RegExp][] = [
      ['user/orders', /must start with "\/"/], ['/', /root/], ['/user//orders', /empty segment/], ['/user/or ders', /segment "or ders"/],
      ['', /must start with/], [42, /expected a string/], [`/${'x/'.repeat(40)}y`, /segments/],
    ];
    for (const [prefix, why] of bad) {
      expect(() => registry.registerPrefix(prefix as string, a), String(prefix)).toThrow(why);
      try {
        registry.registerPrefix(prefix as string, a);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('arg/invalid');
        expect((error as Error).message).toMatch(/invalid path prefix/);
      }
    }
    expect(() => registry.whereisPrefix('orders')).toThrow(/invalid path: "orders" must start with "\/"/);
    // Not a live actor of this node.
    expect(() => registry.registerPrefix('/user/orders', fake(2, 1))).toThrow(/live actor of this node/);
    expect(() => make(false).registry.registerPrefix('/user/orders', a)).toThrow(/live actor of this node/);
    expect(registry.prefixes()).toEqual([]);
  });

  it('claims ride `claims`/`unclaimed`; a names-only notice keeps its old shape, versions added where older peers skip them', () => {
    const { registry, sent } = make();
    const a = fake(1, 1);
    registry.register('leader', a);
    registry.registerPrefix('/user/orders', a);
    registry.unregisterPrefix('/user/orders');
    registry.unregister('leader');
    expect(sent.map((n) => Object.keys(n).sort().join(','))).toEqual([
      'entries,from,full,inc,op,removed,seq', 'claims,entries,from,full,inc,op,removed,seq', 'entries,from,full,inc,op,removed,seq,unclaimed', 'entries,from,full,inc,op,removed,removedAt,seq',
    ]);
    // What an older peer reads: the name, its address and clock first; the version after them.
    const entry = (sent[0] as unknown as { entries: unknown[][] }).entries[0]!;
    expect(entry).toHaveLength(4);
    expect(entry[0]).toBe('leader');
    expect(entry[3]).toBe(1);
    expect((sent[1] as unknown as { claims: unknown[][] }).claims[0]!.slice(0, 2)).toEqual(['prefix', '/user/orders']);
    expect((sent[2] as unknown as { unclaimed: unknown[] }).unclaimed).toEqual([['prefix', '/user/orders', 3]]);
    expect(sent.map((n) => [(n as { from?: number }).from, (n as { seq?: number }).seq])).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
    expect((sent[3] as unknown as { removed: string[]; removedAt: number[] })).toMatchObject({ removed: ['leader'], removedAt: [4] });
  });

  it('a peer\'s claims: unknown kinds dropped and counted, malformed ones skipped, never thrown; a full set replaces them', () => {
    const { registry, told } = make();
    const p = fake(7, 3);
    registry.notice('p', 7, {
      full: true, entries: [['leader', p, 5]], removed: [],
      claims: [['prefix', '/user/orders', p, 5], ['shard', '/x', p, 5], ['prefix', '/', p, 5], ['prefix', 'nope', p, 5], ['prefix', '/user/y', fake(9, 1), 5], 'junk', ['prefix', '/user/z', p, -1]],
      unclaimed: [['later-kind', 'k'], 7],
    });
    expect(registry.unknownClaims).toBe(2);
    expect(registry.badNotices).toBe(0);
    expect(registry.list().map((n) => n.name)).toEqual(['leader']);
    expect(registry.prefixes().map((c) => `${c.prefix}@${c.node}`)).toEqual(['/user/orders@p']);
    expect(registry.whereisPrefix('/user/orders/1')?.addr.equals(p)).toBe(true);
    for (const body of [{ full: false, entries: [], removed: [], claims: 'no' }, { full: false, entries: [], removed: [], unclaimed: {} }]) {
      expect(() => registry.notice('p', 7, body)).not.toThrow();
    }
    expect(registry.badNotices).toBe(2);
    // A delta unclaims; a full set from a peer that predates prefixes (no `claims`) leaves none of its prefixes.
    registry.notice('p', 7, { full: false, entries: [], removed: [], unclaimed: [['prefix', '/user/orders']] });
    expect(registry.prefixes()).toEqual([]);
    registry.notice('p', 7, { full: false, entries: [], removed: [], claims: [['prefix', '/user/orders', p, 5]] });
    expect(registry.prefixes()).toHaveLength(1);
    registry.notice('p', 7, { full: true, entries: [['leader', p, 5]], removed: [] });
    expect(registry.prefixes()).toEqual([]);
    expect(registry.list().map((n) => n.name)).toEqual(['leader']);
    expect(told).toEqual([]);
  });
});

/** An address of incarnation `node`, with no actor behind it (the registry reads its `node` and compares it). */
function fake(node: number, slot: number): AnyAddr {
  return mintAddr({ node, core: 0, slot, generation: 1, secret: 1 }, null);
}
