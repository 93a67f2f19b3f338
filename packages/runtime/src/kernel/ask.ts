/**
 * Pending asks: one per request awaiting a reply. The reply settles it once; a timeout,
 * a dead target or a refused request rejects it with an {@link AskError}. Settling twice is
 * a no-op, so a late reply after a timeout goes nowhere (and is not an error).
 */
import { AskError, type ErrorCode } from '@pd/actor';
import type { TimerEntry } from './timers.js';

export class PendingAsk {
  settled = false;
  timer: TimerEntry | null = null;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;

  constructor(readonly id: number, private readonly onSettled: (ask: PendingAsk) => void) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Deliver the reply. Returns false when it was already settled. */
  answer(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.onSettled(this);
    this.resolve(value);
    return true;
  }

  /** Reject with `error` (an AskError, or what a handler's deferred reply rejected with). */
  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.onSettled(this);
    this.reject(error);
    return true;
  }

  failWith(code: ErrorCode, message: string, details?: Record<string, unknown>): boolean {
    return this.settled ? false : this.fail(new AskError(code, message, details));
  }
}
