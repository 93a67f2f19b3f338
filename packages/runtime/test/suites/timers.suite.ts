/**
 * Timers: sendAfter, sendEvery and cancelTimer, from the engine and from actors; an
 * actor's timers die with it. Times are engine time (virtual under simulation).
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, type Context, type TimerRef } from '@pd/actor';
import { type MakeEngine, engineFixture, expectDueOrder, expectPdError, scheduleTimer, settle, sleep, until } from './harness.js';

export function timersSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('timers', () => {
    it('sendAfter delivers once, not before its delay', async () => {
      const engine = engines.make();
      const client = engine.client();
      const start = engine.reactor.now();
      engine.sendAfter(client.self, 'ding', 20);
      expect(client.pending).toBe(0);
      expect(await client.receive({ timeoutMs: 2000 })).toBe('ding');
      expect(engine.reactor.now() - start).toBeGreaterThanOrEqual(19);
      await sleep(engine, 30);
      expect(client.pending).toBe(0);
      expect(engine.stats().timers).toBe(0);
    });

    it('timers fire in due order', async () => {
      const engine = engines.make();
      const client = engine.client();
      const timers: [string, number][] = [['c', 30], ['a', 10], ['b', 20]];
      // On real time the test may be paused between two schedules, which moves the due time
      // of the later ones: the windows say which orders the clock fixed.
      const windows = timers.map(([m, ms]) => scheduleTimer(engine, ms, () => engine.sendAfter(client.self, m, ms)));
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(await client.receive<string>({ timeoutMs: 2000 }));
      expectDueOrder(got.map((m) => timers.findIndex(([t]) => t === m)), windows);
      if (engine.reactor.kind === 'sim') expect(got).toEqual(['a', 'b', 'c']);
    });

    it('sendEvery repeats until cancelled; cancelTimer is true once, then false', async () => {
      const engine = engines.make();
      const client = engine.client();
      const ref = engine.sendEvery(client.self, 'tick', 5);
      for (let i = 0; i < 3; i++) expect(await client.receive({ timeoutMs: 2000 })).toBe('tick');
      expect(engine.cancelTimer(ref)).toBe(true);
      expect(engine.cancelTimer(ref)).toBe(false);
      await settle(engine);
      const drained = client.pending;
      await sleep(engine, 30);
      expect(client.pending).toBe(drained);
      expect(engine.stats().timers).toBe(0);
    });

    it('a cancelled sendAfter never fires; cancelling a fired one is false', async () => {
      const engine = engines.make();
      const client = engine.client();
      const cancelled = engine.sendAfter(client.self, 'never', 5);
      const fired = engine.sendAfter(client.self, 'once', 5);
      expect(engine.cancelTimer(cancelled)).toBe(true);
      expect(await client.receive({ timeoutMs: 2000 })).toBe('once');
      expect(engine.cancelTimer(fired)).toBe(false);
      await sleep(engine, 20);
      expect(client.pending).toBe(0);
    });

    it('an actor\'s timers die with it', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({
        started(ctx: Context) {
          ctx.sendEvery(client.self, 'every', 5);
          ctx.sendAfter(client.self, 'after', 10_000);
        },
        receive() {},
      });
      expect(await client.receive({ timeoutMs: 2000 })).toBe('every');
      expect(engine.info(a)?.timers).toBe(2);
      engine.kill(a);
      expect(engine.stats().timers).toBe(0);
      await settle(engine);
      const before = client.pending;
      await sleep(engine, 30);
      expect(client.pending).toBe(before);
    });

    it('a timer to a dead actor becomes a dead letter', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      engine.sendAfter(a, 'late', 5);
      engine.kill(a);
      await until(engine, () => engine.deadLetters().byReason.dead === 1, 'the dead letter');
      expect(engine.deadLetters().recent.at(-1)?.message).toBe('late');
    });

    it('an actor can cancel its own timer and send to itself later', async () => {
      const engine = engines.make();
      const client = engine.client();
      let ref: TimerRef | null = null;
      engine.spawn({
        started(ctx: Context<string>) {
          ref = ctx.sendAfter(ctx.self, 'cancel-me', 10_000);
          ctx.sendAfter(ctx.self, 'wake', 5);
        },
        receive(m: string, ctx: Context<string>) {
          ctx.send(client.self, [m, ctx.cancelTimer(ref!)]);
        },
      });
      expect(await client.receive({ timeoutMs: 2000 })).toEqual(['wake', true]);
      expect(engine.stats().timers).toBe(0);
    });

    it('a zero-delay sendAfter fires on a later tick', async () => {
      const engine = engines.make();
      const client = engine.client();
      engine.sendAfter(client.self, 'zero', 0);
      expect(client.pending).toBe(0);
      expect(await client.receive({ timeoutMs: 1000 })).toBe('zero');
    });

    it('bad delays and foreign refs are refused with arg/invalid naming them', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      expectPdError(() => engine.sendAfter(a, 'x', -1), ArgumentError, 'arg/invalid', 'delay', '-1');
      expectPdError(() => engine.sendAfter(a, 'x', Number.NaN), ArgumentError, 'arg/invalid', 'NaN');
      expectPdError(() => engine.sendEvery(a, 'x', 0), ArgumentError, 'arg/invalid', 'interval', '0');
      expectPdError(() => engine.cancelTimer({ id: 1 }), ArgumentError, 'arg/invalid', 'TimerRef');
    });

    it('a timer of another engine is refused and left running', async () => {
      const engine = engines.make();
      const other = engines.make();
      const client = other.client();
      const ref = other.sendAfter(client.self, 'still here', 5);
      expectPdError(() => engine.cancelTimer(ref), ArgumentError, 'arg/invalid', 'another engine');
      expect(engine.stats().timers).toBe(0);
      expect(other.stats().timers).toBe(1);
      expect(await client.receive({ timeoutMs: 1000 })).toBe('still here');
    });
  });
}
