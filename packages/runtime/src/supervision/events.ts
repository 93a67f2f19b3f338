/**
 * Supervisor events on the engine's event stream: one `{ type: 'supervisor' }` event per
 * supervisor action, so a test, the CLI or a log can replay what a tree did. Costs nothing
 * without listeners (the stream's `active` flag is checked first). Must not: decide anything.
 */
import type { ActorCell } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';

/**
 * What a supervisor did, in the order it did it:
 * - `started`: a child's first incarnation was spawned (at supervisor start, or added later);
 * - `exited`: a child exited on its own (detail: `reason`);
 * - `terminating` / `terminated`: the supervisor asked a child to stop (detail: `shutdown`) / it has exited (detail: `reason`);
 * - `restarted`: a new incarnation of a child was spawned (detail: `restarts`, `reason` of the previous one);
 * - `backoff`: a restart is delayed (detail: `delayMs`, `attempt`, `children`);
 * - `removed`: a child's spec was dropped (temporary child exited, dynamic child ended, deleteChild);
 * - `start-failed`: spawning a child threw (detail: `error`); it is retried as a restart;
 * - `intensity`: more than `intensity` restarts within `periodMs` (detail: `restarts`, `intensity`, `periodMs`);
 * - `shutdown`: the supervisor is shutting down its children (detail: `reason`);
 * - `adopted` / `released`: a path supervisor started / stopped watching a registered actor.
 */
export type SupervisorAction =
  | 'started' | 'exited' | 'terminating' | 'terminated' | 'restarted' | 'backoff' | 'removed'
  | 'start-failed' | 'intensity' | 'shutdown' | 'adopted' | 'released';

/** Emit one supervisor event for `supervisor` about `child` (an id, or a path for path supervisors). */
export function emitSupervisorEvent(engine: Engine, supervisor: ActorCell, action: SupervisorAction, child: string, detail?: Record<string, unknown>): void {
  if (!engine.events.active) return;
  engine.emit({ type: 'supervisor', at: engine.reactor.wallTime(), supervisor: supervisor.path, action, child, ...(detail === undefined ? {} : { detail }) });
}
