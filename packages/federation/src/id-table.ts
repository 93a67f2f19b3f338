/**
 * A table from integer ids to values, for the router's requests awaiting a reply: set when
 * a request leaves, looked up and deleted when its reply comes. Open addressing with linear
 * probing over two parallel arrays, and deletion by shifting the run back (no tombstones),
 * so a steady stream of requests (one in flight, or a thousand) allocates nothing.
 *
 * Why not a `Map`: a `Map` that empties after every reply shrinks its table on the delete,
 * a call into the runtime and a fresh table each time; on the remote round trip that was
 * the costliest step of the reply (~0.6 µs of ~8 µs of JavaScript per round trip, measured
 * with both nodes in one process over an in-memory carrier).
 *
 * Owns: the ids and their values. Must not: hold a value after its id is deleted, or
 * take a key that is not a non-negative safe integer (the caller's ids: ask ids and request
 * ids, below 2^53).
 */

/** A key slot with no entry (ids are non-negative). */
const EMPTY = -1;
const MIN_CAPACITY = 16;

export class IdTable<V> {
  /** Entries held. */
  size = 0;
  private keys: Float64Array;
  private values: (V | undefined)[];
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    const c = powerOfTwoAtLeast(Math.max(MIN_CAPACITY, capacity));
    this.keys = new Float64Array(c).fill(EMPTY);
    this.values = new Array<V | undefined>(c).fill(undefined);
    this.mask = c - 1;
  }

  get(id: number): V | undefined {
    // Empty slots hold -1: a negative (or NaN) id is never a key.
    if (!(id >= 0)) return undefined;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = home(id, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) return this.values[i];
      if (k === EMPTY) return undefined;
    }
  }

  has(id: number): boolean {
    return this.slotOf(id) >= 0;
  }

  /** Sets the value of `id` (adds it, or replaces its value). */
  set(id: number, value: V): this {
    if (!(id >= 0 && Number.isSafeInteger(id))) throw new RangeError(`IdTable: an id is a non-negative safe integer, got ${String(id)}`);
    const keys = this.keys;
    const mask = this.mask;
    let i = home(id, mask);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) {
        this.values[i] = value;
        return this;
      }
      if (k === EMPTY) break;
    }
    keys[i] = id;
    this.values[i] = value;
    // At most half full: runs stay short, and a probe always ends at an empty slot.
    if (++this.size * 2 > keys.length) this.resize(keys.length * 2);
    return this;
  }

  /** Removes `id`; false when it was not there. */
  delete(id: number): boolean {
    let i = this.slotOf(id);
    if (i < 0) return false;
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    // Shift later members of the run back into the gap when their home slot allows it, so
    // every entry stays reachable from its home slot without tombstones.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === EMPTY) break;
      const h = home(k, mask);
      // Entry j may move to i when its home slot is not in the cyclic range (i, j].
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        keys[i] = k;
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    values[i] = undefined;
    this.size--;
    // A table grown by a burst gives its memory back once the burst is answered.
    if (keys.length > MIN_CAPACITY && this.size * 8 < keys.length) this.resize(keys.length / 2);
    return true;
  }

  /** The entries now, as a list: the table may be changed while the list is walked. */
  entries(): [number, V][] {
    const out: [number, V][] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) out.push([keys[i]!, this.values[i]!]);
    return out;
  }

  // --- internal ---

  private slotOf(id: number): number {
    if (!(id >= 0)) return -1;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = home(id, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) return i;
      if (k === EMPTY) return -1;
    }
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === EMPTY) continue;
      let j = home(k, this.mask);
      while (this.keys[j] !== EMPTY) j = (j + 1) & this.mask;
      this.keys[j] = k;
      this.values[j] = values[i];
    }
  }
}

/**
 * The slot an id probes first: its low bits, mixed with the bits above 2^32 (request ids
 * start at 2^50). Ids are handed out in sequence, so the low bits alone spread them evenly.
 */
function home(id: number, mask: number): number {
  return ((id ^ (id / 0x1_0000_0000)) & mask) >>> 0;
}

function powerOfTwoAtLeast(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}
