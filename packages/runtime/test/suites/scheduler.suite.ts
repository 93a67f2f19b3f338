/**
 * Scheduler: reduction budget per turn, fairness between actors, sync and async
 * handlers (an async handler suspends only its own actor; one message at a time).
 * Starvation of timers and I/O by a hot actor is tested in scale.test.ts (node reactor).
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { type MakeEngine, deferred, engineFixture, settle, until } from './harness.js';

/** The longest run of consecutive equal entries in `log`, counted while `other` still appears later. */
function longestRunBeforeOtherDone(log: string[], self: string, other: string): number {
  const lastOther = log.lastIndexOf(other);
  let best = 0;
  let run = 0;
  for (let i = 0; i < lastOther; i++) {
    run = log[i] === self ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

export function schedulerSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('reduction budget', () => {
    it('an actor handles at most its budget of messages per turn, then others run', async () => {
      const engine = engines.make();
      const log: string[] = [];
      const a = engine.spawn({ receive: () => void log.push('a') }, { budget: 3 });
      const b = engine.spawn({ receive: () => void log.push('b') }, { budget: 3 });
      for (let i = 0; i < 12; i++) {
        engine.send(a, i);
        engine.send(b, i);
      }
      await settle(engine);
      expect(log.filter((x) => x === 'a')).toHaveLength(12);
      expect(log.filter((x) => x === 'b')).toHaveLength(12);
      expect(longestRunBeforeOtherDone(log, 'a', 'b')).toBeLessThanOrEqual(3);
      expect(longestRunBeforeOtherDone(log, 'b', 'a')).toBeLessThanOrEqual(3);
    });

    it('the engine-wide budget applies to actors spawned without one', async () => {
      const engine = engines.make({ budget: 2 });
      const log: string[] = [];
      const a = engine.spawn({ receive: () => void log.push('a') });
      const b = engine.spawn({ receive: () => void log.push('b') });
      for (let i = 0; i < 8; i++) {
        engine.send(a, i);
        engine.send(b, i);
      }
      await settle(engine);
      expect(log).toHaveLength(16);
      expect(longestRunBeforeOtherDone(log, 'a', 'b')).toBeLessThanOrEqual(2);
    });

    it('a self-feeding actor lets another actor run long before it is done', async () => {
      const engine = engines.make();
      const log: string[] = [];
      const hot = engine.spawn({
        receive(n: number, ctx: Context<number>) {
          log.push(`hot${n}`);
          if (n < 2000) ctx.send(ctx.self, n + 1);
        },
      }, { budget: 16 });
      const other = engine.spawn({ receive: () => void log.push('other') });
      engine.send(hot, 1);
      engine.send(other, 'go');
      await until(engine, () => log.length === 2001, 'both actors to finish');
      expect(log.indexOf('other')).toBeLessThan(100);
      expect(log.indexOf('other')).toBeGreaterThanOrEqual(0);
    });
  });

  describe('sync and async handlers', () => {
    it('sync handlers run one message at a time, in arrival order', async () => {
      const engine = engines.make();
      const seen: number[] = [];
      const a = engine.spawn({ receive: (n: number) => void seen.push(n) });
      for (let i = 0; i < 500; i++) engine.send(a, i);
      await settle(engine);
      expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(engine.info(a)?.handled).toBe(500);
      expect(engine.stats().messagesHandled).toBe(500);
    });

    it('an async handler suspends only its own actor; its mailbox keeps filling', async () => {
      const engine = engines.make();
      const gate = deferred();
      const slowLog: number[] = [];
      let active = 0;
      let maxActive = 0;
      const slow = engine.spawn({
        async receive(n: number) {
          active++;
          maxActive = Math.max(maxActive, active);
          if (n === 0) await gate.promise;
          else await Promise.resolve();
          slowLog.push(n);
          active--;
        },
      });
      const fast = engine.spawn({ receive: (n: number) => n * 2 });
      engine.send(slow, 0);
      await settle(engine);
      for (let i = 1; i <= 5; i++) engine.send(slow, i);
      // The fast actor answers while the slow one is suspended.
      expect(await engine.ask(fast, 21)).toBe(42);
      await settle(engine);
      expect(slowLog).toEqual([]);
      const info = engine.info(slow)!;
      expect(info.status).toBe('suspended');
      expect(info.mailbox.depth).toBe(5);
      gate.resolve();
      await until(engine, () => slowLog.length === 6, 'the slow actor to drain');
      expect(slowLog).toEqual([0, 1, 2, 3, 4, 5]);
      expect(maxActive).toBe(1);
      expect(engine.info(slow)?.status).toBe('running');
    });

    it('an async handler may ask another actor and use the reply', async () => {
      const engine = engines.make();
      const doubler = engine.spawn({ receive: (n: number) => n * 2 });
      const front = engine.spawn({
        async receive(n: number, ctx: Context<number>) {
          const d = await ctx.ask<number, number>(doubler, n);
          return d + 1;
        },
      });
      const replies = await Promise.all([1, 2, 3].map((n) => engine.ask(front, n)));
      expect(replies).toEqual([3, 5, 7]);
    });

    it('a handler returning a non-promise thenable is awaited too', async () => {
      const engine = engines.make();
      const gate = deferred<string>();
      const a = engine.spawn({
        receive: (m: string) => (m === 'wait' ? { then: (ok: (v: string) => void, ko: (e: unknown) => void) => gate.promise.then(ok, ko) } : m),
      });
      const first = engine.ask(a, 'wait');
      const second = engine.ask(a, 'next');
      await settle(engine);
      expect(engine.info(a)?.status).toBe('suspended');
      gate.resolve('done');
      expect(await first).toBe('done');
      expect(await second).toBe('next');
    });
  });
}
