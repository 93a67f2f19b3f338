/**
 * Behaviour at scale, on the node reactor only (not part of the simulation suites):
 * a 10k-actor ring passing 1M messages, 1M idle actors spawned and counted, and hot
 * actors of every shape (sync self-send, async self-send, ask ping-pong, pull loops)
 * that cannot starve a host timer, an engine timer, an I/O callback or another actor.
 * These are tests of behaviour, not speed: nothing here asserts on elapsed time.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pull, type AnyAddr, type Context } from '@pd/actor';
import { type Engine, createEngine } from '@pd/runtime';
import { deferred } from './suites/harness.js';

const live: Engine[] = [];
function engineForTest(): Engine {
  const engine = createEngine();
  live.push(engine);
  return engine;
}
afterEach(async () => {
  await Promise.all(live.splice(0).map((e) => e.shutdown({ deadlineMs: 5000 })));
});

describe('scale', () => {
  it('a ring of 10,000 actors passes a token 1,000,000 hops', async () => {
    const engine = engineForTest();
    const N = 10_000;
    const HOPS = 1_000_000;
    const done = deferred<number>();
    const ring: AnyAddr[] = [];
    for (let i = 0; i < N; i++) {
      ring.push(engine.spawn({
        receive(left: number, ctx: Context<number>) {
          if (left === 0) done.resolve(i);
          else ctx.send(ring[(i + 1) % N]!, left - 1);
        },
      }));
    }
    const before = engine.stats().messagesHandled;
    engine.send(ring[0]!, HOPS);
    const last = await done.promise;
    // Hop k is handled by actor k mod N, so the token stops at HOPS mod N.
    expect(last).toBe(HOPS % N);
    expect(engine.stats().messagesHandled - before).toBe(HOPS + 1);
    expect(engine.stats().live).toBe(N);
    expect(engine.deadLetters().total).toBe(0);
  });

  it('1,000,000 idle actors are spawned, counted, reachable and shut down', async () => {
    const engine = engineForTest();
    const N = 1_000_000;
    const idle = { receive: (m: number) => m + 1 };
    let first: AnyAddr | null = null;
    let last: AnyAddr | null = null;
    for (let i = 0; i < N; i++) {
      const a = engine.spawn(idle);
      if (i === 0) first = a;
      last = a;
    }
    expect(engine.stats()).toMatchObject({ live: N, spawned: N, exited: 0 });
    expect(engine.tree()).toHaveLength(N);
    expect(await engine.ask(first!, 1)).toBe(2);
    expect(await engine.ask(last!, 41)).toBe(42);
    const report = await engine.shutdown({ deadlineMs: 60_000 });
    expect(report).toEqual({ stopped: N, killed: 0 });
    expect(engine.stats().live).toBe(0);
  }, 120_000);

  describe('a hot actor starves nothing', () => {
    /**
     * Start `hot` (which works until `stop()` is called or it reaches its own bound), then
     * wait for four probes: a host timer, an engine timer, a file read and another actor's
     * reply. Each probe records how much work the hot actor had done when it completed;
     * had the hot actor starved the event loop, the probes could only complete after it
     * hit its bound.
     */
    async function probeWhileHot(engine: Engine, hot: { progress(): number; bound: number; stop(): void }): Promise<void> {
      const client = engine.client();
      const other = engine.spawn({ receive: (n: number) => n * 2 });
      const seenAt: Record<string, number> = {};
      const probe = <T>(name: string, p: Promise<T>) => p.then((v) => {
        seenAt[name] = hot.progress();
        return v;
      });
      const hostTimer = deferred();
      engine.reactor.setTimer(5, () => hostTimer.resolve());
      engine.sendAfter(client.self, 'engine-timer', 5);
      await Promise.all([
        probe('host timer', hostTimer.promise),
        probe('engine timer', client.receive({ timeoutMs: 60_000 })),
        probe('file read', readFile(fileURLToPath(import.meta.url))),
        probe('other actor', engine.ask(other, 21, { timeoutMs: 60_000 })),
      ]);
      hot.stop();
      for (const [name, progress] of Object.entries(seenAt)) {
        expect(progress, `${name} completed only after the hot actor finished`).toBeLessThan(hot.bound);
      }
      expect(Object.keys(seenAt)).toHaveLength(4);
    }

    it('a sync actor sending itself messages forever', async () => {
      const engine = engineForTest();
      const bound = 50_000_000;
      let n = 0;
      let stopped = false;
      const hot = engine.spawn({
        receive(_m: number, ctx: Context<number>) {
          if (++n < bound && !stopped) ctx.send(ctx.self, n);
        },
      });
      engine.send(hot, 0);
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
      expect(n).toBeGreaterThan(0);
    });

    it('an async actor that awaits between self-sends', async () => {
      const engine = engineForTest();
      const bound = 5_000_000;
      let n = 0;
      let stopped = false;
      const hot = engine.spawn({
        async receive(_m: number, ctx: Context<number>) {
          await Promise.resolve();
          if (++n < bound && !stopped) ctx.send(ctx.self, n);
        },
      });
      engine.send(hot, 0);
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
    });

    it('two actors asking each other in a loop', async () => {
      const engine = engineForTest();
      const bound = 5_000_000;
      let n = 0;
      let stopped = false;
      const echo = engine.spawn({ receive: (m: number) => m });
      const asker = engine.spawn({
        async receive(_m: unknown, ctx: Context) {
          while (++n < bound && !stopped) await ctx.ask(echo, n);
        },
      });
      engine.send(asker, 'go');
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
    });

    it('a pull actor receiving its own messages in a loop', async () => {
      const engine = engineForTest();
      const bound = 5_000_000;
      let n = 0;
      let stopped = false;
      const hot = engine.spawn(pull<number>(async (ctx) => {
        for (;;) {
          await ctx.receive<number>();
          if (++n < bound && !stopped) ctx.send(ctx.self, n);
        }
      }));
      engine.send(hot, 0);
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
    });

    it('two pull actors playing ping-pong', async () => {
      const engine = engineForTest();
      const bound = 5_000_000;
      let n = 0;
      let stopped = false;
      const peers: AnyAddr[] = [];
      for (let p = 0; p < 2; p++) {
        peers.push(engine.spawn(pull<number>(async (ctx) => {
          for (;;) {
            const m = await ctx.receive<number>();
            if (++n < bound && !stopped) ctx.send(peers[1 - p]!, m + 1);
          }
        })));
      }
      engine.send(peers[0]!, 0);
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
    });

    it('a client asking an actor in a tight loop', async () => {
      const engine = engineForTest();
      const bound = 5_000_000;
      let n = 0;
      let stopped = false;
      const echo = engine.spawn({ receive: (m: number) => m });
      const client = engine.client();
      const loop = (async () => {
        while (++n < bound && !stopped) await client.ask(echo, n);
      })();
      await probeWhileHot(engine, { progress: () => n, bound, stop: () => void (stopped = true) });
      await loop;
    });
  });
});
