/**
 * Introspection: list, info, tree, the bounded ring of terminated actors with their exit
 * reasons, dead letters (counted and inspectable, never thrown at the sender), stats.
 */
import { describe, expect, it } from 'vitest';
import { Exit, pull, type AnyAddr, type Context } from '@pd/actor';
import { type MakeEngine, deferred, engineFixture, settle } from './harness.js';

export function introspectionSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('list, info and tree', () => {
    it('info tells kind, path, status, mailbox, handled, restarts, parent, children, links and monitors', async () => {
      const engine = engines.make();
      const gate = deferred();
      class Worker {
        receive(m: string, ctx: Context<string>) {
          if (m === 'spawn') return ctx.spawn({ receive() {} }, { name: 'kid', link: true });
          if (m === 'gate') return gate.promise;
          return undefined;
        }
      }
      const w = engine.spawn(Worker, { name: 'worker', mailbox: { capacity: 10, overflow: 'reject' }, trapExits: true });
      const kid = (await engine.ask(w, 'spawn')) as AnyAddr;
      const client = engine.client();
      client.monitor(w);
      engine.registry.register('the-worker', w);
      let info = engine.info(w)!;
      expect(info).toMatchObject({
        kind: 'Worker', path: '/user/worker', status: 'running', handled: 1, restarts: 0, parent: null,
        children: ['/user/worker/kid'], links: ['/user/worker/kid'], monitoredBy: 1, monitoring: 0,
        names: ['the-worker'], trapExits: true, mailbox: { depth: 0, capacity: 10, policy: 'reject' },
      });
      expect(info.addr.equals(w)).toBe(true);
      expect(engine.info(kid)).toMatchObject({ path: '/user/worker/kid', parent: '/user/worker', kind: '(inline)', links: ['/user/worker'] });
      engine.send(w, 'gate');
      engine.send(w, 'queued1');
      engine.send(w, 'queued2');
      await settle(engine);
      info = engine.info(w)!;
      expect(info.status).toBe('suspended');
      expect(info.mailbox.depth).toBe(2);
      gate.resolve();
      await settle(engine);
      expect(engine.info(w)).toMatchObject({ status: 'running', handled: 4, mailbox: { depth: 0 } });
    });

    it('info finds an actor by address, registered name or path; undefined once dead', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} }, { name: 'found', register: 'finder' });
      engine.registry.registerPath('/svc/found', a);
      for (const target of [a, 'finder', '/user/found', '/svc/found']) expect(engine.info(target)?.addr.equals(a)).toBe(true);
      expect(engine.info('nobody')).toBeUndefined();
      expect(engine.info('/user/nobody')).toBeUndefined();
      engine.kill(a);
      expect(engine.info(a)).toBeUndefined();
      expect(engine.info('finder')).toBeUndefined();
    });

    it('a pull actor waiting in receive shows as waiting', async () => {
      const engine = engines.make();
      const a = engine.spawn(pull(async (ctx) => void (await ctx.receive())));
      await settle(engine);
      expect(engine.info(a)?.status).toBe('waiting');
    });

    it('list shows live actors (not clients), filtered by path, status or kind', async () => {
      const engine = engines.make();
      const gate = deferred();
      class Busy {
        receive() {
          return gate.promise;
        }
      }
      const parent = engine.spawn({
        started(ctx: Context) {
          ctx.spawn({ receive() {} }, { name: 'c1' });
          ctx.spawn({ receive() {} }, { name: 'c2' });
        },
        receive() {},
      }, { name: 'p' });
      const busy = engine.spawn(Busy, { name: 'busy' });
      engine.client();
      engine.send(busy, 'x');
      await settle(engine);
      expect(engine.list().map((i) => i.path).sort()).toEqual(['/user/busy', '/user/p', '/user/p/c1', '/user/p/c2']);
      expect(engine.list({ path: '/user/p' }).map((i) => i.path).sort()).toEqual(['/user/p', '/user/p/c1', '/user/p/c2']);
      expect(engine.list({ status: 'suspended' }).map((i) => i.path)).toEqual(['/user/busy']);
      expect(engine.list({ kind: 'Busy' }).map((i) => i.path)).toEqual(['/user/busy']);
      engine.kill(parent);
      expect(engine.list().map((i) => i.path)).toEqual(['/user/busy']);
      gate.resolve();
    });

    it('tree shows the live actors from the roots down', async () => {
      const engine = engines.make();
      engine.spawn({
        started(ctx: Context) {
          ctx.spawn({
            started: (c: Context) => void c.spawn({ receive() {} }, { name: 'leaf' }),
            receive() {},
          }, { name: 'mid' });
        },
        receive() {},
      }, { name: 'root' });
      engine.spawn({ receive() {} }, { name: 'solo' });
      engine.client();
      await settle(engine);
      const shape = (nodes: ReturnType<typeof engine.tree>): unknown => nodes.map((n) => ({ path: n.path, children: shape(n.children) }));
      expect(shape(engine.tree())).toEqual([
        { path: '/user/root', children: [{ path: '/user/root/mid', children: [{ path: '/user/root/mid/leaf', children: [] }] }] },
        { path: '/user/solo', children: [] },
      ]);
    });
  });

  describe('terminated actors', () => {
    it('the terminated ring keeps path, kind, exit reason and handled count, oldest first', async () => {
      const engine = engines.make();
      class Quitter {
        receive(m: string, ctx: Context) {
          if (m === 'crash') throw new Error('crashed on purpose');
          ctx.stop(ctx.self, Exit.shutdown('asked'));
        }
      }
      const a = engine.spawn(Quitter, { name: 'a' });
      const b = engine.spawn(Quitter, { name: 'b' });
      const c = engine.spawn({ receive() {} }, { name: 'c' });
      engine.send(a, 'crash');
      await settle(engine);
      engine.send(b, 'quit');
      await settle(engine);
      engine.kill(c);
      const t = engine.terminated();
      expect(t.map((s) => s.path)).toEqual(['/user/a', '/user/b', '/user/c']);
      expect(t[0]).toMatchObject({ kind: 'Quitter', handled: 0, restarts: 0 });
      expect(t[0]!.reason.type === 'error' && (t[0]!.reason.error as Error).message).toBe('crashed on purpose');
      expect(t[1]).toMatchObject({ reason: Exit.shutdown('asked'), handled: 1 });
      expect(t[2]!.reason).toEqual(Exit.killed);
      expect(t[2]!.addr.equals(c)).toBe(true);
      expect(typeof t[0]!.exitedAt).toBe('number');
      expect(engine.stats()).toMatchObject({ exited: 3, crashed: 1 });
      void b;
    });

    it('the ring is bounded by terminatedHistory and keeps the latest', () => {
      const engine = engines.make({ terminatedHistory: 3 });
      for (let i = 0; i < 7; i++) engine.kill(engine.spawn({ receive() {} }, { name: `n${i}` }));
      expect(engine.terminated().map((t) => t.path)).toEqual(['/user/n4', '/user/n5', '/user/n6']);
      expect(engine.stats().exited).toBe(7);
    });

    it('clients do not appear in the terminated ring', () => {
      const engine = engines.make();
      engine.client().close();
      expect(engine.terminated()).toEqual([]);
    });
  });

  describe('dead letters', () => {
    it('sends to dead actors are counted and inspectable, never thrown', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} }, { name: 'gone' });
      engine.kill(a);
      expect(engine.send(a, 'one')).toBe('dead');
      expect(await engine.sendWait(a, 'two')).toBe('dead');
      const sender = engine.spawn({ receive: (_m: unknown, ctx: Context) => ctx.send(a, 'three') });
      expect(await engine.ask(sender, 'go')).toBe('dead');
      const report = engine.deadLetters();
      expect(report.total).toBe(3);
      expect(report.byReason.dead).toBe(3);
      expect(report.recent.map((d) => d.message)).toEqual(['one', 'two', 'three']);
      expect(report.recent[0]).toMatchObject({ to: String(a), reason: 'dead' });
      expect(engine.stats().deadLetters).toBe(3);
      expect(engine.info(sender)?.status).toBe('running');
    });

    it('the recent list is bounded by deadLetterHistory; the counts are not', () => {
      const engine = engines.make({ deadLetterHistory: 2 });
      const a = engine.spawn({ receive() {} });
      engine.kill(a);
      for (let i = 0; i < 5; i++) engine.send(a, i);
      const report = engine.deadLetters();
      expect(report.total).toBe(5);
      expect(report.recent.map((d) => d.message)).toEqual([3, 4]);
    });
  });

  describe('stats', () => {
    it('counts spawned, live, exited, handled, timers and pending asks', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive: (n: number) => n });
      const b = engine.spawn({ receive() {} });
      for (let i = 0; i < 10; i++) engine.send(a, i);
      await settle(engine);
      engine.sendAfter(b, 'later', 60_000);
      const pending = engine.ask(b, 'never answered', { timeoutMs: 60_000 });
      engine.kill(a);
      const s = engine.stats();
      expect(s).toMatchObject({ spawned: 2, live: 1, exited: 1, messagesHandled: 10, timers: 2, pendingAsks: 1, runQueue: 1 });
      await settle(engine);
      // b answered with undefined (its return value), so the ask settled.
      expect(await pending).toBeUndefined();
      expect(engine.stats()).toMatchObject({ pendingAsks: 0, timers: 1, messagesHandled: 11, runQueue: 0 });
    });
  });
}
