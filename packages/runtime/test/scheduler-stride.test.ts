/**
 * The drain's clock readings (scheduler.ts, `strideSpent`): a drain reads the clock once per
 * stride of turns, a stride that starts at 32 in every drain, doubles while turns are fast
 * against what is left of the slice and is capped at 128. Driven by a hand-run reactor whose
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

/** An actor whose turn costs 10 µs of the clock and then does `then` (queue itself again, throw…). */
function tenMicrosActor(state: { now: number }, then: (actor: Runnable) => void = () => {}) {
  const actor = {
    flags: 0,
    turns: 0,
    runTurn(): void {
      actor.flags &= ~RUNNABLE_QUEUED;
      actor.turns++;
      state.now += 0.01;
      then(actor);
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
  it('fast turns: the clock is read about once per 128 turns, and the slice still ends within one stride', () => {
    const { reactor, state } = handReactor();
    const scheduler = new Scheduler(reactor, SLICE_MS);
    const actor = busyActor(scheduler, state, () => 0.0001);
    scheduler.schedule(actor);
    const reads0 = state.reads;
    const turns = runOneDrain(state, actor);
    // 4 ms of 0.1 µs turns: about 40 000 of them.
    expect(turns).toBeGreaterThan(39_000);
    expect(state.reads - reads0).toBeLessThan(turns / 100);
    // Overrun past the slice: at most one stride (128 turns) of 0.1 µs.
    expect(state.now).toBeLessThanOrEqual(SLICE_MS + 128 * 0.0001 + 1e-9);
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
    expect(slowTurns).toBeLessThanOrEqual(128);
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
    expect(actor.turns).toBeLessThanOrEqual(4_000 + 128);
    expect(gaps.at(-1)!).toBeLessThan(Math.max(...gaps));
  });

  it('a fan-out to many slow actors after fast turns holds the loop at most 128 slow turns past the slice', () => {
    const { reactor, state } = handReactor();
    const scheduler = new Scheduler(reactor, SLICE_MS);
    let ran = 0;
    const slow = Array.from({ length: 1000 }, () => {
      const r: Runnable = {
        flags: 0,
        runTurn(): void {
          r.flags &= ~RUNNABLE_QUEUED;
          state.now += 0.1;
          ran++;
        },
      };
      return r;
    });
    // 2 ms of 0.1 µs turns; the last of them queues the 1 000 actors of 100 µs each.
    const fast = {
      flags: 0,
      turns: 0,
      runTurn(): void {
        fast.flags &= ~RUNNABLE_QUEUED;
        state.now += 0.0001;
        if (++fast.turns < 20_000) scheduler.schedule(fast);
        else for (const r of slow) scheduler.schedule(r);
      },
    } satisfies Runnable & { turns: number };
    scheduler.schedule(fast);
    state.tasks.shift()!();
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThanOrEqual(128);
    expect(state.now).toBeLessThanOrEqual(SLICE_MS + 128 * 0.1 + 0.1);
  });

  it('turns that throw count as turns: the drain still ends with the slice', () => {
    const { reactor, state } = handReactor();
    const failed: Runnable[] = [];
    const scheduler = new Scheduler(reactor, SLICE_MS, (r) => failed.push(r));
    const actor = tenMicrosActor(state, (self) => {
      scheduler.schedule(self);
      throw new Error('a runtime defect');
    });
    scheduler.schedule(actor);
    state.tasks.shift()!();
    // 400 turns of 10 µs fill the slice; the overrun is under one stride.
    expect(actor.turns).toBeGreaterThanOrEqual(400);
    expect(actor.turns).toBeLessThanOrEqual(400 + 128);
    expect(failed.length).toBe(actor.turns);
    expect(state.tasks.length).toBe(1);
  });

  it('one turn per drain (a request-response loop): the clock is read once per 32 drains, and the slice still ends within 32 turns', () => {
    const { reactor, state } = handReactor();
    const asked: ('soon' | 'yield')[] = [];
    reactor.soon = (callback) => void (asked.push('soon'), state.tasks.push(callback));
    reactor.yieldThen = (callback) => void (asked.push('yield'), state.tasks.push(callback));
    const scheduler = new Scheduler(reactor, SLICE_MS);
    // One turn of 10 µs per request; the next request comes when the drain is over.
    const actor = tenMicrosActor(state);
    state.reads = 0;
    while (!asked.includes('yield')) {
      scheduler.schedule(actor);
      state.tasks.shift()!();
      expect(state.tasks.length).toBe(0);
    }
    // 400 turns of 10 µs fill the slice: the drain after them waits for a yield, within a stride.
    const firstYield = asked.indexOf('yield');
    expect(firstYield).toBeGreaterThanOrEqual(400);
    expect(firstYield).toBeLessThanOrEqual(400 + 32);
    expect(state.reads).toBeLessThanOrEqual(Math.ceil(firstYield / 32) + 1);
    // The drain after the yield (run in the loop's last round) started a new slice: drains are microtasks again.
    scheduler.schedule(actor);
    expect(asked.at(-1)).toBe('soon');
  });
});
