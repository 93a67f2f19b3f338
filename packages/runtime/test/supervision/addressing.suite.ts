/**
 * Stable addresses, worker pools and path supervisors. A stable address always means the
 * current incarnation: during a restart window a message is queued (bounded) or refused per
 * its policy, and never delivered to a stale generation; a pool spreads messages over
 * stable addresses; a path supervisor replaces what crashes under a registry prefix.
 */
import { describe, expect, it } from 'vitest';
import { type Context, defineKind } from '@pd/actor';
import {
  createStableAddr, isStableAddr, stableAddrInfo, startPathSupervisor, startPool, startSupervisor, supervisor,
} from '@pd/runtime';
import { Worker, type WorkerArgs } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, settled } from './harness.js';

export function addressingConformance(make: HarnessFactory): void {
  describe('stable addresses', () => {
    it('reach the current incarnation, before and after a restart', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      const stable = sup.stableAddr<{ t: 'who' }>('a');
      expect(isStableAddr(stable)).toBe(true);
      expect(isStableAddr(sup.inspect().children[0]!.addr)).toBe(false);
      expect(await settled(h, h.engine.ask(stable, { t: 'who' }))).toEqual({ path: expect.stringMatching(/\/a$/), restarts: 0 });
      h.engine.send(stable, { t: 'crash' } as never);
      await h.settle();
      expect(await settled(h, h.engine.ask(stable, { t: 'who' }))).toMatchObject({ restarts: 1 });
      expect(h.engine.resolve(stable)!.equals(sup.inspect().children[0]!.addr)).toBe(true);
      expect(stableAddrInfo(stable)).toMatchObject({ state: 'live', held: 0, boundTo: expect.stringMatching(/\/a$/) });
      await h.dispose();
    });

    it('queue messages during the restart window and deliver them in order to the next incarnation only', async () => {
      const h = make();
      const sink: string[] = [];
      const sup = startSupervisor(h.engine, { intensity: 5, backoff: { initialMs: 1000, jitter: 0 }, children: [{ id: 'a', kind: Worker, args: { sink } }] });
      const stable = sup.stableAddr('a');
      await h.settle();
      h.engine.send(stable, { t: 'record', v: 1 });
      h.engine.send(stable, { t: 'crash' });
      h.engine.send(stable, { t: 'record', v: 'lost with the old incarnation' });
      await h.settle();
      expect(stableAddrInfo(stable).state).toBe('restarting');
      expect(h.engine.send(stable, { t: 'record', v: 2 })).toBe('queued');
      expect(h.engine.send(stable, { t: 'record', v: 3 })).toBe('queued');
      const reply = h.engine.ask(stable, { t: 'echo', v: 'asked during the window' });
      expect(stableAddrInfo(stable).held).toBe(3);
      await h.advance(1000);
      expect(await reply).toBe('asked during the window');
      h.engine.send(stable, { t: 'record', v: 4 });
      await h.settle();
      expect(sink).toEqual(['a:1', 'a:2', 'a:3', 'a:4']);
      expect(h.engine.deadLetters().total).toBe(1); // the one queued in the crashed incarnation's mailbox
      await h.dispose();
    });

    it('never deliver to a stale generation, even before the supervisor has handled the exit', async () => {
      const h = make();
      const sink: string[] = [];
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, args: { sink, stopping: () => h.delay(50) } }] });
      const stable = sup.stableAddr('a');
      await h.settle();
      h.engine.send(stable, { t: 'crash' });
      await h.settle();
      // The old incarnation is still running its stop hook: it must not get new messages.
      expect(h.engine.send(stable, { t: 'record', v: 'x' })).toBe('queued');
      await h.advance(50);
      expect(sink).toEqual(['a:x']);
      expect((await settled(h, h.engine.ask(stable, { t: 'who' })) as { restarts: number }).restarts).toBe(1);
      await h.dispose();
    });

    it('hold messages until the new incarnation has started: one that fails to start loses none of them', async () => {
      const h = make();
      const got: string[] = [];
      let refusals = 2;
      const Flaky = defineKind<string>('test.flaky', () => ({
        started: () => {
          if (refusals-- > 0) throw new Error('dependency down');
        },
        receive: (m: string) => void got.push(m),
      }));
      const sup = startSupervisor(h.engine, { intensity: 5, children: [{ id: 'f', kind: Flaky }] });
      const stable = sup.stableAddr<string>('f');
      expect(stableAddrInfo(stable).state).toBe('starting');
      for (const m of ['one', 'two', 'three']) expect(h.engine.send(stable, m)).toBe('queued');
      await h.settle();
      expect(sup.inspect().children[0]!.restarts).toBe(2);
      expect(got).toEqual(['one', 'two', 'three']);
      expect(stableAddrInfo(stable).state).toBe('live');
      expect(h.engine.deadLetters().total).toBe(0);
      await h.dispose();
    });

    it('whileRestarting: "reject" refuses during the window; the queue is bounded by capacity', async () => {
      const h = make();
      const rejecting = startSupervisor(h.engine, {
        intensity: 5, backoff: { initialMs: 1000, jitter: 0 }, stable: { whileRestarting: 'reject' }, children: [{ id: 'a', kind: Worker }],
      });
      const bounded = startSupervisor(h.engine, {
        intensity: 5, backoff: { initialMs: 1000, jitter: 0 }, stable: { capacity: 2 }, children: [{ id: 'b', kind: Worker }],
      });
      await h.settle();
      h.engine.send(rejecting.stableAddr('a'), { t: 'crash' });
      h.engine.send(bounded.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect(h.engine.send(rejecting.stableAddr('a'), { t: 'ping' })).toBe('rejected');
      await expect(settled(h, h.engine.ask(rejecting.stableAddr('a'), { t: 'ping' }))).rejects.toMatchObject({ code: 'ask/rejected' });
      expect([1, 2, 3].map(() => h.engine.send(bounded.stableAddr('b'), { t: 'ping' }))).toEqual(['queued', 'queued', 'dropped']);
      expect(h.engine.deadLetters().byReason).toMatchObject({ rejected: 2, dropped: 1 });
      await h.dispose();
    });

    it('once the child is gone for good, it is a dead address; held requests fail', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 5, backoff: { initialMs: 1000, jitter: 0 }, children: [{ id: 't', kind: Worker, restart: 'temporary' }, { id: 'p', kind: Worker }],
      });
      await h.settle();
      const t = sup.stableAddr('t');
      h.engine.send(t, { t: 'crash' });
      await h.settle();
      expect(stableAddrInfo(t).state).toBe('closed');
      expect(h.engine.send(t, { t: 'ping' })).toBe('dead');
      const p = sup.stableAddr('p');
      h.engine.send(p, { t: 'crash' });
      await h.settle();
      const held = h.engine.ask(p, { t: 'ping' });
      held.catch(() => {});
      await settled(h, sup.terminateChild('p'));
      await expect(held).rejects.toMatchObject({ code: 'ask/target-exited' });
      expect(h.engine.send(p, { t: 'ping' })).toBe('dead');
      await settled(h, sup.restartChild('p'));
      expect(await settled(h, h.engine.ask(p, { t: 'ping' }))).toBe('pong');
      await h.dispose();
    });

    it('createStableAddr: made before the tree, passed in args, and kept across a restart of the child\'s own supervisor', async () => {
      const h = make();
      const db = createStableAddr<{ t: 'echo'; v: unknown }>(h.engine);
      const Client = defineKind<{ t: 'query' }, { db: typeof db }>('test.client', ({ db }) => ({
        receive: (_m: { t: 'query' }, ctx: Context) => ctx.ask(db, { t: 'echo', v: 'row' }),
      }));
      const mid = supervisor({ intensity: 0, children: [{ id: 'db', kind: Worker, stable: db }] });
      const top = startSupervisor(h.engine, { children: [{ id: 'store', kind: mid }, { id: 'api', kind: Client, args: { db } }] }, { name: 'top' });
      await h.settle();
      const api = top.stableAddr<{ t: 'query' }>('api');
      expect(await settled(h, h.engine.ask(api, { t: 'query' }))).toBe('row');
      h.engine.send(db, { t: 'crash' } as never); // mid gives up, top restarts mid, which binds db again
      await h.settle();
      expect(top.inspect().children[0]!.restarts).toBe(1);
      expect(await settled(h, h.engine.ask(api, { t: 'query' }))).toBe('row');
      expect(stableAddrInfo(db).boundTo).toBe('/user/top/store/db');
      await h.dispose();
    });
  });

  describe('worker pools', () => {
    it('round-robin spreads messages evenly and skips a worker while it restarts', async () => {
      const h = make();
      const sink: string[] = [];
      const pool = startPool<{ t: 'record'; v: unknown }, WorkerArgs>(h.engine, { size: 3, kind: Worker, args: { sink }, backoff: { initialMs: 1000, jitter: 0 }, intensity: 5 });
      await h.settle();
      for (let i = 0; i < 6; i++) h.engine.send(pool.addr, { t: 'record', v: i });
      await h.settle();
      expect(sink.sort()).toEqual(['worker-0:0', 'worker-0:3', 'worker-1:1', 'worker-1:4', 'worker-2:2', 'worker-2:5']);
      sink.length = 0;
      h.engine.send(pool.members[1]!, { t: 'crash' } as never);
      await h.settle();
      for (let i = 0; i < 4; i++) h.engine.send(pool.addr, { t: 'record', v: i });
      await h.settle();
      expect(sink.every((s) => !s.startsWith('worker-1'))).toBe(true);
      expect(sink).toHaveLength(4);
      await h.dispose();
    });

    it('least-loaded picks the worker with the shortest mailbox', async () => {
      const h = make();
      const got: string[] = [];
      const Slow = defineKind<{ t: string }>('test.slow', () => ({
        receive: (m: { t: string }, ctx: Context) => {
          got.push(ctx.path.slice(ctx.path.lastIndexOf('/') + 1));
          return h.delay(m.t === 'long' ? 1000 : 1);
        },
      }));
      const pool = startPool<{ t: string }>(h.engine, { size: 2, kind: Slow, routing: 'least-loaded' });
      await h.settle();
      h.engine.send(pool.members[0]!, { t: 'long' });
      h.engine.send(pool.members[0]!, { t: 'long' });
      await h.settle();
      // worker-0 is busy with one long message and has another queued: the pool sends elsewhere.
      for (let i = 0; i < 2; i++) h.engine.send(pool.addr, { t: 'short' });
      await h.settle();
      expect(got).toEqual(['worker-0', 'worker-1']);
      await h.advance(10);
      expect(got).toEqual(['worker-0', 'worker-1', 'worker-1']);
      await h.dispose();
    });

    it('holds messages while every worker is down and delivers them after the restart', async () => {
      const h = make();
      const sink: string[] = [];
      const pool = startPool<{ t: 'record'; v: unknown }, WorkerArgs>(h.engine, { size: 2, kind: Worker, args: { sink }, backoff: { initialMs: 100, jitter: 0 }, intensity: 5 });
      await h.settle();
      for (const m of pool.members) h.engine.send(m, { t: 'crash' } as never);
      await h.settle();
      expect(h.engine.send(pool.addr, { t: 'record', v: 'x' })).toBe('queued');
      await h.advance(100);
      expect(sink).toEqual(['worker-0:x']);
      await h.dispose();
    });
  });

  describe('path supervisors', () => {
    // Registers its own path when given one; a replacement started by the path supervisor is bound to the path for it.
    const Svc = defineKind<{ t: string }, { path: string } | undefined>('test.svc', (args) => ({
      started: (ctx: Context) => {
        if (args !== undefined) ctx.registerPath(args.path);
      },
      receive: (m: { t: string }, ctx: Context) => {
        if (m.t === 'crash') throw new Error('svc crash');
        if (m.t === 'stop') ctx.stop();
        return ctx.info.restarts;
      },
    }));

    it('replaces an actor registered under the prefix when it crashes, and binds its path to the replacement', async () => {
      const h = make({ kinds: [Svc] });
      const ps = startPathSupervisor(h.engine, { prefix: '/svc', recipe: (path) => ({ kind: Svc, args: { path } }) });
      h.engine.spawn(Svc, { args: { path: '/svc/payment' } });
      h.engine.spawn(Svc, { args: { path: '/other/thing' } });
      await h.settle();
      expect(ps.watched().map((w) => w.paths)).toEqual([['/svc/payment']]);
      const log = new SupervisionLog(h.engine);
      const first = h.engine.registry.whereisPath('/svc/payment')!;
      h.engine.send(first, { t: 'crash' });
      await h.settle();
      const second = h.engine.registry.whereisPath('/svc/payment')!;
      expect(second.equals(first)).toBe(false);
      expect(await settled(h, h.engine.ask(second, { t: 'q' }))).toBe(1);
      expect(log.log()).toEqual(['exited /svc/payment:error', 'restarted /svc/payment']);
      expect(ps.watched()).toMatchObject([{ paths: ['/svc/payment'], restarts: 1, owned: true }]);
      await h.dispose();
    });

    it('does not replace a clean exit (transient by default), and gives up past its intensity', async () => {
      const h = make({ kinds: [Svc] });
      const ps = startPathSupervisor(h.engine, { prefix: '/svc', intensity: 1 }, { name: 'ps' });
      h.engine.spawn(Svc, { args: { path: '/svc/a' } });
      h.engine.spawn(Svc, { args: { path: '/svc/b' } });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(h.engine.registry.whereisPath('/svc/a')!, { t: 'stop' });
      await h.settle();
      expect(log.log()).toEqual(['exited /svc/a:normal', 'removed /svc/a']);
      expect(h.engine.registry.whereisPath('/svc/a')).toBeUndefined();
      log.clear();
      // The default recipe respawns the kind by name (args are not known, so none are passed).
      h.engine.send(h.engine.registry.whereisPath('/svc/b')!, { t: 'crash' });
      await h.settle();
      expect(log.log()[0]).toBe('exited /svc/b:error');
      expect(log.log()).toContain('restarted /svc/b');
      const replacement = ps.watched()[0]!;
      h.engine.send(replacement.addr, { t: 'crash' });
      await h.settle();
      expect(log.log().slice(-3)).toEqual(['exited /svc/b:error', 'intensity /svc/b', 'shutdown ps:shutdown']);
      await h.dispose();
    });

    it('releases an actor whose path is unregistered while it lives', async () => {
      const h = make({ kinds: [Svc] });
      const ps = startPathSupervisor(h.engine, { prefix: '/svc' });
      const a = h.engine.spawn(Svc, { args: { path: '/svc/a' } });
      await h.settle();
      expect(ps.watched()).toHaveLength(1);
      h.engine.registry.unregisterPath('/svc/a', a);
      await h.settle();
      expect(ps.watched()).toHaveLength(0);
      h.engine.send(a, { t: 'crash' });
      await h.settle();
      expect(h.engine.registry.whereisPath('/svc/a')).toBeUndefined();
      await h.dispose();
    });

  });
}
