/**
 * Exit reasons: why an actor stopped. Structured values, never strings to parse.
 *
 * Semantics follow Erlang/OTP: `normal` is the only exit a linked actor that does not
 * trap exits ignores; `normal` and `shutdown` are the clean exits after which a transient
 * child is not restarted; `killed` and `error` are abnormal. `noproc` appears when linking
 * to or monitoring an actor that is already gone, `noconnection` when its node went away.
 */

export type ExitReason =
  | NormalExit
  | ShutdownExit
  | KilledExit
  | ErrorExit
  | NoProcExit
  | NoConnectionExit;

export interface NormalExit { readonly type: 'normal' }
/** Asked to stop (by a supervisor, a parent, the engine); `detail` says why. */
export interface ShutdownExit { readonly type: 'shutdown'; readonly detail?: unknown }
/** Killed: untrappable, no stop hook ran. */
export interface KilledExit { readonly type: 'killed' }
/** Crashed: a handler threw or rejected with `error`. */
export interface ErrorExit {
  readonly type: 'error';
  readonly error: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}
/** Monitoring an address that was already dead. */
export interface NoProcExit { readonly type: 'noproc' }
/** The node that hosted the actor went away. */
export interface NoConnectionExit { readonly type: 'noconnection' }

const NORMAL: NormalExit = Object.freeze({ type: 'normal' });
const SHUTDOWN: ShutdownExit = Object.freeze({ type: 'shutdown' });
const KILLED: KilledExit = Object.freeze({ type: 'killed' });
const NOPROC: NoProcExit = Object.freeze({ type: 'noproc' });
const NOCONNECTION: NoConnectionExit = Object.freeze({ type: 'noconnection' });

/** Constructors for exit reasons; the detail-free ones are shared frozen values. */
export const Exit = {
  normal: NORMAL,
  killed: KILLED,
  noproc: NOPROC,
  noconnection: NOCONNECTION,
  shutdown(detail?: unknown): ShutdownExit {
    return detail === undefined ? SHUTDOWN : Object.freeze({ type: 'shutdown', detail });
  },
  error(error: unknown, metadata?: Record<string, unknown>): ErrorExit {
    return metadata === undefined ? Object.freeze({ type: 'error', error }) : Object.freeze({ type: 'error', error, metadata: Object.freeze({ ...metadata }) });
  },
} as const;

/** `normal` or any `shutdown`: the exits OTP calls clean (no restart for transient children). */
export function isCleanExit(reason: ExitReason): boolean {
  return reason.type === 'normal' || reason.type === 'shutdown';
}

/** A one-line human description, e.g. `error: TypeError: x is undefined`. */
export function describeExit(reason: ExitReason): string {
  switch (reason.type) {
    case 'error': {
      const e = reason.error;
      const text = e instanceof Error ? `${e.name}: ${e.message}` : safeString(e);
      return `error: ${text}`;
    }
    case 'shutdown':
      return reason.detail === undefined ? 'shutdown' : `shutdown: ${safeString(reason.detail)}`;
    default:
      return reason.type;
  }
}

function safeString(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
