/**
 * Pending asks: one per request awaiting a reply. The reply settles it once; a timeout,
 * a dead target or a refused request rejects it with an {@link AskError}. Settling twice is
 * a no-op, so a late reply after a timeout goes nowhere (and is not an error).
 *
 * A pending ask is its own timeout: it goes into the engine's timer heap as a
 * {@link TimerSlot} (see {@link PendingAsk.watch}), so a request allocates no timer entry and
 * no closure for its timeout, and the timeout takes its place in the same (due time,
 * sequence) order as every other timer, in real time and in simulated time alike.
 */
import { AskError, type ErrorCode } from '@pd/actor';
import type { TimerSlot } from './timers.js';

/** The engine that asked: told when its pending ask settles, and when the ask's timeout is due. */
export interface AskHost {
  askSettled(ask: PendingAsk): void;
  askTimedOut(ask: PendingAsk): void;
}

/**
 * The pending ask whose promise is being made: {@link EXECUTOR} (one shared function, not a
 * closure per ask) hands it the executor's two functions. One store of a new object into
 * this long-lived module per ask, where keeping the two functions here took two (each a
 * write barrier's slow path: a young object into an old one).
 */
let making: { resolve: (value: unknown) => void; reject: (error: unknown) => void } | null = null;
const EXECUTOR = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
  const ask = making!;
  ask.resolve = resolve;
  ask.reject = reject;
};

/**
 * What a pending ask that is settled elsewhere holds instead of a promise of its own: a
 * request that came from another core or node is answered by sending the reply back (its
 * subclass overrides {@link PendingAsk.answer} and {@link PendingAsk.fail}), and the asker's
 * promise lives over there. One shared promise that never settles, not one per request.
 */
const ELSEWHERE: Promise<unknown> = new Promise<unknown>(() => undefined);
/** Reached only by a subclass that has no promise yet kept the base `answer` or `fail`: a defect, never a lost reply. */
const SETTLED_ELSEWHERE = (): void => {
  throw new Error('pending ask: an ask with no promise of its own must override answer and fail');
};

export class PendingAsk implements TimerSlot {
  settled = false;
  readonly resolve!: (value: unknown) => void;
  readonly reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;

  // --- the timeout, as a timer slot (set by TimerService.scheduleSlot; `cancelled` while not in the heap) ---
  cancelled = true;
  due = 0;
  seq = 0;
  /** The timeout's length (0 while unwatched), and the address asked: what a timeout says. */
  timeoutMs = 0;
  target: unknown = null;

  /**
   * `host`: the engine that asked (null for a subclass that settles the ask elsewhere). Few
   * fields: a request pays by the fields it initialises. `promised` false: the ask has no
   * promise of its own (a subclass that settles it elsewhere, overriding `answer` and
   * `fail`): it saves a promise and its two functions per request.
   */
  constructor(readonly id: number, private readonly host: AskHost | null, promised = true) {
    if (promised) {
      making = this;
      this.promise = new Promise(EXECUTOR);
      making = null;
    } else {
      this.promise = ELSEWHERE;
      this.resolve = SETTLED_ELSEWHERE;
      this.reject = SETTLED_ELSEWHERE;
    }
  }

  /** A timer slot is one-shot (see TimerSlot): on the prototype, not a field per request. */
  get repeatMs(): 0 {
    return 0;
  }

  /** Note what the timeout says when `timeoutMs` passes without a settlement (the caller schedules the slot). */
  watch(timeoutMs: number, target: unknown): void {
    this.timeoutMs = timeoutMs;
    this.target = target;
  }

  /** The timer heap calls this when the timeout is due. */
  fire(): void {
    this.host?.askTimedOut(this);
  }

  /** Deliver the reply. Returns false when it was already settled. */
  answer(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.host?.askSettled(this);
    this.resolve(value);
    return true;
  }

  /** Reject with `error` (an AskError, or what a handler's deferred reply rejected with). */
  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.host?.askSettled(this);
    this.reject(error);
    return true;
  }

  failWith(code: ErrorCode, message: string, details?: Record<string, unknown>): boolean {
    return this.settled ? false : this.fail(new AskError(code, message, details));
  }
}
