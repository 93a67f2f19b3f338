/**
 * A growable ring-buffer FIFO, the storage under mailbox lanes and the run queue.
 * Power-of-two capacity, no allocation per push once grown, O(1) push and shift.
 * `removeAt` is O(n) and exists for selective receive and simulation only.
 */
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

  /** Removes and returns the i-th oldest value, keeping the order of the rest: O(n), for selective receive and simulation. */
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
