/**
 * What the engine tells about itself: per-actor info, the actor tree, a bounded ring of
 * terminated actors (post-mortem), dead letters (counted, the latest kept), and counters.
 * Plain data, safe to print or send over the control plane; `describeCell` and `treeNodeOf`
 * make it from live cells.
 */
import type { AnyAddr, ExitReason } from '@pd/actor';
import { type ActorCell, type ActorStatus, S_SUSPENDED, STATUS_NAMES } from './cell.js';
import type { DeadLetterReason } from './events.js';

export interface ActorInfo {
  readonly addr: AnyAddr;
  readonly id: number;
  readonly path: string;
  readonly kind: string;
  readonly status: ActorStatus;
  readonly mailbox: { readonly depth: number; readonly capacity: number | null; readonly policy: string };
  readonly handled: number;
  readonly restarts: number;
  readonly parent: string | null;
  readonly children: string[];
  readonly links: string[];
  /** Actors watching this one. */
  readonly monitoredBy: number;
  /** Actors this one watches. */
  readonly monitoring: number;
  readonly names: string[];
  readonly paths: string[];
  readonly topics: string[];
  readonly timers: number;
  readonly trapExits: boolean;
}

export interface ActorTreeNode {
  readonly path: string;
  readonly kind: string;
  readonly status: ActorStatus;
  readonly addr: AnyAddr;
  readonly children: ActorTreeNode[];
}

export interface TerminatedSnapshot {
  readonly addr: AnyAddr;
  readonly path: string;
  readonly kind: string;
  readonly reason: ExitReason;
  readonly handled: number;
  readonly restarts: number;
  /** Wall-clock time of the exit (ms since the epoch). */
  readonly exitedAt: number;
}

export interface DeadLetter {
  /** The address as printed; for a stable or pool address, the path it stands for (a target tools accept). */
  readonly to: string;
  readonly reason: DeadLetterReason;
  readonly message: unknown;
  readonly at: number;
}

export interface DeadLetterReport {
  readonly total: number;
  readonly byReason: Readonly<Record<DeadLetterReason, number>>;
  readonly recent: readonly DeadLetter[];
}

export interface EngineStats {
  /** Live actors (client handles not counted). */
  readonly live: number;
  /** Open client handles. */
  readonly clients: number;
  readonly spawned: number;
  readonly exited: number;
  readonly crashed: number;
  readonly messagesHandled: number;
  readonly deadLetters: number;
  readonly expired: number;
  readonly dropped: number;
  readonly runQueue: number;
  readonly timers: number;
  readonly pendingAsks: number;
  /** Asks started by this engine (each `ask` call, refused ones included). */
  readonly asks: number;
  /** Asks that failed because no reply came within their timeout. */
  readonly askTimeouts: number;
  readonly turns: number;
  /** Event listeners that threw (each was unsubscribed; see `engine.lastListenerFailure`). */
  readonly listenerFailures: number;
}

/** A fixed-size ring that keeps the latest `capacity` items. */
export class BoundedRing<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.capacity === 0) return;
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

/** Everything known about one live actor, as plain data. */
export function describeCell(cell: ActorCell): ActorInfo {
  const x = cell.x;
  const box = cell.mailboxIfAny;
  return {
    addr: cell.self, id: cell.id, path: cell.path, kind: cell.kind, status: statusOf(cell),
    mailbox: { depth: cell.queuedCount, capacity: box === null || box.capacity === Infinity ? null : box.capacity, policy: box?.policy ?? 'drop-newest' },
    handled: cell.handled, restarts: x?.restarts ?? 0, parent: cell.parentCell?.path ?? null,
    children: cell.children === null ? [] : [...cell.children].map((c) => c.path),
    links: x?.links ? [...x.links].map((c) => c.path) : [],
    monitoredBy: x?.monitoredBy?.size ?? 0, monitoring: x?.watching?.size ?? 0,
    names: x?.names ? [...x.names] : [], paths: x?.paths ? [...x.paths] : [], topics: x?.topics ? [...x.topics] : [],
    timers: x?.timers?.size ?? 0, trapExits: cell.trapping,
  };
}

/** The tree of live actors under `cell`. */
export function treeNodeOf(cell: ActorCell): ActorTreeNode {
  return {
    path: cell.path, kind: cell.kind, status: statusOf(cell), addr: cell.self,
    children: cell.children === null ? [] : [...cell.children].map(treeNodeOf),
  };
}

/** The status an actor reports (a pull actor blocked in receive is `waiting`). */
export function statusOf(cell: ActorCell): ActorStatus {
  if (cell.isPull && cell.status === S_SUSPENDED && cell.x?.waiter != null) return 'waiting';
  return STATUS_NAMES[cell.status]!;
}
