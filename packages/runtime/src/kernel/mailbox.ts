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

/** @internal The meta a slot from {@link Mailbox.takeSlot} holds its message in, or null when the slot is the message itself. */
export function slotMeta(slot: unknown): MessageMeta | null {
  return slot instanceof MessageMeta && MessageMeta.held(slot) !== NOT_HELD ? slot : null;
}

/** @internal The message of a slot taken from a lane, given its {@link slotMeta}: the meta gives its message up. */
export function messageIn(slot: unknown, meta: MessageMeta | null): unknown {
  return meta === null ? slot : MessageMeta.release(meta);
}

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
 * What few mailboxes have: a bound and its overflow policy, the high and low lanes (made by
 * the first message sent with that priority), senders waiting for room. A mailbox without
 * any of these (nearly all) holds none of it: its plain sends and takes ask one field.
 */
class MailboxRare {
  high: Deque<Slot> | null = null;
  low: Deque<Slot> | null = null;
  waiters: Deque<RoomWaiter> | null = null;

  constructor(
    readonly capacity: number,
    readonly policy: OverflowPolicy,
    readonly maxWaiters: number,
  ) {}
}

/** The rare state of a mailbox made without options, once it first needs one (a priority lane). */
function unboundedRare(): MailboxRare {
  return new MailboxRare(Infinity, 'drop-newest', MAILBOX_DEFAULTS.maxWaiters);
}

/**
 * A mailbox is its own normal lane (it extends the lane's {@link ChunkedFifo}): a plain send
 * and a take touch the mailbox and the lane's chunk, not a mailbox, a deque and the chunk.
 * With many actors each hop reaches another actor's memory, and an object fewer on the path
 * is a cache line fewer per message. What few mailboxes use (a bound, priority lanes,
 * waiting senders) is one object apart ({@link MailboxRare}), so a mailbox is 128 bytes and
 * its first chunk 40, where a mailbox, its lane and the lane's chunk were 264. The inherited
 * `length` is the normal lane's; {@link Mailbox.size} counts every lane.
 */
export class Mailbox extends ChunkedFifo<Slot> {
  /** User messages queued, all lanes. */
  size = 0;
  /**
   * The receiver's meta of the message being handled (its pending ask). A fact about the
   * receiver rather than the queue, kept here because only an actor that has had a request
   * (or queued messages) has a mailbox: an idle actor's cell stays smaller.
   */
  current: MessageMeta | null = null;
  /**
   * The behaviour whose handler the receiver last looked up, and that handler: the receiver's
   * too, kept here for the same reason (set and read only by the cell's turn).
   */
  receiver: object | null = null;
  receive: ((message: never, ctx: never) => unknown) | null = null;
  /** The bound, the other lanes and the waiting senders; null while the mailbox has none of them. */
  private rare: MailboxRare | null = null;

  constructor(options?: MailboxOptions) {
    // Two slots: most mailboxes hold a message or two at a time; a longer queue links larger chunks.
    super(2);
    if (options === undefined || (options.maxWaiters === undefined && options.capacity === undefined && options.overflow === undefined)) return;
    let maxWaiters: number = MAILBOX_DEFAULTS.maxWaiters;
    let capacity = Infinity;
    let policy: OverflowPolicy = 'drop-newest';
    if (options.maxWaiters !== undefined) {
      if (!Number.isInteger(options.maxWaiters) || options.maxWaiters < 0) {
        throw new ArgumentError(`mailbox.maxWaiters must be an integer >= 0, got ${String(options.maxWaiters)}`);
      }
      maxWaiters = options.maxWaiters;
    }
    if (options.capacity !== undefined) {
      if (!Number.isInteger(options.capacity) || options.capacity < 1) {
        throw new ArgumentError(`mailbox.capacity must be a positive integer, got ${String(options.capacity)}`);
      }
      capacity = options.capacity;
    }
    if (options.overflow !== undefined) {
      if (!POLICIES.has(options.overflow)) {
        throw new ArgumentError(`mailbox.overflow must be one of ${[...POLICIES].join(', ')}, got ${String(options.overflow)}`);
      }
      policy = options.overflow;
    }
    this.rare = new MailboxRare(capacity, policy, maxWaiters);
  }

  /**
   * True for a mailbox with none of the rare state (no bound, no priority lane, no waiting
   * sender): a plain send to it is a push to the normal lane, nothing else to check.
   */
  get plain(): boolean {
    return this.rare === null;
  }

  /** True when the mailbox has a bound (only then can it be full or have waiting senders). */
  get bounded(): boolean {
    return this.rare !== null && this.rare.capacity !== Infinity;
  }

  /** The most user messages it holds (Infinity: no bound). */
  get capacity(): number {
    return this.rare === null ? Infinity : this.rare.capacity;
  }

  /** What a send to a full mailbox does. */
  get policy(): OverflowPolicy {
    return this.rare === null ? 'drop-newest' : this.rare.policy;
  }

  /** Has the `backpressure` queue of waiting senders anyone in it. */
  get hasWaiters(): boolean {
    const rare = this.rare;
    return rare !== null && rare.waiters !== null && rare.waiters.length > 0;
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
    const rare = this.rare;
    if (rare === null || rare.policy !== 'backpressure' || (this.size < rare.capacity && !this.hasWaiters)) return false;
    return (rare.waiters?.length ?? 0) < rare.maxWaiters;
  }

  /** Queue a waiting sender (backpressure; check {@link mustWait} first: only a bounded mailbox has any). */
  wait(message: unknown, meta: MessageMeta | null, priority: Priority | undefined, resolve: (r: SendResult) => void): void {
    const rare = (this.rare ??= unboundedRare());
    (rare.waiters ??= new Deque<RoomWaiter>(4)).push({ message, meta, priority, resolve });
  }

  /**
   * @internal Remove and return the next slot by priority, unopened: the message, or the meta
   * holding it (see {@link slotMeta} and {@link messageIn}). The caller keeps the meta in a
   * local: kept in the mailbox, each request's meta would be one more store of a new object
   * into an old one (a write barrier's slow path). Caller checks size > 0.
   */
  takeSlot(): Slot {
    const rare = this.rare;
    // Most mailboxes never see a priority, a bound or a waiting sender: one field says so.
    if (rare === null) {
      const slot = this.dequeue();
      this.size--;
      return slot;
    }
    const slot = this.byPriority(rare);
    this.size--;
    this.admitWaiter(rare);
    return slot;
  }

  /** Evict the oldest message of the lowest non-empty lane (drop-oldest); returns its meta. */
  evictOldest(): { message: unknown; meta: MessageMeta | null } {
    const low = this.rare?.low ?? null;
    const slot = low !== null && low.length > 0 ? low.shift() : this.length > 0 ? this.dequeue() : this.rare!.high!.shift();
    this.size--;
    const meta = slotMeta(slot);
    return { message: messageIn(slot, meta), meta };
  }

  /** Selective receive: remove the oldest message satisfying `match`, in lane order. */
  takeMatching(match: (m: unknown) => boolean): { found: boolean; message: unknown; meta: MessageMeta | null } {
    for (const lane of this.lanes()) {
      if (lane === null) continue;
      let matched: Slot = undefined;
      const i = lane.findIndex((slot) => (match(messageOf(slot)) ? ((matched = slot), true) : false));
      if (i < 0) continue;
      // `match` is user code: if it took from this lane while it ran, the slot it matched is
      // elsewhere now, or gone (then this lane has nothing to give).
      const at = i < lane.length && lane.at(i) === matched ? i : lane.indexOf(matched);
      if (at < 0) continue;
      const slot = lane.removeAt(at);
      this.size--;
      if (this.rare !== null) this.admitWaiter(this.rare);
      const meta = slotMeta(slot);
      return { found: true, message: messageIn(slot, meta), meta };
    }
    return NOT_FOUND;
  }

  /** Empty the mailbox, handing every message (and every waiting sender) to the callbacks. */
  drain(onMessage: (message: unknown, meta: MessageMeta | null) => void, onWaiter: (resolve: (r: SendResult) => void, message: unknown) => void): void {
    // Detach the waiting senders first: otherwise each takeSlot() below would admit one into
    // the dying mailbox and tell it "queued" for a message nobody will handle.
    const rare = this.rare;
    const waiters = rare === null ? null : rare.waiters;
    if (rare !== null) rare.waiters = null;
    while (this.size > 0) {
      const slot = this.takeSlot();
      const meta = slotMeta(slot);
      onMessage(messageIn(slot, meta), meta);
    }
    if (waiters !== null) {
      for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) onWaiter(w.resolve, w.message);
    }
  }

  /** Snapshot of queued messages, oldest first by lane (for introspection). */
  peek(limit: number): unknown[] {
    const out: unknown[] = [];
    for (const lane of this.lanes()) {
      if (lane === null) continue;
      for (let i = 0; i < lane.length && out.length < limit; i++) out.push(messageOf(lane.at(i)));
    }
    return out;
  }

  // --- internal ---

  /** The lanes in the order they are taken from: high, normal (this mailbox), low. */
  private lanes(): (ChunkedFifo<Slot> | null)[] {
    const rare = this.rare;
    return rare === null ? [this] : [rare.high, this, rare.low];
  }

  /** What {@link takeSlot} takes when the mailbox has rare state: from high, else normal, else low. */
  private byPriority(rare: MailboxRare): Slot {
    if (rare.high !== null && rare.high.length > 0) return rare.high.shift();
    if (this.length === 0 && rare.low !== null) return rare.low.shift();
    return this.dequeue();
  }

  /** The lane of `priority`: null for the normal one (this mailbox itself). */
  private lane(priority: Priority): Deque<Slot> | null {
    if (priority === 'normal') return null;
    if (priority === 'high') return ((this.rare ??= unboundedRare()).high ??= new Deque(4));
    if (priority === 'low') return ((this.rare ??= unboundedRare()).low ??= new Deque(4));
    throw new ArgumentError(`priority must be "high", "normal" or "low", got ${String(priority)}`);
  }

  /** A waiting sender's message queued now that there is room, if one waits and there is. */
  private admitWaiter(rare: MailboxRare): void {
    const waiters = rare.waiters;
    if (waiters === null || waiters.length === 0 || this.size >= rare.capacity) return;
    const w = waiters.shift()!;
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
