/**
 * What the cluster registry and the process groups share of their replication around the
 * delta slices (delta-slice.ts): reading one notice's versions as a run and joining it, and
 * sending notices — stamped with this node's incarnation, never throwing for a queue that
 * cannot take one — with the anti-entropy that repairs notices lost on the way (a digest of
 * this node's last version once a period; an ask for the full state from a peer found behind;
 * at most one ask and one answer per peer per period).
 *
 * Owns: the outgoing side's counters and the per-period ask and answer marks. Must not: throw
 * for a notice the router cannot stage (it is counted), or trust a notice's run beyond what
 * the slice checks.
 */
import type { Notice } from './protocol.js';
import { type DeltaSlice, type Dot, type SliceChange, isVersion } from './delta-slice.js';

/** What the notices need of their node. */
export interface NoticeHost {
  /** This node's incarnation: every notice carries it (`inc`). */
  incarnation(): number;
  noticeTo(peer: string, notice: Notice): void;
  upPeers(): readonly string[];
}

/** The run fields of a notice: `full`, `from` and `seq` (absent from a peer that predates versions), and the anti-entropy's. */
export interface RunFields {
  readonly full: boolean;
  readonly from?: unknown;
  readonly seq?: unknown;
  readonly have?: unknown;
  readonly resend?: unknown;
}

/**
 * One notice's versions as its slice joins them. A versioned notice gives each item its
 * version (one missing makes the notice malformed); one without versions (a peer that
 * predates them) is the next run after what the slice holds, numbered in reading order.
 */
export class NoticeRun<V> {
  /** A versioned item without a valid version was read: refuse the notice. */
  malformed = false;
  private last: number;

  constructor(private readonly slice: DeltaSlice<V>, private readonly versioned: boolean) {
    this.last = slice.context;
  }

  /** The version of the next item, given the one it carries; null to skip it. */
  version(v: unknown): number | null {
    if (!this.versioned) return ++this.last;
    if (isVersion(v)) return v;
    this.malformed = true;
    return null;
  }

  /** Join the items read (`removed`, then `set`; a full state's are all set) into the slice; false when the run is refused. */
  join(b: RunFields, removed: readonly Dot<V>[], set: readonly Dot<V>[], changes: SliceChange<V>[]): boolean {
    const slice = this.slice;
    if (b.full) return slice.joinFull(this.versioned ? (b.seq as number) : this.last, set, changes);
    if (this.versioned) return slice.joinDelta(b.from as number, b.seq as number, [...removed, ...set], changes);
    return this.last === slice.context || slice.joinDelta(slice.context + 1, this.last, [...removed, ...set], changes);
  }
}

/** Whether a notice's run fields are well formed: with `seq`, a version (0 for an empty full state), and `from` on a delta. */
export function runProblem(b: RunFields): boolean {
  if (b.seq === undefined) return false;
  return !(b.seq === 0 || isVersion(b.seq)) || (!b.full && !isVersion(b.from));
}

/** The registry's or the groups' notices out, and their anti-entropy; see the module's comment. */
export class ReplicaNotices {
  /** Notices to peers that could not be staged (a full queue with `queueFullPolicy: 'error'`): repaired by anti-entropy. */
  unsent = 0;
  /** Full states this node asked peers for, having found its copy behind theirs. */
  repairs = 0;
  private readonly asked = new Set<string>();
  private readonly answered = new Set<string>();

  /** @param empty an empty delta of this kind of notice: digests and asks are it plus `have` or `resend`. */
  constructor(private readonly host: NoticeHost, private readonly empty: Notice) {}

  broadcast(notice: Notice): void {
    const stamped = this.stamp(notice);
    for (const peer of this.host.upPeers()) this.stage(peer, stamped);
  }

  send(peer: string, notice: Notice): void {
    this.stage(peer, this.stamp(notice));
  }

  /** A new period: every peer hears this node's last version `seq` (if it wrote anything), and may be asked and answered again. */
  tick(seq: number): void {
    this.asked.clear();
    this.answered.clear();
    if (seq > 0) this.broadcast({ ...this.empty, have: seq } as Notice);
  }

  /** `peer` was lost. */
  forget(peer: string): void {
    this.asked.delete(peer);
    this.answered.delete(peer);
  }

  /**
   * After `peer`'s notice `b` was joined into its `slice`: answer its ask with `full` (this
   * node's full state to it), and ask it for its own when the slice is behind its last
   * version or holds runs above a gap (a notice was lost on the way).
   */
  afterJoin(peer: string, b: RunFields, slice: DeltaSlice<unknown>, full: () => void): void {
    if (b.resend === true && !this.answered.has(peer)) {
      this.answered.add(peer);
      full();
    }
    if ((slice.waiting || (isVersion(b.have) && b.have > slice.context)) && !this.asked.has(peer)) {
      this.asked.add(peer);
      this.repairs++;
      this.send(peer, { ...this.empty, resend: true } as Notice);
    }
  }

  /** `notice` with this node's incarnation (`inc`): one of an earlier run of this node, read late, is then told apart. */
  private stamp(notice: Notice): Notice {
    return { ...notice, inc: this.host.incarnation() } as Notice;
  }

  private stage(peer: string, notice: Notice): void {
    try {
      this.host.noticeTo(peer, notice);
    } catch {
      this.unsent++;
    }
  }
}
