/**
 * A supervised child: its spec, its current incarnation (if any), its stable address,
 * restart count, last exit reason and backoff state. Plain bookkeeping owned by one
 * supervisor; must not: spawn, stop or emit (the supervisor does, and keeps these fields
 * consistent with the engine's view).
 */
import type { AnyAddr, ExitReason, MonitorRef } from '@pd/actor';
import { type ActorCell, S_DEAD } from '../kernel/cell.js';
import { BackoffState } from './backoff.js';
import type { RestartPolicy, ShutdownSpec } from './spec.js';
import type { StableRoute } from './stable-addr.js';
import type { NormalizedChild } from './validate.js';

/**
 * Where a child stands, as OTP's `which_children` would tell: `running`; `stopping` (the
 * supervisor asked it to stop and waits for its exit); `restarting` (down, its restart is
 * due, possibly after a backoff delay); `stopped` (down and not due to restart). Calls are
 * answered only once a stop is done, so `stopping` (and `restarting` within a group
 * restart) shows only in the synchronous `inspect()`.
 */
export type ChildStatus = 'running' | 'stopping' | 'restarting' | 'stopped';

/** What a supervisor tells about one child (plain data, safe to print or send). */
export interface ChildInfo {
  readonly id: string;
  /** The live incarnation's address, or null while it has none. */
  readonly addr: AnyAddr | null;
  /** The stable address that follows the child across restarts. */
  readonly stable: AnyAddr;
  readonly status: ChildStatus;
  readonly type: 'worker' | 'supervisor';
  readonly kind: string;
  readonly restart: RestartPolicy;
  readonly shutdown: ShutdownSpec;
  /** Incarnations started after the first one. */
  readonly restarts: number;
  /** Why the previous incarnation exited, if one did. */
  readonly lastExit: ExitReason | null;
  /** True for a child started on demand (simple-one-for-one, or `startChild`). */
  readonly dynamic: boolean;
}

/**
 * Where a child's record comes from: the supervisor's spec (started with it), a
 * simple-one-for-one template (`startChild(args)`), or `startChild(spec)` on any other
 * supervisor. The last two are dynamic; only template children are forgotten once they end
 * (OTP: a child added with `start_child` stays a spec of its own until `delete_child`).
 */
export type ChildOrigin = 'spec' | 'template' | 'start-child';

export class ChildRecord {
  cell: ActorCell | null = null;
  status: ChildStatus = 'stopped';
  restarts = 0;
  lastExit: ExitReason | null = null;
  /** Reactor time the current incarnation started. */
  startedAt = 0;
  /** The pending delayed restart this child waits for; 0 when none. */
  timerToken = 0;
  /** The supervisor's monitor on the incarnation it is stopping; null when not stopping it. */
  monitor: MonitorRef | null = null;
  readonly backoff: BackoffState | null;

  constructor(
    readonly id: string,
    readonly spec: NormalizedChild,
    readonly args: unknown,
    readonly route: StableRoute,
    readonly origin: ChildOrigin,
  ) {
    this.backoff = spec.backoff === null ? null : new BackoffState(spec.backoff);
  }

  get temporary(): boolean {
    return this.spec.restart === 'temporary';
  }

  /** A child of a simple-one-for-one template: removed when it ends, never deleted by id. */
  get templated(): boolean {
    return this.origin === 'template';
  }

  /** Started on demand rather than with the supervisor. */
  get dynamic(): boolean {
    return this.origin !== 'spec';
  }

  info(): ChildInfo {
    const definition = this.spec.definition;
    const kind = typeof definition === 'string' ? definition : typeof definition === 'function' ? definition.name : (definition as { name?: string }).name ?? '(unknown)';
    return {
      id: this.id, addr: this.cell !== null && this.cell.status < S_DEAD ? this.cell.self : null, stable: this.route.addr, status: this.status,
      type: this.spec.isSupervisor ? 'supervisor' : 'worker', kind, restart: this.spec.restart, shutdown: this.spec.shutdown,
      restarts: this.restarts, lastExit: this.lastExit, dynamic: this.dynamic,
    };
  }
}

