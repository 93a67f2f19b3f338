/**
 * How a simulated run fails: a closed set of kinds, each with its own process exit code
 * (after TigerBeetle's VOPR: crash 127, liveness 128, correctness 129), and the typed error
 * thrown for simulation failures and misuse.
 */
import { type ErrorCode, ErrorCodes, PdError } from '@pd/actor';

/** Kinds of failure and the exit code the runner uses for each. */
export const SIM_EXIT_CODES = {
  /** A step threw: the runtime (or scenario code) raised out of a reactor callback. */
  crash: 127,
  /** The system did not converge in the quiet phase, with faults off. */
  liveness: 128,
  /** An invariant, an `always` assertion or the final check failed. */
  correctness: 129,
  /** The same seed produced a different trace. */
  nondeterminism: 130,
  /** Simulated code used a real timer, socket, file request, clock or the global random source. */
  host: 131,
} as const;

export type SimFailureKind = keyof typeof SIM_EXIT_CODES;

/** The simulator's error codes, with what they mean (a part of `@pd/actor`'s one {@link ErrorCodes} map). */
export const SimErrorCodes = {
  'sim/failed': ErrorCodes['sim/failed'],
  'sim/host-leak': ErrorCodes['sim/host-leak'],
  'sim/busy': ErrorCodes['sim/busy'],
  'sim/disposed': ErrorCodes['sim/disposed'],
  'sim/unknown-scenario': ErrorCodes['sim/unknown-scenario'],
  'sim/invalid-plan': ErrorCodes['sim/invalid-plan'],
} as const satisfies Partial<Record<ErrorCode, string>>;

export type SimErrorCode = keyof typeof SimErrorCodes;

/** A simulation failure or misuse; a {@link PdError} whose code is one of {@link SimErrorCodes}. */
export class SimError extends PdError {
  declare readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
  }
}

/** Why a run failed, where, and when. */
export interface SimFailure {
  readonly kind: SimFailureKind;
  readonly message: string;
  /** Step at which it was detected (0-based). */
  readonly step: number;
  /** Virtual time at detection, ms. */
  readonly timeMs: number;
  /** The thrown value, for crashes. */
  readonly error?: unknown;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
