/**
 * Lifecycle: engine start and graceful shutdown (leaves-first, stop hooks, deadline),
 * spawn, spawn child (children stop with their parent), stop and kill.
 */
import { describe, expect, it } from 'vitest';
import { Actor, Down, Exit, defineKind, type Context, type ExitReason } from '@pd/actor';
import { type MakeEngine, deferred, engineFixture, settle, sleep } from './harness.js';

export function lifecycleSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('engine start and shutdown', () => {
    it('starts running, with no actors', () => {
      const engine = engines.make({ id: 'fresh' });
      expect(engine.status).toBe('running');
      expect(engine.id).toBe('fresh');
      expect(engine.stats().live).toBe(0);
      expect(engine.list()).toEqual([]);
    });

    it('shuts an empty engine down at once', async () => {
      const engine = engines.make();
      const report = await engine.shutdown();
      expect(report).toEqual({ stopped: 0, killed: 0 });
      expect(engine.status).toBe('stopped');
    });

    it('stops actors leaves-first and runs every stop hook with the shutdown reason', async () => {
      const engine = engines.make();
      const order: string[] = [];
      const reasons: ExitReason[] = [];
      const node = (name: string, kids: string[]) => ({
        started(ctx: Context) {
          for (const k of kids) ctx.spawn(node(k, k === 'a' ? ['a1', 'a2'] : []), { name: k });
        },
        receive() {},
        stopping(reason: ExitReason) {
          order.push(name);
          reasons.push(reason);
        },
      });
      engine.spawn(node('root', ['a', 'b']), { name: 'root' });
      await settle(engine);
      expect(engine.stats().live).toBe(5);
      const report = await engine.shutdown();
      expect(report).toEqual({ stopped: 5, killed: 0 });
      expect(engine.status).toBe('stopped');
      expect(engine.stats().live).toBe(0);
      // Every child stops before its parent.
      const at = (n: string) => order.indexOf(n);
      expect(order).toHaveLength(5);
      expect(at('a1')).toBeLessThan(at('a'));
      expect(at('a2')).toBeLessThan(at('a'));
      expect(at('a')).toBeLessThan(at('root'));
      expect(at('b')).toBeLessThan(at('root'));
      // The root got the engine's shutdown reason, its descendants their parent's.
      expect(reasons[at('root')]).toEqual(Exit.shutdown('engine-shutdown'));
      for (const r of reasons) expect(r.type).toBe('shutdown');
    });

    it('waits for an async stop hook', async () => {
      const engine = engines.make();
      const hook = deferred();
      let finished = false;
      engine.spawn({
        receive() {},
        async stopping() {
          await hook.promise;
          finished = true;
        },
      });
      await settle(engine);
      const done = engine.shutdown({ deadlineMs: 5000 });
      expect(engine.status).toBe('stopping');
      await sleep(engine, 5);
      expect(finished).toBe(false);
      hook.resolve();
      expect(await done).toEqual({ stopped: 1, killed: 0 });
      expect(finished).toBe(true);
    });

    it('kills what is still stopping at the deadline', async () => {
      const engine = engines.make();
      const never = deferred();
      engine.spawn({ receive() {}, stopping: () => never.promise }, { name: 'stuck', stopTimeoutMs: 60_000 });
      engine.spawn({ receive() {} }, { name: 'fine' });
      await settle(engine);
      const report = await engine.shutdown({ deadlineMs: 20 });
      expect(report).toEqual({ stopped: 1, killed: 1 });
      expect(engine.status).toBe('stopped');
      const stuck = engine.terminated().find((t) => t.path === '/user/stuck');
      expect(stuck?.reason).toEqual(Exit.killed);
      const fine = engine.terminated().find((t) => t.path === '/user/fine');
      expect(fine?.reason.type).toBe('shutdown');
    });

    it('returns the same report to every shutdown call', async () => {
      const engine = engines.make();
      engine.spawn({ receive() {} });
      const a = engine.shutdown();
      const b = engine.shutdown();
      expect(b).toBe(a);
      expect(await a).toEqual({ stopped: 1, killed: 0 });
    });

    it('cancels pending timers when it stops', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      engine.sendEvery(a, 'tick', 1000);
      expect(engine.stats().timers).toBe(1);
      await engine.shutdown();
      expect(engine.stats().timers).toBe(0);
    });
  });

  describe('spawn', () => {
    it('spawns a class, a kind, a kind name, an inline behaviour and a pull function', async () => {
      class Echo extends Actor<string> {
        receive(m: string) {
          return `class:${m}`;
        }
      }
      const Kinded = defineKind<string, { prefix: string }>('kinded', (args) => ({ receive: (m: string) => `${args.prefix}:${m}` }));
      const Named = defineKind<string>('named', () => ({ receive: (m: string) => `named:${m}` }));
      const engine = engines.make({ kinds: [Named] });
      const a = engine.spawn(Echo);
      const b = engine.spawn(Kinded, { args: { prefix: 'kind' } });
      const c = engine.spawn<string>('named');
      const d = engine.spawn({ receive: (m: string) => `inline:${m}` });
      const e = engine.spawn({
        async run(ctx: Context<string>) {
          for (;;) {
            const m = await ctx.receive<string>();
            ctx.reply(`pull:${m}`);
          }
        },
      });
      expect(await engine.ask(a, 'x')).toBe('class:x');
      expect(await engine.ask(b, 'x')).toBe('kind:x');
      expect(await engine.ask(c, 'x')).toBe('named:x');
      expect(await engine.ask(d, 'x')).toBe('inline:x');
      expect(await engine.ask(e, 'x')).toBe('pull:x');
      expect(engine.info(a)?.kind).toBe('Echo');
      expect(engine.info(b)?.kind).toBe('kinded');
      expect(engine.info(c)?.kind).toBe('named');
      expect(engine.stats().live).toBe(5);
    });

    it('gives each actor a distinct address and a path under /user', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      const b = engine.spawn({ receive() {} }, { name: 'bee' });
      expect(a.equals(b)).toBe(false);
      expect(a.equals(a)).toBe(true);
      expect(engine.info(a)?.path).toMatch(/^\/user\/\$\d+$/);
      expect(engine.info(b)?.path).toBe('/user/bee');
      expect(engine.resolve('/user/bee')?.equals(b)).toBe(true);
    });

    it('runs started before the first message and restarts nothing on a clean start', async () => {
      const engine = engines.make();
      const log: string[] = [];
      const a = engine.spawn({
        started() {
          log.push('started');
        },
        receive(m: string) {
          log.push(m);
        },
      });
      engine.send(a, 'one');
      await settle(engine);
      expect(log).toEqual(['started', 'one']);
      expect(engine.info(a)?.restarts).toBe(0);
    });

    it('holds messages until an async started hook settles', async () => {
      const engine = engines.make();
      const gate = deferred();
      const log: string[] = [];
      const a = engine.spawn({
        async started() {
          await gate.promise;
          log.push('started');
        },
        receive(m: string) {
          log.push(m);
        },
      });
      engine.send(a, 'one');
      await settle(engine);
      expect(log).toEqual([]);
      gate.resolve();
      await settle(engine);
      expect(log).toEqual(['started', 'one']);
    });

    it('ends an actor whose constructor or started hook throws, with an error reason; spawn does not throw', async () => {
      const engine = engines.make();
      const client = engine.client();
      class Bad extends Actor {
        constructor() {
          super();
          throw new Error('ctor boom');
        }
        receive() {}
      }
      const a = engine.spawn(Bad);
      const b = engine.spawn({
        started() {
          throw new Error('started boom');
        },
        receive() {},
      });
      client.monitor(b);
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type === 'error' && (down.reason.error as Error).message).toBe('started boom');
      expect(down.reason.type === 'error' && down.reason.metadata).toMatchObject({ phase: 'started' });
      const ctor = engine.terminated().find((t) => t.addr.equals(a))!;
      expect(ctor.reason.type === 'error' && (ctor.reason.error as Error).message).toBe('ctor boom');
      expect(ctor.reason.type === 'error' && ctor.reason.metadata).toMatchObject({ phase: 'create' });
      expect(engine.send(a, 'x')).toBe('dead');
      expect(engine.stats().crashed).toBe(2);
    });
  });

  describe('children', () => {
    it('spawns children under the parent path and lists them', async () => {
      const engine = engines.make();
      const parent = engine.spawn({
        receive(m: string, ctx: Context<string>) {
          return ctx.spawn({ receive() {} }, { name: m });
        },
      }, { name: 'parent' });
      await engine.ask(parent, 'x');
      await engine.ask(parent, 'y');
      const info = engine.info(parent)!;
      expect(info.children.sort()).toEqual(['/user/parent/x', '/user/parent/y']);
      expect(engine.info('/user/parent/x')?.parent).toBe('/user/parent');
    });

    it('stops children with their parent, children first', async () => {
      const engine = engines.make();
      const order: string[] = [];
      const child = (name: string) => ({ receive() {}, stopping: () => void order.push(name) });
      const parent = engine.spawn({
        started(ctx: Context) {
          ctx.spawn(child('c1'), { name: 'c1' });
          ctx.spawn(child('c2'), { name: 'c2' });
        },
        receive() {},
        stopping: () => void order.push('parent'),
      }, { name: 'p' });
      await settle(engine);
      const c1 = engine.resolve('/user/p/c1')!;
      const client = engine.client();
      client.monitor(c1);
      engine.stop(parent);
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason).toEqual(Exit.shutdown('parent-exiting'));
      await settle(engine);
      expect(order.slice().sort()).toEqual(['c1', 'c2', 'parent']);
      expect(order[2]).toBe('parent');
      expect(engine.list()).toEqual([]);
    });

    it('kills children when the parent is killed, without stop hooks', async () => {
      const engine = engines.make();
      const hooks: string[] = [];
      const parent = engine.spawn({
        started(ctx: Context) {
          ctx.spawn({ receive() {}, stopping: () => void hooks.push('child') }, { name: 'c' });
        },
        receive() {},
        stopping: () => void hooks.push('parent'),
      }, { name: 'p' });
      await settle(engine);
      const child = engine.resolve('/user/p/c')!;
      engine.kill(parent);
      expect(engine.info(parent)).toBeUndefined();
      expect(engine.info(child)).toBeUndefined();
      expect(hooks).toEqual([]);
      const snap = engine.terminated();
      expect(snap.find((t) => t.path === '/user/p')?.reason).toEqual(Exit.killed);
      expect(snap.find((t) => t.path === '/user/p/c')?.reason.type).toBe('shutdown');
    });

    it('refuses a child name already used by a live sibling and frees it on exit', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} }, { name: 'twin' });
      expect(() => engine.spawn({ receive() {} }, { name: 'twin' })).toThrow(/spawn\/name-taken.*\/user\/twin/);
      engine.kill(a);
      const b = engine.spawn({ receive() {} }, { name: 'twin' });
      expect(engine.resolve('/user/twin')?.equals(b)).toBe(true);
    });
  });

  describe('stop and kill', () => {
    it('stop lets the current message finish, runs the stop hook with the reason, then the address is dead', async () => {
      const engine = engines.make();
      let hookReason: ExitReason | null = null;
      const a = engine.spawn({ receive() {}, stopping: (r: ExitReason) => void (hookReason = r) });
      const client = engine.client();
      client.monitor(a);
      engine.stop(a, Exit.shutdown('maintenance'));
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason).toEqual(Exit.shutdown('maintenance'));
      expect(hookReason).toEqual(Exit.shutdown('maintenance'));
      expect(engine.send(a, 'late')).toBe('dead');
      expect(engine.info(a)).toBeUndefined();
    });

    it('ctx.stop() with no target stops the actor itself, normally', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.stop();
        },
      });
      const client = engine.client();
      client.monitor(a);
      engine.send(a, 'bye');
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.normal);
    });

    it('kill ends the actor at once with reason killed and skips the stop hook', () => {
      const engine = engines.make();
      let hook = false;
      const a = engine.spawn({ receive() {}, stopping: () => void (hook = true) });
      engine.kill(a);
      expect(engine.info(a)).toBeUndefined();
      expect(hook).toBe(false);
      expect(engine.terminated().at(-1)?.reason).toEqual(Exit.killed);
    });

    it('kill interrupts an actor stuck in its stop hook; a stop timeout does too', async () => {
      const engine = engines.make();
      const never = deferred();
      const a = engine.spawn({ receive() {}, stopping: () => never.promise });
      const b = engine.spawn({ receive() {}, stopping: () => never.promise }, { stopTimeoutMs: 10 });
      const client = engine.client();
      client.monitor(a);
      client.monitor(b);
      engine.stop(a);
      engine.stop(b);
      await settle(engine);
      expect(engine.info(a)?.status).toBe('stopping');
      engine.kill(a);
      // Kill ends `a` at once, whatever `b`'s stop timer has done meanwhile.
      expect(engine.info(a)).toBeUndefined();
      const downs = [await client.receive<Down>({ timeoutMs: 1000 }), await client.receive<Down>({ timeoutMs: 1000 })];
      const downOf = (addr: typeof a) => downs.filter((d) => d.addr.equals(addr));
      expect(downOf(a).map((d) => d.reason)).toEqual([Exit.killed]);
      // Nothing killed `b`: only its stop timeout can have ended it.
      expect(downOf(b).map((d) => d.reason)).toEqual([Exit.killed]);
      // On virtual time the settle takes less than `b`'s 10 ms, so the kill comes first. On
      // real time a busy machine can spend longer than that in the settle: either order.
      if (engine.reactor.kind === 'sim') expect(downs.map((d) => d.addr.equals(a))).toEqual([true, false]);
    });

    it('stop and kill of a dead actor are no-ops', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      engine.kill(a);
      expect(() => engine.stop(a)).not.toThrow();
      expect(() => engine.kill(a)).not.toThrow();
      expect(engine.stats().exited).toBe(1);
    });

    it('a handler that throws ends its actor with an error reason and the engine keeps going', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        receive() {
          throw new TypeError('bad input');
        },
      });
      const b = engine.spawn({ receive: (m: number) => m + 1 });
      const client = engine.client();
      client.monitor(a);
      engine.send(a, 'x');
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type).toBe('error');
      if (down.reason.type === 'error') {
        expect(down.reason.error).toBeInstanceOf(TypeError);
        expect(down.reason.metadata).toMatchObject({ phase: 'receive' });
      }
      expect(await engine.ask(b, 1)).toBe(2);
      expect(engine.status).toBe('running');
    });

    it('an async handler that rejects ends its actor with an error reason', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        async receive() {
          await Promise.resolve();
          throw new Error('async boom');
        },
      });
      const client = engine.client();
      client.monitor(a);
      engine.send(a, 'x');
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type === 'error' && (down.reason.error as Error).message).toBe('async boom');
    });
  });
}
