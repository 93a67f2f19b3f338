/**
 * Counters of a network node: every refusal by reason, every lost frame by cause. Plain
 * numbers bumped on the path, read by whoever asks (invariant 10: costs nothing when unread).
 */
import type { RefuseReasonName } from './wire.js';

/** Frames that did not reach the peer, by cause: losses are counted, never silent. */
export interface DropCounts {
  /** The outbound queue was full (policy `drop`). */
  queueFull: number;
  /** Queued for a peer incarnation that is gone (the peer restarted). */
  staleIncarnation: number;
  /** Arrived on a connection already replaced by a newer one. */
  staleInbound: number;
  /** Written to a connection that broke before the peer read them (from the peer's count at reconnect). */
  lostInFlight: number;
  /**
   * Written to a peer incarnation that ended (it restarted, or the link or node was closed)
   * without confirming them by ACK: lost, or delivered but not acknowledged before the end —
   * at-most-once delivery cannot tell which. An upper bound of the loss, exact when acks were
   * regular; counted only where both sides speak the `acks` feature.
   */
  unconfirmed: number;
  /** Staged on a channel or node already closed. */
  closed: number;
}

export interface NetStats {
  handshakes: {
    ok: number;
    /** Handshakes this node refused or abandoned, by reason. */
    refused: Partial<Record<RefuseReasonName, number>>;
    /** Handshakes the peer refused, by the reason it gave. */
    refusedByPeer: Partial<Record<RefuseReasonName, number>>;
  };
  /** Established connections that closed, by reason. */
  disconnects: Partial<Record<RefuseReasonName, number>>;
  frames: { sent: number; received: number };
  /** Bytes handed to sockets after handshakes. */
  bytesWritten: number;
  heartbeats: number;
  dropped: DropCounts;
}

export function emptyStats(): NetStats {
  return {
    handshakes: { ok: 0, refused: {}, refusedByPeer: {} },
    disconnects: {},
    frames: { sent: 0, received: 0 },
    bytesWritten: 0,
    heartbeats: 0,
    dropped: { queueFull: 0, staleIncarnation: 0, staleInbound: 0, lostInFlight: 0, unconfirmed: 0, closed: 0 },
  };
}

export function bump<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
