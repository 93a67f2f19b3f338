/**
 * One remote node as the layers above see it: a {@link PeerChannel} that outlives
 * connections. Owns: the two outbound lanes (control first, so a flood of user frames
 * cannot delay signals and heartbeats), the inbound queue, the peer's incarnation and the
 * counts that make losses across a reconnect exact, and reconnecting with backoff.
 * Must not: block or grow without bound — a full lane drops (counted) or throws, by policy.
 */
import type { FrameIn, FrameOut, FrameSink, PeerChannel } from '../channel.js';
import type { Codec } from '../codec.js';
import { isSystemKind } from '../envelope.js';
import { TransportError } from '../errors.js';
import type { ByteSource, FrameInit } from '../frame.js';
import type { NetClock, NetTimer } from './clock.js';
import { type Connection, type ConnectionMeter, emptyMeter } from './connection.js';
import { writeFrame } from './frame-record.js';
import type { PollSpin } from './poll-spin.js';
import { records } from './hello.js';
import { InboundQueue } from './inbound.js';
import { Lane } from './lane.js';
import type { NetLimits } from './limits.js';
import type { NetStats } from './stats.js';
import type { NetAddress } from './stream.js';

/** What a peer link needs from its node. */
export interface PeerHost {
  readonly clock: NetClock;
  readonly codec: Codec;
  readonly limits: NetLimits;
  readonly stats: NetStats;
  readonly closed: boolean;
  /** The node's poll spin, told of every write; null when it has none. */
  readonly spin: PollSpin | null;
  /** Dial this peer now (the node makes the connection). */
  dial(peer: PeerLink): void;
}

/**
 * One peer as its node sees it ({@link NetNode.peer}): connection, queues and traffic. The
 * traffic counts span the link's life (every established connection, every incarnation); times
 * are the node clock's milliseconds (`clock.now()`: monotonic, virtual under simulation),
 * so compare them with that clock, not with `Date.now()`.
 */
export interface NetPeerInfo {
  /** A connection is established now. */
  readonly connected: boolean;
  /** The peer's incarnation as of the last handshake (0: never connected). */
  readonly incarnation: number;
  /** Frames and bytes waiting in the outbound lanes. */
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  /** Frames received from / written to the current incarnation (they restart at 0 when the peer restarts). */
  readonly received: number;
  readonly written: number;
  /**
   * Of `written`, how many the peer's current incarnation confirmed receiving (its last ACK,
   * or its resume count at a reconnect); 0 with a peer that does not speak the `acks` feature.
   */
  readonly acked: number;
  /** Envelope frames written to / read from the peer over the link's life. */
  readonly framesOut: number;
  readonly framesIn: number;
  /**
   * Bytes written to / read from the peer's established connections over the link's life:
   * the wire protocol's records (handshakes, frames, heartbeats, goodbyes), before any TLS
   * or WebSocket framing; a handshake that never finished is not the peer's. Counted per
   * write and per chunk read, so one side's `bytesOut` equals the other side's `bytesIn`
   * once nothing is in flight.
   */
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** Heartbeat records sent (nothing else was written for a heartbeat interval) and received. */
  readonly heartbeatsOut: number;
  readonly heartbeatsIn: number;
  /** When bytes last arrived from the peer (any record, heartbeats included); null: never. */
  readonly lastHeardAt: number | null;
  /** When the current connection's handshake finished; null: not connected. */
  readonly connectedAt: number | null;
}

/** Where a peer's destination identity keeps its node incarnation: envelope offset 48 (destination), first u32. */
const DESTINATION_NODE_OFFSET = 48;

export class PeerLink implements PeerChannel {
  readonly out: FrameOut;
  readonly in: FrameIn;
  address: NetAddress | null = null;
  /** The established connection, if any. */
  conn: Connection | null = null;
  /** Handshakes in progress with this peer (ours as dialer, theirs as acceptor). */
  dialing: Connection | null = null;
  accepting: Connection | null = null;
  /** The peer's incarnation as of the last handshake (0: never connected). */
  incarnation = 0;
  /** Frames received from `incarnation` so far (reported to it at reconnect). */
  received = 0;
  /** Frames written to `incarnation` so far, and how many of them were already counted lost. */
  written = 0;
  /**
   * Frames of `written` already counted lost (in flight at a reconnect, or unconfirmed at
   * the incarnation's end): `written − confirmed − countedLost` are neither confirmed nor counted.
   */
  private countedLost = 0;
  /** Of `written`, the most `incarnation` confirmed (ACK or resume count). */
  private confirmed = 0;
  /** `received` as of the last ACK this side queued. */
  private ackedOut = 0;
  /** The current connection to `incarnation` speaks ACKs (both sides offered `acks`). */
  private acks = false;
  /** Bytes, heartbeats heard and last-heard time, counted by the connections (see {@link ConnectionMeter}). */
  private readonly meter: ConnectionMeter = emptyMeter();
  /** Frames written and read over the link's life (`written`/`received` restart per incarnation). */
  private framesOut = 0;
  private framesIn = 0;
  private heartbeatsOut = 0;
  /** Clock time the current connection came up; -1 while there is none. */
  private connectedAt = -1;
  /** Stopped by `out.close()`: no more dialing, sending or delivering. */
  stopped = false;
  private readonly control: Lane;
  private readonly data: Lane;
  private readonly inbound = new InboundQueue();
  private wake: (() => void) | null = null;
  private flushScheduled = false;
  private reconnectTimer: NetTimer | null = null;
  private attempts = 0;
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(readonly id: string, private readonly host: PeerHost) {
    this.control = new Lane(host.limits.maxControlQueueBytes);
    this.data = new Lane(host.limits.maxQueueBytes);
    this.out = new NetOut(this);
    this.in = new NetIn(this);
  }

  /** Frames waiting in both lanes. */
  get queuedFrames(): number {
    return this.control.frames + this.data.frames;
  }

  get queuedBytes(): number {
    return this.control.length + this.data.length;
  }

  /** What {@link NetNode.peer} reports. */
  info(): NetPeerInfo {
    const m = this.meter;
    return {
      connected: this.conn !== null, incarnation: this.incarnation, queuedFrames: this.queuedFrames, queuedBytes: this.queuedBytes,
      received: this.received, written: this.written, acked: this.confirmed, framesOut: this.framesOut, framesIn: this.framesIn,
      bytesOut: m.bytesOut, bytesIn: m.bytesIn, heartbeatsOut: this.heartbeatsOut, heartbeatsIn: m.heartbeatsIn,
      lastHeardAt: m.lastHeardAt < 0 ? null : m.lastHeardAt, connectedAt: this.conn === null || this.connectedAt < 0 ? null : this.connectedAt,
    };
  }

  // --- boundary: used by NetOut / NetIn ---

  /** @internal */
  stage(init: FrameInit, body: unknown, batch: boolean, plain: boolean): void {
    const host = this.host;
    if (this.stopped || host.closed) {
      host.stats.dropped.closed++;
      return;
    }
    const lane = isSystemKind(init.kind) ? this.control : this.data;
    if (writeFrame(lane, host.codec, init, body, batch, plain, host.limits.maxFrameBytes)) return;
    if (host.limits.queueFullPolicy === 'error') {
      throw new TransportError('net/queue-full', `the ${lane === this.control ? 'control' : 'data'} queue to peer '${this.id}' is full (${lane.length} bytes waiting, limit ${lane.maxBytes})`,
        { peer: this.id, queuedBytes: lane.length, maxBytes: lane.maxBytes });
    }
    host.stats.dropped.queueFull++;
  }

  /** @internal Staged frames leave in one write per peer per turn. */
  publish(): void {
    if (this.flushScheduled || this.conn === null) return;
    this.flushScheduled = true;
    this.host.clock.soon(this.flushNow);
  }

  /** @internal */
  read(max: number, sink: FrameSink): number {
    const n = this.inbound.read(max, sink);
    if (n > 0 && this.conn !== null && this.inbound.bytes < this.host.limits.maxInboundBytes / 2) this.conn.resume();
    return n;
  }

  /** @internal */
  arm(wake: () => void): void {
    if (this.stopped) return;
    if (this.inbound.length > 0) {
      this.host.clock.soon(wake);
      return;
    }
    this.wake = wake;
  }

  /** @internal Stop this link: queued frames are lost (counted), connections say goodbye. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.countUnconfirmed();
    this.host.stats.dropped.closed += this.control.clear() + this.data.clear();
    this.inbound.clear();
    this.wake = null;
    this.cancelReconnect();
    for (const c of [this.conn, this.dialing, this.accepting]) c?.close('shutdown', 'the channel was closed');
  }

  // --- boundary: used by the node ---

  /** A handshake with this peer finished on `conn` (which replaces any older connection). */
  up(conn: Connection, incarnation: number, knownByPeer: number, receivedByPeer: number, acks: boolean): { restarted: boolean } {
    const stats = this.host.stats;
    const restarted = this.incarnation !== 0 && incarnation !== this.incarnation;
    if (incarnation !== this.incarnation) {
      // The old incarnation is over: what it never confirmed is counted now (never again).
      this.countUnconfirmed();
      // Frames queued for a gone incarnation would reach nobody (their addresses are stale).
      const keep = (view: DataView, at: number): boolean => {
        const node = view.getUint32(at + DESTINATION_NODE_OFFSET, true);
        return node === 0 || node === incarnation;
      };
      stats.dropped.staleIncarnation += this.control.filterFrames(keep) + this.data.filterFrames(keep);
      this.incarnation = incarnation;
      this.received = 0;
      this.written = 0;
      this.countedLost = 0;
      this.confirmed = 0;
      this.ackedOut = 0;
    } else if (knownByPeer !== 0) {
      // Both sides survived: what we wrote and the peer never read was lost in flight.
      const lost = Math.max(0, this.written - receivedByPeer) - this.countedLost;
      if (lost > 0) {
        stats.dropped.lostInFlight += lost;
        this.countedLost += lost;
      }
      // The resume count confirms what it covers, as an ACK would; the peer knows our count too.
      if (receivedByPeer > this.confirmed && receivedByPeer <= this.written) this.confirmed = receivedByPeer;
      this.ackedOut = this.received;
    }
    this.acks = acks;
    conn.attachMeter(this.meter);
    this.conn = conn;
    this.connectedAt = this.host.clock.now();
    this.attempts = 0;
    this.cancelReconnect();
    return { restarted };
  }

  /** `conn` closed; reconnect if this side dials this peer. */
  down(conn: Connection): void {
    if (this.conn === conn) {
      this.conn = null;
      this.connectedAt = -1;
    }
    if (this.dialing === conn) this.dialing = null;
    if (this.accepting === conn) this.accepting = null;
    this.scheduleReconnect();
  }

  /** An envelope frame from the peer. */
  frame(conn: Connection, source: ByteSource, offset: number, length: number): void {
    const stats = this.host.stats;
    if (conn !== this.conn || this.stopped) {
      stats.dropped.staleInbound++;
      return;
    }
    this.received++;
    this.framesIn++;
    stats.frames.received++;
    this.inbound.push(source, offset, length);
    if (this.inbound.bytes >= this.host.limits.maxInboundBytes) conn.pause();
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }

  /** Nothing written for a heartbeat interval. */
  heartbeat(): void {
    if (this.control.push(records.heartbeat(), false)) {
      this.host.stats.heartbeats++;
      this.heartbeatsOut++;
      this.publish();
    }
  }

  /**
   * A heartbeat interval passed on `conn` (both sides speak ACKs): confirm what arrived since
   * the last ACK, in one fixed-size record; nothing when nothing arrived (an idle link costs
   * no more than before). True when an ACK was queued.
   */
  beat(conn: Connection): boolean {
    if (conn !== this.conn || this.received === this.ackedOut) return false;
    if (!this.control.push(records.ack(this.received), false)) return false;
    this.ackedOut = this.received;
    this.publish();
    return true;
  }

  /** The peer's ACK on `conn`: it received `received` of the frames written to it. */
  acked(conn: Connection, received: number): void {
    // Only the current incarnation's count, and never more than was written to it (an ACK
    // queued for an incarnation that just ended may arrive at its successor: it says nothing).
    if (conn.outcome?.peer.incarnation !== this.incarnation || received > this.written) return;
    if (received > this.confirmed) this.confirmed = received;
  }

  /**
   * The peer's incarnation ended, or this link did: frames written to it that it neither
   * confirmed nor were counted lost in flight are counted `unconfirmed` (lost, or delivered
   * and not yet acknowledged — at-most-once cannot tell). Only with ACKs: without them
   * nothing is confirmed between reconnects and the count would mean nothing.
   */
  private countUnconfirmed(): void {
    if (!this.acks) return;
    const n = this.written - this.confirmed - this.countedLost;
    if (n <= 0) return;
    this.host.stats.dropped.unconfirmed += n;
    this.countedLost += n;
  }

  /** Write what waits, control lane first, at most one write while the socket accepts. */
  flush(): void {
    const conn = this.conn;
    if (conn === null || conn.state !== 'open' || !conn.canWrite) return;
    const max = this.host.limits.maxWriteBytes;
    let bytes: Uint8Array | null = null;
    let frames = 0;
    if (this.control.length > 0) {
      const taken = this.control.take(max);
      bytes = taken.bytes;
      frames = taken.frames;
    }
    if (this.data.length > 0 && (bytes === null || bytes.length < max)) {
      const taken = this.data.take(max - (bytes?.length ?? 0));
      bytes = bytes === null ? taken.bytes : concat(bytes, taken.bytes);
      frames += taken.frames;
    }
    if (bytes === null) return;
    this.written += frames;
    this.framesOut += frames;
    const stats = this.host.stats;
    stats.frames.sent += frames;
    stats.bytesWritten += bytes.length;
    conn.write(bytes);
    this.host.spin?.touch();
    // More waits and the socket still accepts: go on next turn (one write per turn).
    if (this.control.length + this.data.length > 0 && conn.canWrite) this.publish();
  }

  /** Dial now if this side has the address and no connection or handshake is under way. */
  ensureConnected(): void {
    if (this.stopped || this.host.closed || this.address === null) return;
    if (this.conn !== null || this.dialing !== null || this.accepting !== null) return;
    this.cancelReconnect();
    this.host.dial(this);
  }

  /** Try again after the backoff (doubling, jittered). */
  scheduleReconnect(): void {
    if (this.stopped || this.host.closed || this.address === null || this.reconnectTimer !== null) return;
    if (this.conn !== null || this.dialing !== null || this.accepting !== null) return;
    const { reconnectMinMs, reconnectMaxMs } = this.host.limits;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    const delay = base * (0.5 + 0.5 * this.host.clock.random('net-backoff').next());
    this.reconnectTimer = this.host.clock.setTimer(delay, () => {
      this.reconnectTimer = null;
      this.ensureConnected();
    });
  }

  cancelReconnect(): void {
    if (this.reconnectTimer !== null) this.host.clock.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}

class NetOut implements FrameOut {
  constructor(private readonly link: PeerLink) {}
  stage(init: FrameInit, body: unknown, batch: boolean, plain = false): void {
    this.link.stage(init, body, batch, plain);
  }
  publish(): void {
    this.link.publish();
  }
  get backlog(): number {
    return this.link.queuedFrames;
  }
  close(): void {
    this.link.stop();
  }
}

class NetIn implements FrameIn {
  constructor(private readonly link: PeerLink) {}
  read(max: number, sink: FrameSink): number {
    return this.link.read(max, sink);
  }
  arm(wake: () => void): void {
    this.link.arm(wake);
  }
  close(): void {
    this.link.stop();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
