/**
 * Process groups (`federation.groups`, Erlang `pg`) in the simulator, across seeds: four
 * nodes (static membership), every pair connected. Actors join `workers` on a, b and c;
 * every node's `members('workers')` is the union, `localMembers` only its own. A leave and
 * an exit take a member out everywhere; a publish reaches every member once. A 2 | 2
 * partition makes each side forget the other side's members; members join on both sides
 * during it; after the heal every node's view is the union of the live members. c crashes:
 * its members vanish from every view. A listener on d replays to exactly d's final view.
 * With a SWIM membership: a node declared dead has its members dropped everywhere; it
 * restarts (a new incarnation) with a new member and every node sees it, and it sees
 * everyone's (the full state on connect); a node that leaves takes its members with it. Garbage notices are dropped and counted; bad
 * input is refused with `arg/invalid`. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, ArgumentError, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type StaticNode, staticNode, stepper } from './static-cluster.test-util.js';
import { ClusterGroups, type Federation, type GroupChange, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
const IDS = ['a', 'b', 'c', 'd'];

interface Outcome {
  /** Each checkpoint: every node's view of `workers` (sorted member names), and the expected union. */
  views: Record<string, { expected: string[]; seen: Record<string, string[]> }>;
  localOnA: string[];
  published: number;
  received: string[];
  /** d's view rebuilt from the changes its listener heard. */
  replayedOnD: string[];
  finalOnD: string[];
  hash: string;
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const received: string[] = [];
  /** Actors by address key, to name members in the views. */
  const names = new Map<string, string>();
  const Worker = defineKind<unknown, string>('worker', (name) => ({
    receive(m: unknown) {
      if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'job') received.push(`${name}:${(m as { n: number }).n}`);
      return undefined;
    },
  }));
  const nodes = new Map<string, StaticNode>();
  const boot = (id: string): void => {
    nodes.set(id, staticNode(world, id, IDS, [Worker]));
  };
  for (const id of IDS) boot(id);
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const groups = (id: string): ClusterGroups => nodes.get(id)!.federation.groups;
  const named = (addrs: readonly AnyAddr[]): string[] => addrs.map((a) => names.get(`${a.node}:${a.key}`) ?? `?${String(a)}`).sort();
  const step = stepper(world);
  const spawn = (id: string, name: string): AnyAddr => {
    const addr = nodes.get(id)!.engine.spawn(Worker, { args: name });
    names.set(`${addr.node}:${addr.key}`, name);
    return addr;
  };
  const views: Outcome['views'] = {};
  /** Wait until every node in `observers` sees exactly `expected` in `workers`, and record it. */
  const converge = async (label: string, observers: readonly string[], expected: string[]): Promise<void> => {
    const agree = (): boolean => observers.every((id) => JSON.stringify(named(groups(id).members('workers'))) === JSON.stringify([...expected].sort()));
    await step(label, () => undefined, agree);
    const seen: Record<string, string[]> = {};
    for (const id of observers) seen[id] = named(groups(id).members('workers'));
    views[label] = { expected: [...expected].sort(), seen };
  };

  await step('start and connect every pair', async () => {
    for (const n of nodes.values()) await n.federation.start(n.engine);
    for (const id of IDS) for (const p of IDS) if (p !== id) await nodes.get(id)!.federation.connect(p);
  });
  const heard: GroupChange[] = [];
  groups('d').subscribe((c) => heard.push(c), 'workers');

  const a1 = spawn('a', 'a1');
  const a2 = spawn('a', 'a2');
  const b1 = spawn('b', 'b1');
  const c1 = spawn('c', 'c1');
  await step('joins', () => {
    groups('a').join('workers', a1);
    groups('a').join('workers', a2);
    groups('a').join('workers', a2); // again: no-op
    groups('b').join('workers', b1);
    groups('c').join('workers', c1);
    groups('c').join('other', spawn('c', 'c-other'));
  });
  await converge('after the joins', IDS, ['a1', 'a2', 'b1', 'c1']);
  const localOnA = named(groups('a').localMembers('workers'));

  let published = 0;
  await step('publish to the group', () => {
    published = groups('d').publish('workers', { type: 'job', n: 1 });
  }, () => received.length === 4);

  await step('b1 leaves, a2 exits', () => {
    expect(groups('b').leave('workers', b1)).toBe(true);
    expect(groups('b').leave('workers', b1)).toBe(false);
    nodes.get('a')!.engine.stop(a2);
  });
  await converge('after a leave and an exit', IDS, ['a1', 'c1']);

  world.net.partition(['ha', 'hb'], ['hc', 'hd']);
  await converge('partitioned: a and b', ['a', 'b'], ['a1']);
  await converge('partitioned: c and d', ['c', 'd'], ['c1']);
  const b2 = spawn('b', 'b2');
  const d1 = spawn('d', 'd1');
  await step('joins on both sides', () => {
    groups('b').join('workers', b2);
    groups('d').join('workers', d1);
  });
  await converge('partitioned, joined: a and b', ['a', 'b'], ['a1', 'b2']);
  await converge('partitioned, joined: c and d', ['c', 'd'], ['c1', 'd1']);
  world.net.heal();
  await converge('healed', IDS, ['a1', 'b2', 'c1', 'd1']);

  // c crashes: nothing reaches it any more; its member vanishes from every view.
  const hc = world.host('hc');
  hc.up = false;
  hc.epoch++;
  world.net.unlisten('hc');
  await converge('c crashed', ['a', 'b', 'd'], ['a1', 'b2', 'd1']);
  // d's listener heard every change of `workers`: replayed, it gives d's view.
  const replay = new Map<string, AnyAddr>();
  for (const change of heard) {
    for (const addr of change.left) replay.delete(`${addr.node}:${addr.key}`);
    for (const addr of change.joined) replay.set(`${addr.node}:${addr.key}`, addr);
  }
  const result: Outcome = {
    views, localOnA, published, received: received.sort(), replayedOnD: named([...replay.values()]), finalOnD: named(groups('d').members('workers')), hash: world.trace.hash,
  };
  world.dispose();
  return result;
}

describe('process groups in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: every view of a group converges to the union of its live members', async (seed) => {
    const o = await run(seed);
    for (const [label, { expected, seen }] of Object.entries(o.views)) {
      for (const [id, view] of Object.entries(seen)) expect(view, `${label}: ${id}`).toEqual(expected);
    }
    expect(Object.keys(o.views)).toHaveLength(8);
    expect(o.localOnA).toEqual(['a1', 'a2']);
    expect(o.published).toBe(4);
    expect(o.received).toEqual(['a1:1', 'a2:1', 'b1:1', 'c1:1']);
    expect(o.replayedOnD).toEqual(o.finalOnD);
    expect(o.finalOnD).toEqual(['a1', 'b2', 'd1']);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(11)).hash).toBe((await run(11)).hash);
  });
});

/** With a SWIM membership: a, b, c join through a's seed; c crashes, restarts at a new address; b leaves. */
async function runSwim(seed: number, limits: typeof LIMITS): Promise<Record<string, string[][]>> {
  const world = new SimWorld({ seed });
  const Idle = defineKind<unknown>('idle', () => ({ receive: () => undefined }));
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  const names = new Map<string, string>();
  const boot = async (id: string, host: string): Promise<void> => {
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits,
      membership: { kind: 'swim', gossip: { port: 7946 }, seeds: [{ host: 'ha', port: 7946 }] },
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Idle], routers: [federation.router] });
    nodes.set(id, { engine, federation });
    await federation.start(engine);
  };
  const joinNew = (id: string, name: string): void => {
    const addr = nodes.get(id)!.engine.spawn(Idle);
    names.set(`${addr.node}:${addr.key}`, name);
    nodes.get(id)!.federation.groups.join('g', addr);
  };
  const view = (id: string): string[] => nodes.get(id)!.federation.groups.members('g').map((a) => names.get(`${a.node}:${a.key}`) ?? '?').sort();
  let failure: unknown = null;
  const seen: Record<string, string[][]> = {};
  const wait = async (label: string, observers: readonly string[], expected: readonly string[], work: () => Promise<void> | void = () => {}): Promise<void> => {
    let done = false;
    world.at(0, () => {
      Promise.resolve().then(work).then(() => { done = true; }, (error: unknown) => { failure ??= error; });
    });
    const agree = (): boolean => observers.every((id) => JSON.stringify(view(id)) === JSON.stringify(expected));
    await world.run({ untilMs: world.now + 60_000, until: () => failure !== null || (done && agree()) });
    if (failure !== null) throw failure;
    seen[label] = observers.map(view);
    expect(seen[label], label).toEqual(observers.map(() => expected));
  };
  world.net.setFaults({ latencyMs: [0.2, 4] });
  await wait('joined', ['a', 'b', 'c'], ['a1', 'b1', 'c1'], async () => {
    for (const id of ['a', 'b', 'c']) await boot(id, `h${id}`);
    for (const id of ['a', 'b', 'c']) joinNew(id, `${id}1`);
  });
  const hc = world.host('hc');
  hc.up = false;
  hc.epoch++;
  world.net.unlisten('hc');
  await wait('c crashed', ['a', 'b'], ['a1', 'b1']);
  await wait('c restarted', ['a', 'b', 'c'], ['a1', 'b1', 'c2'], async () => {
    await boot('c', 'hc2');
    joinNew('c', 'c2');
  });
  await wait('b left', ['a', 'c'], ['a1', 'c2'], () => nodes.get('b')!.federation.close());
  world.dispose();
  return seen;
}

describe('process groups with a SWIM membership', () => {
  it.each([1, 2, 3])('seed %i: a dead node\'s members are dropped, a restarted node syncs both ways, a leaving node takes its members', async (seed) => {
    const seen = await runSwim(seed, LIMITS);
    expect(Object.keys(seen)).toEqual(['joined', 'c crashed', 'c restarted', 'b left']);
  });

  it.each([1, 2])('seed %i: the same when connections never time out (only the membership\'s word drops a node\'s members)', async (seed) => {
    const seen = await runSwim(seed, { ...LIMITS, heartbeatMs: 1000, idleTimeoutMs: 3_600_000 });
    expect(Object.keys(seen)).toEqual(['joined', 'c crashed', 'c restarted', 'b left']);
  });
});

describe('process groups: what a node refuses', () => {
  const make = () => new ClusterGroups({ nodeId: 'x', incarnation: () => 1, alive: () => true, send: () => {}, noticeTo: () => {}, upPeers: () => ['p'] });

  it('garbage from a peer is dropped and counted, never thrown; a peer cannot add another node\'s actor', () => {
    const groups = make();
    for (const body of [null, 1, 'x', {}, { full: 'yes', joins: [], leaves: [] }, { full: true, joins: 'no', leaves: [] }, { full: false, joins: [], leaves: 7 }]) {
      expect(() => groups.notice('p', 7, body)).not.toThrow();
    }
    expect(groups.badNotices).toBe(7);
    // Entries with bad group names, things that are not addresses, or addresses of another incarnation are skipped.
    expect(() => groups.notice('p', 7, { full: true, joins: [['', []], ['g', [{ node: 7 }, null, 'addr']], 'junk', [null, null], ['x'.repeat(2000), []]], leaves: [[1, 2]] })).not.toThrow();
    expect(groups.groups()).toEqual([]);
    expect(groups.badEntries).toBeGreaterThanOrEqual(7);
    // A notice too large to hold is dropped whole.
    expect(() => groups.notice('p', 7, { full: false, joins: [['g', new Array(100_001).fill(null)]], leaves: [] })).not.toThrow();
    expect(groups.badNotices).toBe(8);
  });

  it('bad input is refused with a clear error', async () => {
    const world = new SimWorld({ seed: 1 });
    const Idle = defineKind<unknown>('idle', () => ({ receive: () => undefined }));
    const federation = createFederation({ nodeId: 'a', cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, 'ha'), listen: { host: 'ha', port: 7000 }, peers: [] });
    const other = createEngine({ id: 'b', reactor: world.reactor('hb'), kinds: [Idle] });
    const engine = createEngine({ id: 'a', reactor: world.reactor('ha'), kinds: [Idle], routers: [federation.router] });
    expect(() => federation.groups).toThrow(/not started/);
    let started = false;
    world.at(0, () => void federation.start(engine).then(() => { started = true; }));
    await world.run({ untilMs: 5_000, until: () => started });
    const g = federation.groups;
    const mine = engine.spawn(Idle);
    expect(() => g.join('', mine)).toThrow(ArgumentError);
    expect(() => g.join(42 as unknown as string, mine)).toThrow(/group must be a non-empty string/);
    expect(() => g.join('g'.repeat(1025), mine)).toThrow(/at most 1024/);
    expect(() => g.join('g', 'not an addr' as unknown as AnyAddr)).toThrow(/needs an actor's address/);
    expect(() => g.join('g', other.spawn(Idle))).toThrow(/join on the member's own node/);
    expect(() => g.leave('g', other.spawn(Idle))).toThrow(/leaves on its own node/);
    expect(() => g.members('')).toThrow(ArgumentError);
    engine.stop(mine);
    await world.run({ untilMs: world.now + 100 });
    expect(() => g.join('g', mine)).toThrow(/not alive/);
    expect(g.groups()).toEqual([]);
    world.dispose();
  });

  it('a listener that throws is dropped and counted; the others still hear', () => {
    const world = new SimWorld({ seed: 1 });
    const Idle = defineKind<unknown>('idle', () => ({ receive: () => undefined }));
    const engine = createEngine({ id: 'x', reactor: world.reactor('hx'), kinds: [Idle] });
    const notices: unknown[] = [];
    const groups = new ClusterGroups({
      nodeId: 'x', incarnation: () => engine.incarnation, alive: (addr) => engine.info(addr) !== undefined, send: () => {},
      noticeTo: (_p, n) => notices.push(n), upPeers: () => ['p'],
    });
    const heard: string[] = [];
    groups.subscribe(() => {
      throw new Error('boom');
    });
    groups.subscribe((c) => heard.push(`${c.group}:${c.node}:+${c.joined.length}-${c.left.length}`));
    groups.subscribe((c) => heard.push(`only-h:${c.group}:+${c.joined.length}-${c.left.length}`), 'h');
    const one = engine.spawn(Idle);
    groups.join('g', one);
    groups.join('h', one);
    groups.exited(one);
    expect(groups.listenerFailures).toBe(1);
    expect(heard).toEqual(['g:x:+1-0', 'h:x:+1-0', 'only-h:h:+1-0', 'g:x:+0-1', 'h:x:+0-1', 'only-h:h:+0-1']);
    // Each change went to the connected peer as a delta; one notice for both leaves of the exit.
    expect(notices.map((n) => JSON.stringify([(n as { joins: unknown[] }).joins.length, (n as { leaves: unknown[] }).leaves.map((l) => (l as unknown[])[0])]))).toEqual([
      '[1,[]]', '[1,[]]', '[0,["g","h"]]',
    ]);
    expect(groups.groups()).toEqual([]);
    world.dispose();
  });
});
