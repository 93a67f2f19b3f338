/**
 * The engine's timers: one binary min-heap ordered by (due time, sequence), with a single
 * reactor timer armed for the earliest entry. Scheduling and cancelling are O(log n) and
 * O(1) (cancellation is lazy; the heap is compacted when most of it is cancelled), so a
 * million timers cost a million heap entries, not a million host timers. Callers
 * guarantee callbacks do not throw (the engine wraps user-facing work).
 *
 * The due times live in the service, in a `Float64Array` beside the heap (and one beside the
 * pending list below), not in the slots: the heap compares numbers in one array instead of
 * following a pointer per comparison, and a slot carries no fractional number, which V8
 * would keep in a separate heap object per slot (a million pending timers are a million live
 * objects that every young-generation GC copies).
 *
 * A timer due no earlier than the armed host timer waits, with its due time and sequence
 * already fixed, in a plain list until the heap is next read (to fire or to re-arm): most
 * such timers are cancelled before then (a request's timeout, a `sendAfter` cancelled when
 * the reply comes), and then they never touch the heap. The firing order is the order of the
 * (due, sequence) keys alone, so when a timer enters the heap changes nothing in it; and a
 * timer due before the armed one is put in at once and re-arms, as ever, so the host timer
 * calls are the same as without the list.
 */
import type { Reactor, ReactorTimer } from '../reactor.js';

/**
 * What the heap holds: a {@link TimerEntry}, or an object that is its own entry (a pending
 * ask is its own timeout, so an ask costs no entry and no closure; see ./ask.ts). The
 * service sets `seq` and `cancelled` (and keeps the due time itself); `fire` runs when it
 * is due.
 */
export interface TimerSlot {
  cancelled: boolean;
  seq: number;
  readonly repeatMs: number;
  fire(entry: TimerSlot): void;
}

/** One scheduled callback. `repeatMs > 0` makes it periodic. */
export class TimerEntry implements TimerSlot {
  cancelled = false;
  constructor(
    readonly id: number,
    public seq: number,
    readonly repeatMs: number,
    readonly fire: (entry: TimerEntry) => void,
    /** Free slot for the owner's bookkeeping (e.g. the actor that owns it). */
    public owner: unknown,
  ) {}
}

const MAX_HOST_DELAY_MS = 2 ** 31 - 1;

export class TimerService {
  private readonly heap: TimerSlot[] = [];
  /** The due time of `heap[i]` at `heapDue[i]` (its length only grows). */
  private heapDue = new Float64Array(64);
  /**
   * Slots scheduled (due and sequence set) but not yet in the heap, each due no earlier than
   * the armed host timer when it came: the first {@link pendingCount} entries (the rest are
   * `undefined`); cancelled ones are skipped when they are moved in. The array keeps its
   * length once grown (8 bytes a slot, at most the peak number of pending timers): growing a
   * large array again after every burst costs about as much as the burst's heap inserts.
   */
  private readonly pending: (TimerSlot | undefined)[] = [];
  private pendingCount = 0;
  /** The due time of `pending[i]` at `pendingDue[i]`. */
  private pendingDue = new Float64Array(64);
  private live = 0;
  private nextSeq = 0;
  private armed: ReactorTimer | null = null;
  private armedDue = Infinity;
  /** Whether the armed host timer is parked (kept without keeping the process alive). */
  private parked = false;
  private readonly onReactorTimer = () => this.fireDue();
  /**
   * Slots scheduled in the current synchronous burst, not yet in the heap, with their `due`
   * holding their delay (reactors with `lazyTimerStart` only; see {@link scheduleSlot}).
   */
  private readonly unstamped: ((TimerSlot & { due: number }) | undefined)[] = [];
  /**
   * How many of {@link unstamped} are in use. A count, not the array's length: an array
   * emptied by `length = 0` lets its storage go, and a lone ask then allocated it again
   * every time (and the heap's, below, with it).
   */
  private unstampedCount = 0;
  private readonly lazyStart: boolean;
  private readonly stampSoon = () => this.stampUnstamped();

  private firing = false;

  constructor(
    private readonly reactor: Reactor,
    /** Where a throwing callback goes (callbacks should not throw; the engine wraps its own). */
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.lazyStart = reactor.lazyTimerStart === true;
  }

  /** Number of timers that have not fired (one-shot) or been cancelled. */
  get size(): number {
    return this.live;
  }

  schedule(delayMs: number, repeatMs: number, fire: (entry: TimerEntry) => void, owner: unknown = null): TimerEntry {
    const seq = this.nextSeq++;
    const entry = new TimerEntry(seq + 1, seq, repeatMs, fire, owner);
    this.add(entry, this.reactor.now() + delayMs);
    return entry;
  }

  /**
   * Schedule `slot` itself, one-shot, `delayMs` from now: its `fire(slot)` runs when due,
   * unless {@link cancel}led first. It takes its place in the same (due, sequence) order as
   * {@link schedule}'s entries (and uses up a sequence number, so the ids of other timers do
   * not depend on whether a slot or an entry was scheduled). The slot must not be in the heap
   * already.
   *
   * On a reactor with `lazyTimerStart` (the Node one) the delay runs from a clock reading
   * taken once for every slot scheduled in the same burst, by {@link stamp} or by a microtask
   * queued by the first slot (so after the microtasks queued before it, the engine's drain
   * among them): never earlier than the call, and a slot cancelled before then (an ask
   * answered in that drain) never reads the clock nor touches the heap. Elsewhere (the
   * simulator) it runs from now.
   *
   * `stampedSoon`: the caller will call {@link stamp} before the microtasks queued after this
   * call have run (the engine does, at the end of the drain under way or queued), so the
   * burst needs no microtask of its own; the first slot of a burst decides.
   */
  scheduleSlot(slot: TimerSlot & { due: number; readonly repeatMs: 0 }, delayMs: number, stampedSoon = false): void {
    slot.seq = this.nextSeq++;
    slot.cancelled = false;
    if (this.lazyStart) {
      slot.due = delayMs;
      this.live++;
      this.unstamped[this.unstampedCount] = slot;
      if (++this.unstampedCount === 1 && !stampedSoon) this.reactor.soon(this.stampSoon);
      return;
    }
    this.add(slot, this.reactor.now() + delayMs);
  }

  /**
   * Give the slots scheduled since the last stamp their start (see {@link scheduleSlot}'s
   * `stampedSoon`); nothing when there are none or all were cancelled.
   */
  stamp(): void {
    if (this.unstampedCount !== 0) this.stampUnstamped();
  }

  /**
   * Schedule `slot` itself, `delayMs` from now (periodic when its `repeatMs` > 0): its
   * `fire(slot)` runs when due, unless {@link cancel}led first. Returns its timer id: the
   * sequence number it is scheduled with, plus one (as {@link schedule}'s; unique, since
   * sequence numbers are never reused, and for a one-shot timer, whose sequence number does
   * not change, readable from it later). The slot must not be in the heap already.
   */
  scheduleOwn(slot: TimerSlot, delayMs: number): number {
    const seq = this.nextSeq++;
    const id = seq + 1;
    slot.seq = seq;
    slot.cancelled = false;
    this.add(slot, this.reactor.now() + delayMs);
    return id;
  }

  private add(entry: TimerSlot, due: number): void {
    this.live++;
    this.unpark();
    if (due < this.armedDue) {
      this.push(entry, due);
      this.arm();
    } else {
      this.appendPending(entry, due);
    }
  }

  /** `slot`, due no earlier than the armed host timer, waits in the pending list. */
  private appendPending(slot: TimerSlot, due: number): void {
    const i = this.pendingCount++;
    if (i === this.pendingDue.length) this.pendingDue = grown(this.pendingDue, i + 1);
    this.pendingDue[i] = due;
    this.pending[i] = slot;
  }

  /** Move the pending slots that are still live into the heap. */
  private flushPending(): void {
    const pending = this.pending;
    const n = this.pendingCount;
    if (n === 0) return;
    const dues = this.pendingDue;
    const heap = this.heap;
    if (n > heap.length) {
      // Many at once (a burst): append and rebuild, O(heap + pending), rather than sift each.
      if (this.heapDue.length < heap.length + n) this.heapDue = grown(this.heapDue, heap.length + n);
      const heapDue = this.heapDue;
      for (let i = 0; i < n; i++) {
        const slot = pending[i]!;
        if (slot.cancelled) continue;
        heapDue[heap.length] = dues[i]!;
        heap.push(slot);
      }
      this.heapify();
    } else {
      for (let i = 0; i < n; i++) {
        const slot = pending[i]!;
        if (!slot.cancelled) this.push(slot, dues[i]!);
      }
    }
    this.forgetPending();
  }

  /** Empty the pending list, keeping its length (see {@link pending}). */
  private forgetPending(): void {
    clearSlots(this.pending, 0, this.pendingCount);
    this.pendingCount = 0;
  }

  /**
   * Give the slots of the burst their due time (one clock reading) and place the live ones
   * as {@link add} does: in the heap (re-arming) when due before the armed host timer, else
   * in the pending list. A request's timeout is usually the latter (the host timer armed
   * for an earlier one of the same length is still there, parked): no heap insert, and
   * nothing allocated when the reply cancels it.
   */
  private stampUnstamped(): void {
    const n = this.unstampedCount;
    if (n === 0) return;
    const slots = this.unstamped;
    let now = -1;
    let earlier = false;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      slots[i] = undefined;
      if (slot.cancelled) continue;
      if (now < 0) now = this.reactor.now();
      const due = slot.due + now;
      if (due < this.armedDue) {
        this.push(slot, due);
        earlier = true;
      } else {
        this.appendPending(slot, due);
      }
    }
    this.unstampedCount = 0;
    if (now < 0) return;
    this.unpark();
    if (earlier) this.arm();
  }

  /** Empty the list of unstamped slots, keeping its length (see {@link unstampedCount}). */
  private forgetUnstamped(): void {
    clearSlots(this.unstamped, 0, this.unstampedCount);
    this.unstampedCount = 0;
  }

  /** The host timer keeps the process alive again (a live timer is in the heap). */
  private unpark(): void {
    if (this.parked) {
      this.parked = false;
      if (this.armed !== null) this.reactor.keepAlive(this.armed, true);
    }
  }

  /** Cancel; false when it already fired (one-shot) or was cancelled. */
  cancel(entry: TimerSlot): boolean {
    if (entry.cancelled) return false;
    entry.cancelled = true;
    // Small, so that it inlines where a reply settles a request; the rest is out of line.
    if (--this.live === 0) this.emptied();
    else if (!this.firing && this.heap.length + this.pendingCount > 1024 && this.live < (this.heap.length + this.pendingCount) >>> 2) this.compact();
    return true;
  }

  /** No timer is live: forget the cancelled ones, and park the host timer. */
  private emptied(): void {
    // Park the host timer instead of clearing it: the next schedule (the next ask, say)
    // usually reuses it, which saves a host timer per request.
    if (this.heap.length !== 0) this.heap.length = 0;
    this.forgetPending();
    this.forgetUnstamped();
    if (this.armed !== null && !this.parked) {
      this.parked = true;
      this.reactor.keepAlive(this.armed, false);
    }
  }

  /** Cancel everything (engine shutdown). */
  clear(): void {
    for (const e of this.heap) e.cancelled = true;
    for (let i = 0; i < this.pendingCount; i++) this.pending[i]!.cancelled = true;
    for (let i = 0; i < this.unstampedCount; i++) this.unstamped[i]!.cancelled = true;
    this.heap.length = 0;
    this.pending.length = 0;
    this.pendingCount = 0;
    this.unstamped.length = 0;
    this.unstampedCount = 0;
    this.live = 0;
    this.disarm();
  }

  // --- internal ---

  private fireDue(): void {
    this.armed = null;
    this.armedDue = Infinity;
    this.parked = false;
    this.stampUnstamped();
    this.flushPending();
    // Fire what is due now, but not entries scheduled by the callbacks themselves at the
    // same instant: they wait for the next round, so a zero-interval timer cannot spin.
    // Callbacks may cancel timers: no compaction while firing (the heap is read afresh).
    const now = this.reactor.now();
    const limitSeq = this.nextSeq;
    this.firing = true;
    try {
      while (this.heap.length > 0) {
        const top = this.heap[0]!;
        if (top.cancelled) {
          this.pop();
          continue;
        }
        const due = this.heapDue[0]!;
        if (due > now || top.seq >= limitSeq) break;
        this.pop();
        if (top.repeatMs > 0) {
          top.seq = this.nextSeq++;
          this.push(top, Math.max(due + top.repeatMs, now));
        } else {
          top.cancelled = true;
          this.live--;
        }
        try {
          top.fire(top);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  private arm(): void {
    this.flushPending();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.cancelled) this.pop();
    if (heap.length === 0) {
      this.disarm();
      return;
    }
    const due = this.heapDue[0]!;
    if (this.armed !== null && due >= this.armedDue) return;
    this.disarm();
    this.armedDue = due;
    // Hosts take at most 2^31-1 ms (Node fires a longer delay after 1 ms): wake up then and re-arm.
    this.armed = this.reactor.setTimer(Math.min(MAX_HOST_DELAY_MS, Math.max(0, due - this.reactor.now())), this.onReactorTimer);
    this.parked = false;
  }

  private disarm(): void {
    if (this.armed !== null) {
      this.reactor.clearTimer(this.armed);
      this.armed = null;
    }
    this.armedDue = Infinity;
    this.parked = false;
  }

  private compact(): void {
    const heap = this.heap;
    const heapDue = this.heapDue;
    let live = 0;
    for (let i = 0; i < heap.length; i++) {
      const slot = heap[i]!;
      if (slot.cancelled) continue;
      heapDue[live] = heapDue[i]!;
      heap[live++] = slot;
    }
    if (live < heap.length) {
      heap.length = live;
      this.heapify();
    }
    // The pending list in place (no new array; see `pending`).
    const pending = this.pending;
    const dues = this.pendingDue;
    const n = this.pendingCount;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const slot = pending[i]!;
      if (slot.cancelled) continue;
      dues[kept] = dues[i]!;
      pending[kept++] = slot;
    }
    clearSlots(pending, kept, n);
    this.pendingCount = kept;
  }

  /** Restore the heap order over the whole array (Floyd's bottom-up build, O(n)). */
  private heapify(): void {
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(slot: TimerSlot, due: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(slot);
    if (i === this.heapDue.length) this.heapDue = grown(this.heapDue, i + 1);
    const dues = this.heapDue;
    const seq = slot.seq;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const parentDue = dues[parent]!;
      if (!(due < parentDue || (due === parentDue && seq < heap[parent]!.seq))) break;
      heap[i] = heap[parent]!;
      dues[i] = parentDue;
      i = parent;
    }
    heap[i] = slot;
    dues[i] = due;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      heap[0] = last;
      this.heapDue[0] = this.heapDue[n]!;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const dues = this.heapDue;
    const n = heap.length;
    const slot = heap[i]!;
    const due = dues[i]!;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let childDue = dues[l]!;
      const r = l + 1;
      if (r < n) {
        const rightDue = dues[r]!;
        if (rightDue < childDue || (rightDue === childDue && heap[r]!.seq < heap[l]!.seq)) {
          c = r;
          childDue = rightDue;
        }
      }
      if (!(childDue < due || (childDue === due && heap[c]!.seq < slot.seq))) break;
      heap[i] = heap[c]!;
      dues[i] = childDue;
      i = c;
    }
    heap[i] = slot;
    dues[i] = due;
  }
}

/** `array` copied into one at least `length` long (twice as long, at least). */
function grown(array: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * Let go of `slots[from, to)`, keeping the array's length. A loop, not `fill`: the lists are
 * short where this runs once per burst of requests, and `fill` is a call into the runtime.
 */
function clearSlots(slots: unknown[], from: number, to: number): void {
  for (let i = from; i < to; i++) slots[i] = undefined;
}
