/**
 * Conformance: shutdown. A supervisor stops its children one at a time in reverse start
 * order, waiting for each; a child with a timeout is asked to stop and killed at the
 * deadline; `brutal` is killed at once; a supervisor child (`infinity`) is waited for
 * however long its own subtree takes; simple-one-for-one children stop all at once. Times
 * are engine (virtual) times.
 */
import { describe, expect, it } from 'vitest';
import { type Context, Exit } from '@pd/actor';
import { startSupervisor, supervisor } from '@pd/runtime';
import { Worker, never } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, watchExit } from './harness.js';

export function shutdownConformance(make: HarnessFactory): void {
  describe('shutdown ordering and timeouts', () => {
    it('stops children one at a time, newest first, waiting for each', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const slow = { log: lifecycle, stopping: () => h.delay(100) };
      const sup = startSupervisor(h.engine, { children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, args: slow })) }, { name: 'sup' });
      await h.settle();
      lifecycle.length = 0;
      const log = new SupervisionLog(h.engine);
      const t0 = h.now();
      const done = sup.stop();
      await h.advance(1000);
      expect(await done).toEqual(Exit.shutdown());
      expect(log.log()).toEqual([
        'shutdown sup:shutdown',
        'terminating c', 'terminated c:shutdown', 'terminating b', 'terminated b:shutdown', 'terminating a', 'terminated a:shutdown',
      ]);
      expect(lifecycle).toEqual(['stop:c', 'stop:b', 'stop:a']);
      const at = log.events.filter((e) => e.action === 'terminated').map((e) => e.at - h.engine.reactor.wallTime() + h.now() - t0);
      expect(at).toEqual([100, 200, 300]);
      await h.dispose();
    });

    it('kills a child that overruns its shutdown timeout at the deadline, then goes on with the next', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const sup = startSupervisor(h.engine, {
        children: [{ id: 'a', kind: Worker, args: { log: lifecycle } }, { id: 'b', kind: Worker, shutdown: 1000, args: { log: lifecycle, stopping: never } }],
      }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      void sup.stop();
      await h.advance(999);
      expect(log.log()).toEqual(['shutdown sup:shutdown', 'terminating b']);
      await h.advance(1);
      expect(log.log()).toEqual(['shutdown sup:shutdown', 'terminating b', 'terminated b:killed', 'terminating a', 'terminated a:shutdown']);
      await h.dispose();
    });

    it('brutal: kills at once; the stop hook does not run', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, shutdown: 'brutal', args: { log: lifecycle, stopping: never } }] }, { name: 'sup' });
      await h.settle();
      lifecycle.length = 0;
      const log = new SupervisionLog(h.engine);
      void sup.stop();
      await h.settle();
      expect(log.log()).toEqual(['shutdown sup:shutdown', 'terminating a', 'terminated a:killed']);
      expect(lifecycle).toEqual([]);
      await h.dispose();
    });

    it('infinity (the default for supervisor children) waits for the whole subtree, however long', async () => {
      const h = make();
      const mid = supervisor({ children: [{ id: 'x', kind: Worker, shutdown: 120_000, args: { stopping: () => h.delay(60_000) } }] });
      const top = startSupervisor(h.engine, { children: [{ id: 'mid', kind: mid }] }, { name: 'top' });
      await h.settle();
      expect((await top.whichChildren())[0]).toMatchObject({ type: 'supervisor', shutdown: 'infinity' });
      const log = new SupervisionLog(h.engine, { qualified: true });
      void top.stop();
      await h.advance(59_999);
      expect(log.log()).toEqual(['shutdown top:shutdown', 'terminating top/mid', 'shutdown mid:shutdown', 'terminating mid/x']);
      await h.advance(1);
      expect(log.log().slice(4)).toEqual(['terminated mid/x:shutdown', 'terminated top/mid:shutdown']);
      await h.dispose();
    });

    it('shuts a nested tree down depth first, each level in reverse start order', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const args = { log: lifecycle };
      const mid = supervisor({ children: [{ id: 'x', kind: Worker, args }, { id: 'y', kind: Worker, args }] });
      const starts = new SupervisionLog(h.engine, { qualified: true });
      const top = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, args }, { id: 'mid', kind: mid }, { id: 'b', kind: Worker, args }] }, { name: 'top' });
      // Spawned depth first, in OTP's start order, before startSupervisor returns.
      expect(starts.log()).toEqual(['started top/a', 'started mid/x', 'started mid/y', 'started top/mid', 'started top/b']);
      starts.stop();
      await h.settle();
      lifecycle.length = 0;
      const log = new SupervisionLog(h.engine, { qualified: true });
      await Promise.all([top.stop(), h.advance(10)]);
      expect(lifecycle).toEqual(['stop:b', 'stop:y', 'stop:x', 'stop:a']);
      expect(log.log()).toEqual([
        'shutdown top:shutdown',
        'terminating top/b', 'terminated top/b:shutdown',
        'terminating top/mid', 'shutdown mid:shutdown',
        'terminating mid/y', 'terminated mid/y:shutdown', 'terminating mid/x', 'terminated mid/x:shutdown',
        'terminated top/mid:shutdown',
        'terminating top/a', 'terminated top/a:shutdown',
      ]);
      await h.dispose();
    });

    it('engine shutdown stops a supervised tree in the same order', async () => {
      const h = make();
      const lifecycle: string[] = [];
      startSupervisor(h.engine, { children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, args: { log: lifecycle } })) });
      await h.settle();
      lifecycle.length = 0;
      const report = h.engine.shutdown();
      await h.advance(10);
      expect(await report).toEqual({ stopped: 4, killed: 0 });
      expect(lifecycle).toEqual(['stop:c', 'stop:b', 'stop:a']);
    });

    it('simple-one-for-one children are stopped all at once', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'simple-one-for-one', children: [{ id: 'w', kind: Worker, args: { stopping: () => h.delay(100) } }] }, { name: 'sup' });
      for (let i = 0; i < 3; i++) void sup.startChild();
      await h.settle();
      const log = new SupervisionLog(h.engine);
      void sup.stop();
      await h.advance(100);
      // All asked at once (newest first), then they end as they finish: all after the same 100 ms.
      expect(log.log().slice(0, 4)).toEqual(['shutdown sup:shutdown', 'terminating w-3', 'terminating w-2', 'terminating w-1']);
      expect(log.log().slice(4).sort()).toEqual(['terminated w-1:shutdown', 'terminated w-2:shutdown', 'terminated w-3:shutdown']);
      expect(new Set(log.events.filter((e) => e.action === 'terminated').map((e) => e.at)).size).toBe(1);
      await h.dispose();
    });

    it('an exit signal from its parent: stops its children, then exits with the same reason; from anyone else: ignored', async () => {
      const h = make();
      const def = supervisor({ children: [{ id: 'a', kind: Worker }] });
      let supAddr: ReturnType<Context['spawn']> | null = null;
      const parent = h.engine.spawn({
        started(ctx: Context<string>) {
          supAddr = ctx.spawn(def, { name: 'sup', link: true, trapExits: true });
        },
        receive(m: string, ctx: Context<string>) {
          if (m === 'quit') ctx.exit(supAddr!, Exit.shutdown('bye'));
        },
      });
      await h.settle();
      const exit = watchExit(h, supAddr!);
      const log = new SupervisionLog(h.engine);
      h.engine.exit(supAddr!, Exit.error(new Error('stranger')));
      await h.settle();
      expect(exit.reason).toBeNull();
      h.engine.send(parent, 'quit');
      await h.settle();
      expect(log.log()).toEqual(['shutdown sup:shutdown', 'terminating a', 'terminated a:shutdown']);
      expect(exit.reason).toEqual(Exit.shutdown('bye'));
      await h.dispose();
    });
  });
}
