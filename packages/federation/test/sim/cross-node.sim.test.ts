/**
 * Cross-node behaviour, across seeds: what the single-node suites check for links, monitors,
 * exit reasons, failing asks, per-pair FIFO and supervision, with the parties on different
 * nodes of a simulated cluster of three (cross-node-harness.ts) — and what only a cluster
 * has: a network cut, which links and monitors see as `noconnection` on both sides.
 *
 * Only what users have is used here: nodes started with `await federation.start(engine)`,
 * actors placed with `federation.spawn` of a registered kind (no test aid). The network has
 * the seed's latency, duplication and reordering; virtual time only. The actors record what
 * they see in this file's `seen` and `got` (one thread: the test reads them where they ran).
 *
 * Supervision: here by hand, from the public primitives — the supervisor's child on a is a
 * stand-in that spawns the worker on another node with `federation.spawn` and links to it,
 * forwarding what it receives; the worker's crash, or a cut from its node (`noconnection`),
 * takes the stand-in down with the same reason, and the supervisor restarts per its
 * strategy — the new stand-in places the worker on a node it can reach. The runtime's own
 * (a child spec's `placement: { node }`) is tested in remote-children.sim.test.ts.
 *
 * Replay one seed: PD_SIM_SEED=3 pnpm exec vitest run packages/federation/test/sim/cross-node.sim.test.ts
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AnyAddr, type AnyBehavior, type Context, type ExitReason, AskError, Down, ExitSignal, defineKind,
} from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { startSupervisor, supervisor } from '@pd/runtime';
import type { SimWorld } from '@pd/runtime/sim';
import type { Federation } from '../../src/index.js';
import { type Cluster, perTestCluster, simSeeds } from './cross-node-harness.js';

/** What probes saw: exit signals (trapped) and Downs, where and from whom. */
interface Seen { readonly at: string; readonly sig: 'exit' | 'down'; readonly from: AnyAddr; readonly reason: ExitReason }
interface Numbered { readonly from: string; readonly seq: number }
type Cmd =
  | 'ping' | 'where'
  | { readonly do: 'link' | 'unlink' | 'monitor'; readonly to: AnyAddr }
  | { readonly do: 'crash' | 'reject'; readonly why: string }
  | { readonly do: 'stop' | 'defer' }
  | { readonly do: 'relay'; readonly to: AnyAddr; readonly from: string; readonly seq: number }
  | Numbered;

let seen: Seen[] = [];
let got: Record<string, Numbered[]> = {};

/**
 * A probe on any node: answers 'ping' and 'where' (its node), links, unlinks or monitors on
 * request, crashes with a TypeError, rejects an ask with a RangeError, stops, holds an ask
 * unanswered, relays a numbered message; records numbered messages and the signals it sees.
 */
const Probe = defineKind<Cmd | Down | ExitSignal, { name: string; node: string }>('probe', ({ name, node }) => {
  got[name] = [];
  return {
    receive(m: Cmd | Down | ExitSignal, ctx: Context<Cmd | Down | ExitSignal>) {
      if (m instanceof Down) return void seen.push({ at: name, sig: 'down', from: m.addr, reason: m.reason });
      if (m instanceof ExitSignal) return void seen.push({ at: name, sig: 'exit', from: m.from, reason: m.reason });
      if (m === 'ping') return 'pong';
      if (m === 'where') return node;
      if (!('do' in m)) return void got[name]!.push(m);
      switch (m.do) {
        case 'link':
          ctx.link(m.to);
          return 'ok';
        case 'unlink':
          ctx.unlink(m.to);
          return 'ok';
        case 'monitor':
          ctx.monitor(m.to);
          return 'ok';
        case 'crash':
          throw new TypeError(m.why);
        case 'reject':
          ctx.deferReply()!.reject(new RangeError(m.why));
          return undefined;
        case 'stop':
          ctx.stop();
          return 'ok';
        case 'defer':
          ctx.deferReply();
          return undefined;
        case 'relay':
          ctx.send(m.to, { from: m.from, seq: m.seq });
          return undefined;
      }
    },
  };
});

/** Frames that crossed nodes, and duplicated packets, in this file's tests: the faults and the crossing must really happen. */
let crossed = 0;
let duplicated = 0;
afterAll(() => {
  expect(crossed).toBeGreaterThan(0);
  expect(duplicated).toBeGreaterThan(0);
});

for (const seed of simSeeds(3)) {
  describe(`across nodes [sim seed ${seed}]`, () => {
    const run = perTestCluster(seed, {
      reset: () => {
        seen = [];
        got = {};
      },
      ended: (cluster, world) => {
        if (cluster !== null) crossed += cluster.framesIn();
        duplicated += world.net.stats.duplicated;
      },
    });
    const start = (): Promise<Cluster> => run.start({ kinds: [Probe] });
    const world = (): SimWorld => run.world();

    /** A probe named `name` on `node`, spawned from a over the network. */
    function probe(node: 'a' | 'b' | 'c', name: string, trapExits = false): Promise<AnyAddr> {
      const { a } = run.cluster().nodes;
      if (node === 'a') return Promise.resolve(a.engine.spawn(Probe, { args: { name, node }, trapExits }));
      return a.federation.spawn('probe', { node, args: { name, node }, trapExits });
    }
    function sleep(engine: Engine, ms: number): Promise<void> {
      return new Promise((resolve) => engine.reactor.setTimer(ms, resolve));
    }
    async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
      const engine = run.cluster().nodes.a.engine;
      const startAt = engine.reactor.now();
      while (!condition()) {
        if (engine.reactor.now() - startAt > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms of virtual time waiting for ${what}`);
        await sleep(engine, 1);
      }
    }
    /** Wait until `node`'s router books `count` links (or monitors of its actors, `watchedBy`): a link made from a third node is in place before the test acts on the target. */
    const booked = (node: 'a' | 'b', book: 'links' | 'watchedBy', count: number): Promise<void> =>
      until(() => run.cluster().nodes[node].federation.stats().books[book] === count, `${count} ${book} booked on ${node}`);
    const signal = (at: string, sig: 'exit' | 'down', from: AnyAddr): Seen | undefined => seen.find((s) => s.at === at && s.sig === sig && s.from.equals(from));
    const errorOf = (reason: ExitReason | undefined): unknown => (reason?.type === 'error' ? reason.error : undefined);

    it('links: an abnormal exit crosses with its reason (error class included) to a trapping actor, and takes a non-trapping one down with it; a normal one does not', async () => {
      const { a } = (await start()).nodes;
      const worker = await probe('b', 'worker');
      const trapper = await probe('c', 'trapper', true);
      const plain = await probe('c', 'plain');
      const client = a.engine.client();
      client.monitor(plain);
      expect(await a.engine.ask(trapper, { do: 'link', to: worker })).toBe('ok');
      expect(await a.engine.ask(plain, { do: 'link', to: worker })).toBe('ok');
      await booked('b', 'links', 2);
      a.engine.send(worker, { do: 'crash', why: 'boom' });
      await until(() => signal('trapper', 'exit', worker) !== undefined, 'the trapper\'s ExitSignal');
      const error = errorOf(signal('trapper', 'exit', worker)!.reason);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('boom');
      // The non-trapping linked actor exits with the same reason (Erlang), seen from a third node.
      const down = await client.receive<Down>({ timeoutMs: 10_000 });
      expect(down.addr.equals(plain)).toBe(true);
      expect(errorOf(down.reason)).toBeInstanceOf(TypeError);
      expect((errorOf(down.reason) as Error).message).toBe('boom');

      // A normal exit: an ExitSignal `normal` for the trapper, nothing for a plain linked actor.
      const quitter = await probe('b', 'quitter');
      const bystander = await probe('c', 'bystander');
      expect(await a.engine.ask(trapper, { do: 'link', to: quitter })).toBe('ok');
      expect(await a.engine.ask(bystander, { do: 'link', to: quitter })).toBe('ok');
      await booked('b', 'links', 2);
      expect(await a.engine.ask(quitter, { do: 'stop' })).toBe('ok');
      await until(() => signal('trapper', 'exit', quitter) !== undefined, 'the normal ExitSignal');
      expect(signal('trapper', 'exit', quitter)!.reason.type).toBe('normal');
      expect(await a.engine.ask(bystander, 'ping')).toBe('pong');

      // Unlinked: after unlink returns, the link has no effect (whatever crosses meanwhile).
      const unlinked = await probe('b', 'unlinked');
      expect(await a.engine.ask(trapper, { do: 'link', to: unlinked })).toBe('ok');
      await booked('b', 'links', 1);
      expect(await a.engine.ask(trapper, { do: 'unlink', to: unlinked })).toBe('ok');
      a.engine.send(unlinked, { do: 'crash', why: 'ignored' });
      const last = await probe('b', 'last');
      expect(await a.engine.ask(trapper, { do: 'link', to: last })).toBe('ok');
      await booked('b', 'links', 1);
      a.engine.send(last, { do: 'crash', why: 'after' });
      await until(() => signal('trapper', 'exit', last) !== undefined, 'the last ExitSignal');
      expect(signal('trapper', 'exit', unlinked)).toBeUndefined();
      // Linking to an actor that is gone: noproc.
      expect(await a.engine.ask(trapper, { do: 'link', to: worker })).toBe('ok');
      await until(() => seen.filter((s) => s.at === 'trapper' && s.from.equals(worker)).length === 2, 'noproc');
      expect(seen.filter((s) => s.at === 'trapper' && s.from.equals(worker)).map((s) => s.reason.type)).toEqual(['error', 'noproc']);
    });

    it('an exit over a link that was removed meanwhile is not delivered, even while the unlink is still on its way (unlink/1)', async () => {
      const { a, b, c } = (await start()).nodes;
      const trapper = await probe('c', 'trapper', true);
      const target = await probe('b', 'target');
      expect(await a.engine.ask(trapper, { do: 'link', to: target })).toBe('ok');
      await booked('b', 'links', 1);
      // Hold what c sends b: the unlink reaches b only after b has sent the exit over the link.
      world().net.clog(c.host, b.host, 300, true);
      expect(await a.engine.ask(trapper, { do: 'unlink', to: target })).toBe('ok');
      a.engine.send(target, { do: 'crash', why: 'after the unlink' });
      await until(() => b.engine.info(target) === undefined, 'the target\'s exit');
      await sleep(a.engine, 400);
      expect(seen).toEqual([]);
      expect(await a.engine.ask(trapper, 'ping')).toBe('pong');
    });

    it('monitors: one Down with the exit reason across nodes; demonitor cancels it; a dead target gives noproc', async () => {
      const { a } = (await start()).nodes;
      const client = a.engine.client();
      const first = await probe('b', 'first');
      const ref = client.monitor(first);
      a.engine.kill(first);
      const down = await client.receive<Down>({ timeoutMs: 10_000 });
      expect([down.ref.id === ref.id, down.addr.equals(first), down.reason.type]).toEqual([true, true, 'killed']);
      client.monitor(first);
      expect((await client.receive<Down>({ timeoutMs: 10_000 })).reason.type).toBe('noproc');

      // An actor on c watching one on b: the crash's TypeError crosses b -> c in the Down.
      const watcher = await probe('c', 'watcher');
      const watched = await probe('b', 'watched');
      expect(await a.engine.ask(watcher, { do: 'monitor', to: watched })).toBe('ok');
      await booked('b', 'watchedBy', 1);
      a.engine.send(watched, { do: 'crash', why: 'watched fault' });
      await until(() => signal('watcher', 'down', watched) !== undefined, 'the watcher\'s Down');
      expect(errorOf(signal('watcher', 'down', watched)!.reason)).toBeInstanceOf(TypeError);
      expect(seen.filter((s) => s.at === 'watcher')).toHaveLength(1);

      // demonitor: no Down for the cancelled monitor, the next one's only.
      const cancelled = await probe('c', 'cancelled');
      const cancelledRef = client.monitor(cancelled);
      client.demonitor(cancelledRef);
      a.engine.kill(cancelled);
      const next = await probe('b', 'next');
      const nextRef = client.monitor(next);
      a.engine.kill(next);
      const only = await client.receive<Down>({ timeoutMs: 10_000 });
      expect(only.ref.id).toBe(nextRef.id);
      await sleep(a.engine, 50);
      expect(client.pending).toBe(0);
      expect(a.federation.stats().books).toMatchObject({ watching: 0 });
    });

    it('asks: replies, the handler\'s own error (its class), ask/target-exited for a crash and a dead target, ask/timeout', async () => {
      const { a } = (await start()).nodes;
      const onB = await probe('b', 'on-b');
      expect(await a.engine.ask(onB, 'ping')).toBe('pong');
      expect(await Promise.all(Array.from({ length: 20 }, () => a.engine.ask(onB, 'where')))).toEqual(Array.from({ length: 20 }, () => 'b'));
      const rejected = await a.engine.ask(onB, { do: 'reject', why: 'no such item' }).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(RangeError);
      expect((rejected as Error).message).toBe('no such item');
      const crashed = await a.engine.ask(onB, { do: 'crash', why: 'kaboom' }).catch((e: unknown) => e);
      expect(crashed).toBeInstanceOf(AskError);
      expect([(crashed as AskError).code, (crashed as AskError).message]).toEqual(['ask/target-exited', expect.stringContaining('kaboom')]);
      const dead = await a.engine.ask(onB, 'ping').catch((e: unknown) => e);
      expect((dead as AskError).code).toBe('ask/target-exited');
      const onC = await probe('c', 'on-c');
      const silent = await a.engine.ask(onC, { do: 'defer' }, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect([(silent as AskError).code, (silent as AskError).details]).toEqual(['ask/timeout', expect.objectContaining({ timeoutMs: 50 })]);
      expect(await a.engine.ask(onC, 'ping')).toBe('pong');
      expect(a.engine.stats().pendingAsks).toBe(0);
    });

    it('per-pair FIFO under reordering and duplication: sends from a and relays through c arrive once and in order', async () => {
      const { a } = (await start()).nodes;
      const sink = await probe('b', 'sink');
      const relay = await probe('c', 'relay');
      const client = a.engine.client();
      const count = 120;
      for (let n = 0; n < count; n++) {
        client.send(sink, { from: 'a', seq: n });
        client.send(relay, { do: 'relay', to: sink, from: 'c', seq: n });
        // A round trip now and then keeps a burst under the carrier's reordering window.
        if (n % 10 === 9) expect(await a.engine.ask(sink, 'ping')).toBe('pong');
      }
      await until(() => got.sink!.length === 2 * count, 'every message');
      const upTo = Array.from({ length: count }, (_, i) => i);
      expect(got.sink!.filter((m) => m.from === 'a').map((m) => m.seq)).toEqual(upTo);
      expect(got.sink!.filter((m) => m.from === 'c').map((m) => m.seq)).toEqual(upTo);
    });

    it('a cut: links and monitors across it fire noconnection on both sides, pending asks fail, linking across it is noconnection at once; after the heal the nodes talk again', async () => {
      const { a, b } = (await start()).nodes;
      const remote = await probe('b', 'remote');
      const watcherA = await probe('a', 'watcher-a', true);
      const local = await probe('a', 'local');
      const watcherB = await probe('b', 'watcher-b', true);
      expect(await a.engine.ask(watcherA, { do: 'link', to: remote })).toBe('ok');
      expect(await a.engine.ask(watcherA, { do: 'monitor', to: remote })).toBe('ok');
      expect(await a.engine.ask(watcherB, { do: 'link', to: local })).toBe('ok');
      expect(await a.engine.ask(watcherB, { do: 'monitor', to: local })).toBe('ok');
      for (const node of ['a', 'b'] as const) {
        await booked(node, 'links', 2);
        await booked(node, 'watchedBy', 1);
      }
      const pending = a.engine.ask(remote, { do: 'defer' }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      world().net.partition([a.host], [b.host, run.cluster().nodes.c.host]);
      const failed = await pending;
      expect([(failed as AskError).code, (failed as AskError).details]).toEqual(['ask/target-exited', expect.objectContaining({ reason: 'noconnection' })]);
      await until(() => seen.length === 4, 'noconnection on both sides');
      const got4 = seen.map((s) => `${s.at} ${s.sig} ${s.reason.type}`).sort();
      expect(got4).toEqual(['watcher-a down noconnection', 'watcher-a exit noconnection', 'watcher-b down noconnection', 'watcher-b exit noconnection']);
      expect(a.federation.stats().books).toMatchObject({ links: 0, watching: 0, watchedBy: 0 });
      expect(b.federation.stats().books).toMatchObject({ links: 0, watching: 0, watchedBy: 0 });
      // The linked actors that did not trap exits went down with noconnection, each on its own side.
      await until(() => b.engine.info(remote) === undefined && a.engine.info(local) === undefined, 'the non-trapping linked actors gone');
      // While the connection is down, a link or a monitor across is noconnection at once.
      const other = await probe('a', 'other', true);
      expect(await a.engine.ask(other, { do: 'link', to: remote })).toBe('ok');
      expect(await a.engine.ask(other, { do: 'monitor', to: remote })).toBe('ok');
      expect(seen.filter((s) => s.at === 'other').map((s) => `${s.sig} ${s.reason.type}`).sort()).toEqual(['down noconnection', 'exit noconnection']);
      world().net.heal();
      await until(() => a.federation.stats().peers.find((p) => p.id === 'b')?.state === 'up', 'the reconnection');
      const after = await probe('b', 'after');
      expect(await a.engine.ask(after, 'where')).toBe('b');
    });

    it('supervision, a child on another node: its crash restarts it per the strategy and it stays up; a cut from its node is a noconnection exit, restarted on a node in reach', async () => {
      const { a, b } = (await start()).nodes;
      const spawned: { node: string; addr: AnyAddr }[] = [];
      let localStarts = 0;
      const handle = startSupervisor(a.engine, supervisor({
        name: 'sup', strategy: 'one-for-all', intensity: 5, periodMs: 60_000,
        children: [
          { id: 'local', factory: () => ({ started: () => void localStarts++, receive: () => 'local' }) },
          { id: 'w', factory: () => remoteChild(a.federation, ['b', 'c'], spawned) },
        ],
      }), { name: 'sup' });
      const stable = handle.stableAddr<Cmd>('w');
      expect(await a.engine.ask(stable, 'where')).toBe('b');
      const child = async (id: string) => (await handle.whichChildren()).find((c) => c.id === id)!;

      // The worker on b crashes: the stand-in goes down with its reason, both children restart (one-for-all).
      a.engine.send(stable, { do: 'crash', why: 'worker fault' });
      await until(() => spawned.length === 2, 'the restart');
      expect(await a.engine.ask(stable, 'where')).toBe('b');
      const w = await child('w');
      expect([w.status, w.restarts, w.lastExit?.type]).toEqual(['running', 1, 'error']);
      expect(errorOf(w.lastExit!)).toBeInstanceOf(TypeError);
      expect((await child('local')).restarts).toBe(1);
      expect(localStarts).toBe(2);
      // Stable: no further restarts while nothing fails.
      await sleep(a.engine, 2000);
      expect((await child('w')).restarts).toBe(1);
      expect(await a.engine.ask(stable, 'ping')).toBe('pong');

      // b is cut off: the supervisor sees the child exit with noconnection and restarts it, now on c.
      world().net.partition([b.host], [a.host, run.cluster().nodes.c.host]);
      await until(() => spawned.length === 3, 'the restart after the cut');
      expect(await a.engine.ask(stable, 'where')).toBe('c');
      const cut = await child('w');
      expect([cut.status, cut.restarts, cut.lastExit?.type]).toEqual(['running', 2, 'noconnection']);
      expect((await child('local')).restarts).toBe(2);
      expect(spawned.map((s) => s.node)).toEqual(['b', 'b', 'c']);
      // On b, the worker cut off from its stand-in went down with noconnection too (its link broke there).
      await until(() => b.engine.info(spawned[1]!.addr) === undefined, 'the orphan on b gone');
      world().net.heal();
      expect((await handle.stop()).type).toBe('shutdown');
    });
  });
}

/**
 * A supervised child on this node standing in for a worker (a probe) on another: on start it
 * spawns the worker on the first of `nodes` whose connection is not down, links to it and
 * forwards what it receives (asks answered by the worker). The worker's exit, or the loss of
 * its node, comes back over the link and ends the stand-in with the same reason.
 */
function remoteChild(federation: Federation, nodes: readonly string[], spawned: { node: string; addr: AnyAddr }[]): AnyBehavior {
  let worker: AnyAddr | null = null;
  return {
    async started(ctx: Context) {
      const down = new Set(federation.stats().peers.filter((p) => p.state === 'down').map((p) => p.id));
      const node = nodes.find((n) => !down.has(n)) ?? nodes[0]!;
      worker = await federation.spawn('probe', { node, args: { name: `worker-${spawned.length}`, node } });
      spawned.push({ node, addr: worker });
      ctx.link(worker);
    },
    receive(message: unknown, ctx: Context) {
      const reply = ctx.deferReply();
      if (reply === null) ctx.send(worker!, message);
      else ctx.ask(worker!, message).then(reply.resolve, reply.reject);
    },
    stopping(reason: ExitReason, ctx: Context) {
      if (worker !== null) ctx.stop(worker, reason);
    },
  };
}
