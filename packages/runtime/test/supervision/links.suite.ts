/**
 * Conformance: links and monitors interacting with restarts, per Erlang's rules. A monitor
 * watches one incarnation (DOWN once, never carried over to the next); a link propagates
 * any exit but `normal` to a peer that does not trap exits, and a trapping peer gets an
 * ExitSignal instead; `killed` cannot be trapped; a supervisor ignores exit signals from
 * actors that are not its children.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Exit } from '@pd/actor';
import { startSupervisor } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, SupervisionLog, settled, watchExit } from './harness.js';

export function linksConformance(make: HarnessFactory): void {
  describe('links and monitors across restarts', () => {
    it('a monitor sees the crash of one incarnation, once; the restarted child is a new address', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      const first = sup.inspect().children[0]!.addr!;
      const down = watchExit(h, first);
      h.engine.send(first, { t: 'crash' });
      await h.settle();
      expect(down.reason).toMatchObject({ type: 'error' });
      const second = sup.inspect().children[0]!.addr!;
      expect(second.equals(first)).toBe(false);
      expect(h.engine.send(first, { t: 'ping' })).toBe('dead');
      expect(await settled(h, h.engine.ask(second, { t: 'ping' }))).toBe('pong');
      await h.dispose();
    });

    it('monitoring a stable address watches the incarnation live at that moment', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      const down = watchExit(h, sup.stableAddr('a'));
      h.engine.send(sup.stableAddr('a'), { t: 'crash' });
      await h.settle();
      expect(down.reason).toMatchObject({ type: 'error' });
      const again = watchExit(h, sup.stableAddr('a'));
      await h.settle();
      expect(again.reason).toBeNull(); // the new incarnation is alive
      await h.dispose();
    });

    it('a sibling linked to a crashing child dies with the same reason and is restarted too (both restarts count)', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 2, children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'link', to: sup.stableAddr('b') });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited b:error', 'restarted b', 'exited a:error', 'restarted a']);
      expect(sup.inspect().restartsInWindow).toBe(2);
      await h.dispose();
    });

    it('a sibling that traps exits gets an ExitSignal and lives on', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, args: { log: lifecycle } }, { id: 'b', kind: Worker }] });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'trap' });
      h.engine.send(sup.stableAddr('a'), { t: 'link', to: sup.stableAddr('b') });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(sup.stableAddr('b'), { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited b:error', 'restarted b']);
      expect(lifecycle).toContain('trapped:a:error');
      await h.dispose();
    });

    it('an outside actor linked to a child dies when the supervisor terminates it (shutdown is not normal), unless it traps', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }, { id: 'b', kind: Worker }] });
      await h.settle();
      const plain = h.engine.spawn(Worker);
      const trapping = h.engine.spawn(Worker, { trapExits: true });
      h.engine.send(plain, { t: 'link', to: sup.stableAddr('a') });
      h.engine.send(trapping, { t: 'link', to: sup.stableAddr('a') });
      await h.settle();
      const plainExit = watchExit(h, plain);
      const trappingExit = watchExit(h, trapping);
      await settled(h, sup.terminateChild('a'));
      expect(plainExit.reason).toEqual(Exit.shutdown());
      expect(trappingExit.reason).toBeNull();
      await h.dispose();
    });

    it('a child linked to an outside actor that crashes dies with it and is restarted', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      const outsider = h.engine.spawn(Worker);
      h.engine.send(sup.stableAddr('a'), { t: 'link', to: outsider });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.send(outsider, { t: 'crash' });
      await h.settle();
      expect(log.log()).toEqual(['exited a:error', 'restarted a']);
      await h.dispose();
    });

    it('ignores exit signals from linked actors that are not its children', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { intensity: 0, children: [{ id: 'a', kind: Worker }] });
      await h.settle();
      let linked: AnyAddr | null = null;
      const outsider = h.engine.spawn({
        receive(m: string, ctx: Context<string>) {
          if (m === 'link') {
            ctx.link(sup.addr);
            linked = sup.addr;
          } else throw new Error('outsider crash');
        },
      });
      h.engine.send(outsider, 'link');
      await h.settle();
      expect(linked).not.toBeNull();
      const supExit = watchExit(h, sup.addr);
      const log = new SupervisionLog(h.engine);
      h.engine.send(outsider, 'crash');
      await h.settle();
      expect(supExit.reason).toBeNull();
      expect(log.log()).toEqual([]);
      await h.dispose();
    });

    it('killing the supervisor kills its subtree at once; monitors on the children fire', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, args: { log: lifecycle } }] });
      await h.settle();
      lifecycle.length = 0;
      const child = watchExit(h, sup.inspect().children[0]!.addr!);
      h.engine.kill(sup.addr);
      await h.settle();
      expect(child.reason?.type).toBe('shutdown');
      expect(lifecycle).toEqual([]); // no stop hooks: brutal
      expect(h.engine.send(sup.addr, 'ping')).toBe('dead');
      await h.dispose();
    });

    it('an exit signal that is not `killed` can be trapped by a child; `killed` cannot', async () => {
      const h = make();
      const lifecycle: string[] = [];
      const sup = startSupervisor(h.engine, { intensity: 5, children: [{ id: 'a', kind: Worker, args: { log: lifecycle } }] });
      await h.settle();
      h.engine.send(sup.stableAddr('a'), { t: 'trap' });
      await h.settle();
      const log = new SupervisionLog(h.engine);
      h.engine.exit(sup.stableAddr('a'), Exit.error(new Error('x')));
      await h.settle();
      expect(lifecycle).toContain('trapped:a:error');
      expect(log.log()).toEqual([]);
      h.engine.exit(sup.stableAddr('a'), Exit.killed);
      await h.settle();
      expect(log.log()).toEqual(['exited a:killed', 'restarted a']);
      await h.dispose();
    });
  });
}
