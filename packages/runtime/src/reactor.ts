/**
 * The reactor: the engine's only source of time, randomness and scheduling (invariant 1).
 *
 * Owns: nothing but the contract. The node reactor (node-reactor.ts) wraps the real
 * clock, timers and task queues; the simulation reactor replaces them with virtual time
 * and seeded choices. Runtime code never calls `Date.now`, `setTimeout`, `Math.random` and
 * the like directly; it asks the reactor, so a simulation can replay it exactly.
 */

/** An opaque handle for a timer set with {@link Reactor.setTimer}. */
export type ReactorTimer = { readonly __reactorTimer: true } | object;

/** A seeded stream of random numbers; independent streams do not disturb each other. */
export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

export interface Reactor {
  /** `node` for the real one, `sim` for the simulation. */
  readonly kind: string;
  /** The seed every random stream derives from; printed so a run can be replayed. */
  readonly seed: number;
  /** Monotonic milliseconds (fractional); virtual under simulation. */
  now(): number;
  /** Milliseconds since the epoch, for timestamps shown to people. */
  wallTime(): number;
  /** Call `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): ReactorTimer;
  clearTimer(timer: ReactorTimer): void;
  /**
   * Whether a pending timer keeps the host process alive (Node's ref/unref). An engine
   * parks its one host timer unreferenced when nothing is scheduled, instead of clearing
   * and re-creating it for every ask.
   */
  keepAlive(timer: ReactorTimer, keepAlive: boolean): void;
  /** Run `callback` after the host's pending I/O and timers get their turn (a macrotask). */
  yieldThen(callback: () => void): void;
  /** Run `callback` soon, before any I/O (a microtask): for reacting quickly. */
  soon(callback: () => void): void;
  /**
   * Run `callback` once the host has polled its I/O without blocking (Node: `setImmediate`,
   * which makes the event loop poll with a zero timeout while it is pending). What a network
   * node's poll spin turns on (`limits.pollSpinUs` in @pd/transport). Real hosts only: a
   * simulation leaves it out, so nothing spins in virtual time.
   */
  pollThen?(callback: () => void): void;
  /**
   * Whether the engine may start a request's timeout (an ask's) from one clock reading taken
   * for every request of the same synchronous burst, at the end of the engine's drain that the
   * burst queued (or in a {@link soon} callback when no drain is coming): never earlier than
   * the call, at most that burst and drain later, and none for a request answered within
   * them. The Node reactor says yes; a simulation leaves it out, so every timeout runs from
   * the virtual instant of its call.
   */
  readonly lazyTimerStart?: boolean;
  /** The random stream named `stream`, derived from {@link seed}; same name, same stream. */
  random(stream: string): RandomStream;
  /**
   * Unpredictable numbers for secrets (address secrets), not derived from the seed, so a
   * printed seed does not let anyone forge an address. A simulation leaves it out: the
   * engine then uses the seeded stream `addr-secret`, and runs stay replayable.
   */
  entropy?(): RandomStream;

  // Simulation hooks (src/sim): absent on the node reactor, so they cost nothing there.

  /**
   * Which of the `ready` queued actors runs next: an index in [0, ready), or -1 to end the
   * drain here and yield. When present the scheduler calls it once per actor turn; an actor
   * that re-queued itself still never overtakes those queued ahead of it.
   */
  pickNext?(ready: number): number;
  /**
   * Whether the named fault point fires now ("buggify"). Runtime code may guard a legal but
   * rare behaviour with `reactor.buggify?.('area.point') === true` to have simulations
   * exercise it; never true outside a simulation.
   */
  buggify?(point: string): boolean;
  /** The incarnation engines on this reactor take, instead of a per-process counter (replayable). */
  readonly incarnation?: number;
}
