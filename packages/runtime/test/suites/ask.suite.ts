/**
 * Ask: request-response with correlation and timeout. The reply comes from the handler's
 * return value (or resolved value), `ctx.reply`, or `ctx.deferReply`; a target that is
 * dead or exits before replying rejects the ask with `ask/target-exited`; no reply in
 * time rejects with `ask/timeout`; a late reply goes nowhere.
 */
import { describe, expect, it } from 'vitest';
import { AskError, type Context, type ReplyHandle } from '@pd/actor';
import { type MakeEngine, deferred, engineFixture, expectPdRejection, settle, sleep } from './harness.js';

export function askSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('replies', () => {
    it('the return value of a sync handler is the reply', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive: (n: number) => n + 1 });
      expect(await engine.ask(a, 41)).toBe(42);
    });

    it('the resolved value of an async handler is the reply', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        async receive(n: number) {
          await Promise.resolve();
          return n * 3;
        },
      });
      expect(await engine.ask(a, 5)).toBe(15);
    });

    it('ctx.reply answers before the handler returns, and wins over the return value', async () => {
      const engine = engines.make();
      const replied: boolean[] = [];
      const a = engine.spawn({
        receive(m: string, ctx: Context<string>) {
          replied.push(ctx.reply(`early:${m}`));
          replied.push(ctx.reply('second'));
          return 'ignored';
        },
      });
      expect(await engine.ask(a, 'x')).toBe('early:x');
      expect(replied).toEqual([true, false]);
    });

    it('ctx.reply is false and deferReply null for a plain send', async () => {
      const engine = engines.make();
      const seen: unknown[] = [];
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          seen.push(ctx.reply('nobody'), ctx.deferReply());
        },
      });
      engine.send(a, 'plain');
      await settle(engine);
      expect(seen).toEqual([false, null]);
    });

    it('ctx.deferReply answers later, after other messages were handled', async () => {
      const engine = engines.make();
      const held: ReplyHandle<string>[] = [];
      const a = engine.spawn({
        receive(m: string, ctx: Context<string>) {
          if (m === 'release') {
            for (const h of held.splice(0)) h.resolve('released');
            return 'ok';
          }
          held.push(ctx.deferReply<string>()!);
          return 'not the reply';
        },
      });
      const first = engine.ask(a, 'one');
      const second = engine.ask(a, 'two');
      await settle(engine);
      expect(held).toHaveLength(2);
      expect(await engine.ask(a, 'release')).toBe('ok');
      expect(await first).toBe('released');
      expect(await second).toBe('released');
    });

    it('a deferred reply can reject with the handler\'s own error', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          const h = ctx.deferReply()!;
          h.reject(new RangeError('no such item'));
        },
      });
      await expect(engine.ask(a, 'q')).rejects.toThrow(RangeError);
      expect(engine.info(a)?.status).toBe('running');
    });

    it('many concurrent asks get their own replies (correlation)', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        async receive(n: number) {
          if (n % 3 === 0) await Promise.resolve();
          return n * n;
        },
      });
      const inputs = Array.from({ length: 100 }, (_, i) => i);
      const replies = await Promise.all(inputs.map((n) => engine.ask(a, n)));
      expect(replies).toEqual(inputs.map((n) => n * n));
      expect(engine.stats().pendingAsks).toBe(0);
    });

    it('actors ask each other; clients ask actors', async () => {
      const engine = engines.make();
      const back = engine.spawn({ receive: (s: string) => s.toUpperCase() });
      const front = engine.spawn({ receive: (s: string, ctx: Context<string>) => ctx.ask(back, `${s}!`) });
      const client = engine.client();
      expect(await client.ask(front, 'hi')).toBe('HI!');
    });

    it('ask honours the priority option', async () => {
      const engine = engines.make();
      const gate = deferred();
      const log: string[] = [];
      const a = engine.spawn({
        receive(m: string) {
          if (m === 'gate') return gate.promise;
          log.push(m);
          return m;
        },
      });
      engine.send(a, 'gate');
      await settle(engine);
      engine.send(a, 'normal');
      const urgent = engine.ask(a, 'urgent', { priority: 'high' });
      gate.resolve();
      expect(await urgent).toBe('urgent');
      await settle(engine);
      expect(log).toEqual(['urgent', 'normal']);
    });
  });

  describe('failures', () => {
    it('asking a dead actor rejects with ask/target-exited naming it', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      engine.kill(a);
      await expectPdRejection(engine.ask(a, 'q'), AskError, 'ask/target-exited', String(a));
      expect(engine.stats().pendingAsks).toBe(0);
    });

    it('a target that crashes while handling the ask rejects it with ask/target-exited', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        receive() {
          throw new Error('kaboom');
        },
      });
      await expectPdRejection(engine.ask(a, 'q'), AskError, 'ask/target-exited', 'kaboom');
    });

    it('a target killed while an async handler is in flight rejects the ask with ask/target-exited', async () => {
      const engine = engines.make();
      const gate = deferred();
      const a = engine.spawn({ receive: () => gate.promise });
      const pending = engine.ask(a, 'q', { timeoutMs: 60_000 });
      await settle(engine);
      engine.kill(a);
      await expectPdRejection(pending, AskError, 'ask/target-exited');
      gate.resolve();
    });

    it('a target that stops with the ask still queued rejects it with ask/target-exited', async () => {
      const engine = engines.make();
      const gate = deferred();
      const a = engine.spawn({ receive: (m: string) => (m === 'gate' ? gate.promise : m) });
      engine.send(a, 'gate');
      await settle(engine);
      const pending = engine.ask(a, 'q');
      engine.stop(a);
      gate.resolve();
      await expectPdRejection(pending, AskError, 'ask/target-exited');
    });

    it('no reply in time rejects with ask/timeout naming the target and the timeout', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      }, { name: 'silent' });
      const error = await expectPdRejection(engine.ask(a, 'q', { timeoutMs: 15 }), AskError, 'ask/timeout', '/user/silent', '15 ms');
      expect(error.details).toMatchObject({ timeoutMs: 15 });
      expect(engine.stats().pendingAsks).toBe(0);
    });

    it('a reply after the timeout goes nowhere and is not an error', async () => {
      const engine = engines.make();
      let handle: ReplyHandle | null = null;
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          handle = ctx.deferReply();
        },
      });
      await expectPdRejection(engine.ask(a, 'q', { timeoutMs: 5 }), AskError, 'ask/timeout');
      expect(() => handle!.resolve('late')).not.toThrow();
      await sleep(engine, 1);
      expect(engine.info(a)?.status).toBe('running');
    });

    it('the engine-wide askTimeoutMs applies when none is given', async () => {
      const engine = engines.make({ askTimeoutMs: 10 });
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      await expectPdRejection(engine.ask(a, 'q'), AskError, 'ask/timeout', '10 ms');
    });

    it('asks beyond maxPendingAsks are rejected with ask/rejected', async () => {
      const engine = engines.make({ maxPendingAsks: 2 });
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          ctx.deferReply();
        },
      });
      const p1 = engine.ask(a, 1, { timeoutMs: 20 });
      const p2 = engine.ask(a, 2, { timeoutMs: 20 });
      await expectPdRejection(engine.ask(a, 3), AskError, 'ask/rejected', 'maxPendingAsks');
      await expectPdRejection(p1, AskError, 'ask/timeout');
      await expectPdRejection(p2, AskError, 'ask/timeout');
      expect(engine.stats().pendingAsks).toBe(0);
    });
  });
}
