/**
 * The drain's clock readings (scheduler.ts, `strideSpent`): a drain reads the clock once per
 * stride of turns, a stride that starts at 32 in every drain, doubles while turns are fast
 * against what is left of the slice and is capped at 256. Driven by a hand-run reactor whose
 * clock moves only when a turn says so: no wall clock, the same result on any machine.
 */
import { describe, expect, it } from 'vitest';
import type { Reactor } from '../src/reactor.js';
import { RUNNABLE_QUEUED, type Runnable, Scheduler } from '../src/kernel/scheduler.js';

const SLICE_MS = 4;

/** A reactor whose `soon` and `yieldThen` callbacks run when the test says, and whose clock a turn advances. */
function handReactor() {
  const state = { now: 0, reads: 0, tasks: [] as (() => void)[] };
  const reactor = {
    kind: 'hand',
    seed: 0,
    now: () => {
      state.reads++;
      return state.now;
    },
    wallTime: () => state.now,
    setTimer: () => ({}),
    clearTimer: () => {},
    keepAlive: () => {},
    yieldThen: (callback: () => void) => void state.tasks.push(callback),
    soon: (callback: () => void) => void state.tasks.push(callback),
    random: () => ({ next: () => 0, nextU32: () => 0, nextInt: () => 0 }),
  } satisfies Reactor;
  return { reactor, state };
}

/** An actor that always has more work: each turn costs `costMs()` of the clock and queues it again. */
function busyActor(scheduler: Scheduler, state: { now: number }, costMs: (turn: number) => number) {
  const actor = {
    flags: 0,
    turns: 0,
    runTurn(): void {
      actor.flags &= ~RUNNABLE_QUEUED; // as a cell's turn does: it may be queued again
      state.now += costMs(actor.turns++);
      scheduler.schedule(actor);
    },
  } satisfies Runnable & { turns: number };
  return actor;
}

/** Runs the next queued drain; returns the turns it ran. */
function runOneDrain(state: { tasks: (() => void)[] }, actor: { turns: number }): number {
  const before = actor.turns;
  state.tasks.shift()!();
  return actor.turns - before;
}

describe('scheduler: clock readings per drain', () => {
  it('fast turns: the clock is read far less than once per 32 turns, and the slice still ends within one stride', () => {
    const { reactor, state } = handReactor();
    const scheduler = new Scheduler(reactor, SLICE_MS);
    const actor = busyActor(scheduler, state, () => 0.0001);
    scheduler.schedule(actor);
    const reads0 = state.reads;
    const turns = runOneDrain(state, actor);
    // 4 ms of 0.1 µs turns: about 40 000 of them.
    expect(turns).toBeGreaterThan(39_000);
    expect(state.reads - reads0).toBeLessThan(turns / 100);
    // Overrun past the slice: at most one stride (256 turns) of 0.1 µs.
    expect(state.now).toBeLessThanOrEqual(SLICE_MS + 256 * 0.0001 + 1e-9);
    expect(state.tasks.length).toBe(1); // it yielded, with a drain queued after the yield
  });

  it('fast turns, then slow ones: the overrun is bounded by the stride cap; the next slice starts from 32 again', () => {
    const { reactor, state } = handReactor();
    const scheduler = new Scheduler(reactor, SLICE_MS);
    // 20 000 turns of 0.1 µs (2 ms), then 0.5 ms each.
    const actor = busyActor(scheduler, state, (turn) => (turn < 20_000 ? 0.0001 : 0.5));
    scheduler.schedule(actor);
    runOneDrain(state, actor);
    const slowTurns = actor.turns - 20_000;
    expect(slowTurns).toBeGreaterThan(0);
    expect(slowTurns).toBeLessThanOrEqual(256);
    // The next slice: slow turns from its start, so the first reading (after 32) ends it.
    const sliceStart = state.now;
    const turns = runOneDrain(state, actor);
    expect(turns).toBe(32);
    expect(state.now - sliceStart).toBeCloseTo(32 * 0.5, 6);
  });

  it('a slice nearly spent shrinks the stride: the last readings come closer together', () => {
    const { reactor, state } = handReactor();
    const scheduler = new Scheduler(reactor, SLICE_MS);
    const readsAt: number[] = [];
    const now = reactor.now;
    reactor.now = () => {
      readsAt.push(actor.turns);
      return now();
    };
    const actor = busyActor(scheduler, state, () => 0.001);
    scheduler.schedule(actor);
    runOneDrain(state, actor);
    const gaps = readsAt.slice(1).map((t, i) => t - readsAt[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(32);
    // 4 000 turns of 1 µs; the overrun is under one stride of them.
    expect(actor.turns).toBeLessThanOrEqual(4_000 + 256);
    expect(gaps.at(-1)!).toBeLessThan(Math.max(...gaps));
  });
});
