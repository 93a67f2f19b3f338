/**
 * Conformance: the runtime calls against OTP's `supervisor` (issue #17, item 8). Every call
 * is OTP's `gen_server:call(Sup, Req, infinity)`: it waits for as long as the supervisor's
 * work takes (bounded by the shutdown specs of the children it stops), unless the caller
 * sets a timeout; it is answered in turn with the supervisor's other work, `whichChildren`
 * and `countChildren` included; a child that unlinked itself (OTP's `naughty_child`) is
 * still seen to terminate, because the supervisor monitors a child while stopping it.
 * `ChildInfo.dynamic` marks children started on demand, and `countChildren` counts the
 * one template spec of a simple-one-for-one supervisor. Times are engine (virtual) times.
 */
import { describe, expect, it } from 'vitest';
import { Exit } from '@pd/actor';
import { startSupervisor, supervisor, supervisorHandle } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, settled } from './harness.js';

/** Watch a promise without awaiting it: `state` is pending, resolved or rejected, `value` what it settled with. */
function track<T>(promise: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value: unknown } {
  const t = { state: 'pending' as 'pending' | 'resolved' | 'rejected', value: undefined as unknown };
  promise.then(
    (v) => {
      t.state = 'resolved';
      t.value = v;
    },
    (e) => {
      t.state = 'rejected';
      t.value = e;
    },
  );
  return t;
}

export function callsConformance(make: HarnessFactory): void {
  describe('call timeouts (OTP: infinity)', () => {
    it('terminateChild waits for as long as the child\'s shutdown lets it take, past the engine\'s ask timeout', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        children: [{ id: 'a', kind: Worker, shutdown: 60_000, args: { stopping: () => h.delay(30_000) } }, { id: 'b', kind: Worker }],
      }, { name: 'sup' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      const terminated = track(sup.terminateChild('a'));
      const which = track(sup.whichChildren());
      await h.advance(29_999);
      expect([terminated.state, which.state]).toEqual(['pending', 'pending']);
      expect(log.log()).toEqual(['terminating a']);
      await h.advance(1);
      expect([terminated.state, which.state]).toEqual(['resolved', 'resolved']);
      expect((which.value as { id: string; status: string }[]).map((c) => `${c.id}:${c.status}`)).toEqual(['a:stopped', 'b:running']);
      expect(log.log()).toEqual(['terminating a', 'terminated a:shutdown']);
      await h.dispose();
    });

    it('restartChild (ifRunning: "restart") and removeChild wait for the stop too', async () => {
      const h = make();
      const slow = { stopping: () => h.delay(20_000) };
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, shutdown: 'infinity', args: slow }, { id: 'b', kind: Worker, shutdown: 25_000, args: slow }] });
      await h.settle();
      const restarted = track(sup.restartChild('a', { ifRunning: 'restart' }));
      const removed = track(sup.removeChild('b'));
      await h.advance(20_000);
      expect([restarted.state, removed.state]).toEqual(['resolved', 'pending']);
      expect(restarted.value).toMatchObject({ id: 'a', status: 'running', restarts: 1 });
      await h.advance(20_000);
      expect(removed.state).toBe('resolved');
      expect(sup.inspect().children.map((c) => c.id)).toEqual(['a']);
      await h.dispose();
    });

    it('a caller may bound the wait, per call or for every call of a handle; the supervisor still finishes the job', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, shutdown: 60_000, args: { stopping: () => h.delay(30_000) } }] }, { name: 'sup' });
      await h.settle();
      const bounded = supervisorHandle(h.engine, '/user/sup', { timeoutMs: 2000 });
      const terminated = track(sup.terminateChild('a', { timeoutMs: 1000 }));
      const which = track(bounded.whichChildren());
      const counted = track(bounded.countChildren({ timeoutMs: Infinity }));
      await h.advance(1000);
      expect(terminated.state).toBe('rejected');
      expect(terminated.value).toMatchObject({ code: 'ask/timeout' });
      expect(which.state).toBe('pending');
      await h.advance(1000);
      expect(which.state).toBe('rejected');
      expect(which.value).toMatchObject({ code: 'ask/timeout' });
      await h.advance(28_000);
      expect(counted.state).toBe('resolved');
      expect(counted.value).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
      expect(sup.inspect().children[0]).toMatchObject({ status: 'stopped', lastExit: { type: 'shutdown' } });
      await h.dispose();
    });

    it('a timeout that is not a positive number of ms is refused, naming the option', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      for (const timeoutMs of [0, -1, Number.NaN, '5000' as unknown as number]) {
        expect(() => sup.whichChildren({ timeoutMs })).toThrow(expect.objectContaining({ code: 'arg/invalid', message: expect.stringContaining('timeoutMs') }));
      }
      expect(() => supervisorHandle(h.engine, sup.addr, { timeoutMs: -5 })).toThrow(/timeoutMs/);
      await h.dispose();
    });
  });

  describe('calls answered in order', () => {
    it('whichChildren and countChildren made during a group restart are answered after it, and after the calls made before them', async () => {
      const h = make();
      const slow = { stopping: () => h.delay(100) };
      const sup = startSupervisor(h.engine, { strategy: 'one-for-all', children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, args: slow })) });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.advance(100); // a's own stop hook runs first
      expect(log.log()).toEqual(['exited a:error', 'terminating c']);
      const answered: string[] = [];
      const terminated = sup.terminateChild('b').then(() => answered.push('terminate b'));
      const which = sup.whichChildren().then((children) => {
        answered.push('which');
        return children.map((c) => `${c.id}:${c.status}`);
      });
      const counted = sup.countChildren().then((counts) => {
        answered.push('count');
        return counts;
      });
      await h.settle();
      expect(answered).toEqual([]);
      expect(sup.inspect().busy).toBe(true);
      await h.advance(1000);
      await Promise.all([terminated, which, counted]);
      expect(answered).toEqual(['terminate b', 'which', 'count']);
      expect(await which).toEqual(['a:running', 'b:stopped', 'c:running']);
      expect(await counted).toEqual({ specs: 3, active: 2, supervisors: 0, workers: 3 });
      await h.dispose();
    });

    it('a which made while a rest-for-one restart stops children sees the restarted group, never "stopping"', async () => {
      const h = make();
      const slow = { stopping: () => h.delay(50) };
      const sup = startSupervisor(h.engine, { strategy: 'rest-for-one', intensity: 5, children: ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, args: slow })) });
      await h.settle();
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.advance(50); // b's own stop hook runs first
      expect(sup.inspect().children.map((c) => c.status)).toEqual(['running', 'restarting', 'stopping']);
      const which = track(sup.whichChildren());
      await h.settle();
      expect(which.state).toBe('pending');
      await h.advance(50);
      expect(which.state).toBe('resolved');
      expect((which.value as { id: string; status: string; restarts: number }[]).map((c) => `${c.id}:${c.status}:${c.restarts}`)).toEqual(['a:running:0', 'b:running:1', 'c:running:1']);
      await h.dispose();
    });
  });

  describe('what the calls report', () => {
    it('a child added with startChild is dynamic; it is still a spec of its own (terminate keeps it, delete forgets it)', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'one-for-one', children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      const added = await settled(h, sup.startChild({ id: 'c', kind: Worker }));
      expect(added).toMatchObject({ id: 'c', dynamic: true });
      expect((await settled(h, sup.whichChildren())).map((c) => `${c.id}:${String(c.dynamic)}`)).toEqual(['a:false', 'c:true']);
      await settled(h, sup.terminateChild('c'));
      expect(sup.inspect().children[1]).toMatchObject({ id: 'c', status: 'stopped', dynamic: true });
      expect(await settled(h, sup.restartChild('c'))).toMatchObject({ id: 'c', status: 'running', dynamic: true });
      await settled(h, sup.removeChild('c'));
      expect(sup.inspect().children.map((c) => c.id)).toEqual(['a']);
      await h.dispose();
    });

    it('countChildren on simple-one-for-one counts one spec (the template) and every child by type', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { strategy: 'simple-one-for-one', children: [{ id: 'w', kind: Worker }] });
      await h.settle();
      expect(await settled(h, sup.countChildren())).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 0 });
      for (let i = 0; i < 3; i++) await settled(h, sup.startChild());
      expect(await settled(h, sup.countChildren())).toEqual({ specs: 1, active: 3, supervisors: 0, workers: 3 });
      const nested = startSupervisor(h.engine, { strategy: 'simple-one-for-one', children: [{ id: 's', kind: supervisor({ children: [] }) }] });
      await h.settle();
      await settled(h, nested.startChild());
      await settled(h, nested.startChild());
      expect(await settled(h, nested.countChildren())).toEqual({ specs: 1, active: 2, supervisors: 2, workers: 0 });
      await h.dispose();
    });
  });

  describe('a child that unlinked itself (OTP naughty_child)', () => {
    it('terminateChild answers, the child is recorded terminated and whichChildren says stopped', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'unlink-parent' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      await settled(h, sup.terminateChild('a'));
      expect(log.log()).toEqual(['terminating a', 'terminated a:shutdown']);
      expect((await settled(h, sup.whichChildren())).map((c) => `${c.id}:${c.status}`)).toEqual(['a:stopped', 'b:running']);
      expect(await settled(h, sup.countChildren())).toMatchObject({ specs: 2, active: 1 });
      expect(await settled(h, sup.restartChild('a'))).toMatchObject({ status: 'running', restarts: 1 });
      await h.dispose();
    });

    it('a group restart that stops it goes on (killed at its shutdown timeout or brutally alike)', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, {
        strategy: 'one-for-all', intensity: 5,
        children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }, { id: 'c', kind: Worker, shutdown: 'brutal' }],
      }, { name: 'sup' });
      await h.settle();
      h.engine.send(sup.stableAddr('b'), { t: 'unlink-parent' });
      h.engine.send(sup.stableAddr('c'), { t: 'unlink-parent' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual([
        'exited a:error', 'terminating c', 'terminated c:killed', 'terminating b', 'terminated b:shutdown',
        'restarted a', 'restarted b', 'restarted c',
      ]);
      expect((await settled(h, sup.whichChildren())).map((c) => `${c.id}:${c.status}:${c.restarts}`)).toEqual(['a:running:1', 'b:running:1', 'c:running:1']);
      await h.dispose();
    });

    it('the supervisor\'s own shutdown stops it in order and exits', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] }, { name: 'sup' });
      await h.settle();
      h.engine.send(sup.stableAddr('b'), { t: 'unlink-parent' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      const done = sup.stop();
      await h.settle();
      expect(await done).toEqual(Exit.shutdown());
      expect(log.log()).toEqual(['shutdown sup:shutdown', 'terminating b', 'terminated b:shutdown', 'terminating a', 'terminated a:shutdown']);
      expect(h.engine.list()).toEqual([]);
      await h.dispose();
    });
  });
}
