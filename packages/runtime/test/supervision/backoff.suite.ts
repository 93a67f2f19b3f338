/**
 * Restart backoff (which OTP does not have), on engine time only: exponential delays with a
 * cap, jitter from the engine's seeded stream, a reset after a stable run, and how restarts
 * count against the intensity: when the exit is handled, before the delay.
 */
import { describe, expect, it } from 'vitest';
import { INTENSITY_EXCEEDED, backoffDelay, startSupervisor } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, settled, watchExit } from './harness.js';

export function backoffConformance(make: HarnessFactory): void {
  describe('restart backoff (engine time)', () => {
    it('backoffDelay: exponential, capped, with at most `jitter` taken off', () => {
      const spec = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5, resetAfterMs: 10_000 };
      expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay({ ...spec, jitter: 0 }, n, 0.9))).toEqual([100, 200, 400, 800, 1000, 1000]);
      expect(backoffDelay(spec, 3, 0)).toBe(800);
      expect(backoffDelay(spec, 3, 0.999_999)).toBe(400);
      expect(backoffDelay(spec, 20, 0.5)).toBe(750);
    });

    it('delays each consecutive restart exponentially up to the cap', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 100, periodMs: 1000, backoff: { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 },
        children: [{ id: 'a', kind: Worker }],
      });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      const t0 = h.now();
      const restartsAt: number[] = [];
      for (let i = 0; i < 6; i++) {
        h.engine.send(sup.stableAddr('a'), { t: 'crash' });
        await h.settle();
        expect(sup.inspect().children[0]!.status).toBe('restarting');
        const delay = (log.events.at(-1)!.detail as { delayMs: number }).delayMs;
        await h.advance(delay - 1);
        expect(sup.inspect().children[0]!.status).toBe('restarting');
        await h.advance(1);
        expect(sup.inspect().children[0]!.status).toBe('running');
        restartsAt.push(h.now() - t0);
      }
      expect(restartsAt).toEqual([100, 300, 700, 1500, 2500, 3500]);
      expect(log.log().slice(0, 3)).toEqual(['exited a:error', 'backoff a', 'restarted a']);
      expect(log.events.filter((e) => e.action === 'backoff').map((e) => (e.detail as { attempt: number }).attempt)).toEqual([0, 1, 2, 3, 4, 5]);
      await h.dispose();
    });

    it('jitter comes from the engine\'s seeded stream: same seed, same delays, each within bounds', async () => {
      const delays = async (seed: number): Promise<number[]> => {
        const h = make({ seed });
        const sup = startSupervisor(h.engine, {
          intensity: 100, periodMs: 1, backoff: { initialMs: 1000, factor: 1, maxMs: 1000, jitter: 0.5 },
          children: [{ id: 'a', kind: Worker }],
        });
        await h.settle();
        const log = new SupervisionLog(h.engine);
        for (let i = 0; i < 8; i++) {
          h.engine.send(sup.stableAddr('a'), { t: 'crash' });
          await h.advance(1000);
        }
        await h.dispose();
        return log.events.filter((e) => e.action === 'backoff').map((e) => (e.detail as { delayMs: number }).delayMs);
      };
      const a = await delays(7);
      expect(a).toHaveLength(8);
      expect(a.every((d) => d >= 500 && d <= 1000)).toBe(true);
      expect(new Set(a).size).toBeGreaterThan(1);
      expect(await delays(7)).toEqual(a);
    });

    it('starts again from the initial delay after a child ran for resetAfterMs', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 100, periodMs: 1, backoff: { initialMs: 100, factor: 10, maxMs: 100_000, jitter: 0, resetAfterMs: 5000 },
        children: [{ id: 'a', kind: Worker }],
      });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      const crashAfter = async (ranMs: number) => {
        await h.advance(ranMs);
        h.engine.send(sup.stableAddr('a'), { t: 'crash' });
        await h.settle();
        await h.advance((log.events.at(-1)!.detail as { delayMs: number }).delayMs); // restarted just now
      };
      await crashAfter(10);
      await crashAfter(10);
      await crashAfter(4999);
      await crashAfter(5000);
      await crashAfter(10);
      expect(log.events.filter((e) => e.action === 'backoff').map((e) => (e.detail as { delayMs: number }).delayMs)).toEqual([100, 1000, 10_000, 100, 1000]);
      await h.dispose();
    });

    it('counts each restart against the intensity when the exit is handled, before the delay', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 2, periodMs: 10_000, backoff: { initialMs: 1000, factor: 2, jitter: 0 },
        children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }],
      }, { name: 'sup' });
      await h.settle();
      const exit = watchExit(h, sup.addr);
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' }); // t=0: 1st restart, due at 1000
      await h.advance(1000);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' }); // t=1000: 2nd, due at 3000
      await h.advance(2000);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' }); // t=3000: 3rd within 10 s: give up now
      await h.settle();
      expect(log.log()).toEqual([
        'exited a:error', 'backoff a', 'restarted a',
        'exited a:error', 'backoff a', 'restarted a',
        'exited a:error', 'intensity a', 'shutdown sup:shutdown', 'terminating b', 'terminated b:shutdown',
      ]);
      expect(exit.reason).toEqual({ type: 'shutdown', detail: INTENSITY_EXCEEDED });
      await h.dispose();
    });

    it('delays longer than the period keep a crash loop under the intensity: it retries at the cap, never escalates', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 1, periodMs: 1000, backoff: { initialMs: 2000, factor: 2, maxMs: 8000, jitter: 0 },
        children: [{ id: 'a', kind: Worker }],
      });
      await h.settle();
      const exit = watchExit(h, sup.addr);
      for (let i = 0; i < 6; i++) {
        h.engine.send(sup.stableAddr('a'), { t: 'crash' });
        await h.advance(8000);
      }
      expect(exit.reason).toBeNull();
      expect(sup.inspect().children[0]).toMatchObject({ status: 'running', restarts: 6 });
      await h.dispose();
    });

    it('while a restart is delayed: the child is "restarting", restartChild starts it at once, terminateChild cancels it', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 10, backoff: { initialMs: 5000, jitter: 0 },
        children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }],
      });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect((await settled(h, sup.whichChildren())).map((c) => c.status)).toEqual(['restarting', 'restarting']);
      const log = new SupervisionLog(h.engine);
      expect(await settled(h, sup.restartChild('a'))).toMatchObject({ status: 'running', restarts: 1 });
      await settled(h, sup.terminateChild('b'));
      await h.advance(10_000);
      expect(log.log()).toEqual(['restarted a']);
      expect((await settled(h, sup.whichChildren())).map((c) => `${c.id}:${c.status}:${c.restarts}`)).toEqual(['a:running:1', 'b:stopped:0']);
      await h.dispose();
    });

    it('one-for-all: the siblings stop at once, then the whole group restarts after the delay', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        strategy: 'one-for-all', intensity: 5, backoff: { initialMs: 500, jitter: 0 },
        children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker })),
      });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.advance(499);
      expect(log.log()).toEqual(['exited b:error', 'terminating c', 'terminated c:shutdown', 'terminating a', 'terminated a:shutdown', 'backoff b']);
      expect(sup.inspect().children.every((c) => c.status === 'restarting')).toBe(true);
      await h.advance(1);
      expect(log.log().slice(6)).toEqual(['restarted a', 'restarted b', 'restarted c']);
      await h.dispose();
    });

    it('a child spec may override the supervisor\'s backoff, or turn it off', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 10, backoff: { initialMs: 1000, jitter: 0 },
        children: [{ id: 'slow', kind: Worker, backoff: { initialMs: 3000, jitter: 0 } }, { id: 'now', kind: Worker, backoff: false }, { id: 'dflt', kind: Worker }],
      });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      for (const id of ['slow', 'now', 'dflt']) h.engine.send(sup.stableAddr(id), { t: 'crash' });
      await h.settle();
      expect(log.log(byAction('restarted'))).toEqual(['restarted now']);
      await h.advance(1000);
      expect(log.log(byAction('restarted'))).toEqual(['restarted now', 'restarted dflt']);
      await h.advance(2000);
      expect(log.log(byAction('restarted'))).toEqual(['restarted now', 'restarted dflt', 'restarted slow']);
      await h.dispose();
    });
  });
}

function byAction(...actions: string[]) {
  return (e: { action: string }) => actions.includes(e.action);
}
