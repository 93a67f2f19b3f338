/**
 * Supervised children on other nodes, across seeds: a supervisor on node a whose child spec
 * places a registered kind on node b (`placement: { node: 'b' }`) or on the first reachable
 * of a list (`{ nodes: ['b', 'c'] }`). The supervisor supervises the child's local stand-in
 * unchanged: the child's crash restarts it per the strategy (one-for-one, one-for-all with a
 * local sibling), its normal exit ends the stand-in `normal`, stopping the supervisor stops
 * the child on its node (its stop hook runs there), a cut from its node is a `noconnection`
 * exit restarted on the next node of the list, and a spawn the node refuses (an unknown kind)
 * fails the child's start with that node's error. Afterwards no router holds a link, monitor
 * or pending request on any node.
 *
 * Only what users have: nodes started with `await federation.start(engine)` and connected
 * (cross-node-harness.ts `startCluster`), the seed's latency, duplication and reordering,
 * virtual time. Workers record what they see in this file's `log` (one thread).
 *
 * Replay one seed: PD_SIM_SEED=3 pnpm exec vitest run packages/federation/test/sim/remote-children.sim.test.ts
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, type ExitReason, Down, PdError, defineKind } from '@pd/actor';
import { type Engine, type SupervisorHandle, createEngine, startSupervisor, supervisor } from '@pd/runtime';
import { type SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { createFederation } from '../../src/index.js';
import { type Cluster, type NodeId, LIMITS, NODE_IDS, SECRET, perTestCluster, simSeeds } from './cross-node-harness.js';

type Cmd = 'ping' | 'where' | { readonly do: 'crash' } | { readonly do: 'quit' };
/** Workers whose stop hook never ends (by name): only a kill stops them. */
const stubborn = new Set<string>();
/** What workers did: started (with their address), stopped gracefully (with the reason). */
interface Event { readonly name: string; readonly what: 'started' | 'stopping'; readonly addr: AnyAddr; readonly reason?: ExitReason }
let log: Event[] = [];

/** A worker: answers 'ping', and 'where' with its node's incarnation; crashes or quits on request; logs its start and stop. */
const Worker = defineKind<Cmd, { name: string }>('worker', ({ name }) => ({
  started(ctx: Context<Cmd>) {
    log.push({ name, what: 'started', addr: ctx.self });
  },
  receive(m: Cmd, ctx: Context<Cmd>) {
    if (m === 'ping') return 'pong';
    if (m === 'where') return ctx.self.node;
    if (m.do === 'crash') throw new TypeError('worker fault');
    ctx.stop();
    return 'ok';
  },
  stopping(reason: ExitReason, ctx: Context<Cmd>) {
    log.push({ name, what: 'stopping', addr: ctx.self, reason });
    if (stubborn.has(name)) return new Promise<void>(() => {});
    return undefined;
  },
}));

for (const seed of simSeeds(3)) {
  describe(`supervised children on other nodes [sim seed ${seed}]`, () => {
    const run = perTestCluster(seed, {
      reset: () => {
        log = [];
        stubborn.clear();
      },
    });
    const start = (): Promise<Cluster> => run.start({ kinds: [Worker] });
    const world = (): SimWorld => run.world();
    const engineOf = (id: NodeId): Engine => run.cluster().nodes[id].engine;
    /** The node an incarnation is. */
    const nodeOf = (incarnation: unknown): NodeId | undefined => NODE_IDS.find((id) => engineOf(id).incarnation === incarnation);
    function sleep(ms: number): Promise<void> {
      return new Promise((resolve) => engineOf('a').reactor.setTimer(ms, resolve));
    }
    async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
      const startAt = engineOf('a').reactor.now();
      while (!condition()) {
        if (engineOf('a').reactor.now() - startAt > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms of virtual time waiting for ${what}`);
        await sleep(1);
      }
    }
    const started = (name: string): Event[] => log.filter((e) => e.name === name && e.what === 'started');
    const child = async (handle: SupervisorHandle, id: string) => (await handle.whichChildren()).find((c) => c.id === id)!;
    /** No link, monitor or pending request left in any node's router (the liveness check of the books). */
    const booksEmpty = (): boolean => NODE_IDS.every((id) => {
      const b = run.cluster().nodes[id].federation.stats().books;
      return b.links === 0 && b.watching === 0 && b.watchedBy === 0 && b.pending === 0;
    });
    const books = (): string => NODE_IDS.map((id) => `${id}: ${JSON.stringify(run.cluster().nodes[id].federation.stats().books)}`).join('; ');

    it('one-for-one: the child runs on b behind a RemoteChild stand-in; its crash restarts it on b, its normal exit ends the stand-in normal; stopping the supervisor stops it on b; no books left', async () => {
      await start();
      const handle = startSupervisor(engineOf('a'), supervisor({
        name: 'sup', strategy: 'one-for-one', intensity: 5, periodMs: 60_000,
        children: [{ id: 'w', kind: Worker, args: { name: 'w' }, placement: { node: 'b' }, shutdown: 2000 }],
      }), { name: 'sup' });
      const stable = handle.stableAddr<Cmd>('w');
      expect(nodeOf(await engineOf('a').ask(stable, 'where'))).toBe('b');
      const first = await child(handle, 'w');
      // The supervisor's child is the local stand-in; the worker itself runs on b.
      expect(engineOf('a').info(first.addr!)?.kind).toBe('RemoteChild');
      expect(started('w')).toHaveLength(1);
      expect(engineOf('b').info(started('w')[0]!.addr)?.status).toBeDefined();

      engineOf('a').send(stable, { do: 'crash' });
      await until(() => started('w').length === 2, 'the restart after the crash');
      expect(nodeOf(await engineOf('a').ask(stable, 'where'))).toBe('b');
      const crashed = await child(handle, 'w');
      expect([crashed.status, crashed.restarts, crashed.lastExit?.type]).toEqual(['running', 1, 'error']);
      expect((crashed.lastExit as { error?: unknown }).error).toBeInstanceOf(TypeError);
      expect(engineOf('b').info(started('w')[0]!.addr)).toBeUndefined();

      // A normal exit crosses too: the stand-in ends `normal`, and a permanent child restarts.
      expect(await engineOf('a').ask(stable, { do: 'quit' })).toBe('ok');
      await until(() => started('w').length === 3, 'the restart after the normal exit');
      const quit = await child(handle, 'w');
      expect([quit.restarts, quit.lastExit?.type]).toEqual([2, 'normal']);
      expect(await engineOf('a').ask(stable, 'ping')).toBe('pong');

      // Stopping the supervisor stops the worker on b (its stop hook runs there) before it returns.
      const live = started('w')[2]!.addr;
      expect((await handle.stop()).type).toBe('shutdown');
      expect(log.filter((e) => e.what === 'stopping' && e.addr.equals(live)).map((e) => e.reason?.type)).toEqual(['shutdown']);
      expect(engineOf('b').info(live)).toBeUndefined();
      await until(booksEmpty, `empty books (${books()})`);
    });

    it('one-for-all with a local sibling: the remote crash restarts both, the local crash restarts the remote child too (the old one stopped on b first)', async () => {
      await start();
      let localStarts = 0;
      const handle = startSupervisor(engineOf('a'), supervisor({
        name: 'sup', strategy: 'one-for-all', intensity: 5, periodMs: 60_000,
        children: [
          { id: 'local', factory: () => ({ started: () => void localStarts++, receive: (m: unknown) => { if (m === 'crash') throw new Error('local fault'); return 'local'; } }) },
          { id: 'w', kind: 'worker', args: { name: 'w' }, placement: { node: 'b' } },
        ],
      }));
      const stable = handle.stableAddr<Cmd>('w');
      expect(await engineOf('a').ask(stable, 'ping')).toBe('pong');

      engineOf('a').send(stable, { do: 'crash' });
      await until(() => started('w').length === 2 && localStarts === 2, 'both restarted after the remote crash');
      expect((await child(handle, 'local')).restarts).toBe(1);
      expect(await engineOf('a').ask(stable, 'ping')).toBe('pong');

      engineOf('a').send(handle.stableAddr('local'), 'crash');
      await until(() => started('w').length === 3 && localStarts === 3, 'both restarted after the local crash');
      // The remote child was stopped (shutdown, its hook ran on b) before its replacement started.
      const second = started('w')[1]!.addr;
      expect(log.filter((e) => e.what === 'stopping' && e.addr.equals(second)).map((e) => e.reason?.type)).toEqual(['shutdown']);
      expect(engineOf('b').info(second)).toBeUndefined();
      const w = await child(handle, 'w');
      expect([w.status, w.restarts, w.lastExit?.type]).toEqual(['running', 2, 'shutdown']);
      expect(await engineOf('a').ask(stable, 'ping')).toBe('pong');
      expect((await handle.stop()).type).toBe('shutdown');
      await until(booksEmpty, `empty books (${books()})`);
    });

    it('{ nodes: [b, c] }: a cut from b is a noconnection exit, restarted on c; the orphan on b goes down too; no books left', async () => {
      const { b, c } = (await start()).nodes;
      const handle = startSupervisor(engineOf('a'), supervisor({
        strategy: 'one-for-one', intensity: 5, periodMs: 60_000,
        children: [{ id: 'w', kind: 'worker', args: { name: 'w' }, placement: { nodes: ['b', 'c'] } }],
      }));
      const stable = handle.stableAddr<Cmd>('w');
      expect(nodeOf(await engineOf('a').ask(stable, 'where'))).toBe('b');

      world().net.partition([b.host], [run.cluster().nodes.a.host, c.host]);
      await until(() => started('w').length === 2, 'the restart after the cut');
      expect(nodeOf(await engineOf('a').ask(stable, 'where'))).toBe('c');
      const cut = await child(handle, 'w');
      expect([cut.status, cut.restarts, cut.lastExit?.type]).toEqual(['running', 1, 'noconnection']);
      // On b, the worker cut off from its stand-in went down with noconnection (its link broke there).
      await until(() => engineOf('b').info(started('w')[0]!.addr) === undefined, 'the orphan on b gone');
      world().net.heal();
      expect((await handle.stop()).type).toBe('shutdown');
      await until(booksEmpty, `empty books (${books()})`);
    });

    it('a stand-in that ends first kills its child: a brutal shutdown, and a stop hook that outlasts the shutdown timeout', async () => {
      await start();
      stubborn.add('slow');
      const handle = startSupervisor(engineOf('a'), supervisor({
        children: [
          { id: 'brutal', kind: Worker, args: { name: 'brutal' }, placement: { node: 'b' }, shutdown: 'brutal' },
          { id: 'slow', kind: Worker, args: { name: 'slow' }, placement: { node: 'c' }, shutdown: 300 },
        ],
      }));
      expect(nodeOf(await engineOf('a').ask(handle.stableAddr('brutal'), 'where'))).toBe('b');
      expect(nodeOf(await engineOf('a').ask(handle.stableAddr('slow'), 'where'))).toBe('c');
      const brutal = started('brutal')[0]!.addr;
      const slow = started('slow')[0]!.addr;
      const watcher = engineOf('a').client();
      watcher.monitor(brutal);
      watcher.monitor(slow);
      expect((await handle.stop()).type).toBe('shutdown');
      const downs = [await watcher.receive<Down>({ timeoutMs: 10_000 }), await watcher.receive<Down>({ timeoutMs: 10_000 })];
      // Both were killed on their nodes; the slow one had been asked to stop first (its hook ran on c).
      expect(downs.map((d) => `${d.addr.equals(brutal) ? 'brutal' : 'slow'} ${d.reason.type}`).sort()).toEqual(['brutal killed', 'slow killed']);
      expect(log.filter((e) => e.what === 'stopping').map((e) => `${e.name} ${e.reason?.type}`)).toEqual(['slow shutdown']);
      expect(engineOf('b').info(brutal)).toBeUndefined();
      expect(engineOf('c').info(slow)).toBeUndefined();
      watcher.close();
      await until(booksEmpty, `empty books (${books()})`);
    });

    it('a spawn the node refuses (an unknown kind there) fails the child\'s start with that node\'s error', async () => {
      await start();
      const a = engineOf('a');
      const client = a.client();
      const standIn = a.spawn('no-such-kind', { placement: { node: 'b' } });
      client.monitor(standIn);
      const down = await client.receive<Down>({ timeoutMs: 10_000 });
      expect(down.reason.type).toBe('error');
      const error = (down.reason as { error?: unknown }).error;
      expect(error).toBeInstanceOf(PdError);
      expect((error as PdError).code).toBe('spawn/unknown-kind');
      // Refused by b (its words), not here.
      expect((error as PdError).message).toContain('no kind "no-such-kind" is registered on this node');
      await until(booksEmpty, `empty books (${books()})`);
    });

    it('a spawn the node\'s policy refuses fails the child\'s start with the policy error', async () => {
      // Two nodes of their own: b lets remote nodes spawn under /user/jobs only (a placed child runs at /user).
      const made = (['a', 'b'] as const).map((id) => {
        const host = `p-${id}`;
        const federation = createFederation({
          nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world(), host), listen: { host, port: 7000 }, limits: LIMITS,
          peers: [{ id: id === 'a' ? 'b' : 'a', host: id === 'a' ? 'p-b' : 'p-a', port: 7000 }],
          ...(id === 'b' ? { policy: { spawn: { allow: ['/user/jobs'] } } } : {}),
        });
        return { federation, engine: createEngine({ id, reactor: world().reactor(host), kinds: [Worker], routers: [federation.router] }) };
      });
      const [a, b] = made as [typeof made[0], typeof made[0]];
      try {
        for (const n of made) await n.federation.start(n.engine);
        await a.federation.connect('b');
        const client = a.engine.client();
        client.monitor(a.engine.spawn(Worker, { args: { name: 'refused' }, placement: { node: 'b' } }));
        const down = await client.receive<Down>({ timeoutMs: 10_000 });
        const error = (down.reason as { error?: unknown }).error;
        expect((error as PdError).code).toBe('spawn/invalid-definition');
        expect((error as PdError).message).toContain('the federation policy of this node does not let remote nodes spawn at /user');
        expect(b.federation.stats().refused.spawn).toBe(1);
        expect(started('refused')).toEqual([]);
        expect(a.federation.stats().books).toEqual({ links: 0, watching: 0, watchedBy: 0, pending: 0 });
      } finally {
        for (const n of made) await n.engine.shutdown({ deadlineMs: 100 });
        for (const n of made) await n.federation.close();
      }
    });
  });
}
