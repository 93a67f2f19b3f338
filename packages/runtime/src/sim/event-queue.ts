/**
 * The simulation's event queue: a binary min-heap of {@link SimEvent}s ordered by (virtual
 * time, tie-break, sequence). The tie-break is a seeded draw, so events due at the same
 * instant run in a replayable random order; the sequence keeps the order total.
 *
 * Owns: ordering, lazy cancellation and the count of referenced (process-keeping) events.
 * Must not: run events or read any clock; the world does both.
 */

/** What an event is, for the trace (small integers fold cheaply into the hash). */
export const EventKind = { Soon: 1, Yield: 2, Timer: 3, Net: 4, Fault: 5, Call: 6 } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KIND_NAMES = ['', 'soon', 'yield', 'timer', 'net', 'fault', 'call'] as const;

/** Something that owns events and can die: events of a dead or restarted host are dropped. */
export interface EventOwner {
  readonly index: number;
  readonly name: string;
  readonly epoch: number;
}

export class SimEvent {
  cancelled = false;
  /** Keeps a self-driven world running (a referenced timer, as in Node's ref/unref). */
  ref = true;
  /** Position in the heap, -1 once out of it. */
  at = -1;
  constructor(
    public time: number,
    public order: number,
    readonly seq: number,
    readonly kind: EventKind,
    readonly owner: EventOwner | null,
    readonly epoch: number,
    readonly fn: () => void,
    /** Extra words for the trace label (network pair, fault name), or empty. */
    readonly label: string,
  ) {}
}

export class EventQueue {
  private heap: SimEvent[] = [];
  /** Live (not cancelled) events that keep a self-driven world running. */
  refs = 0;
  private cancelledInHeap = 0;

  get size(): number {
    return this.heap.length - this.cancelledInHeap;
  }

  push(e: SimEvent): void {
    if (e.ref) this.refs++;
    const heap = this.heap;
    heap.push(e);
    this.up(heap.length - 1);
  }

  /** Remove and return the earliest live event, or undefined. */
  pop(): SimEvent | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      this.removeTop();
      if (top.cancelled) {
        this.cancelledInHeap--;
        continue;
      }
      if (top.ref) this.refs--;
      return top;
    }
    return undefined;
  }

  /** The earliest live event without removing it. */
  peek(): SimEvent | undefined {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.cancelled) {
      this.removeTop();
      this.cancelledInHeap--;
    }
    return heap[0];
  }

  cancel(e: SimEvent): boolean {
    if (e.cancelled || e.at < 0) return false;
    e.cancelled = true;
    if (e.ref) this.refs--;
    this.cancelledInHeap++;
    if (this.cancelledInHeap > 1024 && this.cancelledInHeap > this.heap.length >>> 1) this.compact();
    return true;
  }

  setRef(e: SimEvent, ref: boolean): void {
    if (e.ref === ref) return;
    e.ref = ref;
    if (!e.cancelled && e.at >= 0) this.refs += ref ? 1 : -1;
  }

  /** Move every live event matching `match` to `time(event)` (a host's clock jumped). */
  retime(match: (e: SimEvent) => boolean, time: (e: SimEvent) => number): number {
    let moved = 0;
    for (const e of this.heap) {
      if (!e.cancelled && match(e)) {
        e.time = time(e);
        moved++;
      }
    }
    if (moved > 0) this.rebuild();
    return moved;
  }

  /** Drop everything (the world is disposed). */
  clear(): void {
    for (const e of this.heap) e.at = -1;
    this.heap = [];
    this.refs = 0;
    this.cancelledInHeap = 0;
  }

  // --- internal ---

  private removeTop(): void {
    const heap = this.heap;
    const top = heap[0]!;
    top.at = -1;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      last.at = 0;
      this.down(0);
    }
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    for (const e of this.heap) if (e.cancelled) e.at = -1;
    this.heap = live;
    this.cancelledInHeap = 0;
    this.rebuild();
  }

  private rebuild(): void {
    const heap = this.heap;
    for (let i = 0; i < heap.length; i++) heap[i]!.at = i;
    for (let i = (heap.length >>> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = heap[parent]!;
      if (!before(e, p)) break;
      heap[i] = p;
      p.at = i;
      i = parent;
    }
    heap[i] = e;
    e.at = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i]!;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (!before(child, e)) break;
      heap[i] = child;
      child.at = i;
      i = c;
    }
    heap[i] = e;
    e.at = i;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.order !== b.order) return a.order < b.order;
  return a.seq < b.seq;
}
