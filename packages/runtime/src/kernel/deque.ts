/**
 * A FIFO in chunks, the storage under mailbox lanes and the run queue. O(1) push and shift
 * with no allocation in steady state; `at`, `removeAt` and `findIndex` are O(n) and exist
 * for selective receive, introspection and simulation only.
 *
 * Values live in a chain of arrays (chunks). Each chunk holds its values, then the next
 * chunk in its last slot. The first chunk has the size asked for; each later one twice the
 * one before, up to {@link MAX_CHUNK} slots. A queue that grows never copies what it holds
 * and never allocates an array of more than {@link MAX_CHUNK} slots: a ring buffer that
 * doubles copied every value at each doubling and allocated arrays of millions of slots for
 * a mailbox flooded by many senders (a fan-in), which cost more than the messages, and it
 * kept that memory for the rest of the actor's life. Here the chunks behind the oldest
 * value are dropped as it moves on; an empty queue starts over at the start of its chunk,
 * so a queue that empties (a mailbox between messages) stays in one chunk and links none.
 *
 * Must not: lose or reorder a value.
 */

/** The most value slots a chunk has (32 KiB of array: a regular young object, not a large one). */
export const MAX_CHUNK = 4096;

/** A chunk: values at [0, length - 1), the next chunk (or undefined) at length - 1. */
type Chunk = unknown[];

/**
 * The chunked FIFO itself, its adding and taking protected: {@link Deque} makes them public;
 * a mailbox extends this class to be its own normal lane (one object per message path, not
 * two) and adds its own `push`, which counts every lane, without exposing one that would not.
 */
export class ChunkedFifo<V> {
  /** The chunk holding the oldest value, and that value's index in it. */
  private head: Chunk;
  private headAt = 0;
  /** The chunk the next value goes to, and the index it goes at (its value slots may be full). */
  private tail: Chunk;
  private tailAt = 0;
  private count = 0;
  /** A full-size chunk the head has left, kept to be the tail's next one (no allocation in steady state). */
  private spare: Chunk | null = null;

  constructor(initial = 16) {
    let cap = 2;
    while (cap < initial) cap <<= 1;
    this.head = this.tail = new Array(cap + 1);
  }

  get length(): number {
    return this.count;
  }

  /** Adds `value` at the tail. */
  protected enqueue(value: V): void {
    let tail = this.tail;
    let at = this.tailAt;
    if (at === tail.length - 1) {
      tail = this.link(tail);
      at = 0;
    }
    tail[at] = value;
    this.tailAt = at + 1;
    this.count++;
  }

  /** Removes and returns the oldest value (undefined when empty). */
  protected dequeue(): V | undefined {
    if (this.count === 0) return undefined;
    let head = this.head;
    let at = this.headAt;
    if (at === head.length - 1) {
      head = this.unlink(head);
      at = 0;
    }
    const value = head[at] as V;
    head[at] = undefined;
    if (--this.count === 0) {
      // Empty: start over at the start of the tail's chunk (the head's, but after a removeAt
      // that freed a chunk's first place, the one after it).
      if (head !== this.tail) this.head = this.tail;
      this.headAt = 0;
      this.tailAt = 0;
    } else {
      this.headAt = at + 1;
    }
    return value;
  }

  /** The i-th oldest value (0-based), without removing it. Caller checks `i < length`. */
  at(i: number): V {
    let chunk = this.head;
    let k = this.headAt + i;
    while (k >= chunk.length - 1) {
      k -= chunk.length - 1;
      chunk = chunk[chunk.length - 1] as Chunk;
    }
    return chunk[k] as V;
  }

  /**
   * The index of the oldest value satisfying `match`, or -1: one walk over the chunks. Only
   * the values queued when the search began are looked at. `match` may be user code that
   * changes this queue while it runs (a selective receive's predicate sending to its own
   * actor): from the first change on, the walk holds no place across calls and finds each
   * index from the head again, so it never follows a chunk the change let go.
   */
  findIndex(match: (value: V) => boolean): number {
    let chunk = this.head;
    let k = this.headAt;
    const n = this.count;
    for (let i = 0; i < n; i++, k++) {
      if (k === chunk.length - 1) {
        chunk = chunk[k] as Chunk;
        k = 0;
      }
      const head = this.head, headAt = this.headAt, tail = this.tail, tailAt = this.tailAt;
      if (match(chunk[k] as V)) return i;
      if (this.head !== head || this.headAt !== headAt || this.tail !== tail || this.tailAt !== tailAt) return this.findIndexByIndex(i + 1, n, match);
    }
    return -1;
  }

  /** The index of the oldest value identical to `value` (no code of the caller's runs), or -1. */
  indexOf(value: V): number {
    return this.findIndex((v) => v === value);
  }

  /** Removes and returns the i-th oldest value, keeping the order of the rest: O(n), for selective receive and simulation. */
  removeAt(i: number): V {
    let chunk = this.head;
    let k = this.headAt + i;
    while (k >= chunk.length - 1) {
      k -= chunk.length - 1;
      chunk = chunk[chunk.length - 1] as Chunk;
    }
    const value = chunk[k] as V;
    // Each later value moves one place toward the head; the last place is freed.
    for (let j = i + 1; j < this.count; j++) {
      let nextChunk = chunk;
      let next = k + 1;
      if (next === chunk.length - 1) {
        nextChunk = chunk[next] as Chunk;
        next = 0;
      }
      chunk[k] = nextChunk[next];
      chunk = nextChunk;
      k = next;
    }
    // The freed place (the last one) is where the next value goes; the chunks after it hold
    // nothing now and are let go (the next push that fills this chunk links a fresh one).
    chunk[k] = undefined;
    chunk[chunk.length - 1] = undefined;
    this.tail = chunk;
    this.tailAt = k;
    if (--this.count === 0) {
      this.head = chunk;
      this.headAt = 0;
      this.tailAt = 0;
    }
    return value;
  }

  /** {@link findIndex} after `match` changed the queue: each index located from the head. */
  private findIndexByIndex(from: number, n: number, match: (value: V) => boolean): number {
    for (let i = from; i < n && i < this.count; i++) if (match(this.at(i))) return i;
    return -1;
  }

  /** Link a new chunk after `tail` (the spare when it fits) and make it the tail. */
  private link(tail: Chunk): Chunk {
    const size = Math.min((tail.length - 1) * 2, MAX_CHUNK);
    let next = this.spare;
    if (next !== null && next.length - 1 === size) this.spare = null;
    else next = new Array(size + 1);
    tail[tail.length - 1] = next;
    this.tail = next;
    return next;
  }

  /** The head leaves `head` (all of its values taken): the next chunk becomes the head. */
  private unlink(head: Chunk): Chunk {
    const next = head[head.length - 1] as Chunk;
    head[head.length - 1] = undefined;
    if (head.length - 1 === MAX_CHUNK) this.spare = head;
    this.head = next;
    return next;
  }
}

/** A chunked FIFO of values: the run queue, the system lane, priority lanes, waiting senders. */
export class Deque<V> extends ChunkedFifo<V> {
  push(value: V): void {
    this.enqueue(value);
  }

  shift(): V | undefined {
    return this.dequeue();
  }
}
