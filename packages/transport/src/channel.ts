/**
 * The channel contract: one direction between two engines (cores of one process, or nodes
 * over a network), carrying envelope frames in order. Implementations: shared-memory rings
 * between worker threads and an in-memory channel driven by a simulated world (both in
 * @pd/runtime's multi/), and network transports — so the same router runs on real threads,
 * over sockets and, under one seed, in one thread.
 *
 * Contract: frames arrive at most once, in the order staged (per-pair FIFO), and never
 * block the sender. Between cores (rings, sim links) they arrive exactly once unless the
 * channel is closed, and a full channel keeps frames in order (overflow) instead of
 * dropping. Across a network (net/), delivery is at-most-once as in Erlang: a frame lost to
 * a broken connection, a restarted peer or a full bounded queue is counted in the node's
 * `stats.dropped`, never silent, and `stage` may throw a `TransportError` for a frame above
 * the frame ceiling (`net/frame-too-large`) or, by policy, a full queue (`net/queue-full`).
 * A system-signal frame may overtake user frames staged before it (separate lanes), as
 * signals overtake user messages in a mailbox. Must not: decide where frames go or what they
 * mean (the router does).
 */
import type { ByteSource, FrameInit } from './frame.js';

/** The sending end. */
export interface FrameOut {
  /**
   * Stage one frame: `body` is one message, or (with `batch`) an array of messages sharing
   * the header. `plain`: every message passed `codec.checkPlain` (the encoder skips its scan).
   * `init` (and the identities in it) is read during the call only: a caller may fill the
   * same object for its next frame.
   */
  stage(init: FrameInit, body: unknown, batch: boolean, plain?: boolean): void;
  /**
   * Stage one batch frame whose payload is already encoded (a `BatchWriter`'s: a msgpack
   * array of records). Channels between the trusted cores of one engine only — a network
   * channel leaves it out, since its peer must not be sent records. `payload` is read during
   * the call only.
   */
  stageBatchPayload?(init: FrameInit, payload: Uint8Array): void;
  /**
   * Make staged frames visible to the other core, waking it if it sleeps. `wake` false: a
   * publish within a turn that the caller follows with a waking one at the end of the turn;
   * the channel may leave a sleeping core asleep until then (a polling one sees the frames).
   */
  publish(wake?: boolean): void;
  /** Frames waiting for room (overflow); they go out in order as the other core reads. */
  readonly backlog: number;
  /** Stop sending; wakes a waiting writer. Frames not yet read are lost. */
  close(): void;
}

/** Receives one frame; `source.bytes[offset, offset + length)` is valid only during the call. */
export type FrameSink = (source: ByteSource, offset: number, length: number) => void;

/** The receiving end. */
export interface FrameIn {
  /** Hands up to `max` frames, in order, to `sink`; returns how many. */
  read(max: number, sink: FrameSink): number;
  /** Calls `wake` once when frames may be waiting (soon, if they already are). Idempotent while armed. */
  arm(wake: () => void): void;
  close(): void;
}

/** Both directions between this core and one peer. */
export interface PeerChannel {
  readonly out: FrameOut;
  readonly in: FrameIn;
}
