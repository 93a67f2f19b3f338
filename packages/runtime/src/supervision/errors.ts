/**
 * Supervision errors: one class, {@link SupervisorError}, whose `reason` names the misuse
 * (a duplicate child id, an unknown child, a bad intensity, a kind nobody registered...).
 *
 * Owns: the reasons and their meanings. Must not: be used for child crashes; those are
 * exit reasons, handled by the supervisor, never thrown at callers. Each reason maps onto
 * one of the runtime's {@link ErrorCode}s, so `err.code` branches work as for any PdError.
 */
import { type ErrorCode, PdError } from '@pd/actor';

/** Every supervision error reason, with what it means. */
export const SupervisorErrorReasons = {
  /** A supervisor or child spec breaks a rule (bad strategy, intensity, period, shutdown, restart, backoff). */
  'invalid-spec': 'the supervisor or child spec is malformed',
  /** Two children of one supervisor share an id. */
  'duplicate-child': 'a child with that id already exists',
  /** No child has that id (or address) in this supervisor. */
  'unknown-child': 'no child with that id',
  /** A child spec names a kind the engine does not know. */
  'unknown-kind': 'the child spec names an unregistered kind',
  /** The operation needs a child that is not running (OTP `running`). */
  running: 'the child is running',
  /** The child is waiting for a delayed restart (OTP `restarting`). */
  restarting: 'the child is waiting to be restarted',
  /** The operation is not allowed for this strategy (e.g. `deleteChild` on simple-one-for-one). */
  'wrong-strategy': 'the operation does not apply to this supervisor strategy',
  /** The dynamic supervisor already holds `maxChildren` children. */
  'max-children': 'the supervisor holds its maximum number of children',
  /** A child could not be started (its spawn threw). */
  'failed-to-start': 'a child could not be started',
  /** The target is not a live supervisor of this engine. */
  'not-a-supervisor': 'the target is not a live supervisor',
  /** A stable address is already bound to another live supervisor's child. */
  'stable-bound': 'the stable address is bound to another child',
} as const;

export type SupervisorErrorReason = keyof typeof SupervisorErrorReasons;

const CODES: Readonly<Record<SupervisorErrorReason, ErrorCode>> = {
  'invalid-spec': 'arg/invalid',
  'duplicate-child': 'arg/invalid',
  'unknown-child': 'arg/invalid',
  'unknown-kind': 'spawn/unknown-kind',
  running: 'actor/invalid-state',
  restarting: 'actor/invalid-state',
  'wrong-strategy': 'actor/invalid-state',
  'max-children': 'actor/invalid-state',
  'failed-to-start': 'spawn/invalid-definition',
  'not-a-supervisor': 'actor/invalid-state',
  'stable-bound': 'actor/invalid-state',
};

/** A supervision call that was refused; `reason` says why, the message names the child or field. */
export class SupervisorError extends PdError {
  readonly reason: SupervisorErrorReason;

  constructor(reason: SupervisorErrorReason, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(CODES[reason], `supervisor: ${message}`, { ...details, reason }, options);
    this.reason = reason;
  }
}
