/**
 * The strategy contract: given the children in start order and the one that must be
 * restarted, which children to stop (in stop order: reverse start order) and which to start
 * (in start order). Strategies are pure functions of that list; they must not stop, start
 * or emit anything. Temporary children a strategy stops are never in its start list (OTP
 * removes them); a stop list holds only children that have a live incarnation.
 */
import type { ChildRecord } from '../child.js';
import type { StrategyName } from '../spec.js';

export interface RestartPlan {
  /** Children to stop, in this order. */
  readonly stop: readonly ChildRecord[];
  /** Children to (re)start, in this order; the failed child is among them. */
  readonly start: readonly ChildRecord[];
}

export interface Strategy {
  readonly name: StrategyName;
  /** True when children are started on demand from one template, not at supervisor start. */
  readonly dynamic: boolean;
  /** True when the children are shut down all at once rather than one by one. */
  readonly concurrentShutdown: boolean;
  plan(children: readonly ChildRecord[], failed: ChildRecord): RestartPlan;
}

/** Children with a live incarnation among `children`, in reverse order (the stop order). */
export function liveInReverse(children: readonly ChildRecord[]): ChildRecord[] {
  const out: ChildRecord[] = [];
  for (let i = children.length - 1; i >= 0; i--) if (children[i]!.cell !== null) out.push(children[i]!);
  return out;
}
