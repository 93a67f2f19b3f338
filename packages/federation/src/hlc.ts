/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): a timestamp
 * that follows the wall clock where it can and counts where it cannot, so that an event
 * stamped after hearing of another always sorts after it (as a Lamport clock does), and
 * otherwise sorts roughly by wall-clock time — with no step backwards when the wall clock
 * does, and no jump forward on a peer's word beyond a drift bound.
 *
 * A stamp is one safe integer: `wallMs * 1024 + logical` (the physical part in the high
 * bits, a counter of events within one millisecond in the low ten), so stamps compare as
 * numbers and cross the wire as numbers. A counter past 1023 carries into the physical part
 * (more than 1024 stamps in one millisecond run a little ahead, and still in order). Safe
 * up to the year 2248.
 *
 * Owns: the last stamp and the drift guard. Must not: read real time itself (its wall clock
 * is given: the engine's reactor), or move past `wall + maxDriftMs` on a peer's stamp.
 */

/** Counter values per millisecond: the stamp's low bits. */
export const HLC_LOGICAL = 1024;
/** A peer's stamp more than this ahead of the local wall clock does not move the clock (default). */
export const HLC_MAX_DRIFT_MS = 60_000;

/** The parts of a stamp: its physical time (ms since the epoch) and its counter. */
export function hlcParts(stamp: number): { readonly wallMs: number; readonly logical: number } {
  return { wallMs: Math.floor(stamp / HLC_LOGICAL), logical: stamp % HLC_LOGICAL };
}

/** Whether `stamp` is something a clock could have given (a positive safe integer). */
export function isHlcStamp(stamp: unknown): stamp is number {
  return typeof stamp === 'number' && Number.isSafeInteger(stamp) && stamp >= 1;
}

/** One node's hybrid logical clock; see the module's comment. */
export class HybridLogicalClock {
  private last = 0;
  /** Peer stamps that were too far ahead of the wall clock to follow (counted, not followed). */
  driftRefused = 0;

  constructor(private readonly wallTime: () => number, readonly maxDriftMs = HLC_MAX_DRIFT_MS) {}

  /** A stamp for a local event: above every stamp given or observed, at least the wall clock's. */
  now(): number {
    const physical = this.physical() * HLC_LOGICAL;
    this.last = Math.max(this.last + 1, physical);
    return this.last;
  }

  /**
   * A peer's stamp heard: later local stamps sort after it. False (and counted) when it is
   * more than `maxDriftMs` ahead of the wall clock: the clock does not follow it.
   */
  observe(stamp: number): boolean {
    if (!isHlcStamp(stamp)) return false;
    if (Math.floor(stamp / HLC_LOGICAL) > this.physical() + this.maxDriftMs) {
      this.driftRefused++;
      return false;
    }
    if (stamp > this.last) this.last = stamp;
    return true;
  }

  /** The last stamp given or observed (0 before any). */
  peek(): number {
    return this.last;
  }

  private physical(): number {
    const wall = this.wallTime();
    return Number.isFinite(wall) && wall > 0 ? Math.floor(wall) : 0;
  }
}
