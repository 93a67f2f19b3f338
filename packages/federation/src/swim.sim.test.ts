/**
 * SWIM membership in the simulator, across seeds: five nodes with a federation each, the
 * membership riding its own port of the simulated network (virtual time, seeded latency).
 * Each scenario first waits for every node to see the other four alive, then: a node
 * crashes (every other node declares it dead, and every link and monitor to its actors
 * fires `noconnection`, driven by the membership, not by the connection's idle timeout,
 * which is set far beyond the run); a 3 | 2 partition (each side suspects, then declares
 * the other dead, and after the heal everyone is alive again, no one having been declared
 * dead by its own side); a slow node whose packets stall for 2.5 s every 5 s (suspected,
 * refutes, never declared dead: Lifeguard); a node whose event loop stalls 2 s three times
 * (its late timers raise its health score and conclude nothing: no suspicion, no death). The same seed gives
 * the same run, step by step. Nothing reads real time. */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, ExitSignal, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, type MemberStatus, SwimMembership, carrierSwimTransport, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
/** Heartbeats, but an idle timeout beyond any run: only the membership may declare a node gone. */
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };
const IDS = ['a', 'b', 'c', 'd', 'e'];

type Scenario = 'crash' | 'partition' | 'slow' | 'stall';

interface Node {
  engine: Engine;
  federation: Federation;
  swim: SwimMembership;
}

interface Outcome {
  /** Virtual ms until every node saw every other alive. */
  convergedAt: number;
  /** `observer>member:status` the first time each observer saw each member in each status (after convergence). */
  firstSeen: Record<string, number>;
  /** Peer-down events the federations heard: `observer>member`. */
  downs: string[];
  /** What the watchers of e's actor got (crash scenario). */
  signals: string[];
  /** Virtual ms from the fault to the end of the scenario's condition. */
  detectedAfter: number;
  refutations: number;
  badMessages: number;
  /** Late probe ticks seen (stalls), all nodes. */
  stalls: number;
  healed: boolean;
  /** Virtual ms after convergence at which the partition healed (partition scenario). */
  healAt: number;
  /** Virtual ms from the heal until every node saw every other alive again (partition scenario). */
  healedAfter: number;
  hash: string;
  steps: number;
}

async function run(seed: number, scenario: Scenario): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const signals: string[] = [];
  const downs: string[] = [];
  const Sink = defineKind<unknown>('sink', () => ({ receive: () => undefined }));
  /** Monitors and links what it is told to; records the signals. */
  const Watcher = defineKind<{ readonly watch: AnyAddr }, string>('watcher', (name) => ({
    receive(m: { readonly watch: AnyAddr } | Down | ExitSignal, ctx: Context<{ readonly watch: AnyAddr }>) {
      if (m instanceof Down) signals.push(`${name}:down:${m.reason.type}`);
      else if (m instanceof ExitSignal) signals.push(`${name}:exit:${m.reason.type}`);
      else {
        ctx.monitor(m.watch);
        ctx.link(m.watch);
      }
      return undefined;
    },
  }));
  const nodes = new Map<string, Node>();
  for (const id of IDS) {
    const host = `h${id}`;
    const carrier = simNetCarrier(world, host);
    const swim = new SwimMembership({
      nodeId: id, cluster: 'sim', advertise: { host, port: 7000 }, gossip: { host, port: 7946 },
      seeds: [{ host: 'ha', port: 7946 }, { host: 'hb', port: 7946 }], transport: carrierSwimTransport(carrier), secret: SECRET,
    });
    swim.subscribe({ peerUp() {}, peerDown: (peer) => downs.push(`${id}>${peer}`) });
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier, listen: { host, port: 7000 }, limits: LIMITS, membership: swim, requestTimeoutMs: 5000,
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Sink, Watcher], routers: [federation.router], askTimeoutMs: 5000 });
    nodes.set(id, { engine, federation, swim });
  }
  world.net.setFaults({ latencyMs: [0.2, 4] });
  let failure: unknown = null;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  world.at(0, () => {
    (async () => {
      for (const n of nodes.values()) {
        await n.federation.start(n.engine);
        await n.swim.start(n.engine.reactor);
      }
    })().catch(fail);
  });
  const statusOf = (observer: string, member: string): MemberStatus | undefined =>
    nodes.get(observer)!.swim.memberList().find((m) => m.id === member)?.status;
  const allSee = (observers: readonly string[], members: readonly string[], status: MemberStatus): boolean =>
    observers.every((o) => members.every((m) => m === o || statusOf(o, m) === status));

  await world.run({ untilMs: 30_000, until: () => failure !== null || allSee(IDS, IDS, 'alive') });
  if (failure !== null) throw failure;
  const convergedAt = world.now;
  expect(allSee(IDS, IDS, 'alive')).toBe(true);

  // Record, every 50 ms of virtual time, the first time each observer saw each member in each status.
  const firstSeen: Record<string, number> = {};
  const sample = (): void => {
    for (const o of IDS) {
      if (!world.host(`h${o}`).up) continue;
      for (const m of nodes.get(o)!.swim.memberList()) {
        const key = `${o}>${m.id}:${m.status}`;
        if (m.id !== o && !(key in firstSeen)) firstSeen[key] = Math.round(world.now - convergedAt);
      }
    }
    world.at(50, sample);
  };
  sample();

  const a = nodes.get('a')!;
  let faultAt = 0;
  let detectedAfter = -1;
  let healed = false;
  let healAt = -1;
  let healedAfter = -1;
  if (scenario === 'crash') {
    let ready = false;
    (async () => {
      const target = await a.federation.spawn('sink', { node: 'e' });
      for (const id of ['a', 'b', 'c', 'd']) {
        // The router routes an address only for a node it knows the incarnation of: connect first.
        await nodes.get(id)!.federation.connect('e');
        const watcher = nodes.get(id)!.engine.spawn(Watcher, { args: id, trapExits: true });
        nodes.get(id)!.engine.send(watcher, { watch: target });
      }
      ready = true;
    })().catch(fail);
    await world.run({ untilMs: world.now + 10_000, until: () => failure !== null || ready });
    expect(ready).toBe(true);
    // Let the monitors and links reach e before it goes.
    await world.run({ untilMs: world.now + 200 });
    // A crash as SimNode does it: the host's events are dropped and nothing reaches it any more.
    const he = world.host('he');
    he.up = false;
    he.epoch++;
    world.net.unlisten('he');
    faultAt = world.now;
    await world.run({
      untilMs: world.now + 60_000,
      until: () => failure !== null || (allSee(['a', 'b', 'c', 'd'], ['e'], 'dead') && signals.length === 8),
    });
    detectedAfter = world.now - faultAt;
  } else if (scenario === 'partition') {
    world.net.partition(['ha', 'hb', 'hc'], ['hd', 'he']);
    faultAt = world.now;
    await world.run({
      untilMs: world.now + 60_000,
      until: () => failure !== null || (allSee(['a', 'b', 'c'], ['d', 'e'], 'dead') && allSee(['d', 'e'], ['a', 'b', 'c'], 'dead')),
    });
    detectedAfter = world.now - faultAt;
    sample();
    healAt = Math.round(world.now - convergedAt);
    world.net.heal();
    const healedAtMs = world.now;
    // Each probe round syncs with a member dead for less than gossipToTheDeadMs: the halves find each other and refute.
    await world.run({ untilMs: world.now + 120_000, until: () => failure !== null || allSee(IDS, IDS, 'alive') });
    healed = allSee(IDS, IDS, 'alive');
    healedAfter = world.now - healedAtMs;
  } else if (scenario === 'stall') {
    // e's event loop stalls for 2 s, three times: its timers fire late, all at once (as after a GC pause).
    faultAt = world.now;
    for (let t = 1000; t < 16_000; t += 5000) world.at(t, () => world.jumpClock(world.host('he'), 2000));
    await world.run({ untilMs: world.now + 20_000, until: () => failure !== null });
    detectedAfter = world.now - faultAt;
  } else {
    faultAt = world.now;
    const others = ['ha', 'hb', 'hc', 'hd'];
    for (let t = 0; t < 30_000; t += 5000) world.at(t, () => { for (const o of others) world.net.clog('he', o, 2500); });
    await world.run({ untilMs: world.now + 32_000, until: () => failure !== null });
    detectedAfter = world.now - faultAt;
  }
  if (failure !== null) throw failure;
  sample();
  const refutations = [...nodes.values()].reduce((sum, n) => sum + n.swim.stats.refutations, 0);
  const badMessages = [...nodes.values()].reduce((sum, n) => sum + n.swim.stats.badMessages, 0);
  const stalls = [...nodes.values()].reduce((sum, n) => sum + n.swim.stats.stalls, 0);
  const hash = world.trace.hash;
  const steps = world.steps;
  world.dispose();
  return { convergedAt, firstSeen, downs, signals, detectedAfter, refutations, badMessages, stalls, healed, healAt, healedAfter, hash, steps };
}

describe('SWIM membership in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: five nodes converge; a crashed node is declared dead by all and its links and monitors get noconnection', async (seed) => {
    const o = await run(seed, 'crash');
    for (const observer of ['a', 'b', 'c', 'd']) {
      expect(o.firstSeen[`${observer}>e:dead`], `${observer} sees e dead`).toBeGreaterThan(0);
      expect(o.downs).toContain(`${observer}>e`);
    }
    expect(o.signals.sort()).toEqual(['a', 'b', 'c', 'd'].flatMap((w) => [`${w}:down:noconnection`, `${w}:exit:noconnection`]));
    // No one else was declared dead.
    expect(o.downs.filter((d) => !d.endsWith('>e'))).toEqual([]);
    expect(o.badMessages).toBe(0);
  });

  it.each([1, 2, 3])('seed %i: a partitioned minority is suspected, then declared dead; after the heal all are alive', async (seed) => {
    const o = await run(seed, 'partition');
    for (const [side, other] of [[['a', 'b', 'c'], ['d', 'e']], [['d', 'e'], ['a', 'b', 'c']]] as const) {
      for (const observer of side) {
        for (const member of other) {
          const dead = o.firstSeen[`${observer}>${member}:dead`];
          expect(dead, `${observer} declares ${member} dead`).toBeDefined();
          // Suspected first (or learned of the death by gossip before its own suspicion).
          const suspect = o.firstSeen[`${observer}>${member}:suspect`];
          if (suspect !== undefined) expect(suspect).toBeLessThanOrEqual(dead!);
        }
      }
      for (const observer of side) {
        for (const member of side) {
          // Within a side, no one was suspected while the partition lasted...
          expect(o.firstSeen[`${observer}>${member}:suspect`] ?? Infinity).toBeGreaterThan(o.healAt);
          // ...nor declared dead after the heal, when the other side's verdicts arrive (they count as suspicions, refuted).
          expect(o.firstSeen[`${observer}>${member}:dead`]).toBeUndefined();
        }
      }
    }
    expect(o.healed).toBe(true);
    // Well before the next push-pull (30 s), later than downing's stable-after (20 s) would be.
    expect(o.healedAfter).toBeLessThan(10_000);
    expect(o.refutations).toBeGreaterThan(0);
  });

  it.each([1, 2, 3, 4])('seed %i: a slow but alive node is suspected, refutes, and is never declared dead (Lifeguard)', async (seed) => {
    const o = await run(seed, 'slow');
    expect(Object.keys(o.firstSeen).filter((k) => k.endsWith('>e:suspect')).length).toBeGreaterThan(0);
    expect(o.refutations).toBeGreaterThan(0);
    expect(o.downs).toEqual([]);
    expect(Object.keys(o.firstSeen).filter((k) => k.endsWith(':dead'))).toEqual([]);
  });

  it.each([1, 2, 3, 4])('seed %i: a node whose event loop stalls 2 s notices (its health score rises), suspects no one, and no one is declared dead', async (seed) => {
    const o = await run(seed, 'stall');
    expect(o.stalls).toBeGreaterThanOrEqual(3);
    // Its probes and suspicions due during the stall are inconclusive, not failures: not even a false suspicion.
    expect(Object.keys(o.firstSeen).filter((k) => k.endsWith(':suspect'))).toEqual([]);
    expect(o.downs).toEqual([]);
    expect(Object.keys(o.firstSeen).filter((k) => k.endsWith(':dead'))).toEqual([]);
  });

  it('the same seed gives the same run, step by step', async () => {
    const first = await run(7, 'crash');
    expect(await run(7, 'crash')).toEqual(first);
    expect((await run(8, 'crash')).hash).not.toBe(first.hash);
  });
});
