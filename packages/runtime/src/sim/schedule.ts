/**
 * Scheduling policy of a simulated world: how far the sim may deviate from FIFO when it
 * picks the next ready actor, how often it preempts a drain, what an actor turn costs in
 * virtual time, and whether same-instant events are shuffled. One policy is drawn per
 * seed ("swarm" testing), so different seeds explore differently shaped schedules.
 *
 * Must not: break the runtime's own promises: the head of a run queue is passed over at
 * most `maxHeadSkips` times in a row, and (in the scheduler) an actor that re-queued
 * itself never overtakes those queued ahead of it.
 */
import type { RandomStream } from '../reactor.js';

export interface SchedulePolicy {
  /** How many of the first ready actors a pick chooses among (1: strict FIFO). */
  readonly window: number;
  /** Chance of taking the head of the queue regardless of the window. */
  readonly fifoBias: number;
  /** Times in a row the head may be passed over before it must run. */
  readonly maxHeadSkips: number;
  /** Chance, per pick, of ending the drain early (a yield to the event loop). */
  readonly preempt: number;
  /** Virtual milliseconds one actor turn costs (so timers fire while actors are busy). */
  readonly turnCostMs: number;
  /** Run events due at the same instant in a seeded random order (else in creation order). */
  readonly shuffle: boolean;
}

/** Plain FIFO with no preemption and no shuffling: what a single core does. */
export const FIFO_POLICY: SchedulePolicy = Object.freeze({
  window: 1, fifoBias: 1, maxHeadSkips: 0, preempt: 0, turnCostMs: 0.001, shuffle: false,
});

/** Draw a policy for one seed. */
export function drawSchedulePolicy(rng: RandomStream): SchedulePolicy {
  return {
    window: pick(rng, [1, 2, 2, 3, 4, 8]),
    fifoBias: pick(rng, [0, 0.25, 0.5, 0.75]),
    maxHeadSkips: pick(rng, [1, 2, 4, 8]),
    preempt: pick(rng, [0, 0, 0.001, 0.01, 0.05]),
    turnCostMs: pick(rng, [0.0005, 0.001, 0.002, 0.005]),
    shuffle: rng.next() < 0.85,
  };
}

/** Per-scheduler picking state (one per simulated core). */
export class Picker {
  private skips = 0;

  constructor(private readonly policy: SchedulePolicy, private readonly rng: RandomStream) {}

  /** An index in [0, ready), or -1 to yield. */
  pick(ready: number, forcePreempt: boolean): number {
    const p = this.policy;
    if (forcePreempt || (p.preempt > 0 && this.rng.next() < p.preempt)) return -1;
    let i = 0;
    if (ready > 1 && p.window > 1 && this.skips < p.maxHeadSkips && (p.fifoBias === 0 || this.rng.next() >= p.fifoBias)) {
      i = this.rng.nextInt(Math.min(ready, p.window));
    }
    this.skips = i === 0 ? 0 : this.skips + 1;
    return i;
  }
}

function pick<T>(rng: RandomStream, options: readonly T[]): T {
  return options[rng.nextInt(options.length)]!;
}
