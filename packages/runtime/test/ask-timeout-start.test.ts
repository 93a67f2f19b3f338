/**
 * Ask timeouts on the Node reactor start from one clock reading per burst of asks (the
 * reactor's `lazyTimerStart`): a timeout must never fire before its time has passed since
 * the call, even when the caller keeps the thread busy after asking, and asks answered at
 * once must leave no timer behind. (The simulator starts each from its virtual instant: see
 * sim/ask-timeouts.test.ts.) Lower bounds on elapsed time only, with 1 ms for the host
 * timer's granularity; never a speed check.
 */
import { describe, expect, it } from 'vitest';
import { AskError, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the caller keeps the thread */ }
}

/** How a request ended ('answered' or its error code) and when, in ms after `since`. */
function outcome<T extends object>(request: Promise<unknown>, since: number, also: T): Promise<T & { code: string; at: number }> {
  return request.then(
    () => ({ ...also, code: 'answered', at: performance.now() - since }),
    (e: unknown) => ({ ...also, code: (e as AskError).code, at: performance.now() - since }));
}

describe('ask timeouts on the Node reactor', () => {
  it('never fire before their time, also when the caller stays busy after asking', async () => {
    const engine = createEngine({ id: 'ask-start' });
    try {
      const silent = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      const t0 = performance.now();
      const first = engine.ask(silent, 'q', { timeoutMs: 20 }).catch((e: unknown) => ({ e, at: performance.now() - t0 }));
      busy(30);
      const t1 = performance.now();
      const second = engine.ask(silent, 'q', { timeoutMs: 15 }).catch((e: unknown) => ({ e, at: performance.now() - t1 }));
      const [a, b] = (await Promise.all([first, second])) as { e: unknown; at: number }[];
      for (const r of [a!, b!]) expect(r.e).toBeInstanceOf(AskError);
      expect((a!.e as AskError).code).toBe('ask/timeout');
      expect(a!.at).toBeGreaterThanOrEqual(19);
      expect(b!.at).toBeGreaterThanOrEqual(14);
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 2 });
    } finally {
      await engine.shutdown();
    }
  });

  it('answered at once, they leave no timer and no pending ask behind', async () => {
    const engine = createEngine({ id: 'ask-start' });
    try {
      const echo = engine.spawn({ receive: (m: number) => m });
      const all: Promise<number>[] = [];
      for (let i = 0; i < 1000; i++) all.push(engine.ask<number, number>(echo, i, { timeoutMs: 50 + (i % 7) }));
      expect(engine.stats().timers).toBe(1000);
      expect(await Promise.all(all)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 0 });
      // Long after those timeouts would have been due, nothing fired.
      await new Promise((r) => setTimeout(r, 80));
      expect(engine.stats()).toMatchObject({ timers: 0, askTimeouts: 0 });
    } finally {
      await engine.shutdown();
    }
  });

  it('time out after an answered ask, waiting behind the host timer it left parked', async () => {
    // The answered ask leaves the host timer armed for its own timeout (parked); asks made
    // after it, due later, wait in the pending list until that timer fires, then in the heap.
    const engine = createEngine({ id: 'ask-start' });
    try {
      // Answers a little later: the ask's timeout is in place (the host timer armed) first.
      const later = engine.spawn({
        receive(m: number, ctx: Context) {
          const reply = ctx.deferReply<number>()!;
          setTimeout(() => reply.resolve(m), 2);
        },
      });
      const silent = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      expect(await engine.ask<number, number>(later, 7, { timeoutMs: 30 })).toBe(7);
      expect(engine.stats().timers).toBe(0);
      const t1 = performance.now();
      const outcomes = [60, 40, 50].map((timeoutMs) =>
        outcome(engine.ask(silent, 'q', { timeoutMs }), t1, { timeoutMs }));
      let guard: ReturnType<typeof setTimeout> | undefined;
      const never = new Promise<'lost'>((resolve) => (guard = setTimeout(() => resolve('lost'), 5000)));
      const settled = await Promise.race([Promise.all(outcomes), never]);
      clearTimeout(guard);
      expect(settled).not.toBe('lost');
      for (const r of settled as { timeoutMs: number; code: string; at: number }[]) {
        expect(r.code).toBe('ask/timeout');
        expect(r.at).toBeGreaterThanOrEqual(r.timeoutMs - 1);
      }
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 3 });
    } finally {
      await engine.shutdown();
    }
  });

  it('time out when no drain follows the request (the target is suspended in an async handler)', async () => {
    // The request waits in the mailbox of a suspended actor: no drain is queued for it, so
    // its timeout is started by a microtask of its own. (A short stop timeout: the hung
    // handler is killed at shutdown, not waited for.)
    const engine = createEngine({ id: 'ask-start', stopTimeoutMs: 10 });
    try {
      const stuck = engine.spawn({
        receive: (m: string) => (m === 'hang' ? new Promise<void>(() => undefined) : m),
      });
      engine.send(stuck, 'hang');
      await engine.idle();
      const t0 = performance.now();
      const ended = await outcome(engine.ask(stuck, 'q', { timeoutMs: 15 }), t0, {});
      expect(ended.code).toBe('ask/timeout');
      expect(ended.at).toBeGreaterThanOrEqual(14);
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 1 });
    } finally {
      await engine.shutdown();
    }
  });

  it('time out when made inside a turn and left unanswered (started at the end of the drain)', async () => {
    const engine = createEngine({ id: 'ask-start' });
    try {
      const silent = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      const outcomes: { timeoutMs: number; code: string; at: number }[] = [];
      const asker = engine.spawn({
        receive(timeoutMs: number, ctx: Context) {
          const t0 = performance.now();
          void outcome(ctx.ask(silent, 'q', { timeoutMs }), t0, { timeoutMs }).then((o) => void outcomes.push(o));
          busy(5); // the drain runs on after the request: its timeout starts no earlier than the call
        },
      });
      engine.send(asker, 20);
      engine.send(asker, 10);
      const deadline = performance.now() + 5000;
      while (outcomes.length < 2 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(outcomes.map((o) => o.code)).toEqual(['ask/timeout', 'ask/timeout']);
      // Each from its own call, never earlier (1 ms for the host timer's granularity).
      for (const o of outcomes) expect(o.at).toBeGreaterThanOrEqual(o.timeoutMs - 1);
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 2 });
    } finally {
      await engine.shutdown();
    }
  });

  it('time out when made while the next drain waits for a yield to the event loop', async () => {
    // A slice has passed since the engine last yielded (the spinner's turns took it), so the
    // drain the request queues waits for a yield (a macrotask): no drain comes before the
    // event loop turns, and the request's timeout is started by a microtask of its own.
    const engine = createEngine({ id: 'ask-start', sliceMs: 1 });
    try {
      const silent = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      const spinner = engine.spawn({
        receive(n: number, ctx: Context) {
          busy(2);
          if (n > 0) ctx.send(ctx.self, n - 1);
        },
      });
      engine.send(spinner, 3);
      await new Promise((r) => setImmediate(r));
      const t0 = performance.now();
      const ended = await outcome(engine.ask(silent, 'q', { timeoutMs: 15 }), t0, {});
      expect(ended.code).toBe('ask/timeout');
      expect(ended.at).toBeGreaterThanOrEqual(14);
      await engine.idle();
      expect(engine.stats()).toMatchObject({ timers: 0, pendingAsks: 0, askTimeouts: 1 });
    } finally {
      await engine.shutdown();
    }
  });

  it('refuse an engine default ask timeout that is not a positive finite number', () => {
    for (const askTimeoutMs of [Infinity, 0, -1, Number.NaN]) {
      expect(() => createEngine({ id: 'ask-start', askTimeoutMs })).toThrow(/askTimeoutMs must be a positive finite number/);
    }
  });
});
