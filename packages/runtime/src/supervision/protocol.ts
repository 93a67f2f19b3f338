/**
 * The messages a supervisor handles besides exit signals: operator calls (which children,
 * start / restart / terminate / delete a child) sent with `ask`, and its own timer and retry
 * messages. They are classes, so a user's message can never be mistaken for one. Must not:
 * carry behaviour; supervisor.ts interprets them.
 */
import type { ExitReason } from '@pd/actor';
import type { ChildSpec } from './spec.js';

export type SupervisorCall =
  | { readonly op: 'which' }
  | { readonly op: 'count' }
  | { readonly op: 'start'; readonly spec?: ChildSpec; readonly args?: unknown }
  | { readonly op: 'restart'; readonly id: string; readonly ifRunning: 'error' | 'restart' }
  | { readonly op: 'terminate'; readonly id: string }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'remove'; readonly id: string };

/** An operator call; the supervisor answers the ask with a value or a SupervisorError. */
export class SupervisorOp {
  constructor(readonly call: SupervisorCall) {}
}

/** A delayed (backoff) restart is due. */
export class RestartDue {
  constructor(readonly token: number) {}
}

/** Spawning a child threw: handled like an exit of that child (OTP's try_again_restart). */
export class StartFailed {
  constructor(readonly id: string, readonly token: number, readonly reason: ExitReason) {}
}

/** OTP's `count_children`. */
export interface ChildCounts {
  /** Child specs, running or not; for simple-one-for-one, 1 (the template), as OTP. */
  readonly specs: number;
  /** Children with a live incarnation. */
  readonly active: number;
  /** Children (running or not) that are supervisors. */
  readonly supervisors: number;
  /** Children (running or not) that are workers. */
  readonly workers: number;
}
