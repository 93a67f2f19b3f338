/**
 * A mailbox: three user lanes (high, normal, low; high and low allocated on first use),
 * an optional bound with an overflow policy, and the per-message meta (deadline, pending
 * ask) that only messages sent with options carry. The system lane lives in the cell:
 * this file knows nothing about actors and never runs actor code.
 *
 * A lane holds one slot per message: a message with a meta is queued as its meta, which
 * holds the message until it is taken. A plain send (no meta, the common case) so costs one
 * slot, not a (message, meta) pair — half the memory and copying of a long queue (fan-in).
 * The held message is a private field, set only here and cleared when taken, so a message
 * that happens to be a `MessageMeta` (an actor sending its `current`) is never mistaken for
 * a held one.
 */
import type { MailboxOptions, OverflowPolicy, Priority, SendResult } from '@pd/actor';
import { ArgumentError } from '@pd/actor';
import type { PendingAsk } from './ask.js';
import { ChunkedFifo, Deque } from './deque.js';

/** Extra facts about one message; absent (null) for a plain `send` unless a message probe is installed. */
export class MessageMeta {
  constructor(
    /** Reactor time after which the message is dropped as expired; Infinity for never. */
    readonly deadline: number,
    /** The ask to answer, if the message came from `ask` (set to null once replied or deferred). */
    public ask: PendingAsk | null,
  ) {}

  /** Reactor time the message was queued, for the mailbox-time histogram; -1 unless a probe stamped it. */
  queuedAt = -1;
  /**
   * The trace context the message carries, opaque to the kernel (a message probe's own form);
   * null when none was looked for, and a probe's "none" marker when it looked and found none.
   */
  trace: unknown = null;
  /** The message this meta stands for in a lane while queued; NOT_HELD otherwise. */
  #held: unknown = NOT_HELD;

  /** @internal Queue `message` as `meta`: the slot a lane stores. */
  static hold(meta: MessageMeta, message: unknown): MessageMeta {
    meta.#held = message;
    return meta;
  }

  /** @internal The message `meta` holds, and it no longer holds it (NOT_HELD when it held none). */
  static release(meta: MessageMeta): unknown {
    const message = meta.#held;
    meta.#held = NOT_HELD;
    return message;
  }

  /** @internal The message `meta` holds, left in place (NOT_HELD when none). */
  static held(meta: MessageMeta): unknown {
    return meta.#held;
  }
}

/** Marks a meta that holds no queued message. */
const NOT_HELD: unique symbol = Symbol('not-held');

/** What a lane slot holds: the message itself, or the meta holding it. */
type Slot = unknown;

/** Defaults of the mailbox options. */
export const MAILBOX_DEFAULTS = {
  /**
   * `sendWait` callers a `backpressure` mailbox keeps waiting, at most (invariant 9: each
   * holds its message and a promise, a few hundred bytes; 10 000 is a few MiB per mailbox).
   */
  maxWaiters: 10_000,
} as const;

/** A sender waiting for room in a `backpressure` mailbox. */
interface RoomWaiter {
  readonly message: unknown;
  readonly meta: MessageMeta | null;
  readonly priority: Priority | undefined;
  readonly resolve: (result: SendResult) => void;
}

/**
 * A mailbox is its own normal lane (it extends the lane's {@link ChunkedFifo}): a plain send
 * and a take touch the mailbox and the lane's chunk, not a mailbox, a deque and the chunk.
 * With many actors each hop reaches another actor's memory, and an object fewer on the path
 * is a cache line fewer per message; an active actor is 32 bytes smaller. The inherited
 * `length` is the normal lane's; {@link Mailbox.size} counts every lane. The fields the
 * message path reads come first, the rest (other lanes, the bound) after them.
 */
export class Mailbox extends ChunkedFifo<Slot> {
  /** User messages queued, all lanes. */
  size = 0;
  /** Meta of the message most recently returned by {@link take}. */
  lastMeta: MessageMeta | null = null;
  /**
   * The receiver's meta of the message being handled (its pending ask), and its count of
   * messages handled. Facts about the receiver rather than the queue, kept here because only
   * an actor that has had a message has a mailbox: an idle actor's cell stays smaller.
   */
  current: MessageMeta | null = null;
  handled = 0;
  /**
   * The behaviour whose handler the receiver last looked up, and that handler: the receiver's
   * too, kept here for the same reason (set and read only by the cell's turn).
   */
  receiver: object | null = null;
  receive: ((message: never, ctx: never) => unknown) | null = null;
  /** True when the mailbox has a bound (only then can it be full or have waiting senders). */
  readonly bounded: boolean;
  private high: Deque<Slot> | null = null;
  private low: Deque<Slot> | null = null;
  private waiters: Deque<RoomWaiter> | null = null;
  readonly capacity: number;
  readonly policy: OverflowPolicy;
  /** `sendWait` callers that may wait for room at once (`backpressure`). */
  readonly maxWaiters: number;

  constructor(options?: MailboxOptions) {
    super(4);
    this.capacity = Infinity;
    this.policy = 'drop-newest';
    this.maxWaiters = MAILBOX_DEFAULTS.maxWaiters;
    if (options !== undefined) {
      if (options.maxWaiters !== undefined) {
        if (!Number.isInteger(options.maxWaiters) || options.maxWaiters < 0) {
          throw new ArgumentError(`mailbox.maxWaiters must be an integer >= 0, got ${String(options.maxWaiters)}`);
        }
        this.maxWaiters = options.maxWaiters;
      }
      if (options.capacity !== undefined) {
        if (!Number.isInteger(options.capacity) || options.capacity < 1) {
          throw new ArgumentError(`mailbox.capacity must be a positive integer, got ${String(options.capacity)}`);
        }
        this.capacity = options.capacity;
      }
      if (options.overflow !== undefined) {
        if (!POLICIES.has(options.overflow)) {
          throw new ArgumentError(`mailbox.overflow must be one of ${[...POLICIES].join(', ')}, got ${String(options.overflow)}`);
        }
        this.policy = options.overflow;
      }
    }
    this.bounded = this.capacity !== Infinity;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Has the `backpressure` queue of waiting senders anyone in it. */
  get hasWaiters(): boolean {
    return this.waiters !== null && this.waiters.length > 0;
  }

  /** Queue without checking the bound (system-originated messages, room already checked). */
  push(message: unknown, meta: MessageMeta | null, priority: Priority | undefined): void {
    const slot = meta === null ? message : MessageMeta.hold(meta, message);
    const lane = priority === undefined ? null : this.lane(priority);
    if (lane === null) this.enqueue(slot);
    else lane.push(slot);
    this.size++;
  }

  /** The receiver's behaviour changed: its cached handler goes (and no longer keeps the old behaviour alive). */
  forgetHandler(): void {
    this.receiver = null;
    this.receive = null;
  }

  /** Queue a lane slot (a message, or the meta holding it: see {@link MessageMeta.hold}) in the normal lane, without checking the bound. */
  pushPlain(slot: Slot): void {
    this.enqueue(slot);
    this.size++;
  }

  /**
   * Whether a `sendWait` must wait for room: a full (or already waited on) `backpressure`
   * mailbox with fewer than `maxWaiters` waiting. False with the waiters at their bound: the
   * send is then made at once and refused like a plain one.
   */
  mustWait(): boolean {
    if (this.policy !== 'backpressure' || (this.size < this.capacity && !this.hasWaiters)) return false;
    return (this.waiters?.length ?? 0) < this.maxWaiters;
  }

  /** Queue a waiting sender (backpressure; check {@link mustWait} first); it is resolved when room appears. */
  wait(message: unknown, meta: MessageMeta | null, priority: Priority | undefined, resolve: (r: SendResult) => void): void {
    (this.waiters ??= new Deque<RoomWaiter>(4)).push({ message, meta, priority, resolve });
  }

  /** Remove and return the next message by priority; its meta goes to {@link lastMeta}. Caller checks size > 0. */
  take(): unknown {
    // Most mailboxes never see a priority: then the normal lane is the only one, unasked.
    const slot = this.high === null && this.low === null ? this.dequeue() : this.byPriority();
    this.size--;
    if (this.waiters !== null && this.waiters.length > 0) this.admitWaiter();
    return this.open(slot);
  }

  /** Evict the oldest message of the lowest non-empty lane (drop-oldest); returns its meta. */
  evictOldest(): { message: unknown; meta: MessageMeta | null } {
    const slot = this.low !== null && this.low.length > 0 ? this.low.shift() : this.length > 0 ? this.dequeue() : this.high!.shift();
    const message = this.open(slot);
    this.size--;
    return { message, meta: this.lastMeta };
  }

  /** Selective receive: remove the oldest message satisfying `match`, in lane order. */
  takeMatching(match: (m: unknown) => boolean): { found: boolean; message: unknown; meta: MessageMeta | null } {
    for (const lane of [this.high, this, this.low]) {
      if (lane === null) continue;
      let matched: Slot = undefined;
      const i = lane.findIndex((slot) => (match(messageOf(slot)) ? ((matched = slot), true) : false));
      if (i < 0) continue;
      // `match` is user code: if it took from this lane while it ran, the slot it matched is
      // elsewhere now, or gone (then this lane has nothing to give).
      const at = i < lane.length && lane.at(i) === matched ? i : lane.indexOf(matched);
      if (at < 0) continue;
      const message = this.open(lane.removeAt(at));
      this.size--;
      if (this.waiters !== null && this.waiters.length > 0) this.admitWaiter();
      return { found: true, message, meta: this.lastMeta };
    }
    return NOT_FOUND;
  }

  /** Empty the mailbox, handing every message (and every waiting sender) to the callbacks. */
  drain(onMessage: (message: unknown, meta: MessageMeta | null) => void, onWaiter: (resolve: (r: SendResult) => void, message: unknown) => void): void {
    // Detach the waiting senders first: otherwise each take() below would admit one into
    // the dying mailbox and tell it "queued" for a message nobody will handle.
    const waiters = this.waiters;
    this.waiters = null;
    while (this.size > 0) {
      const message = this.take();
      onMessage(message, this.lastMeta);
    }
    if (waiters !== null) {
      for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) onWaiter(w.resolve, w.message);
    }
  }

  /** Snapshot of queued messages, oldest first by lane (for introspection). */
  peek(limit: number): unknown[] {
    const out: unknown[] = [];
    for (const lane of [this.high, this, this.low]) {
      if (lane === null) continue;
      for (let i = 0; i < lane.length && out.length < limit; i++) out.push(messageOf(lane.at(i)));
    }
    return out;
  }

  // --- internal ---

  /** What {@link take} takes when high or low exist: from high, else normal, else low. */
  private byPriority(): Slot {
    if (this.high !== null && this.high.length > 0) return this.high.shift();
    if (this.length === 0 && this.low !== null) return this.low.shift();
    return this.dequeue();
  }

  /** The message in `slot`, its meta (or null) left in {@link lastMeta}. */
  private open(slot: Slot): unknown {
    if (slot instanceof MessageMeta) {
      const message = MessageMeta.release(slot);
      if (message !== NOT_HELD) {
        this.lastMeta = slot;
        return message;
      }
    }
    this.lastMeta = null;
    return slot;
  }

  /** The lane of `priority`: null for the normal one (this mailbox itself). */
  private lane(priority: Priority): Deque<Slot> | null {
    if (priority === 'normal') return null;
    if (priority === 'high') return (this.high ??= new Deque(4));
    if (priority === 'low') return (this.low ??= new Deque(4));
    throw new ArgumentError(`priority must be "high", "normal" or "low", got ${String(priority)}`);
  }

  private admitWaiter(): void {
    if (this.size >= this.capacity) return;
    const w = this.waiters!.shift()!;
    this.push(w.message, w.meta, w.priority);
    w.resolve('queued');
  }
}

/** The message a lane slot stands for, without taking it. */
function messageOf(slot: Slot): unknown {
  if (slot instanceof MessageMeta) {
    const message = MessageMeta.held(slot);
    if (message !== NOT_HELD) return message;
  }
  return slot;
}

const POLICIES: ReadonlySet<OverflowPolicy> = new Set(['drop-newest', 'drop-oldest', 'reject', 'backpressure']);
const NOT_FOUND = Object.freeze({ found: false, message: undefined, meta: null });
