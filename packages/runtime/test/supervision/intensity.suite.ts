/**
 * Conformance: restart intensity as OTP defines it. A sliding window of `periodMs`; a
 * restart at t still counts at now while now <= t + periodMs; more than `intensity`
 * restarts in the window and the supervisor stops its children and exits with reason
 * shutdown, which its own parent handles like any child exit (escalation).
 */
import { describe, expect, it } from 'vitest';
import { INTENSITY_EXCEEDED, SUPERVISOR_DEFAULTS, startSupervisor, supervisor } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, watchExit } from './harness.js';

export function intensityConformance(make: HarnessFactory): void {
  describe('restart intensity (sliding window, escalation)', () => {
    it('defaults to OTP\'s 1 restart in 5000 ms', () => {
      expect(SUPERVISOR_DEFAULTS.intensity).toBe(1);
      expect(SUPERVISOR_DEFAULTS.periodMs).toBe(5000);
    });

    it('a second restart within the window makes the supervisor stop its children and exit with reason shutdown', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const exit = watchExit(h, sup.addr);
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.advance(1000);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual([
        'exited a:error', 'restarted a',
        'exited a:error', 'intensity a', 'shutdown sup:shutdown', 'terminating b', 'terminated b:shutdown',
      ]);
      expect(exit.reason).toEqual({ type: 'shutdown', detail: INTENSITY_EXCEEDED });
      expect(h.engine.list().length).toBe(0);
      await h.dispose();
    });

    it('a restart still counts exactly periodMs later (now <= then + period)', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 1, periodMs: 5000, children: [{ id: 'a', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.advance(5000);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.settle();
      expect(log.log(byAction('restarted', 'intensity'))).toEqual(['restarted a', 'intensity a']);
      await h.dispose();
    });

    it('a restart older than periodMs no longer counts', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 1, periodMs: 5000, children: [{ id: 'a', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      for (let i = 0; i < 4; i++) {
        h.engine.send(sup.stableAddr('a'), { t: 'crash' });
        await h.advance(5001);
      }
      expect(log.log(byAction('restarted', 'intensity'))).toEqual(['restarted a', 'restarted a', 'restarted a', 'restarted a']);
      expect(sup.inspect().restartsInWindow).toBe(0);
      await h.dispose();
    });

    it('intensity 0: the first restart is one too many', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 0, children: [{ id: 'a', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const exit = watchExit(h, sup.addr);
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited a:error', 'intensity a', 'shutdown sup:shutdown']);
      expect(exit.reason?.type).toBe('shutdown');
      await h.dispose();
    });

    it('intensity N allows N restarts within the window, not N + 1; all children share the window', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 3, periodMs: 10_000, children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      for (const id of ['a', 'b', 'a']) {
        h.engine.send(sup.stableAddr(id), { t: 'crash' });
        await h.advance(100);
      }
      expect(log.log(byAction('restarted', 'intensity'))).toEqual(['restarted a', 'restarted b', 'restarted a']);
      expect(sup.inspect().restartsInWindow).toBe(3);
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect(log.log(byAction('restarted', 'intensity'))).toEqual(['restarted a', 'restarted b', 'restarted a', 'intensity b']);
      await h.dispose();
    });

    it('exits that cause no restart do not count (temporary, transient after a clean exit)', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        intensity: 0,
        children: [{ id: 't', kind: Worker, restart: 'temporary' }, { id: 'n', kind: Worker, restart: 'transient' }, { id: 'p', kind: Worker }],
      });
      await h.settle();
      const exit = watchExit(h, sup.addr);
      h.engine.send(sup.stableAddr('t'), { t: 'crash' });
      h.engine.send(sup.stableAddr('n'), { t: 'stop' });
      await h.settle();
      expect(exit.reason).toBeNull();
      expect((await sup.whichChildren()).map((c) => `${c.id}:${c.status}`)).toEqual(['n:stopped', 'p:running']);
      await h.dispose();
    });

    it('escalates through two levels: the child supervisor gives up, its parent restarts it, then gives up in turn', async () => {
      const h = make();
      const mid = supervisor({ intensity: 0, children: [{ id: 'leaf', kind: Worker }] });
      const top = startSupervisor(h.engine, { intensity: 1, periodMs: 5000, children: [{ id: 'other', kind: Worker }, { id: 'mid', kind: mid }] }, { name: 'top' });
      await h.settle();
      const exit = watchExit(h, top.addr);
      const log = new SupervisionLog(h.engine, { qualified: true });
      h.engine.send(h.engine.resolve('/user/top/mid/leaf')!, { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual([
        'exited mid/leaf:error', 'intensity mid/leaf', 'shutdown mid:shutdown',
        // As in OTP, the new child supervisor has started its own children when its parent reports it restarted.
        'exited top/mid:shutdown', 'started mid/leaf', 'restarted top/mid',
      ]);
      log.clear();
      h.engine.send(h.engine.resolve('/user/top/mid/leaf')!, { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual([
        'exited mid/leaf:error', 'intensity mid/leaf', 'shutdown mid:shutdown',
        'exited top/mid:shutdown', 'intensity top/mid', 'shutdown top:shutdown', 'terminating top/other', 'terminated top/other:shutdown',
      ]);
      expect(exit.reason).toEqual({ type: 'shutdown', detail: INTENSITY_EXCEEDED });
      expect(h.engine.list()).toEqual([]);
      await h.dispose();
    });

    it('a transient child supervisor that gives up is not restarted (shutdown is a clean exit)', async () => {
      const h = make();
      const mid = supervisor({ intensity: 0, children: [{ id: 'leaf', kind: Worker }] });
      const top = startSupervisor(h.engine, { children: [{ id: 'mid', kind: mid, restart: 'transient' }] }, { name: 'top' });
      await h.settle();
      const log = new SupervisionLog(h.engine, { qualified: true });
      h.engine.send(h.engine.resolve('/user/top/mid/leaf')!, { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited mid/leaf:error', 'intensity mid/leaf', 'shutdown mid:shutdown', 'exited top/mid:shutdown']);
      expect((await top.whichChildren())[0]!.status).toBe('stopped');
      await h.dispose();
    });
  });
}

function byAction(...actions: string[]) {
  return (e: { action: string }) => actions.includes(e.action);
}

