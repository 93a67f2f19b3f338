/**
 * Push and pull actors: a pull actor's `run` takes messages with
 * `await ctx.receive({ timeoutMs, match })`; selective receive leaves non-matching
 * messages queued in order; returning from `run` ends the actor normally.
 */
import { describe, expect, it } from 'vitest';
import { Down, Exit, PdError, pull, type Context } from '@pd/actor';
import { type MakeEngine, engineFixture, expectPdRejection, settle, until } from './harness.js';

type Msg = { tag: string; n: number };
const isTag = (tag: string) => (m: unknown): m is Msg => typeof m === 'object' && m !== null && (m as Msg).tag === tag;

export function pullSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('pull actors', () => {
    it('receive hands over messages one by one, in order', async () => {
      const engine = engines.make();
      const got: number[] = [];
      const a = engine.spawn(pull<number>(async (ctx) => {
        for (;;) got.push(await ctx.receive<number>());
      }));
      for (let i = 0; i < 50; i++) engine.send(a, i);
      await until(engine, () => got.length === 50, '50 messages');
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(engine.info(a)?.handled).toBe(50);
      expect(engine.info(a)?.status).toBe('waiting');
    });

    it('a message sent while the actor waits is delivered straight away', async () => {
      const engine = engines.make();
      const got: string[] = [];
      const a = engine.spawn(pull<string>(async (ctx) => {
        for (;;) got.push(await ctx.receive<string>());
      }));
      await settle(engine);
      expect(engine.info(a)?.status).toBe('waiting');
      engine.send(a, 'hello');
      await until(engine, () => got.length === 1, 'delivery');
      expect(got).toEqual(['hello']);
    });

    it('selective receive takes the oldest match and leaves the rest queued in order', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn(pull(async (ctx) => {
        await ctx.receive({ match: isTag('go') });
        const second = await ctx.receive({ match: isTag('b') });
        const first = await ctx.receive({ match: isTag('b') });
        const rest: Msg[] = [];
        for (let i = 0; i < 3; i++) rest.push(await ctx.receive<Msg>());
        ctx.send(client.self, { picked: [second, first], rest });
      }));
      engine.send(a, { tag: 'a', n: 1 });
      engine.send(a, { tag: 'b', n: 2 });
      engine.send(a, { tag: 'a', n: 3 });
      engine.send(a, { tag: 'b', n: 4 });
      engine.send(a, { tag: 'c', n: 5 });
      await settle(engine);
      expect(engine.info(a)?.mailbox.depth).toBe(5);
      engine.send(a, { tag: 'go', n: 0 });
      const out = await client.receive<{ picked: Msg[]; rest: Msg[] }>({ timeoutMs: 1000 });
      expect(out.picked.map((m) => m.n)).toEqual([2, 4]);
      expect(out.rest.map((m) => m.n)).toEqual([1, 3, 5]);
    });

    it('a waiting selective receive skips non-matching arrivals', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn(pull(async (ctx) => {
        const m = await ctx.receive({ match: isTag('want') });
        ctx.send(client.self, { got: m, depth: engine.info(ctx.self)!.mailbox.depth });
      }));
      await settle(engine);
      engine.send(a, { tag: 'noise', n: 1 });
      engine.send(a, { tag: 'noise', n: 2 });
      engine.send(a, { tag: 'want', n: 3 });
      const out = await client.receive<{ got: Msg; depth: number }>({ timeoutMs: 1000 });
      expect(out.got.n).toBe(3);
      expect(out.depth).toBe(2);
    });

    it('receive with timeoutMs rejects with receive/timeout when nothing matches', async () => {
      const engine = engines.make();
      const client = engine.client();
      engine.spawn(pull(async (ctx) => {
        try {
          await ctx.receive({ timeoutMs: 10, match: isTag('never') });
          ctx.send(client.self, 'no timeout');
        } catch (error) {
          ctx.send(client.self, error);
        }
      }));
      const error = await client.receive<PdError>({ timeoutMs: 2000 });
      expect(error).toBeInstanceOf(PdError);
      expect(error.code).toBe('receive/timeout');
      expect(error.message).toContain('10 ms');
    });

    it('a message that arrives before the timeout cancels it', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn(pull(async (ctx) => {
        const m = await ctx.receive<string>({ timeoutMs: 10_000 });
        ctx.send(client.self, m);
      }));
      await settle(engine);
      expect(engine.stats().timers).toBeGreaterThanOrEqual(1);
      engine.send(a, 'in time');
      expect(await client.receive({ timeoutMs: 1000 })).toBe('in time');
      await settle(engine);
      expect(engine.stats().timers).toBe(0);
    });

    it('returning from run ends the actor normally; throwing ends it with an error', async () => {
      const engine = engines.make();
      const client = engine.client();
      const ok = engine.spawn(pull(async (ctx) => {
        await ctx.receive();
      }));
      const bad = engine.spawn(pull(async (ctx) => {
        await ctx.receive();
        throw new Error('pull boom');
      }));
      client.monitor(ok);
      client.monitor(bad);
      engine.send(ok, 1);
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.normal);
      engine.send(bad, 1);
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type === 'error' && (down.reason.error as Error).message).toBe('pull boom');
    });

    it('a pull actor answers asks with ctx.reply', async () => {
      const engine = engines.make();
      const a = engine.spawn(pull<number>(async (ctx) => {
        for (;;) {
          const n = await ctx.receive<number>();
          ctx.reply(n * 10);
        }
      }));
      expect(await engine.ask(a, 4)).toBe(40);
      expect(await engine.ask(a, 5)).toBe(50);
    });

    it('a pull actor is stopped at its next receive and its stop hook runs', async () => {
      const engine = engines.make();
      const client = engine.client();
      let hook = false;
      const a = engine.spawn({
        async run(ctx: Context) {
          for (;;) await ctx.receive();
        },
        stopping() {
          hook = true;
        },
      });
      await settle(engine);
      client.monitor(a);
      engine.stop(a, Exit.shutdown('done'));
      expect((await client.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.shutdown('done'));
      expect(hook).toBe(true);
    });

    it('receive in a push actor is refused with receive/invalid', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({
        async receive(_m: unknown, ctx: Context) {
          await expectPdRejection(ctx.receive(), PdError, 'receive/invalid', 'push actor');
          ctx.send(client.self, 'checked');
        },
      });
      engine.send(a, 'x');
      expect(await client.receive({ timeoutMs: 1000 })).toBe('checked');
    });

    it('two receives at once are refused with receive/invalid', async () => {
      const engine = engines.make();
      const client = engine.client();
      engine.spawn(pull(async (ctx) => {
        const first = ctx.receive();
        await expectPdRejection(ctx.receive(), PdError, 'receive/invalid', 'already waiting');
        ctx.send(client.self, 'checked');
        await first;
      }));
      expect(await client.receive({ timeoutMs: 1000 })).toBe('checked');
    });

    it('receive rejects a negative timeout with arg/invalid', async () => {
      const engine = engines.make();
      const client = engine.client();
      await expectPdRejection(client.receive({ timeoutMs: -1 }), PdError, 'arg/invalid', 'timeoutMs', '-1');
    });
  });
}
