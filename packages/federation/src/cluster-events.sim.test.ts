/**
 * Cluster events (`federation.events`) and joining by hand (`federation.join`), in the
 * simulator across seeds: a and b form a cluster through a's seed; c starts alone (no
 * seeds) and registers the cluster name `leader` that a registered first; `c.join([a's
 * gossip])` brings it in: a hears `member c alive`, the connections come `up`, and c's
 * `leader` loses the conflict to a's (the same hybrid logical clock stamp — registered at the same simulated millisecond, neither having heard of the other — and the lower node id), so c hears
 * `name-conflict`. Then c crashes: a hears `member c suspect`, then `dead`, and keep-majority's
 * `downing keep` with c unreachable, and a send from a to c's actor is a dead letter, counted; b closes its federation: a hears `member b left`. A
 * listener that throws is dropped and counted, and the others still hear everything.
 * Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type ClusterEvent, type Federation, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };
const Idle = defineKind<unknown>('idle', () => ({ receive: () => undefined }));

interface Outcome {
  /** What a send from a to c's actor gave once a had declared c dead, and a's stale-send count after it. */
  sendToDead: string;
  staleSends: number;
  onA: string[];
  onC: string[];
  throwingHeard: number;
  listenerFailures: number;
  joinAsked: number;
  hash: string;
}

/** An event as a short line, without its time. */
function line(e: ClusterEvent): string {
  switch (e.type) {
    case 'member':
      return `member ${e.node} ${e.status}`;
    case 'peer':
      return `peer ${e.node} ${e.state}`;
    case 'name-conflict':
      return `name-conflict ${e.name} ${e.loser.node}<${e.winner.node}`;
    case 'prefix-conflict':
      return `prefix-conflict ${e.prefix} ${e.loser.node}<${e.winner.node}`;
    case 'downing':
      return `downing ${e.decision} ${e.unreachable.join(',')}`;
  }
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  const onA: string[] = [];
  const onCEvents: string[] = [];
  let throwingHeard = 0;
  const boot = async (id: string, seeds: readonly { host: string; port: number }[]): Promise<void> => {
    const host = `h${id}`;
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      membership: { kind: 'swim', gossip: { port: 7946 }, seeds, downing: { stableAfterMs: 2000 } },
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Idle], routers: [federation.router] });
    nodes.set(id, { engine, federation });
    if (id === 'a') {
      federation.events.subscribe(() => {
        throwingHeard++;
        throw new Error('a listener that throws');
      });
      federation.events.subscribe((e) => onA.push(line(e)));
    }
    if (id === 'c') federation.events.subscribe((e) => onCEvents.push(line(e)), ['name-conflict', 'member']);
    await federation.start(engine);
  };
  let failure: unknown = null;
  const step = async (what: string, work: () => Promise<void>): Promise<void> => {
    let done = false;
    world.at(0, () => work().then(() => { done = true; }, (error: unknown) => { failure ??= error; }));
    await world.run({ untilMs: world.now + 30_000, until: () => failure !== null || done });
    if (failure !== null) throw failure;
    expect(done, what).toBe(true);
  };
  const wait = async (what: string, condition: () => boolean): Promise<void> => {
    await world.run({ untilMs: world.now + 60_000, until: condition });
    expect(condition(), what).toBe(true);
  };
  const fed = (id: string): Federation => nodes.get(id)!.federation;
  const status = (observer: string, id: string): string | undefined => fed(observer).members().members.find((m) => m.id === id)?.status;

  world.net.setFaults({ latencyMs: [0.2, 4] });
  const seedA = [{ host: 'ha', port: 7946 }];
  await step('boot a and b; c alone', async () => {
    await boot('a', []);
    await boot('b', seedA);
    await boot('c', []);
  });
  await wait('a and b see each other', () => status('a', 'b') === 'alive' && status('b', 'a') === 'alive');
  let onC: AnyAddr | null = null;
  await step('leader on a, then on c (alone)', async () => {
    fed('a').registry.register('leader', nodes.get('a')!.engine.spawn(Idle));
    onC = nodes.get('c')!.engine.spawn(Idle);
    fed('c').registry.register('leader', onC);
  });
  expect(status('a', 'c')).toBeUndefined();

  let joinAsked = -1;
  await step('c joins through a', async () => {
    joinAsked = fed('c').join(seedA);
  });
  await wait('a, b and c are one cluster', () => ['a', 'b'].every((o) => status(o, 'c') === 'alive') && status('c', 'a') === 'alive' && status('c', 'b') === 'alive');
  // The registries meet once the nodes connect.
  await step('c connects to a', () => fed('c').connect('a'));
  await wait('c lost leader to a', () => onCEvents.some((l) => l.startsWith('name-conflict')));

  const hc = world.host('hc');
  hc.up = false;
  hc.epoch++;
  world.net.unlisten('hc');
  await wait('a downs c', () => onA.some((l) => l.startsWith('downing')));
  // A send to an actor of a node declared dead is a dead letter, counted — never queued for a run that will not read it.
  const before = fed('a').stats().router.staleSends;
  const sendToDead = nodes.get('a')!.engine.send(onC!, 'hello');
  const staleSends = fed('a').stats().router.staleSends - before;
  await step('b leaves', () => fed('b').close());
  await wait('a hears b left', () => onA.includes('member b left'));

  const outcome: Outcome = {
    sendToDead, staleSends, onA, onC: onCEvents, throwingHeard, listenerFailures: fed('a').events.listenerFailures, joinAsked, hash: world.trace.hash,
  };
  world.dispose();
  return outcome;
}

describe('cluster events and join, in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: member, peer, name-conflict and downing events, in order, on the nodes they concern', async (seed) => {
    const o = await run(seed);
    expect(o.joinAsked).toBe(1);
    expect([o.sendToDead, o.staleSends]).toEqual(['dead', 1]);
    // a's story of c, in order: joined, connected, suspected, declared dead, downed.
    const ofC = o.onA.filter((l) => / c( |$)|downing/.test(l) && !l.startsWith('peer c down'));
    expect(ofC.filter((l) => l.startsWith('member c'))).toEqual(['member c alive', 'member c suspect', 'member c dead']);
    expect(ofC.indexOf('member c alive')).toBeLessThan(ofC.indexOf('peer c up'));
    expect(ofC.indexOf('member c dead')).toBeLessThan(ofC.indexOf('downing keep c'));
    expect(o.onA).toContain('member b alive');
    expect(o.onA.at(-1)).toBe('member b left');
    expect(o.onA.filter((l) => l.startsWith('name-conflict'))).toEqual([]);
    // c hears only what it asked for: members and the conflict it lost.
    expect(o.onC).toContain('name-conflict leader c<a');
    expect(o.onC.every((l) => l.startsWith('member ') || l.startsWith('name-conflict '))).toBe(true);
    // The listener that threw heard one event, was dropped and counted; the others heard everything.
    expect(o.throwingHeard).toBe(1);
    expect(o.listenerFailures).toBe(1);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(7)).hash).toBe((await run(7)).hash);
  });

  it('join refuses a static membership and bad seeds, naming them', async () => {
    const world = new SimWorld({ seed: 1 });
    const federation = createFederation({ nodeId: 's', cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, 'hs'), listen: { host: 'hs', port: 7000 } });
    const engine = createEngine({ id: 's', reactor: world.reactor('hs'), routers: [federation.router] });
    expect(() => federation.join([{ host: 'ha', port: 7946 }])).toThrow(/not started/);
    let done = false;
    world.at(0, () => void federation.start(engine).then(() => { done = true; }));
    await world.run({ untilMs: 10_000, until: () => done });
    expect(() => federation.join([{ host: 'ha', port: 7946 }])).toThrow(/static membership .* needs membership \{ kind: 'swim' \}/);
    const swim = createFederation({
      nodeId: 't', cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, 'ht'), listen: { host: 'ht', port: 7000 }, membership: { kind: 'swim', gossip: { port: 7946 } },
    });
    const engine2 = createEngine({ id: 't', reactor: world.reactor('ht'), routers: [swim.router] });
    done = false;
    world.at(0, () => void swim.start(engine2).then(() => { done = true; }));
    await world.run({ untilMs: world.now + 10_000, until: () => done });
    expect(() => swim.join([])).toThrow(/non-empty list/);
    expect(() => swim.join([{ host: 'ha', port: 0 }])).toThrow(/seeds\[0\] must be \{ host, port \}/);
    expect(swim.join([{ host: 'ht', port: 7946 }])).toBe(0);
    expect(swim.running).toBe(true);
    done = false;
    world.at(0, () => void swim.close().then(() => { done = true; }));
    await world.run({ untilMs: world.now + 10_000, until: () => done });
    expect(swim.running).toBe(false);
    expect(() => swim.join([{ host: 'ha', port: 7946 }])).toThrow(/closed/);
    world.dispose();
  });
});
