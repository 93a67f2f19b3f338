/**
 * The consumer end of a ring: drains frames in batches into a callback and frees them with
 * one head store. Owns: the read counter, the sleeping flag (set only after finding the
 * ring empty, then re-checked, so no wake-up is lost) and waking a producer that waits for
 * space. Must not: be used from two threads, or let frame bytes outlive their callback.
 */
import { TransportError } from './errors.js';
import {
  AWAKE, CONSUMER_STATE, HEAD, PRODUCER_STATE, RingEnd, SKIP, SLEEPING, TAIL, checkTimeout, recordBytes, waitAsync,
  type RingWaitResult,
} from './ring.js';

/**
 * Receives one frame: its bytes are `bytes[offset, offset + length)`, valid only until the
 * callback returns. Decode or copy them there.
 */
export type FrameHandler = (bytes: Uint8Array, offset: number, length: number) => void;

/** Reads frames from a ring. */
export class RingConsumer extends RingEnd {
  #head: number;
  #tailCache: number;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.#head = Atomics.load(this.control, HEAD) >>> 0;
    this.#tailCache = this.#head;
  }

  /** True when no published frame is waiting. */
  get isEmpty(): boolean {
    return (Atomics.load(this.control, TAIL) >>> 0) === this.#head;
  }

  /**
   * Hands up to `maxFrames` frames, in order, to `onFrame` (no allocation per frame), then
   * frees their space with one head store. Returns how many it handed over. If `onFrame`
   * throws, the frames before it and that frame count as consumed, and the error propagates.
   */
  read(maxFrames: number, onFrame: FrameHandler): number {
    let head = this.#head;
    let tail = this.#tailCache;
    if (head === tail) {
      tail = this.#tailCache = Atomics.load(this.control, TAIL) >>> 0;
      if (head === tail) return 0;
    }
    let count = 0;
    try {
      while (count < maxFrames) {
        if (head === tail) {
          tail = this.#tailCache = Atomics.load(this.control, TAIL) >>> 0;
          if (head === tail) break;
        }
        const pos = head & this.mask;
        const length = this.words[pos >> 2]!;
        if (length === SKIP && pos !== 0 && ((tail - head) >>> 0) > this.capacity - pos) {
          head = (head + this.capacity - pos) >>> 0;
          continue;
        }
        const record = recordBytes(length);
        if (length < 0 || length > this.maxFrameBytes || record > this.capacity - pos || record > ((tail - head) >>> 0)) {
          throw new TransportError('ring/invalid', `corrupt ring: frame length ${length} at byte ${pos}`, { position: pos, length });
        }
        head = (head + record) >>> 0;
        count++;
        onFrame(this.bytes, pos + 4, length);
      }
    } finally {
      this.#release(head);
    }
    return count;
  }

  /** Reads one frame as a copy, or null when the ring is empty. */
  readOne(): Uint8Array | null {
    let copy: Uint8Array | null = null;
    this.read(1, (bytes, offset, length) => {
      copy = bytes.slice(offset, offset + length);
    });
    return copy;
  }

  /**
   * Resolves 'ready' when frames may be waiting (at once if they already are), 'timed-out'
   * after `timeoutMs`, or 'closed'. Uses `Atomics.waitAsync`: the thread's event loop keeps
   * running. Only while it waits does the producer pay for a notify.
   */
  waitAsync(timeoutMs = Infinity): Promise<RingWaitResult> {
    checkTimeout(timeoutMs);
    const early = this.#prepareSleep();
    if (early !== null) return Promise.resolve(early);
    const wait = waitAsync(this.control, CONSUMER_STATE, SLEEPING, timeoutMs);
    if (!wait.async) return Promise.resolve(this.#afterWait(wait.value));
    return wait.value.then((outcome) => this.#afterWait(outcome));
  }

  /**
   * Like {@link waitAsync} but blocks the calling thread with `Atomics.wait`. For worker
   * threads that have nothing else to do; never call it on a thread with an event loop to serve.
   */
  waitSync(timeoutMs = Infinity): RingWaitResult {
    checkTimeout(timeoutMs);
    const early = this.#prepareSleep();
    if (early !== null) return early;
    return this.#afterWait(Atomics.wait(this.control, CONSUMER_STATE, SLEEPING, timeoutMs));
  }

  // --- internal ---

  /** Announces sleep, then re-checks: returns a result when there is no need to wait. */
  #prepareSleep(): RingWaitResult | null {
    if (!this.isEmpty) return 'ready';
    if (this.closed) return 'closed';
    Atomics.store(this.control, CONSUMER_STATE, SLEEPING);
    // The producer stores its tail, then loads this flag; we stored the flag, now load the
    // tail. With sequentially consistent atomics one of us sees the other: no lost wake-up.
    if (!this.isEmpty || this.closed) {
      Atomics.store(this.control, CONSUMER_STATE, AWAKE);
      return this.closed && this.isEmpty ? 'closed' : 'ready';
    }
    return null;
  }

  #afterWait(outcome: string): RingWaitResult {
    Atomics.store(this.control, CONSUMER_STATE, AWAKE);
    if (!this.isEmpty) return 'ready';
    if (this.closed) return 'closed';
    return outcome === 'timed-out' ? 'timed-out' : 'ready';
  }

  #release(head: number): void {
    if (head === this.#head) return;
    this.#head = head;
    const c = this.control;
    Atomics.store(c, HEAD, head | 0);
    if (Atomics.load(c, PRODUCER_STATE) === SLEEPING && Atomics.compareExchange(c, PRODUCER_STATE, SLEEPING, AWAKE) === SLEEPING) {
      Atomics.notify(c, PRODUCER_STATE, 1);
    }
  }
}
