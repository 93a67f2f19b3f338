/**
 * Ask timeouts under the simulator: a pending ask is its own slot in the engine's timer heap
 * (no timer entry per ask), so its timeout must fire at the exact virtual time asked for, in
 * (due time, scheduling order) with the engine's other timers, must not fire once answered,
 * and must make the same trace for the same seed.
 */
import { describe, expect, it } from 'vitest';
import { AskError, type Context } from '@pd/actor';
import { SimWorld } from '../../src/sim/index.js';

async function scenario(seed: number): Promise<{ log: string[]; hash: string; stats: { timers: number; pendingAsks: number; askTimeouts: number } }> {
  const world = new SimWorld({ seed, autoRun: true });
  const engine = world.engine();
  const t0 = engine.reactor.now();
  const log: string[] = [];
  // Virtual milliseconds since the start (each simulated step moves the clock a hair).
  const at = (): number => Math.round(engine.reactor.now() - t0);
  const silent = engine.spawn({
    receive(_m: unknown, ctx: Context) {
      ctx.deferReply();
    },
  });
  const sink = engine.spawn({ receive: (m: string) => void log.push(`${m}@${at()}`) });
  const echo = engine.spawn({ receive: (m: string) => m });
  // Same due time (100 ms): the timer scheduled first fires first, whichever kind it is. The
  // engine's own timers (what sendAfter, stop timeouts and the like use) call back synchronously
  // and log how many asks had timed out by then: the firing order itself (the rejection reaches
  // the asker's `then` a microtask later).
  const timers = (engine as unknown as { _timers: { schedule(delayMs: number, repeatMs: number, fire: () => void): unknown } })._timers;
  timers.schedule(100, 0, () => void log.push(`timer-before@${at()} timeouts=${engine.stats().askTimeouts}`));
  const silentAsk = engine.ask(silent, 'q', { timeoutMs: 100 }).then(
    () => log.push('silent answered?!'),
    (e: unknown) => log.push(`${e instanceof AskError ? e.code : 'other'}@${at()}`),
  );
  timers.schedule(100, 0, () => void log.push(`timer-after@${at()} timeouts=${engine.stats().askTimeouts}`));
  engine.sendAfter(sink, 'message-after', 100);
  // Answered at once: its 50 ms timeout must never fire.
  const answered = engine.ask<string, string>(echo, 'hi', { timeoutMs: 50 }).then((r) => log.push(`reply ${r}@${at()}`));
  // Many answered asks leave no live timer behind.
  for (let i = 0; i < 2000; i++) await engine.ask(echo, String(i), { timeoutMs: 1_000 + i });
  await Promise.all([silentAsk, answered]);
  await new Promise<void>((r) => engine.reactor.setTimer(200, r));
  const s = engine.stats();
  const stats = { timers: s.timers, pendingAsks: s.pendingAsks, askTimeouts: s.askTimeouts };
  await engine.shutdown();
  world.dispose();
  return { log, hash: world.trace.hash, stats };
}

describe('ask timeouts in simulated time', () => {
  it('fire at the virtual time asked for, in order with the other timers, not once answered, the same for the same seed', async () => {
    const a = await scenario(7);
    expect(a.log).toEqual(['reply hi@0', 'timer-before@100 timeouts=0', 'timer-after@100 timeouts=1', 'ask/timeout@100', 'message-after@100']);
    expect(a.stats).toEqual({ timers: 0, pendingAsks: 0, askTimeouts: 1 });
    const b = await scenario(7);
    expect(b).toEqual(a);
  });
});
