/**
 * Cluster events: what a node's federation tells an observer as it happens — a member's
 * state changing (alive, suspect, dead, left, with its incarnation; reaped from the table), a
 * connection to a peer coming up or going down, a cluster-registry conflict (name or path
 * prefix) this node lost, and a downing
 * decision. The control plane merges them into the engine's event stream (`pd events`).
 * Owns: the event shapes and the fan-out. Must not: let a listener that throws disturb
 * the membership, the registry or the router that emitted the event (it is counted and
 * unsubscribed, as the engine's own event stream does).
 */
import type { DowningDecision } from './downing.js';
import type { MemberStatus } from './swim-wire.js';

/** One cluster event; `at` is the reactor's wall-clock time (ms since the epoch). */
export type ClusterEvent =
  /**
   * The membership changed its mind about `node` (SWIM: alive, suspect, dead, left, and
   * `reaped` when a member dead or left for `gossipToTheDeadMs` leaves the table; static:
   * alive, left).
   */
  | { readonly type: 'member'; readonly at: number; readonly node: string; readonly status: MemberStatus | 'reaped'; readonly incarnation: number; readonly by: string }
  /** The connection to `node` came up (`incarnation` is its run) or went down (`reason`, `text`). */
  | { readonly type: 'peer'; readonly at: number; readonly node: string; readonly state: 'up' | 'down'; readonly incarnation?: number; readonly reason?: string; readonly text?: string }
  /** This node's registration of `name` lost to `winner`'s after the sides met; its holder got a `pd/name-conflict` message. */
  | { readonly type: 'name-conflict'; readonly at: number; readonly name: string; readonly loser: { readonly node: string; readonly clock: number }; readonly winner: { readonly node: string; readonly clock: number } }
  /** This node's claim of the path prefix `prefix` lost to `winner`'s after the sides met; its holder got a `pd/prefix-conflict` message. */
  | { readonly type: 'prefix-conflict'; readonly at: number; readonly prefix: string; readonly loser: { readonly node: string; readonly clock: number }; readonly winner: { readonly node: string; readonly clock: number } }
  /** Downing decided: `keep` (this side runs on, `unreachable` are out) or `down` (this node stops). */
  | { readonly type: 'downing'; readonly at: number; readonly decision: DowningDecision['decision']; readonly strategy: string; readonly reason: string; readonly unreachable: readonly string[] };

export type ClusterEventType = ClusterEvent['type'];

/** Every cluster event type, for validating a subscriber's filter. */
export const CLUSTER_EVENT_TYPES: readonly ClusterEventType[] = ['member', 'peer', 'name-conflict', 'prefix-conflict', 'downing'];

export type ClusterEventListener = (event: ClusterEvent) => void;

/**
 * The fan-out: {@link emit} builds nothing when nobody listens (check {@link active} first
 * on a path that allocates); a listener that throws is dropped and counted in
 * {@link listenerFailures}.
 */
export class ClusterEvents {
  private listeners: { readonly fn: ClusterEventListener; readonly types: ReadonlySet<ClusterEventType> | null }[] = [];
  listenerFailures = 0;
  lastListenerFailure: unknown = null;

  get active(): boolean {
    return this.listeners.length > 0;
  }

  /** Listen (to `types` only, when given); returns the unsubscribe function. */
  subscribe(fn: ClusterEventListener, types?: readonly ClusterEventType[]): () => void {
    const entry = { fn, types: types === undefined ? null : new Set(types) };
    this.listeners = [...this.listeners, entry];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== entry);
    };
  }

  emit(event: ClusterEvent): void {
    for (const l of this.listeners) {
      if (l.types !== null && !l.types.has(event.type)) continue;
      try {
        l.fn(event);
      } catch (error) {
        this.listenerFailures++;
        this.lastListenerFailure = error;
        this.listeners = this.listeners.filter((x) => x !== l);
      }
    }
  }
}
