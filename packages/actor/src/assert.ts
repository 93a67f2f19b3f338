/**
 * A small `assert()` for invariants of the kernel and the codec (after TigerBeetle's
 * assertion density): a condition that can only be false through a bug in the runtime, not
 * through bad input. Bad input gets its own typed error; a failed assertion throws an
 * {@link InvariantError} (`internal/invariant`) naming what broke, so the bug is caught
 * where it happens instead of as a wrong answer later.
 */
import { PdError } from './errors.js';

/** A broken internal invariant: a bug in the runtime, never a user error. */
export class InvariantError extends PdError {
  constructor(what: string, details?: Record<string, unknown>) {
    super('internal/invariant', what, details);
  }
}

/** Throws an {@link InvariantError} naming `what` when `condition` is false. */
export function assert(condition: unknown, what: string, details?: Record<string, unknown>): asserts condition {
  if (!condition) throw new InvariantError(what, details);
}
