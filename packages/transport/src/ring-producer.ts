/**
 * The producer end of a ring: stages frames, publishes a batch with one tail store, and
 * notifies the consumer only when it sleeps. Owns: the write counter, skip markers at the
 * wrap, and the overflow queue (a frame that does not fit waits there in order: nothing
 * dropped, nothing blocks). Must not: be used from two threads. Overflow is unbounded;
 * callers bound it by watching `overflowBytes` and awaiting `waitForSpace()`.
 */
import { assert } from '@pd/actor/internal';
import { TransportError } from './errors.js';
import {
  AWAKE, CONSUMER_STATE, HEAD, PRODUCER_STATE, RingEnd, SKIP, SLEEPING, TAIL, checkTimeout, recordBytes, waitAsync,
  type RingWaitResult,
} from './ring.js';

/** Writes frames into a ring. Frames become visible to the consumer on {@link publish}. */
export class RingProducer extends RingEnd {
  #tail: number;
  #published: number;
  #headCache: number;
  #overflow: Uint8Array[] = [];
  #overflowNext = 0;
  #overflowBytes = 0;
  #reserved = -1;
  #tailBeforeReserve = 0;
  #framesWritten = 0;
  #framesOverflowed = 0;
  #wakeups = 0;
  /** A publish left a sleeping consumer asleep (`wake` false): the next waking publish must notify. */
  #unwoken = false;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.#tail = this.#published = Atomics.load(this.control, TAIL) >>> 0;
    this.#headCache = Atomics.load(this.control, HEAD) >>> 0;
  }

  /** Frames waiting in the overflow queue. */
  get overflowFrames(): number {
    return this.#overflow.length - this.#overflowNext;
  }

  /** Bytes waiting in the overflow queue. */
  get overflowBytes(): number {
    return this.#overflowBytes;
  }

  /** Counters: frames that went into the ring, frames that went through overflow, wake-ups sent. */
  get stats(): { readonly framesWritten: number; readonly framesOverflowed: number; readonly wakeups: number } {
    return { framesWritten: this.#framesWritten, framesOverflowed: this.#framesOverflowed, wakeups: this.#wakeups };
  }

  /** Writes one frame and publishes. True when it went into the ring, false when it was queued in overflow. */
  write(frame: Uint8Array): boolean {
    const direct = this.stage(frame);
    this.publish();
    return direct;
  }

  /** Writes many frames and publishes once. Returns how many went straight into the ring. */
  writeMany(frames: readonly Uint8Array[]): number {
    let direct = 0;
    for (let i = 0; i < frames.length; i++) if (this.stage(frames[i]!)) direct++;
    this.publish();
    return direct;
  }

  /**
   * Copies `frame` into the ring without publishing it; when the ring is full (or older
   * frames are still in overflow) a copy joins the overflow queue. True when it went in.
   * Throws `ring/frame-too-large` above {@link maxFrameBytes}, `ring/closed` after close.
   */
  stage(frame: Uint8Array): boolean {
    const at = this.reserve(frame.length);
    if (at < 0) {
      this.#enqueue(frame);
      return false;
    }
    this.bytes.set(frame, at);
    this.#reserved = -1;
    this.#framesWritten++;
    return true;
  }

  /**
   * Reserves `length` contiguous bytes for a frame written in place (e.g. an envelope
   * header, then its payload) and returns their offset in {@link bytes}, or -1 when the
   * ring has no room or overflow is not empty (then build the frame and `write` it).
   * Follow with {@link commit}; nothing else may be staged in between.
   */
  reserve(length: number): number {
    this.#checkWritable(length);
    if (this.#overflowNext < this.#overflow.length && !this.#drain()) return -1;
    const before = this.#tail;
    const at = this.#claim(length);
    if (at >= 0) {
      this.#reserved = length;
      this.#tailBeforeReserve = before;
    }
    return at;
  }

  /** Abandons the current reservation, as if it had never been made. */
  cancel(): void {
    assert(this.#reserved >= 0, 'ring: cancel() without reserve()');
    this.#tail = this.#tailBeforeReserve;
    this.#reserved = -1;
  }

  /** Ends a reservation: the frame holds the first `usedLength` (at most the reserved length) bytes. */
  commit(usedLength: number = this.#reserved): void {
    const reserved = this.#reserved;
    assert(reserved >= 0, 'ring: commit() without reserve()');
    if (!Number.isInteger(usedLength) || usedLength < 0 || usedLength > reserved) {
      throw new RangeError(`ring: commit(${usedLength}) outside the reserved ${reserved} bytes`);
    }
    this.#reserved = -1;
    this.#framesWritten++;
    if (usedLength === reserved) return;
    this.#tail = (this.#tail - recordBytes(reserved) + recordBytes(usedLength)) >>> 0;
    this.words[((this.#tail - recordBytes(usedLength)) & this.mask) >> 2] = usedLength;
  }

  /**
   * Makes staged frames visible (one tail store) and wakes the consumer if, and only if, it
   * sleeps. With `wake` false a sleeping consumer is left asleep while the ring is less than
   * half full — the caller promises a waking publish soon (the end of its turn): a stream
   * then pays one notify per turn, not one per publish. A consumer that polls sees the
   * frames at once either way.
   */
  publish(wake = true): void {
    assert(this.#reserved < 0, 'ring: commit() the reservation before publishing');
    if (this.#tail !== this.#published) {
      Atomics.store(this.control, TAIL, this.#tail | 0);
      this.#published = this.#tail;
    } else if (!this.#unwoken) {
      return;
    }
    const c = this.control;
    if (Atomics.load(c, CONSUMER_STATE) !== SLEEPING) {
      this.#unwoken = false;
      return;
    }
    if (!wake && ((this.#tail - this.#headCache) >>> 0) < this.capacity >>> 1) {
      this.#unwoken = true;
      return;
    }
    this.#unwoken = false;
    if (Atomics.compareExchange(c, CONSUMER_STATE, SLEEPING, AWAKE) === SLEEPING) {
      Atomics.notify(c, CONSUMER_STATE, 1);
      this.#wakeups++;
    }
  }

  /**
   * Moves overflowed frames into the ring as far as they fit, then publishes (waking a
   * sleeping consumer as {@link publish} says; always while overflow waits for room).
   * True when overflow is empty.
   */
  flush(wake = true): boolean {
    const empty = this.#drain();
    this.publish(wake || !empty);
    return empty;
  }

  /**
   * Resolves when the consumer has freed space since the producer last looked (or at
   * once if it already has), after `timeoutMs`, or on close. Never blocks the thread. It
   * may resolve with nothing new to write: call {@link flush} and check again.
   */
  waitForSpace(timeoutMs = Infinity): Promise<RingWaitResult> {
    checkTimeout(timeoutMs);
    const c = this.control;
    if (this.closed) return Promise.resolve('closed');
    Atomics.store(c, PRODUCER_STATE, SLEEPING);
    const head = Atomics.load(c, HEAD) >>> 0;
    if (head !== this.#headCache || this.closed) {
      Atomics.store(c, PRODUCER_STATE, AWAKE);
      this.#headCache = head;
      return Promise.resolve(this.closed ? 'closed' : 'ready');
    }
    const wait = waitAsync(c, PRODUCER_STATE, SLEEPING, timeoutMs);
    if (!wait.async) return Promise.resolve(this.#afterWait(wait.value));
    return wait.value.then((outcome) => this.#afterWait(outcome));
  }

  // --- internal ---

  #afterWait(outcome: string): RingWaitResult {
    Atomics.store(this.control, PRODUCER_STATE, AWAKE);
    if (this.closed) return 'closed';
    return outcome === 'timed-out' ? 'timed-out' : 'ready';
  }

  #checkWritable(length: number): void {
    assert(this.#reserved < 0, 'ring: commit() the reservation before staging more');
    if (!(length <= this.maxFrameBytes && length >= 0)) {
      throw new TransportError('ring/frame-too-large', `a ${length}-byte frame does not fit a ring of ${this.capacity} bytes (max ${this.maxFrameBytes})`,
        { length, maxFrameBytes: this.maxFrameBytes });
    }
    if (this.closed) throw new TransportError('ring/closed', 'cannot write to a closed ring');
  }

  /** Claims room for a frame of `length`, writes its length word; returns the payload offset or -1. */
  #claim(length: number): number {
    const record = recordBytes(length);
    let pos = this.#tail & this.mask;
    const toEnd = this.capacity - pos;
    const needed = record <= toEnd ? record : toEnd + record;
    if (needed > this.capacity - ((this.#tail - this.#headCache) >>> 0)) {
      this.#headCache = Atomics.load(this.control, HEAD) >>> 0;
      if (needed > this.capacity - ((this.#tail - this.#headCache) >>> 0)) return -1;
    }
    if (record > toEnd) {
      this.words[pos >> 2] = SKIP;
      this.#tail = (this.#tail + toEnd) >>> 0;
      pos = 0;
    }
    this.words[pos >> 2] = length;
    this.#tail = (this.#tail + record) >>> 0;
    return pos + 4;
  }

  #enqueue(frame: Uint8Array): void {
    this.#overflow.push(frame.slice());
    this.#overflowBytes += frame.length;
    this.#framesOverflowed++;
  }

  /** Moves queued frames into the ring in order while they fit; true when the queue is empty. */
  #drain(): boolean {
    const queue = this.#overflow;
    let next = this.#overflowNext;
    while (next < queue.length) {
      const frame = queue[next]!;
      const at = this.#claim(frame.length);
      if (at < 0) break;
      this.bytes.set(frame, at);
      this.#overflowBytes -= frame.length;
      this.#framesWritten++;
      next++;
    }
    if (next === queue.length) {
      this.#overflow = [];
      this.#overflowNext = 0;
      return true;
    }
    if (next > 1024 && next * 2 > queue.length) {
      this.#overflow = queue.slice(next);
      next = 0;
    }
    this.#overflowNext = next;
    return false;
  }
}
