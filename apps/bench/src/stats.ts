/** Small statistics helpers: medians, percentiles, a latency recorder, a GC'd memory reading. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (0 < q <= 1) of an ascending-sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Records up to `capacity` latencies (µs) in a typed array; summarises to p50/p99. */
export class Latencies {
  private readonly buf: Float64Array;
  private n = 0;
  constructor(capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }
  add(us: number): void {
    if (this.n < this.buf.length) this.buf[this.n++] = us;
  }
  get count(): number {
    return this.n;
  }
  summary(): { p50Us: number; p99Us: number } {
    const s = this.buf.subarray(0, this.n).sort();
    return { p50Us: percentileSorted(s, 0.5), p99Us: percentileSorted(s, 0.99) };
  }
}

/** Monotonic clock in seconds. */
export function nowSec(): number {
  return performance.now() / 1000;
}

/**
 * Force full collections (needs `--expose-gc`) and read the memory in use: the V8 heap plus
 * the memory V8 accounts outside it (`external`: array buffers and native memory held by
 * JavaScript objects), so what an actor costs counts wherever it lives.
 */
export function gcMemoryUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Yield to the event loop (lets asynchronous engines finish deferred work). */
export function macrotask(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
