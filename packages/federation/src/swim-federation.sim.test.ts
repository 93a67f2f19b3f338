/**
 * The federation running SWIM itself (`membership: { kind: 'swim' }`), in the simulator
 * across seeds: four nodes join through one seed; a node crashes, every other declares it
 * dead and every monitor and link to its actor fires `noconnection`; it restarts (a new
 * engine incarnation, on a new host address) and rejoins with a higher membership
 * incarnation; it is usable again (spawn and ask there), while a message to its old
 * incarnation's address never reaches the new run's actors; a node that closes its
 * federation leaves gracefully (`left`, not suspected). Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, ExitSignal, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, type MemberStatus, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
/** An idle timeout beyond any run: only the membership may declare a node gone. */
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };

type Msg = 'count' | 'hello' | { readonly watch: AnyAddr };

interface Outcome {
  signals: string[];
  deadIncarnation: number;
  rejoinedIncarnation: number;
  /** What the restarted node's first actor counted of 'hello' messages (the old address's included, if one leaked). */
  helloCount: number;
  staleSendsOnA: number;
  leftSeenBy: string[];
  badMessages: number;
  hash: string;
}

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const signals: string[] = [];
  /** Counts 'hello's, answers 'count' with the number; monitors and links `{ watch }`. */
  const Sink = defineKind<Msg, string>('sink', (name) => {
    let hellos = 0;
    return {
      receive(m: Msg | Down | ExitSignal, ctx: Context<Msg>) {
        if (m instanceof Down) signals.push(`${name}:down:${m.reason.type}`);
        else if (m instanceof ExitSignal) signals.push(`${name}:exit:${m.reason.type}`);
        else if (m === 'hello') hellos++;
        else if (m === 'count') return hellos;
        else {
          ctx.monitor(m.watch);
          ctx.link(m.watch);
        }
        return undefined;
      },
    };
  });
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  const boot = async (id: string, host: string): Promise<void> => {
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      membership: { kind: 'swim', gossip: { port: 7946 }, seeds: [{ host: 'ha', port: 7946 }] },
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Sink], routers: [federation.router], askTimeoutMs: 5000 });
    nodes.set(id, { engine, federation });
    await federation.start(engine);
  };
  let failure: unknown = null;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  const step = async (what: string, work: () => Promise<void>, untilMs = 30_000): Promise<void> => {
    let done = false;
    world.at(0, () => work().then(() => { done = true; }, fail));
    await world.run({ untilMs: world.now + untilMs, until: () => failure !== null || done });
    if (failure !== null) throw failure;
    expect(done, what).toBe(true);
  };
  const wait = async (what: string, condition: () => boolean, untilMs = 60_000): Promise<void> => {
    await world.run({ untilMs: world.now + untilMs, until: () => failure !== null || condition() });
    if (failure !== null) throw failure;
    expect(condition(), what).toBe(true);
  };
  const member = (observer: string, id: string) => nodes.get(observer)!.federation.members().members.find((m) => m.id === id);
  const allSee = (observers: readonly string[], id: string, status: MemberStatus, minIncarnation = 0): boolean =>
    observers.every((o) => {
      const m = member(o, id);
      return m !== undefined && m.status === status && m.incarnation >= minIncarnation;
    });

  world.net.setFaults({ latencyMs: [0.2, 4] });
  await step('boot', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await boot(id, `h${id}`);
  });
  const ids = ['a', 'b', 'c', 'd'];
  await wait('converged', () => ids.every((o) => ids.every((m) => m === o || allSee([o], m, 'alive'))));
  expect(nodes.get('a')!.federation.members().kind).toBe('swim');

  // a and b monitor and link an actor on c.
  const a = nodes.get('a')!;
  let oldSink: AnyAddr | null = null;
  await step('watchers', async () => {
    oldSink = await a.federation.spawn('sink', { node: 'c', args: 'c-old' });
    for (const id of ['a', 'b']) {
      const n = nodes.get(id)!;
      await n.federation.connect('c');
      const watcher = n.engine.spawn(Sink, { args: id, trapExits: true });
      n.engine.send(watcher, { watch: oldSink });
    }
  });
  await world.run({ untilMs: world.now + 200 });

  // c crashes: its events are dropped, nothing reaches it any more.
  const hc = world.host('hc');
  hc.up = false;
  hc.epoch++;
  world.net.unlisten('hc');
  await wait('c declared dead by a, b, d', () => allSee(['a', 'b', 'd'], 'c', 'dead') && signals.length === 4);
  const deadIncarnation = member('a', 'c')!.incarnation;

  // c restarts (a new engine incarnation, at a new host address) and rejoins through the seed.
  await step('restart c', () => boot('c', 'hc2'));
  await wait('c alive again for a, b, d', () => allSee(['a', 'b', 'd'], 'c', 'alive', deadIncarnation + 1));
  const rejoinedIncarnation = member('a', 'c')!.incarnation;

  // Usable again: a spawns there and asks; a message to the old run's address reaches no one there.
  let helloCount = -1;
  await step('use c again', async () => {
    const fresh = await a.federation.spawn<Msg>('sink', { node: 'c', args: 'c-new' });
    a.engine.send(oldSink!, 'hello');
    a.engine.send(fresh, 'hello');
    helloCount = (await a.engine.ask(fresh, 'count')) as number;
  });

  // d leaves gracefully: the others hear `left`, without a suspicion first.
  await step('d leaves', () => nodes.get('d')!.federation.close());
  await wait('d left', () => allSee(['a', 'b', 'c'], 'd', 'left'), 10_000);
  const leftSeenBy = ['a', 'b', 'c'].filter((o) => member(o, 'd')?.status === 'left');

  const badMessages = ['a', 'b', 'c'].reduce((sum, id) => sum + nodes.get(id)!.federation.stats().swim!.badMessages, 0);
  const outcome: Outcome = {
    signals: signals.sort(), deadIncarnation, rejoinedIncarnation, helloCount,
    staleSendsOnA: a.federation.stats().router.staleSends, leftSeenBy, badMessages, hash: world.trace.hash,
  };
  world.dispose();
  return outcome;
}

describe('a federation running SWIM (membership: { kind: "swim" }) in the simulator', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: crash → dead and noconnection; restart → rejoins with a higher incarnation, usable, old addresses dead; close → left', async (seed) => {
    const o = await run(seed);
    expect(o.signals).toEqual(['a:down:noconnection', 'a:exit:noconnection', 'b:down:noconnection', 'b:exit:noconnection']);
    expect(o.rejoinedIncarnation).toBeGreaterThan(o.deadIncarnation);
    // Only the hello sent to the new actor was counted: the old address's never reached the new run.
    expect(o.helloCount).toBe(1);
    expect(o.leftSeenBy).toEqual(['a', 'b', 'c']);
    expect(o.badMessages).toBe(0);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(9)).hash).toBe((await run(9)).hash);
  });
});
