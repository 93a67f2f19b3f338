/**
 * Escalations an operation caused: when stopping or killing an actor makes its supervisor
 * reach its restart intensity, the supervisor exits (`reached-max-restart-intensity`) and
 * takes its whole subtree down, and so on up the tree. An operator command must say so
 * rather than report only the one exit it asked for; this watches the engine's supervisor
 * events while an operation runs and until the engine has settled after it.
 */
import type { Engine, EngineEvent } from '@pd/runtime';

/** A supervisor that gave up: it reached its restart intensity and exited with its subtree. */
export interface Escalation {
  /** The supervisor's path. */
  readonly supervisor: string;
  /** The child whose exit was one too many. */
  readonly child: string;
  readonly restarts: number;
  readonly intensity: number;
  readonly periodMs: number;
}

/** At most this many escalations are reported for one operation (a tree is finite, but bound it). */
const ESCALATIONS_MAX = 64;
/** How long to wait for the engine to settle after the operation, ms (a busy engine may never idle). */
const SETTLE_MS = 2000;

/** Run `operation` and collect the escalations it set off. */
export async function withEscalations<T>(engine: Engine, operation: () => Promise<T>): Promise<{ result: T; escalations: Escalation[] }> {
  const escalations: Escalation[] = [];
  const off = engine.events.subscribe((e: EngineEvent) => {
    if (e.type !== 'supervisor' || e.action !== 'intensity' || escalations.length >= ESCALATIONS_MAX) return;
    const d = (e.detail ?? {}) as { restarts?: number; intensity?: number; periodMs?: number };
    escalations.push({ supervisor: e.supervisor, child: e.child, restarts: d.restarts ?? 0, intensity: d.intensity ?? 0, periodMs: d.periodMs ?? 0 });
  }, ['supervisor']);
  try {
    const result = await operation();
    // A supervisor handles the exit after the operation saw it, and its own exit reaches its
    // parent later still: wait for the engine to settle (bounded) before answering.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([engine.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_MS)))]);
    clearTimeout(timer);
    return { result, escalations };
  } finally {
    off();
  }
}

/** One line per escalation, for people. */
export function describeEscalation(e: Escalation): string {
  return `${e.supervisor} reached its restart intensity (${e.restarts} restarts of ${e.child} within ${e.periodMs} ms, at most ${e.intensity}): it exited (reached-max-restart-intensity) and took its whole subtree down`;
}
