/**
 * Links and monitors. Links are bidirectional: an abnormal exit takes the linked actor
 * down, or becomes an ExitSignal message when it traps exits; `kill` cannot be trapped;
 * normal exits do not propagate to non-trapping actors. Monitors are one-way: a Down with
 * the reason, at once with `noproc` for an actor already dead.
 */
import { describe, expect, it } from 'vitest';
import { Down, Exit, ExitSignal, MonitorRef, type AnyAddr, type Context, type ExitReason } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type MakeEngine, engineFixture, settle } from './harness.js';

/** An actor that reports every message it gets (ExitSignal, Down, ...) to `report`. */
function reporter(engine: Engine, report: AnyAddr, options: { trapExits?: boolean; name?: string } = {}): AnyAddr {
  return engine.spawn({
    receive(m: unknown, ctx: Context) {
      if (m !== null && typeof m === 'object' && 'do' in m) {
        const cmd = m as { do: 'link' | 'unlink' | 'monitor' | 'trap' | 'crash'; target?: AnyAddr; on?: boolean };
        if (cmd.do === 'link') ctx.link(cmd.target!);
        else if (cmd.do === 'unlink') ctx.unlink(cmd.target!);
        else if (cmd.do === 'monitor') return ctx.monitor(cmd.target!);
        else if (cmd.do === 'trap') ctx.trapExits(cmd.on!);
        else throw new Error('crash on request');
        return 'ok';
      }
      ctx.send(report, m);
      return undefined;
    },
  }, options);
}

function errorMessage(reason: ExitReason): string | undefined {
  return reason.type === 'error' ? (reason.error as Error).message : undefined;
}

export function linksSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('links', () => {
    it('an abnormal exit takes a linked non-trapping actor down with the same reason, both ways', async () => {
      const engine = engines.make();
      const client = engine.client();
      for (const crashFirst of [true, false]) {
        const a = reporter(engine, client.self);
        const b = reporter(engine, client.self);
        await engine.ask(a, { do: 'link', target: b });
        client.monitor(a);
        client.monitor(b);
        const victim = crashFirst ? a : b;
        const other = crashFirst ? b : a;
        engine.send(victim, { do: 'crash' });
        const downs = [await client.receive<Down>({ timeoutMs: 1000 }), await client.receive<Down>({ timeoutMs: 1000 })];
        const byAddr = (x: AnyAddr) => downs.find((d) => d.addr.equals(x))!;
        expect(errorMessage(byAddr(victim).reason)).toBe('crash on request');
        expect(errorMessage(byAddr(other).reason)).toBe('crash on request');
      }
    });

    it('a trapping actor gets an ExitSignal message instead and lives on', async () => {
      const engine = engines.make();
      const client = engine.client();
      const trapper = reporter(engine, client.self, { trapExits: true });
      const victim = reporter(engine, client.self);
      await engine.ask(trapper, { do: 'link', target: victim });
      engine.send(victim, { do: 'crash' });
      const signal = await client.receive<ExitSignal>({ timeoutMs: 1000 });
      expect(signal).toBeInstanceOf(ExitSignal);
      expect(signal.from.equals(victim)).toBe(true);
      expect(errorMessage(signal.reason)).toBe('crash on request');
      expect(engine.info(trapper)?.status).toBe('running');
      expect(engine.info(trapper)?.links).toEqual([]);
    });

    it('trapExits can be switched on at run time', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = reporter(engine, client.self);
      const b = reporter(engine, client.self);
      await engine.ask(a, { do: 'trap', on: true });
      await engine.ask(a, { do: 'link', target: b });
      expect(engine.info(a)?.trapExits).toBe(true);
      engine.exit(b, Exit.shutdown('bye'));
      const signal = await client.receive<ExitSignal>({ timeoutMs: 1000 });
      expect(signal.reason).toEqual(Exit.shutdown('bye'));
      expect(engine.info(a)).toBeDefined();
    });

    it('kill cannot be trapped; linked trapping actors get an ExitSignal with reason killed', async () => {
      const engine = engines.make();
      const client = engine.client();
      const target = reporter(engine, client.self, { trapExits: true });
      const watcher = reporter(engine, client.self, { trapExits: true });
      await engine.ask(watcher, { do: 'link', target });
      client.monitor(target);
      engine.kill(target);
      const first = await client.receive<Down | ExitSignal>({ timeoutMs: 1000 });
      const second = await client.receive<Down | ExitSignal>({ timeoutMs: 1000 });
      const down = [first, second].find((m) => m instanceof Down) as Down;
      const signal = [first, second].find((m) => m instanceof ExitSignal) as ExitSignal;
      expect(down.reason).toEqual(Exit.killed);
      expect(signal.reason).toEqual(Exit.killed);
      expect(engine.info(target)).toBeUndefined();
      expect(engine.info(watcher)).toBeDefined();
    });

    it('an exit signal with reason killed is untrappable too', async () => {
      const engine = engines.make();
      const client = engine.client();
      const target = reporter(engine, client.self, { trapExits: true });
      client.monitor(target);
      engine.exit(target, Exit.killed);
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.killed);
    });

    it('a normal exit does not propagate to a non-trapping linked actor', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = reporter(engine, client.self);
      const b = reporter(engine, client.self);
      await engine.ask(a, { do: 'link', target: b });
      client.monitor(b);
      engine.stop(b);
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.normal);
      await settle(engine);
      expect(engine.info(a)?.status).toBe('running');
      expect(engine.info(a)?.links).toEqual([]);
      // exit/2 with reason normal is ignored by a non-trapping actor as well.
      engine.exit(a, Exit.normal);
      await settle(engine);
      expect(engine.info(a)).toBeDefined();
    });

    it('a normal exit reaches a trapping linked actor as an ExitSignal', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = reporter(engine, client.self, { trapExits: true });
      const b = reporter(engine, client.self);
      await engine.ask(a, { do: 'link', target: b });
      engine.stop(b);
      const signal = await client.receive<ExitSignal>({ timeoutMs: 1000 });
      expect(signal).toBeInstanceOf(ExitSignal);
      expect(signal.reason).toEqual(Exit.normal);
    });

    it('a shutdown exit does propagate to non-trapping linked actors', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = reporter(engine, client.self);
      const b = reporter(engine, client.self);
      await engine.ask(a, { do: 'link', target: b });
      client.monitor(a);
      engine.stop(b, Exit.shutdown('going'));
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.shutdown('going'));
    });

    it('unlink removes the link both ways', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = reporter(engine, client.self);
      const b = reporter(engine, client.self);
      await engine.ask(a, { do: 'link', target: b });
      expect(engine.info(a)?.links).toEqual([engine.info(b)!.path]);
      expect(engine.info(b)?.links).toEqual([engine.info(a)!.path]);
      await engine.ask(b, { do: 'unlink', target: a });
      expect(engine.info(a)?.links).toEqual([]);
      engine.send(b, { do: 'crash' });
      await settle(engine);
      expect(engine.info(b)).toBeUndefined();
      expect(engine.info(a)?.status).toBe('running');
    });

    it('linking to a dead actor exits a non-trapping caller with noproc and signals a trapping one', async () => {
      const engine = engines.make();
      const client = engine.client();
      const dead = engine.spawn({ receive() {} });
      engine.kill(dead);
      const trapper = reporter(engine, client.self, { trapExits: true });
      await engine.ask(trapper, { do: 'link', target: dead });
      const signal = await client.receive<ExitSignal>({ timeoutMs: 1000 });
      expect(signal.reason).toEqual(Exit.noproc);
      const plain = reporter(engine, client.self);
      client.monitor(plain);
      engine.send(plain, { do: 'link', target: dead });
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.noproc);
    });

    it('spawn with link: true links parent and child', async () => {
      const engine = engines.make();
      const client = engine.client();
      const parent = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          return ctx.spawn({
            receive() {
              throw new Error('child crash');
            },
          }, { link: true });
        },
      });
      client.monitor(parent);
      const child = await engine.ask<unknown, AnyAddr>(parent, 'spawn');
      expect(engine.info(child)?.links).toEqual([engine.info(parent)!.path]);
      engine.send(child, 'boom');
      expect(errorMessage((await client.receive<Down>({ timeoutMs: 1000 })).reason)).toBe('child crash');
    });

    it('a client linked to an actor is closed when the actor crashes', async () => {
      const engine = engines.make();
      const client = engine.client();
      const watcher = engine.client();
      const a = reporter(engine, client.self);
      client.link(a);
      watcher.monitor(client.self);
      engine.send(a, { do: 'crash' });
      const down = await watcher.receive<Down>({ timeoutMs: 1000 });
      expect(errorMessage(down.reason)).toBe('crash on request');
      expect(client.closed).toBe(true);
    });
  });

  describe('monitors', () => {
    it('a monitor gets one Down with the exit reason; the monitored actor is not affected by the watcher', async () => {
      const engine = engines.make();
      const client = engine.client();
      const watcher = reporter(engine, client.self);
      const target = reporter(engine, client.self);
      const ref = await engine.ask<unknown, MonitorRef>(watcher, { do: 'monitor', target });
      expect(ref).toBeInstanceOf(MonitorRef);
      expect(engine.info(target)?.monitoredBy).toBe(1);
      expect(engine.info(watcher)?.monitoring).toBe(1);
      // One-way: the watcher's death does not touch the target.
      const other = reporter(engine, client.self);
      await engine.ask(other, { do: 'monitor', target: watcher });
      engine.stop(target, Exit.shutdown('x'));
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down).toBeInstanceOf(Down);
      expect(down.ref.id).toBe(ref.id);
      expect(down.addr.equals(target)).toBe(true);
      expect(down.reason).toEqual(Exit.shutdown('x'));
      engine.send(watcher, { do: 'crash' });
      const down2 = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down2.addr.equals(watcher)).toBe(true);
      await settle(engine);
      expect(engine.info(other)).toBeDefined();
    });

    it('monitoring a dead actor gives Down with noproc at once', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive() {} });
      engine.kill(a);
      const ref = client.monitor(a);
      expect(client.pending).toBe(1);
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.ref).toBe(ref);
      expect(down.reason).toEqual(Exit.noproc);
    });

    it('each monitor gets its own Down; demonitor cancels one', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive() {} });
      const r1 = client.monitor(a);
      const r2 = client.monitor(a);
      const r3 = client.monitor(a);
      expect(r1.id).not.toBe(r2.id);
      client.demonitor(r2);
      expect(engine.info(a)?.monitoredBy).toBe(2);
      engine.kill(a);
      const ids = [(await client.receive<Down>({ timeoutMs: 1000 })).ref.id, (await client.receive<Down>({ timeoutMs: 1000 })).ref.id];
      expect(ids.sort()).toEqual([r1.id, r3.id].sort());
      await settle(engine);
      expect(client.pending).toBe(0);
    });

    it('a watcher that dies drops its monitors', async () => {
      const engine = engines.make();
      const client = engine.client();
      const target = engine.spawn({ receive() {} });
      const watcher = reporter(engine, client.self);
      await engine.ask(watcher, { do: 'monitor', target });
      expect(engine.info(target)?.monitoredBy).toBe(1);
      engine.kill(watcher);
      expect(engine.info(target)?.monitoredBy).toBe(0);
    });
  });
}
