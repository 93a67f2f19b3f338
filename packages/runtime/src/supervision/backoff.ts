/**
 * Restart backoff (OTP has none): exponential delays with jitter, a cap, and a reset once a
 * child has been stable. The n-th consecutive restart waits `min(maxMs, initialMs * factor^n)`
 * less a random part of up to `jitter` of it; a child that ran `resetAfterMs` before
 * exiting counts from n = 0 again. Must not: read a clock or the global random source; callers pass
 * reactor time and the engine's seeded random stream, so simulation replays it exactly.
 */
import type { RandomStream } from '../reactor.js';
import type { NormalizedBackoff } from './validate.js';

/** Per-child backoff state. */
export class BackoffState {
  /** Consecutive restarts so far (the exponent of the next delay). */
  attempt = 0;

  constructor(readonly spec: NormalizedBackoff) {}

  /**
   * The delay before the next restart of a child that ran `ranMs` before exiting, and count
   * it. Returns the delay in ms and the attempt number it was computed for.
   */
  next(ranMs: number, random: RandomStream): { delayMs: number; attempt: number } {
    if (ranMs >= this.spec.resetAfterMs) this.attempt = 0;
    const attempt = this.attempt++;
    return { delayMs: backoffDelay(this.spec, attempt, random.next()), attempt };
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** The delay for `attempt` (0-based) given a uniform `r` in [0, 1): never above `maxMs`, never below `(1 - jitter)` of the raw delay. */
export function backoffDelay(spec: NormalizedBackoff, attempt: number, r: number): number {
  const raw = Math.min(spec.maxMs, spec.initialMs * Math.pow(spec.factor, attempt));
  return Math.round(raw * (1 - spec.jitter * r));
}
