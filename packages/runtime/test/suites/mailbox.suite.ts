/**
 * Mailboxes: the system lane overtakes queued user messages (stop, swap); bounded
 * mailboxes with drop-newest, drop-oldest, reject and backpressure; message priority;
 * message expiry (ttlMs). An actor is held inside an async handler (a "gate") so that
 * messages pile up in its mailbox in a known order.
 */
import { describe, expect, it } from 'vitest';
import { AskError, Down, Exit, ExitSignal, type AnyAddr, type Context, type MailboxOptions } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type Deferred, type MakeEngine, collectEvents, deferred, engineFixture, expectPdRejection, settle, sleep, until } from './harness.js';

/** An actor that logs what it handles and blocks on the message 'gate' until released. */
function gated(engine: Engine, mailbox?: MailboxOptions): { addr: AnyAddr; log: unknown[]; gate: Deferred<void> } {
  const log: unknown[] = [];
  const gate = deferred();
  const addr = engine.spawn({
    receive(m: unknown) {
      if (m === 'gate') return gate.promise;
      log.push(m);
      return undefined;
    },
  }, mailbox === undefined ? {} : { mailbox });
  engine.send(addr, 'gate');
  return { addr, log, gate };
}

export function mailboxSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('system lane', () => {
    it('a stop overtakes queued user messages', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine);
      await settle(engine);
      for (let i = 0; i < 5; i++) engine.send(addr, i);
      const client = engine.client();
      client.monitor(addr);
      engine.stop(addr, Exit.shutdown('now'));
      gate.resolve();
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason).toEqual(Exit.shutdown('now'));
      expect(log).toEqual([]);
    });

    it('queued asks fail with ask/target-exited when a stop overtakes them', async () => {
      const engine = engines.make();
      const { addr, gate } = gated(engine);
      await settle(engine);
      const pending = engine.ask(addr, 'question');
      engine.stop(addr);
      gate.resolve();
      await expectPdRejection(pending, AskError, 'ask/target-exited');
    });

    it('a swap overtakes queued user messages: they run on the new code', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine);
      await settle(engine);
      engine.send(addr, 'm1');
      engine.send(addr, 'm2');
      engine.swap(addr, { receive: (m: unknown) => void log.push(`new:${String(m)}`) });
      gate.resolve();
      await until(engine, () => log.length === 2, 'both messages');
      expect(log).toEqual(['new:m1', 'new:m2']);
    });
  });

  describe('priority', () => {
    it('high before normal before low; FIFO within a lane', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine);
      await settle(engine);
      engine.send(addr, 'low1', { priority: 'low' });
      engine.send(addr, 'normal1');
      engine.send(addr, 'high1', { priority: 'high' });
      engine.send(addr, 'low2', { priority: 'low' });
      engine.send(addr, 'normal2', { priority: 'normal' });
      engine.send(addr, 'high2', { priority: 'high' });
      gate.resolve();
      await until(engine, () => log.length === 6, 'six messages');
      expect(log).toEqual(['high1', 'high2', 'normal1', 'normal2', 'low1', 'low2']);
    });

    it('the first message with a priority keeps the plain messages queued before and after it in order', async () => {
      // A mailbox keeps its other lanes (and bound) apart until one is needed: the first
      // priority message makes them while plain messages wait in the normal lane.
      const engine = engines.make();
      const { addr, log, gate } = gated(engine);
      await settle(engine);
      for (let i = 0; i < 5; i++) engine.send(addr, `a${i}`);
      engine.send(addr, 'low', { priority: 'low' });
      for (let i = 0; i < 5; i++) engine.send(addr, `b${i}`);
      engine.send(addr, 'high', { priority: 'high' });
      expect(engine.info(addr)?.mailbox).toEqual({ depth: 12, capacity: null, policy: 'drop-newest' });
      gate.resolve();
      await until(engine, () => log.length === 12, 'twelve messages');
      expect(log).toEqual(['high', 'a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4', 'low']);
      // Afterwards plain sends still arrive in order (the mailbox keeps its lanes).
      for (let i = 0; i < 3; i++) engine.send(addr, `c${i}`);
      await until(engine, () => log.length === 15, 'fifteen messages');
      expect(log.slice(12)).toEqual(['c0', 'c1', 'c2']);
    });

    it('an overflow policy without a capacity leaves the mailbox unbounded and is reported', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine, { overflow: 'reject' });
      await settle(engine);
      for (let i = 0; i < 100; i++) expect(engine.send(addr, i)).toBe('queued');
      expect(engine.info(addr)?.mailbox).toEqual({ depth: 100, capacity: null, policy: 'reject' });
      gate.resolve();
      await until(engine, () => log.length === 100, 'a hundred messages');
      expect(log).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('an unknown priority is refused with arg/invalid naming it', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      expect(() => engine.send(a, 'x', { priority: 'urgent' as never })).toThrow(/arg\/invalid.*urgent/);
    });
  });

  describe('expiry', () => {
    it('a message not handled within ttlMs is dropped and counted as expired', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine);
      await settle(engine);
      engine.send(addr, 'stale', { ttlMs: 5 });
      engine.send(addr, 'fresh', { ttlMs: 60_000 });
      engine.send(addr, 'plain');
      await sleep(engine, 20);
      gate.resolve();
      await until(engine, () => log.length === 2, 'two messages');
      await settle(engine);
      expect(log).toEqual(['fresh', 'plain']);
      expect(engine.stats().expired).toBe(1);
      const dl = engine.deadLetters();
      expect(dl.byReason.expired).toBe(1);
      expect(dl.recent.some((d) => d.reason === 'expired' && d.message === 'stale')).toBe(true);
    });

    it('an expired message is not handed to a pull actor', async () => {
      const engine = engines.make();
      const client = engine.client();
      const go = deferred();
      const a = engine.spawn({
        async run(ctx: Context) {
          await go.promise;
          ctx.send(client.self, await ctx.receive());
        },
      });
      await settle(engine);
      engine.send(a, 'stale', { ttlMs: 2 });
      engine.send(a, 'fresh');
      await sleep(engine, 10);
      go.resolve();
      expect(await client.receive({ timeoutMs: 1000 })).toBe('fresh');
      expect(engine.stats().expired).toBe(1);
    });

    it('a non-positive ttlMs is refused with arg/invalid naming it', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      expect(() => engine.send(a, 'x', { ttlMs: 0 })).toThrow(/arg\/invalid.*ttlMs.*0/);
      expect(() => engine.send(a, 'x', { ttlMs: -5 })).toThrow(/ttlMs/);
    });
  });

  describe('bounded mailboxes', () => {
    it('drop-newest: a full mailbox refuses the new message with "dropped"', async () => {
      const engine = engines.make();
      const events = collectEvents(engine, ['mailbox-overflow', 'dead-letter']);
      const { addr, log, gate } = gated(engine, { capacity: 2, overflow: 'drop-newest' });
      await settle(engine);
      expect(engine.send(addr, 1)).toBe('queued');
      expect(engine.send(addr, 2)).toBe('queued');
      expect(engine.send(addr, 3)).toBe('dropped');
      expect(engine.info(addr)?.mailbox).toEqual({ depth: 2, capacity: 2, policy: 'drop-newest' });
      gate.resolve();
      await until(engine, () => log.length === 2, 'two messages');
      expect(log).toEqual([1, 2]);
      expect(engine.stats().dropped).toBe(1);
      expect(engine.deadLetters().byReason.dropped).toBe(1);
      expect(events.of('mailbox-overflow')).toHaveLength(1);
      expect(events.of('dead-letter').map((e) => e.message)).toEqual([3]);
    });

    it('drop-newest is the default policy of a bounded mailbox', async () => {
      const engine = engines.make();
      const { addr, gate } = gated(engine, { capacity: 1 });
      await settle(engine);
      expect(engine.send(addr, 1)).toBe('queued');
      expect(engine.send(addr, 2)).toBe('dropped');
      gate.resolve();
    });

    it('drop-oldest: a full mailbox evicts its oldest message to queue the new one', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine, { capacity: 2, overflow: 'drop-oldest' });
      await settle(engine);
      expect(engine.send(addr, 1)).toBe('queued');
      expect(engine.send(addr, 2)).toBe('queued');
      expect(engine.send(addr, 3)).toBe('queued');
      expect(engine.send(addr, 4)).toBe('queued');
      gate.resolve();
      await until(engine, () => log.length === 2, 'two messages');
      await settle(engine);
      expect(log).toEqual([3, 4]);
      expect(engine.stats().dropped).toBe(2);
      const dl = engine.deadLetters();
      expect(dl.byReason.dropped).toBe(2);
      expect(dl.recent.filter((d) => d.reason === 'dropped').map((d) => d.message)).toEqual([1, 2]);
    });

    it('drop-oldest: an evicted ask is rejected with ask/rejected', async () => {
      const engine = engines.make();
      const { addr, gate } = gated(engine, { capacity: 1, overflow: 'drop-oldest' });
      await settle(engine);
      const evicted = engine.ask(addr, 'q');
      engine.send(addr, 'newer');
      await expectPdRejection(evicted, AskError, 'ask/rejected', 'drop-oldest');
      gate.resolve();
    });

    it('reject: a full mailbox refuses with "rejected"; an ask is rejected with ask/rejected', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine, { capacity: 1, overflow: 'reject' });
      await settle(engine);
      expect(engine.send(addr, 1)).toBe('queued');
      expect(engine.send(addr, 2)).toBe('rejected');
      await expectPdRejection(engine.ask(addr, 'q'), AskError, 'ask/rejected');
      expect(engine.deadLetters().byReason.rejected).toBe(2);
      gate.resolve();
      await until(engine, () => log.length === 1, 'one message');
      await settle(engine);
      expect(log).toEqual([1]);
      expect(engine.send(addr, 3)).toBe('queued');
    });

    it('backpressure: send is refused when full, sendWait resolves "queued" when room appears, in order', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine, { capacity: 2, overflow: 'backpressure' });
      await settle(engine);
      expect(engine.send(addr, 1)).toBe('queued');
      expect(await engine.sendWait(addr, 2)).toBe('queued');
      let settled3 = false;
      const w3 = engine.sendWait(addr, 3).then((r) => {
        settled3 = true;
        return r;
      });
      const w4 = engine.sendWait(addr, 4);
      expect(engine.send(addr, 'plain')).toBe('rejected');
      await settle(engine);
      expect(settled3).toBe(false);
      expect(engine.info(addr)?.mailbox.depth).toBe(2);
      gate.resolve();
      expect(await w3).toBe('queued');
      expect(await w4).toBe('queued');
      await until(engine, () => log.length === 4, 'four messages');
      expect(log).toEqual([1, 2, 3, 4]);
    });

    it('backpressure: senders still waiting when the target exits get "dead"', async () => {
      const engine = engines.make();
      const { addr } = gated(engine, { capacity: 1, overflow: 'backpressure' });
      await settle(engine);
      engine.send(addr, 1);
      const waiting = engine.sendWait(addr, 2);
      engine.kill(addr);
      expect(await waiting).toBe('dead');
    });

    it('ctx.sendWait from an actor waits for room too', async () => {
      const engine = engines.make();
      const { addr, log, gate } = gated(engine, { capacity: 1, overflow: 'backpressure' });
      await settle(engine);
      const results: string[] = [];
      const producer = engine.spawn({
        async receive(n: number, ctx: Context<number>) {
          for (let i = 0; i < n; i++) results.push(await ctx.sendWait(addr, i));
        },
      });
      engine.send(producer, 4);
      await settle(engine);
      expect(results).toEqual(['queued']);
      gate.resolve();
      await until(engine, () => log.length === 4, 'four messages');
      expect(results).toEqual(['queued', 'queued', 'queued', 'queued']);
      expect(log).toEqual([0, 1, 2, 3]);
    });

    it('system messages (ExitSignal, Down) ignore the bound and keep their place in line', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const gate = deferred();
      let child: AnyAddr | null = null;
      let watched: AnyAddr | null = null;
      const watcher = engine.spawn({
        started(ctx: Context) {
          child = ctx.spawn({ receive() {} }, { link: true });
          watched = ctx.spawn({ receive() {} });
          ctx.monitor(watched);
        },
        receive(m: unknown) {
          if (m === 'gate') return gate.promise;
          log.push(m);
          return undefined;
        },
      }, { mailbox: { capacity: 1, overflow: 'reject' }, trapExits: true });
      engine.send(watcher, 'gate');
      await settle(engine);
      expect(engine.send(watcher, 'fill')).toBe('queued');
      expect(engine.send(watcher, 'over')).toBe('rejected');
      engine.kill(child!);
      engine.kill(watched!);
      expect(engine.info(watcher)?.mailbox.depth).toBe(3);
      gate.resolve();
      await until(engine, () => log.length === 3, 'three messages');
      expect(log[0]).toBe('fill');
      expect(log[1]).toBeInstanceOf(ExitSignal);
      expect(log[2]).toBeInstanceOf(Down);
    });

    it('a Down never overtakes what the dead actor sent before it died (per-pair FIFO)', async () => {
      const engine = engines.make();
      const client = engine.client();
      const sender = engine.spawn({
        receive(n: number, ctx: Context<number>) {
          for (let i = 0; i < n; i++) ctx.send(client.self, i);
          ctx.stop();
        },
      });
      const ref = client.monitor(sender);
      engine.send(sender, 5);
      const got: unknown[] = [];
      for (let i = 0; i < 6; i++) got.push(await client.receive({ timeoutMs: 1000 }));
      expect(got.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
      expect(got[5]).toBeInstanceOf(Down);
      expect((got[5] as Down).ref).toBe(ref);
    });

    it('an invalid bound or policy is refused with arg/invalid naming it', () => {
      const engine = engines.make();
      expect(() => engine.spawn({ receive() {} }, { mailbox: { capacity: 0 } })).toThrow(/arg\/invalid.*capacity.*0/);
      expect(() => engine.spawn({ receive() {} }, { mailbox: { capacity: 1.5 } })).toThrow(/capacity/);
      expect(() => engine.spawn({ receive() {} }, { mailbox: { capacity: 3, overflow: 'explode' as never } })).toThrow(/arg\/invalid.*explode/);
    });
  });
}
