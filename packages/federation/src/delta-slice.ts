/**
 * One origin node's entries as another node holds them: an owner-written map replicated as a
 * delta-state CRDT (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018), the
 * mechanism under the cluster registry and the process groups.
 *
 * Only the origin writes its map. Each change it makes takes the next number of its one
 * counter (its *version*): setting a key stamps the key's entry with it, removing a key
 * leaves a *tombstone* with it. A *delta* is a contiguous run of versions `from..to` with the
 * dots (key, version, value or tombstone) made in it; the *full state* is the counter `seq`
 * and every live entry. A replica joins either one into its slice: per key the higher version
 * wins, and a full state at `seq` removes every entry of version `≤ seq` it lacks (the origin
 * had overwritten or removed it by then). The join is commutative, associative and
 * idempotent, so deltas may arrive in any order, twice, before or after a full state, and the
 * slice still ends equal to the origin's map (delta-slice.test.ts checks that over seeded
 * schedules).
 *
 * The *causal context* is kept compact: `context` is the version up to which everything has
 * been joined (a full state sets it to its `seq`; a delta starting at `context + 1` moves it
 * on, as do buffered runs that then join up). A dot at or below it is a duplicate and is
 * ignored; tombstones at or below it are dropped, because nothing older can still arrive. Over
 * one FIFO connection every delta starts at `context + 1`, so no tombstone outlives its delta
 * — unless a delta is lost on the way (a full outbound queue drops it): then later runs wait
 * above the gap ({@link DeltaSlice.waiting}) until a full state fills it, which the caller
 * asks the origin for (anti-entropy). Past {@link MAX_PENDING_RUNS} waiting runs or
 * {@link MAX_TOMBSTONES} tombstones the slice gives the gap up (the context jumps over it, as
 * the slice's copy stays {@link DeltaSlice.waiting} until a full state), so memory stays bounded.
 *
 * A full state is the origin's word on every version up to its `seq`: unless it is older
 * than the context (then it tells nothing new), for a key it carries it replaces whatever the
 * slice holds of a version `≤ seq`; so a slice a gap was given up on, or that took a wrong
 * dot, is made right by the next full state.
 *
 * Owns: one origin's entries at one replica, the context and the runs above it. Must not:
 * throw for anything a peer sends (the caller checks shapes; a malformed run is refused with
 * `false`), or hold more than {@link MAX_PENDING_RUNS} runs or {@link MAX_TOMBSTONES}
 * tombstones above the context.
 */

/** One change to join: `key` set to `value` at version `v`, or removed (`value` undefined). */
export interface Dot<V> {
  readonly key: string;
  readonly v: number;
  readonly value: V | undefined;
}

/** What a join changed for one key: its live value before and after (undefined: absent). */
export interface SliceChange<V> {
  readonly key: string;
  readonly before: V | undefined;
  readonly after: V | undefined;
}

/** Runs of versions waiting above a gap a slice keeps before it gives the gap up. */
export const MAX_PENDING_RUNS = 4096;
/** Tombstones (removals above the context) a slice keeps before it gives the gap up. */
export const MAX_TOMBSTONES = 100_000;

/** Whether `v` can be a version (a positive safe integer). */
export function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/** The origin's side: its counter. Each change takes {@link next}; a full state carries {@link seq}. */
export class VersionCounter {
  private last = 0;

  /** The last version given (the full state's `seq`). */
  get seq(): number {
    return this.last;
  }

  /** The next version. */
  next(): number {
    return ++this.last;
  }
}

/** One origin's entries at this replica; see the module's comment. */
export class DeltaSlice<V> {
  private contextV = 0;
  private readonly live = new Map<string, { readonly v: number; readonly value: V }>();
  private readonly tombs = new Map<string, number>();
  /** Runs `[from, to]` joined above the context, waiting for the gap below them to fill. */
  private runs: (readonly [number, number])[] = [];
  /** A gap was given up on: the copy may lack what it held, until a full state. */
  private stale = false;

  /** @param incarnation the origin's incarnation: a restarted origin starts a new slice. */
  constructor(readonly incarnation: number) {}

  /** Every version up to this one has been joined (or superseded by a full state). */
  get context(): number {
    return this.contextV;
  }

  /** Live entries. */
  get size(): number {
    return this.live.size;
  }

  /**
   * Whether this copy may lack some of the origin's changes: runs wait above a gap (a delta
   * between them and the context has not arrived, or was lost), or a gap was given up on.
   * A full state ends it.
   */
  get waiting(): boolean {
    return this.runs.length > 0 || this.stale;
  }

  /** Tombstones kept (removals above the context): zero once the context has caught up. */
  get tombstones(): number {
    return this.tombs.size;
  }

  get(key: string): V | undefined {
    return this.live.get(key)?.value;
  }

  /** The live entries, `[key, value]`. */
  *entries(): IterableIterator<readonly [string, V]> {
    for (const [key, e] of this.live) yield [key, e.value];
  }

  /**
   * Join a delta: the dots of versions `from..to` (each dot's version within it). False,
   * with nothing joined, when the run is malformed.
   */
  joinDelta(from: number, to: number, dots: readonly Dot<V>[], changes: SliceChange<V>[] = []): boolean {
    if (!isVersion(from) || !isVersion(to) || to < from) return false;
    for (const d of dots) if (!isVersion(d.v) || d.v < from || d.v > to) return false;
    if (to <= this.contextV) return true;
    for (const d of dots) this.put(d, changes);
    this.runs.push([from, to]);
    this.advance();
    if (this.runs.length > MAX_PENDING_RUNS || this.tombs.size > MAX_TOMBSTONES) this.giveUpGap();
    return true;
  }

  /**
   * Join the origin's full state at `seq`: `dots` are its live entries (each of a version
   * `≤ seq`). Entries of this slice of a version `≤ seq` that it lacks are removed. False, with
   * nothing joined, when a dot's version is above `seq`.
   */
  joinFull(seq: number, dots: readonly Dot<V>[], changes: SliceChange<V>[] = []): boolean {
    if (!(seq === 0 || isVersion(seq))) return false;
    for (const d of dots) if (!isVersion(d.v) || d.v > seq || d.value === undefined) return false;
    // Older than what this slice has joined: it tells nothing new (and its dots could bring back what was removed since).
    if (seq < this.contextV) return true;
    const present = new Set<string>();
    for (const d of dots) {
      present.add(d.key);
      // The origin's word on the key up to `seq`: only a newer change than the full state stands.
      const current = this.live.get(d.key);
      if ((current?.v ?? this.tombs.get(d.key) ?? 0) > seq || current?.v === d.v) continue;
      this.live.set(d.key, { v: d.v, value: d.value! });
      this.tombs.delete(d.key);
      changes.push({ key: d.key, before: current?.value, after: d.value });
    }
    for (const [key, e] of this.live) {
      if (e.v > seq || present.has(key)) continue;
      this.live.delete(key);
      changes.push({ key, before: e.value, after: undefined });
    }
    if (seq > this.contextV) this.contextV = seq;
    this.stale = false;
    this.advance(true);
    return true;
  }

  /** Join one dot: the higher version of a key wins; at or below the context it is a duplicate. */
  private put(d: Dot<V>, changes: SliceChange<V>[]): void {
    if (d.v <= this.contextV) return;
    const current = this.live.get(d.key);
    if (d.v <= (current?.v ?? this.tombs.get(d.key) ?? 0)) return;
    if (d.value === undefined) {
      if (current !== undefined) this.live.delete(d.key);
      this.tombs.set(d.key, d.v);
    } else {
      this.live.set(d.key, { v: d.v, value: d.value });
      this.tombs.delete(d.key);
    }
    if (current !== undefined || d.value !== undefined) changes.push({ key: d.key, before: current?.value, after: d.value });
  }

  /** Move the context over every run that now joins it, then (if it moved, or `prune`) drop what it covers. */
  private advance(prune = false): void {
    const before = this.contextV;
    let moved = true;
    while (moved) {
      moved = false;
      for (const [from, to] of this.runs) {
        if (from <= this.contextV + 1 && to > this.contextV) {
          this.contextV = to;
          moved = true;
        }
      }
    }
    if (this.contextV === before && !prune) return;
    if (this.runs.length > 0) this.runs = this.runs.filter(([, to]) => to > this.contextV);
    if (this.tombs.size > 0) for (const [key, v] of this.tombs) if (v <= this.contextV) this.tombs.delete(key);
  }

  /** Too much waits above a gap: take the gap as lost (the copy is stale until a full state). */
  private giveUpGap(): void {
    for (const [, to] of this.runs) if (to > this.contextV) this.contextV = to;
    this.runs = [];
    this.stale = true;
    this.advance(true);
  }
}
