/**
 * How a simulated run fails: a closed set of kinds, each with its own process exit code
 * (after TigerBeetle's VOPR: crash 127, liveness 128, correctness 129), and the typed error
 * thrown for simulation failures and misuse.
 */

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

/** Every simulation error code, with what it means. */
export const SimErrorCodes = {
  'sim/failed': 'a simulated run failed (see the failure kind)',
  'sim/host-leak': 'simulated code reached for a real timer, socket, file, clock or the global random source',
  'sim/busy': 'the world is already being driven',
  'sim/disposed': 'the world was disposed',
  'sim/unknown-scenario': 'no scenario has that name',
  'sim/invalid-plan': 'a plan or replay argument is malformed',
} as const;

export type SimErrorCode = keyof typeof SimErrorCodes;

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'SimError';
    this.code = code;
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
