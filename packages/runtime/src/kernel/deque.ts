/**
 * A growable ring-buffer FIFO of pairs (value, meta), the storage under mailboxes and the
 * run queue. Power-of-two capacity, no allocation per push once grown, O(1) push and
 * shift. `removeAt` is O(n) and exists for selective receive only.
 */
export class PairDeque<V, T> {
  private buf: unknown[];
  private head = 0;
  private tail = 0;
  private mask: number;
  /** The meta of the pair most recently returned by {@link shift}. */
  lastMeta: T | null = null;

  constructor(initialPairs = 4) {
    let cap = 2;
    while (cap < initialPairs * 2) cap <<= 1;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return ((this.tail - this.head) & this.mask) >>> 1;
  }

  push(value: V, meta: T | null): void {
    const buf = this.buf;
    let t = this.tail;
    buf[t] = value;
    buf[t + 1] = meta;
    t = (t + 2) & this.mask;
    this.tail = t;
    if (t === this.head) this.grow();
  }

  /** Removes the oldest pair; its meta goes to {@link lastMeta}. Undefined when empty. */
  shift(): V | undefined {
    const h = this.head;
    if (h === this.tail) return undefined;
    const buf = this.buf;
    const value = buf[h] as V;
    this.lastMeta = buf[h + 1] as T | null;
    buf[h] = undefined;
    buf[h + 1] = undefined;
    this.head = (h + 2) & this.mask;
    return value;
  }

  /** The i-th oldest value (0-based), without removing it. */
  valueAt(i: number): V {
    return this.buf[(this.head + 2 * i) & this.mask] as V;
  }

  metaAt(i: number): T | null {
    return this.buf[(this.head + 2 * i + 1) & this.mask] as T | null;
  }

  /** Removes the i-th oldest pair, keeping the order of the rest. */
  removeAt(i: number): void {
    const n = this.length;
    const buf = this.buf;
    const mask = this.mask;
    for (let k = i; k < n - 1; k++) {
      const to = (this.head + 2 * k) & mask;
      const from = (this.head + 2 * (k + 1)) & mask;
      buf[to] = buf[from];
      buf[to + 1] = buf[from + 1];
    }
    this.tail = (this.tail - 2) & mask;
    buf[this.tail] = undefined;
    buf[this.tail + 1] = undefined;
  }

  clear(): void {
    this.buf.fill(undefined);
    this.head = this.tail = 0;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = n;
    this.mask = n * 2 - 1;
  }
}

/** A growable ring-buffer FIFO of single values (the run queue). */
export class Deque<V> {
  private buf: (V | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;

  constructor(initial = 16) {
    let cap = 2;
    while (cap < initial) cap <<= 1;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(value: V): void {
    this.buf[this.tail] = value;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  shift(): V | undefined {
    const h = this.head;
    if (h === this.tail) return undefined;
    const value = this.buf[h];
    this.buf[h] = undefined;
    this.head = (h + 1) & this.mask;
    return value;
  }

  /** The i-th oldest value (0-based), without removing it. */
  at(i: number): V {
    return this.buf[(this.head + i) & this.mask] as V;
  }

  /** Removes and returns the i-th oldest value, keeping the order of the rest: O(n), for simulation only. */
  removeAt(i: number): V {
    const mask = this.mask;
    const buf = this.buf;
    const value = buf[(this.head + i) & mask] as V;
    for (let k = (this.head + i) & mask; k !== ((this.tail - 1) & mask); k = (k + 1) & mask) buf[k] = buf[(k + 1) & mask];
    this.tail = (this.tail - 1) & mask;
    buf[this.tail] = undefined;
    return value;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array<V | undefined>(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = n;
    this.mask = n * 2 - 1;
  }
}
