/**
 * Conformance: dynamic children (simple-one-for-one) and the runtime operations on a live
 * tree, with OTP's results: which_children, count_children, start_child, restart_child,
 * terminate_child, delete_child (plus removeChild), and calls made during a group restart.
 */
import { describe, expect, it } from 'vitest';
import { type Context, Exit } from '@pd/actor';
import { SupervisorError, inspectSupervisor, startSupervisor, supervisorHandle } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, settled } from './harness.js';

export function operationsConformance(make: HarnessFactory): void {
  describe('dynamic children (simple-one-for-one)', () => {
    it('starts children of the template on demand, with their own args, and none at supervisor start', async () => {
      const h = make();
      const sink: string[] = [];
      const sup = startSupervisor(h.engine, { strategy: 'simple-one-for-one', children: [{ id: 'conn', kind: Worker, args: { sink } }] }, { name: 'sup' });
      await h.settle();
      expect(await sup.whichChildren()).toEqual([]);
      const log = new SupervisionLog(h.engine);
      const first = await settled(h, sup.startChild());
      const second = await settled(h, sup.startChild({ sink }));
      expect([first.id, second.id]).toEqual(['conn-1', 'conn-2']);
      expect(first).toMatchObject({ status: 'running', dynamic: true, restart: 'permanent', restarts: 0 });
      expect(log.log()).toEqual(['started conn-1', 'started conn-2']);
      h.engine.send(second.stable, { t: 'record', v: 'hello' });
      await h.settle();
      expect(sink).toEqual(['conn-2:hello']);
      expect(await sup.countChildren()).toEqual({ specs: 1, active: 2, supervisors: 0, workers: 2 }); // OTP: one spec, the template
      await h.dispose();
    });

    it('restarts each on its own; terminateChild removes it; deleteChild does not apply', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'simple-one-for-one', intensity: 5, children: [{ id: 'w', kind: Worker }] }, { name: 'sup' });
      for (let i = 0; i < 3; i++) await settled(h, sup.startChild());
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('w-2'), { t: 'crash' });
      await h.settle();
      await settled(h, sup.terminateChild('w-3'));
      expect(log.log()).toEqual(['exited w-2:error', 'restarted w-2', 'terminating w-3', 'terminated w-3:shutdown', 'removed w-3']);
      expect((await sup.whichChildren()).map((c) => `${c.id}:${c.restarts}`)).toEqual(['w-1:0', 'w-2:1']);
      await expect(settled(h, sup.deleteChild('w-1'))).rejects.toMatchObject({ reason: 'wrong-strategy' });
      await h.dispose();
    });

    it('refuses children beyond maxChildren', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'simple-one-for-one', maxChildren: 2, children: [{ id: 'w', kind: Worker }] });
      await settled(h, sup.startChild());
      await settled(h, sup.startChild());
      await expect(settled(h, sup.startChild())).rejects.toMatchObject({ reason: 'max-children', code: 'actor/invalid-state' });
      await h.dispose();
    });
  });

  describe('runtime operations on a live tree', () => {
    it('whichChildren reports each child\'s status, addresses, restarts and last exit; inspect and engine.info agree', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 5, children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker, restart: 'transient' }] }, { name: 'sup' });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      h.engine.send(sup.stableAddr('b'), { t: 'stop' });
      await h.settle();
      const [a, b] = await settled(h, sup.whichChildren());
      expect(a).toMatchObject({ id: 'a', status: 'running', restarts: 1, type: 'worker', kind: 'test.worker', restart: 'permanent', shutdown: 5000 });
      expect(a!.lastExit).toMatchObject({ type: 'error' });
      expect(h.engine.info(a!.addr!)).toMatchObject({ path: '/user/sup/a', restarts: 1 });
      expect(b).toMatchObject({ id: 'b', status: 'stopped', addr: null, restarts: 0, lastExit: { type: 'normal' } });
      expect(inspectSupervisor(h.engine, '/user/sup').children).toEqual([a, b]);
      expect(supervisorHandle(h.engine, sup.addr).inspect().strategy).toBe('one-for-one');
      expect(() => supervisorHandle(h.engine, a!.addr!)).toThrow(SupervisorError);
      await h.dispose();
    });

    it('terminateChild stops a permanent child for good; restartChild starts it again without counting against the intensity', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 0, children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      await settled(h, sup.terminateChild('a'));
      expect((await settled(h, sup.whichChildren()))[0]).toMatchObject({ id: 'a', status: 'stopped', addr: null });
      expect(h.engine.send(sup.stableAddr('a'), { t: 'ping' })).toBe('dead');
      const info = await settled(h, sup.restartChild('a'));
      expect(info).toMatchObject({ status: 'running', restarts: 1 });
      expect(await settled(h, h.engine.ask(sup.stableAddr('a'), { t: 'ping' }))).toBe('pong');
      expect(log.log()).toEqual(['terminating a', 'terminated a:shutdown', 'restarted a']);
      expect(sup.inspect().restartsInWindow).toBe(0);
      await h.dispose();
    });

    it('restartChild on a running child is an error, unless ifRunning: "restart"', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      await expect(settled(h, sup.restartChild('a'))).rejects.toMatchObject({ reason: 'running', code: 'actor/invalid-state' });
      const log = new SupervisionLog(h.engine);
      const before = sup.inspect().children[0]!.addr!;
      const info = await settled(h, sup.restartChild('a', { ifRunning: 'restart' }));
      expect(info.addr!.equals(before)).toBe(false);
      expect(log.log()).toEqual(['terminating a', 'terminated a:shutdown', 'restarted a']);
      await h.dispose();
    });

    it('deleteChild needs a stopped child; removeChild terminates and deletes in one call', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] });
      await h.settle();
      await expect(settled(h, sup.deleteChild('a'))).rejects.toMatchObject({ reason: 'running' });
      await settled(h, sup.terminateChild('a'));
      const log = new SupervisionLog(h.engine);
      await settled(h, sup.deleteChild('a'));
      await settled(h, sup.removeChild('b'));
      expect(log.log()).toEqual(['removed a', 'terminating b', 'terminated b:shutdown', 'removed b']);
      expect(await settled(h, sup.whichChildren())).toEqual([]);
      await h.dispose();
    });

    it('startChild adds a child at the end; it then takes part in the strategy in start order', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'rest-for-one', children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] });
      await h.settle();
      const added = await settled(h, sup.startChild({ id: 'c', kind: Worker, restart: 'transient' }));
      expect(added).toMatchObject({ id: 'c', status: 'running', restart: 'transient', dynamic: true });
      await expect(settled(h, sup.startChild({ id: 'c', kind: Worker }))).rejects.toMatchObject({ reason: 'duplicate-child' });
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited b:error', 'terminating c', 'terminated c:shutdown', 'restarted b', 'restarted c']);
      await h.dispose();
    });

    it('calls made during a group restart are answered after it, in order', async () => {
      const h = make();
      const slow = { stopping: () => h.delay(100) };
      const sup = startSupervisor(h.engine, { strategy: 'one-for-all', children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, args: slow })) });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.advance(100); // a's own stop hook runs first
      expect(log.log()).toEqual(['exited a:error', 'terminating c']);
      const which = sup.whichChildren();
      const terminated = sup.terminateChild('b');
      await h.settle();
      // Mid-restart state shows in the synchronous snapshot; the which waits its turn.
      expect(sup.inspect().children.map((c) => `${c.id}:${c.status}`)).toEqual(['a:restarting', 'b:restarting', 'c:stopping']);
      expect(sup.inspect().busy).toBe(true);
      await h.advance(1000);
      expect((await which).map((c) => `${c.id}:${c.status}:${c.restarts}`)).toEqual(['a:running:1', 'b:running:1', 'c:running:1']);
      await terminated;
      expect(log.log()).toEqual([
        'exited a:error', 'terminating c', 'terminated c:shutdown', 'terminating b', 'terminated b:shutdown',
        'restarted a', 'restarted b', 'restarted c', 'terminating b', 'terminated b:shutdown',
      ]);
      await h.dispose();
    });

    it('calls still waiting when the supervisor exits are refused, not left to time out', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, args: { stopping: () => h.delay(1000) } }, { id: 'b', kind: Worker }] });
      await h.settle();
      const terminating = sup.terminateChild('a');
      const queued = sup.terminateChild('b');
      terminating.catch(() => {});
      queued.catch(() => {});
      await h.settle();
      void sup.stop();
      await h.settle();
      await expect(terminating).rejects.toMatchObject({ code: 'ask/target-exited' });
      await expect(queued).rejects.toMatchObject({ code: 'ask/target-exited' });
      await h.advance(1000);
      expect(h.engine.list()).toEqual([]);
      await h.dispose();
    });

    it('unknown children are reported as such', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      const calls: (() => Promise<unknown>)[] = [() => sup.terminateChild('nope'), () => sup.restartChild('nope'), () => sup.deleteChild('nope'), () => sup.removeChild('nope')];
      for (const call of calls) {
        await expect(settled(h, call())).rejects.toMatchObject({ reason: 'unknown-child', code: 'arg/invalid', message: expect.stringContaining('"nope"') });
      }
      expect(() => sup.stableAddr('nope')).toThrow(/no child "nope"/);
      await h.dispose();
    });

    it('a supervisor spawned by an actor (ctx.spawn) works the same, and stops with its parent', async () => {
      const h = make();
      const { supervisor } = await import('@pd/runtime');
      const def = supervisor({ children: [{ id: 'a', kind: Worker }] });
      const parent = h.engine.spawn({ started(ctx: Context) { ctx.spawn(def, { name: 'sup' }); }, receive() {} }, { name: 'parent' });
      await h.settle();
      const sup = supervisorHandle(h.engine, '/user/parent/sup');
      expect((await settled(h, sup.whichChildren())).map((c) => c.id)).toEqual(['a']);
      h.engine.stop(parent, Exit.shutdown());
      await h.advance(10);
      expect(h.engine.list()).toEqual([]);
      await h.dispose();
    });
  });
}
