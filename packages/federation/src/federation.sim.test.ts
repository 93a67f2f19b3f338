/**
 * A cluster of three nodes in the simulator, across seeds: the wire protocol runs over the
 * simulated network (seeded latency, reordering, duplication) under virtual time. Each run
 * checks per-pair FIFO for numbered sends (including sends relayed through a third node),
 * asks answered, and, after a partition cuts one node off, `noconnection` for the links and
 * monitors across the cut; after the heal, spawning there works again. The same seed run
 * twice gives the same outcome.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, ExitSignal, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, type PeerStats, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
const COUNT = 40;

type Msg = number | { readonly relay: AnyAddr; readonly n: number } | { readonly watch: AnyAddr } | 'ping';

interface Outcome {
  /** What each sink got, by sink name. */
  got: Record<string, number[]>;
  answers: number;
  downs: string[];
  exits: string[];
  healedSpawn: boolean;
  badFrames: number;
  /** The world's trace hash: every step, in order. */
  hash: string;
  /** Steps run. */
  steps: number;
  /** a's view of b during the cut (at 5 s) and after the heal (at 11 s), in virtual time. */
  bFromA: { cut: PeerStats | undefined; healed: PeerStats | undefined };
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const got: Record<string, number[]> = {};
  const downs: string[] = [];
  const exits: string[] = [];
  /** Records numbers; relays `{ relay, n }`; links and monitors `{ watch }`; answers 'ping'. */
  const Sink = defineKind<Msg, string>('sink', (name) => {
    got[name] = [];
    return {
      receive(m: Msg | Down | ExitSignal, ctx: Context<Msg>) {
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
  const ids = ['a', 'b', 'c'];
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  for (const id of ids) {
    const host = `h${id}`;
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      peers: ids.filter((p) => p !== id).map((p) => ({ id: p, host: `h${p}`, port: 7000 })), requestTimeoutMs: 5000,
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Sink], routers: [federation.router], askTimeoutMs: 5000 });
    nodes.set(id, { engine, federation });
  }
  const a = nodes.get('a')!;
  world.net.setFaults({ latencyMs: [0.2, 4], duplicate: 0.02, reorder: true });
  let answers = 0;
  let healedSpawn = false;
  let failure: unknown = null;
  const script = async (): Promise<void> => {
    for (const n of nodes.values()) await n.federation.start(n.engine);
    const onB = await a.federation.spawn<Msg>('sink', { node: 'b', args: 'b' });
    const onC = await a.federation.spawn<Msg>('sink', { node: 'c', args: 'c' });
    const relayOnB = await a.federation.spawn<Msg>('sink', { node: 'b', args: 'relay' });
    const watcher = a.engine.spawn<Msg>(Sink, { args: 'watcher', trapExits: true });
    for (let n = 0; n < COUNT; n++) {
      a.engine.send(onB, n);
      // a -> b -> c: the relay on b learned c's address from a message.
      a.engine.send(relayOnB, { relay: onC, n });
      if (n % 10 === 0 && (await a.engine.ask(onB, 'ping')) === 'pong') answers++;
    }
    a.engine.send(watcher, { watch: onB });
    expect(await a.engine.ask(onB, 'ping')).toBe('pong');
  };
  world.at(0, () => {
    script().catch((error: unknown) => (failure = error));
  });
  // Cut a off from b and c; the idle timeout tells both sides the connection is gone.
  world.at(3000, () => world.net.partition(['ha'], ['hb', 'hc']));
  const bFromA: Outcome['bFromA'] = { cut: undefined, healed: undefined };
  world.at(5000, () => (bFromA.cut = a.federation.stats().peers.find((p) => p.id === 'b')));
  world.at(6000, () => world.net.heal());
  world.at(7000, () => {
    a.federation.spawn('sink', { node: 'b', args: 'after-heal' }).then(() => (healedSpawn = true), (error: unknown) => (failure = error));
  });
  let badFrames = -1;
  let closed = false;
  world.at(11_000, () => {
    bFromA.healed = a.federation.stats().peers.find((p) => p.id === 'b');
    badFrames = [...nodes.values()].reduce((sum, n) => sum + n.federation.stats().router.badFrames, 0);
    // Closing takes turns of the nodes' reactors: inside the run.
    Promise.all([...nodes.values()].map((n) => n.federation.close())).then(() => (closed = true), (error: unknown) => (failure = error));
  });
  await world.run({ untilMs: 12_000 });
  if (failure !== null) throw failure;
  expect(closed).toBe(true);
  const hash = world.trace.hash;
  const steps = world.steps;
  world.dispose();
  return { got, answers, downs, exits, healedSpawn, badFrames, hash, steps, bFromA };
}

describe('federation in the simulator', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: FIFO per pair and relays, asks, noconnection across a partition, reconnect after it', async (seed) => {
    const outcome = await run(seed);
    const upTo = Array.from({ length: COUNT }, (_, i) => i);
    expect(outcome.got.b).toEqual(upTo);
    expect(outcome.got.c).toEqual(upTo);
    expect(outcome.answers).toBe(COUNT / 10);
    expect(outcome.downs).toEqual(['noconnection']);
    expect(outcome.exits).toEqual(['noconnection']);
    expect(outcome.healedSpawn).toBe(true);
    expect(outcome.badFrames).toBe(0);
    // Per-peer traffic and liveness, in virtual time: cut off since 3 s, nothing heard for
    // about 2 s at 5 s; up again after the heal, heard within an idle timeout.
    const { cut, healed } = outcome.bFromA;
    expect(cut).toMatchObject({ state: 'down', connectedForMs: null });
    expect(cut!.lastHeardAgoMs).toBeGreaterThanOrEqual(1900);
    expect(cut!.framesOut).toBeGreaterThanOrEqual(2 * COUNT);
    expect(cut!.bytesOut).toBeGreaterThan(0);
    expect(cut!.bytesIn).toBeGreaterThan(0);
    expect(healed).toMatchObject({ state: 'up' });
    expect(healed!.lastHeardAgoMs).toBeLessThanOrEqual(LIMITS.idleTimeoutMs);
    expect(healed!.connectedForMs).toBeGreaterThan(0);
    expect(healed!.connectedForMs).toBeLessThanOrEqual(5000);
    expect(healed!.bytesIn).toBeGreaterThan(cut!.bytesIn);
    expect(healed!.heartbeatsIn).toBeGreaterThan(0);
    expect(healed!.heartbeatsOut).toBeGreaterThan(0);
  });

  it('the same seed gives the same run, step by step', async () => {
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect((await run(8)).hash).not.toBe(first.hash);
  });
});
