/**
 * A cluster of multi-core nodes in the simulator, across seeds: two nodes, each two
 * simulated cores (SimCores with `gateway`: the federation on core 0, the other core
 * reaching the other node through it), over the simulated network (seeded latency,
 * reordering, duplication) under virtual time. Every sink lives on core 1, so each message
 * from a's core 1 to b's core 1 crosses a's ring, the network and b's ring. Each run checks
 * per-pair FIFO for numbered sends from core 1 to core 1, asks from core 0 answered by core 1
 * of the other node, and, after a partition, `noconnection` for a link and a monitor held by
 * an actor on core 1; after the heal, a spawn there works again. The same seed run twice
 * gives the same outcome.
 *
 * Cluster names and process groups for actors on core 1 (the federation is on core 0): a
 * name registered for one resolves on the other node and a send through it arrives; a group
 * member there gets the other node's publish; when the actor exits, the name and the
 * membership are gone on both nodes, also for an actor stopped just before it was
 * registered (its exit races with the registration) and one long gone.
 *
 * Then the send policy for actors on core 1: checked there, counted on the gateway.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, Exit, ExitSignal, defineKind } from '@pd/actor';
import { type Engine, SimCores, type SimCoresOptions } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, type FederationOptions, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
const COUNT = 40;

type Msg = number | { readonly relay: AnyAddr; readonly n: number } | { readonly watch: AnyAddr } | 'ping';

interface Outcome {
  got: Record<string, number[]>;
  cores: Record<string, number[]>;
  answers: number;
  downs: string[];
  exits: string[];
  healedSpawn: boolean;
  /** Messages that crossed a ring, summed over every core of both nodes. */
  ringMessages: number;
  badFrames: number;
  hash: string;
}

/** Nodes a and b, each two simulated cores with its federation on core 0 (b's with `bPolicy`, if any); not started. */
function twoNodes(world: SimWorld, kinds: NonNullable<SimCoresOptions['kinds']>, bPolicy?: FederationOptions['policy']): Map<string, { cores: SimCores; federation: Federation }> {
  const nodes = new Map<string, { cores: SimCores; federation: Federation }>();
  for (const id of ['a', 'b']) {
    const host = `h${id}`;
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      peers: [{ id: id === 'a' ? 'b' : 'a', host: id === 'a' ? 'hb' : 'ha', port: 7000 }], requestTimeoutMs: 5000,
      ...(id === 'b' && bPolicy !== undefined ? { policy: bPolicy } : {}),
    });
    const simCores = new SimCores(world, {
      id, host, cores: 2, gateway: true, kinds: [...kinds], routers: [federation.router], askTimeoutMs: 5000,
      placement: { kinds: { sink: { core: 1 } } },
    });
    nodes.set(id, { cores: simCores, federation });
  }
  return nodes;
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const got: Record<string, number[]> = {};
  const cores: Record<string, number[]> = {};
  const downs: string[] = [];
  const exits: string[] = [];
  /** Records numbers (and its core); relays `{ relay, n }`; links and monitors `{ watch }`; answers 'ping'. */
  const Sink = defineKind<Msg, string>('sink', (name) => {
    got[name] = [];
    return {
      receive(m: Msg | Down | ExitSignal, ctx: Context<Msg>) {
        const seen = (cores[name] ??= []);
        if (!seen.includes(ctx.self.core)) seen.push(ctx.self.core);
        if (m instanceof Down) downs.push(m.reason.type);
        else if (m instanceof ExitSignal) exits.push(m.reason.type);
        else if (typeof m === 'number') got[name]!.push(m);
        else if (m === 'ping') return 'pong';
        else if ('relay' in m) ctx.send(m.relay, m.n);
        else {
          ctx.monitor(m.watch);
          ctx.link(m.watch);
        }
        return undefined;
      },
    };
  });
  const nodes = twoNodes(world, [Sink]);
  const a = nodes.get('a')!;
  const engineA = a.cores.engine;
  world.net.setFaults({ latencyMs: [0.2, 4], duplicate: 0.02, reorder: true });
  let answers = 0;
  let healedSpawn = false;
  let failure: unknown = null;
  const script = async (): Promise<void> => {
    for (const n of nodes.values()) await n.federation.start(n.cores.engine);
    const onB = await a.federation.spawn<Msg>('sink', { node: 'b', args: 'b' });
    const sender = engineA.spawn<Msg>(Sink, { args: 'sender' });
    const watcher = engineA.spawn<Msg>(Sink, { args: 'watcher', trapExits: true });
    for (let n = 0; n < COUNT; n++) {
      // Core 0 of a -> core 1 of a -> (gateway) -> core 0 of b -> core 1 of b.
      engineA.send(sender, { relay: onB, n });
      if (n % 10 === 0 && (await engineA.ask(onB, 'ping')) === 'pong') answers++;
    }
    engineA.send(watcher, { watch: onB });
    expect(await engineA.ask(onB, 'ping')).toBe('pong');
  };
  world.at(0, () => {
    script().catch((error: unknown) => (failure = error));
  });
  world.at(3000, () => world.net.partition(['ha'], ['hb']));
  world.at(6000, () => world.net.heal());
  world.at(7000, () => {
    a.federation.spawn('sink', { node: 'b', args: 'after-heal' }).then(() => (healedSpawn = true), (error: unknown) => (failure = error));
  });
  let badFrames = -1;
  let closed = false;
  world.at(11_000, () => {
    badFrames = [...nodes.values()].reduce((sum, n) => sum + n.federation.stats().router.badFrames + n.cores.routers.reduce((s, r) => s + r.stats.badFrames, 0), 0);
    Promise.all([...nodes.values()].map((n) => n.federation.close())).then(() => (closed = true), (error: unknown) => (failure = error));
  });
  await world.run({ untilMs: 12_000 });
  if (failure !== null) throw failure;
  expect(closed).toBe(true);
  const ringMessages = [...nodes.values()].reduce((sum, n) => sum + n.cores.routers.reduce((s, r) => s + r.stats.messagesIn, 0), 0);
  const hash = world.trace.hash;
  world.dispose();
  return { got, cores, answers, downs, exits, healedSpawn, ringMessages, badFrames, hash };
}

describe('multi-core nodes in the simulator', () => {
  it.each([1, 2, 3, 4])('seed %i: core 1 to core 1 across nodes in order, asks, noconnection for a worker core across a partition, reconnect', async (seed) => {
    const outcome = await run(seed);
    expect(outcome.got.b).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // Every sink ran on core 1 only: the traffic really went through the gateways and rings.
    for (const name of ['b', 'sender', 'watcher']) expect(outcome.cores[name]).toEqual([1]);
    expect(outcome.ringMessages).toBeGreaterThan(2 * COUNT);
    expect(outcome.answers).toBe(COUNT / 10);
    expect(outcome.downs).toEqual(['noconnection']);
    expect(outcome.exits).toEqual(['noconnection']);
    expect(outcome.healedSpawn).toBe(true);
    expect(outcome.badFrames).toBe(0);
  });

  it('the same seed gives the same run, step by step', async () => {
    const first = await run(5);
    expect(await run(5)).toEqual(first);
  });
});

interface NamesOutcome {
  /** What reached the actors on core 1, by name. */
  got: Record<string, unknown[]>;
  /** The checkpoints the script passed, in order. */
  steps: string[];
  /** How many members b's publish to `g` was sent to. */
  published: number;
  badFrames: number;
  hash: string;
}

/** Resolves once `condition` holds, looking every 5 ms of `engine`'s (virtual) time; rejects after 20 s of it. */
async function until(engine: Engine, condition: () => boolean, what: string): Promise<void> {
  const start = engine.reactor.now();
  while (!condition()) {
    if (engine.reactor.now() - start > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => engine.reactor.setTimer(5, resolve));
  }
}

async function runNames(seed: number): Promise<NamesOutcome> {
  const world = new SimWorld({ seed });
  const got: Record<string, unknown[]> = {};
  /** Records what it gets (and answers 'ping'), on core 1 by placement. */
  const Sink = defineKind<unknown, string>('sink', (name) => {
    got[name] = [];
    return {
      receive(m: unknown) {
        if (m === 'ping') return 'pong';
        got[name]!.push(m);
        return undefined;
      },
    };
  });
  const nodes = twoNodes(world, [Sink]);
  const a = nodes.get('a')!;
  const b = nodes.get('b')!;
  const ea = a.cores.engine;
  const steps: string[] = [];
  let published = -1;
  let failure: unknown = null;
  let done = false;
  const script = async (): Promise<void> => {
    for (const n of nodes.values()) await n.federation.start(n.cores.engine);
    // A name for an actor on core 1 of a: b resolves it, and a send and an ask through it arrive.
    const holder = ea.spawn<unknown>(Sink, { args: 'holder' });
    expect(holder.core).toBe(1);
    a.federation.registry.register('svc', holder);
    expect(a.federation.registry.whereis('svc')?.equals(holder)).toBe(true);
    await until(ea, () => b.federation.registry.whereis('svc') !== undefined, 'b resolves svc');
    const viaB = b.federation.registry.whereis('svc')!;
    expect(viaB.equals(holder)).toBe(true);
    expect(b.federation.registry.list()).toEqual([expect.objectContaining({ name: 'svc', node: 'a' })]);
    b.cores.engine.send(viaB, 'by name from b');
    expect(await b.cores.engine.ask(viaB, 'ping')).toBe('pong');
    steps.push('resolved on both');
    // A member on core 1 of a gets b's publish; a member on core 1 of b gets it too.
    const member = ea.spawn<unknown>(Sink, { args: 'member' });
    const memberB = b.cores.engine.spawn<unknown>(Sink, { args: 'memberB' });
    a.federation.groups.join('g', member);
    b.federation.groups.join('g', memberB);
    await until(ea, () => b.federation.groups.members('g').length === 2 && a.federation.groups.members('g').length === 2, 'both nodes see both members');
    published = b.federation.groups.publish('g', 'published by b');
    await until(ea, () => got.member!.length > 0 && got.memberB!.length > 0, 'the publish at both members');
    // The holder exits: the name goes on both nodes; the member exits: it leaves on both.
    ea.stop(holder);
    await until(ea, () => a.federation.registry.whereis('svc') === undefined && b.federation.registry.whereis('svc') === undefined, 'svc gone on both');
    steps.push('svc gone on both');
    ea.stop(member);
    await until(ea, () => a.federation.groups.members('g').length === 1 && b.federation.groups.members('g').length === 1, 'the member gone on both');
    expect(b.federation.groups.members('g')[0]!.equals(memberB)).toBe(true);
    steps.push('member gone on both');
    // Exits racing with the registration: stopped just before (the stop is on the ring ahead of
    // the monitor), and long gone (its core answers the monitor with noproc). Never left behind.
    const racer = ea.spawn<unknown>(Sink, { args: 'racer' });
    expect(await ea.ask(racer, 'ping')).toBe('pong');
    ea.stop(racer);
    a.federation.registry.register('racer', racer);
    a.federation.groups.join('racers', racer);
    a.federation.registry.register('gone', holder);
    await until(ea, () => a.federation.registry.list().length === 0 && a.federation.groups.groups().length === 1, 'the racing names and member dropped on a');
    await until(ea, () => b.federation.registry.list().length === 0 && b.federation.groups.groups().length === 1, 'and on b');
    steps.push('racers dropped');
    // A name registered again for a live actor of core 1 still works after all that.
    const again = ea.spawn<unknown>(Sink, { args: 'again' });
    a.federation.registry.register('svc', again);
    await until(ea, () => b.federation.registry.whereis('svc')?.equals(again) === true, 'b resolves svc again');
    b.cores.engine.send(b.federation.registry.whereis('svc')!, 'again');
    await until(ea, () => got.again!.length === 1, 'the send to the new holder');
    done = true;
  };
  world.at(0, () => {
    script().catch((error: unknown) => (failure = error));
  });
  let badFrames = -1;
  world.at(30_000, () => {
    badFrames = [...nodes.values()].reduce((sum, n) => sum + n.federation.stats().router.badFrames + n.cores.routers.reduce((s, r) => s + r.stats.badFrames, 0), 0);
    Promise.all([...nodes.values()].map((n) => n.federation.close())).catch((error: unknown) => (failure = error));
  });
  await world.run({ untilMs: 31_000 });
  if (failure !== null) throw failure;
  expect(done).toBe(true);
  const hash = world.trace.hash;
  world.dispose();
  return { got, steps, published, badFrames, hash };
}

describe('cluster names and process groups for actors on core 1, in the simulator', () => {
  it.each([1, 2, 3])('seed %i: resolved and reached from the other node; gone on both when the actor exits, however the exit races', async (seed) => {
    const outcome = await runNames(seed);
    expect(outcome.steps).toEqual(['resolved on both', 'svc gone on both', 'member gone on both', 'racers dropped']);
    expect(outcome.got.holder).toEqual(['by name from b']);
    expect(outcome.published).toBe(2);
    expect(outcome.got.member).toEqual(['published by b']);
    expect(outcome.got.memberB).toEqual(['published by b']);
    expect(outcome.got.again).toEqual(['again']);
    expect(outcome.badFrames).toBe(0);
  });

  it('the same seed gives the same run', async () => {
    const first = await runNames(7);
    expect(await runNames(7)).toEqual(first);
  });
});

/**
 * Node b allows remote sends under `/user/ok` only; both of its sinks live on core 1, where
 * the policy is checked. From node a: numbered sends and an ask to each, and an exit signal
 * to the denied one.
 */
async function runPolicy(seed: number): Promise<{ got: Record<string, number[]>; pong: unknown; refusedAsk: unknown; refused: number; deadOnCore1: number; alive: unknown }> {
  const world = new SimWorld({ seed });
  const got: Record<string, number[]> = {};
  const Sink = defineKind<number | 'ping', string>('sink', (name) => {
    got[name] = [];
    return {
      receive(m: number | 'ping') {
        if (m === 'ping') return 'pong';
        got[name]!.push(m);
        return undefined;
      },
    };
  });
  const nodes = twoNodes(world, [Sink], { send: { allow: ['/user/ok'] } });
  const a = nodes.get('a')!;
  const b = nodes.get('b')!;
  world.net.setFaults({ latencyMs: [0.2, 4], duplicate: 0.02, reorder: true });
  let outcome: Awaited<ReturnType<typeof runPolicy>> | null = null;
  let failure: unknown = null;
  const script = async (): Promise<void> => {
    for (const n of nodes.values()) await n.federation.start(n.cores.engine);
    const ok = await a.federation.spawn<number | 'ping'>('sink', { node: 'b', name: 'ok', args: 'ok' });
    const closed = await a.federation.spawn<number | 'ping'>('sink', { node: 'b', name: 'closed', args: 'closed' });
    const engine = a.cores.engine;
    for (let n = 0; n < 10; n++) {
      engine.send(ok, n);
      engine.send(closed, n);
    }
    const pong = await engine.ask(ok, 'ping');
    const refusedAsk = await engine.ask(closed, 'ping').then(() => 'answered', (e: { code?: string }) => e.code);
    engine.exit(closed, Exit.error('from a'));
    while (b.federation.stats().refused.send < 12) await new Promise<void>((resolve) => engine.reactor.setTimer(5, resolve));
    const alive = await b.cores.engine.ask(closed, 'ping');
    outcome = { got, pong, refusedAsk, refused: b.federation.stats().refused.send, deadOnCore1: b.cores.engines[1]!.deadLetters().byReason.rejected, alive };
    for (const n of nodes.values()) await n.federation.close();
  };
  world.at(0, () => {
    script().catch((error: unknown) => (failure = error));
  });
  await world.run({ untilMs: 5000 });
  world.dispose();
  if (failure !== null) throw failure;
  if (outcome === null) throw new Error('the policy script did not finish in 5 s of simulated time');
  return outcome;
}

describe('the send policy of a multi-core node in the simulator', () => {
  it.each([1, 2])('seed %i: sends, asks and exits from another node to actors on core 1 are checked there, refusals counted on the gateway', async (seed) => {
    const outcome = await runPolicy(seed);
    expect(outcome.got).toEqual({ ok: Array.from({ length: 10 }, (_, i) => i), closed: [] });
    expect(outcome.pong).toBe('pong');
    expect(outcome.refusedAsk).toBe('ask/rejected');
    // 10 sends, the ask and the exit signal; the denied actor was not stopped by the exit.
    expect(outcome.refused).toBe(12);
    expect(outcome.deadOnCore1).toBe(11);
    expect(outcome.alive).toBe('pong');
  });
});
