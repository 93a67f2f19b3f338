/**
 * One connection's protocol: the handshake under a timeout, then records both ways with
 * heartbeats on idle and an idle timeout, over a {@link StreamPort}. Owns: the decoder and
 * its ceiling, the handshake, liveness, and closing with a reason (told to the peer when
 * it can be). Must not: queue frames (the peer link owns the lanes) or outlive `closed`.
 */
import { ENVELOPE_FIXED_BYTES, ENVELOPE_MAX_HEADER_BYTES, ENVELOPE_VERSION, EnvelopeFlags } from '../envelope.js';
import type { ByteSource } from '../frame.js';
import type { NetClock, NetTimer } from './clock.js';
import { StreamDecoder } from './decoder.js';
import { Handshake, type HandshakeHooks, type HandshakeLocal, type HandshakeOutcome } from './handshake.js';
import { readAck, readReason, records } from './hello.js';
import type { StreamPort } from './stream.js';
import { HANDSHAKE_MAX_RECORD_BYTES, RECORD_TYPE_BYTES, RecordType, RefuseReason, WireFeature, reasonName, type RefuseReasonName } from './wire.js';

/** Time limits of one connection, ms. */
export interface ConnectionTimes {
  readonly handshakeTimeoutMs: number;
  /** A heartbeat goes out when nothing was written for this long. */
  readonly heartbeatMs: number;
  /** The connection closes when nothing was heard for this long. */
  readonly idleTimeoutMs: number;
}

/** What a connection tells its owner. */
export interface ConnectionOwner {
  /** The handshake finished; false to drop the connection (the owner closes it). */
  established(conn: Connection, outcome: HandshakeOutcome): void;
  /** One envelope frame; valid only during the call. */
  frame(conn: Connection, source: ByteSource, offset: number, length: number): void;
  /** The port can take bytes (after establishment or a drain). */
  writable(conn: Connection): void;
  /** Nothing was written for a heartbeat interval: queue a heartbeat. */
  idle(conn: Connection): void;
  /**
   * A heartbeat interval passed (feature `acks` only): queue an ACK if frames arrived since
   * the last one. True when one was queued (it stands in for a heartbeat).
   */
  beat(conn: Connection): boolean;
  /** The peer's ACK: it received `received` frames from this node's incarnation so far. */
  acked(conn: Connection, received: number): void;
  /** Closed, once. `byPeer`: the peer's REFUSE/GOODBYE gave the reason. `handshaking`: it never opened. */
  closed(conn: Connection, reason: RefuseReasonName, text: string, byPeer: boolean, handshaking: boolean): void;
}

/**
 * What a connection counts as it goes: bytes each way (the protocol's records, before any
 * TLS or WebSocket framing, handshake included), heartbeats heard, and when bytes last
 * arrived. A connection counts into its own meter until its handshake names the peer; the
 * peer link then hands it the link's meter ({@link Connection.attachMeter}), so a link's
 * counts span every connection it had. Plain numbers bumped once per read or write chunk.
 */
export interface ConnectionMeter {
  bytesIn: number;
  bytesOut: number;
  /** Heartbeat records received. */
  heartbeatsIn: number;
  /** The clock's time (ms) when bytes last arrived; -1: never. */
  lastHeardAt: number;
}

export function emptyMeter(): ConnectionMeter {
  return { bytesIn: 0, bytesOut: 0, heartbeatsIn: 0, lastHeardAt: -1 };
}

/** How long a closed connection waits for its last record to leave before it is cut. */
const LINGER_MS = 1000;

export type ConnectionState = 'handshaking' | 'open' | 'closed';

export class Connection {
  state: ConnectionState = 'handshaking';
  readonly handshake: Handshake;
  outcome: HandshakeOutcome | null = null;
  /** False after a write returned false, until the port drains. */
  canWrite = true;
  /** Set by the owner on every write; cleared by the heartbeat tick. */
  wrote = false;
  /** Where this connection counts bytes and liveness (its link's meter once established). */
  private meter: ConnectionMeter = emptyMeter();
  private heard = false;
  private silentMs = 0;
  private paused = false;
  private timer: NetTimer | null = null;
  private readonly decoder = new StreamDecoder(HANDSHAKE_MAX_RECORD_BYTES);
  private readonly onRecord = (type: number, source: ByteSource, offset: number, length: number): boolean =>
    this.record(type, source, offset, length);

  constructor(
    readonly role: 'dialer' | 'acceptor',
    readonly port: StreamPort,
    private readonly clock: NetClock,
    private readonly times: ConnectionTimes,
    private readonly maxFrameBytes: number,
    local: HandshakeLocal,
    hooks: HandshakeHooks,
    private readonly owner: ConnectionOwner,
    wanted = '',
  ) {
    this.handshake = new Handshake(role, local, hooks, (r) => this.sendRaw(r), wanted);
  }

  /** Starts listening to the port, the handshake timer, and (dialer) the handshake. */
  start(): void {
    this.port.attach({
      data: (chunk) => this.data(chunk),
      drain: () => this.drained(),
      closed: (error) => this.finish('connectionLost', error?.message ?? 'the connection closed', false),
    });
    this.timer = this.clock.setTimer(this.times.handshakeTimeoutMs, () => this.handshakeExpired());
    this.handshake.start();
    this.checkHandshake();
  }

  /** Writes a batch of whole records (the owner took them from its lanes). */
  write(bytes: Uint8Array): void {
    if (this.state !== 'open') return;
    this.wrote = true;
    this.meter.bytesOut += bytes.length;
    if (!this.port.write(bytes)) this.canWrite = false;
  }

  /**
   * Count into `meter` from now on, adding what this connection counted so far (its
   * handshake): the peer link's meter, so its counts survive reconnects.
   */
  attachMeter(meter: ConnectionMeter): void {
    const own = this.meter;
    if (own === meter) return;
    meter.bytesIn += own.bytesIn;
    meter.bytesOut += own.bytesOut;
    meter.heartbeatsIn += own.heartbeatsIn;
    if (own.lastHeardAt > meter.lastHeardAt) meter.lastHeardAt = own.lastHeardAt;
    this.meter = meter;
  }

  /** Stop reading until {@link resume} (the owner's inbound queue is full). */
  pause(): void {
    if (this.paused || this.state === 'closed') return;
    this.paused = true;
    this.port.pause();
  }

  resume(): void {
    if (!this.paused || this.state === 'closed') return;
    this.paused = false;
    this.port.resume();
  }

  /** Closes with `reason`, telling the peer (REFUSE in the handshake, GOODBYE after) unless `quiet`. */
  close(reason: RefuseReasonName, text: string, quiet = false): void {
    if (this.state === 'closed') return;
    if (!quiet) {
      if (this.state === 'handshaking') this.handshake.abort(reason, text);
      else this.sendRaw(records.goodbye(RefuseReason[reason], text));
    }
    this.finish(reason, text, false);
  }

  // --- internal ---

  private sendRaw(record: Uint8Array): void {
    if (this.state === 'closed') return;
    this.wrote = true;
    this.meter.bytesOut += record.length;
    if (!this.port.write(record)) this.canWrite = false;
  }

  private data(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    this.heard = true;
    const meter = this.meter;
    meter.bytesIn += chunk.length;
    meter.lastHeardAt = this.clock.now();
    const failure = this.decoder.push(chunk, this.onRecord);
    if (failure !== 0 && (this.state as ConnectionState) !== 'closed') {
      const reason = reasonName(failure);
      this.close(reason, reason === 'frameTooLarge' ? `a record above the ceiling of ${this.decoder.maxRecordBytes} bytes` : 'bytes that are not this protocol');
    }
  }

  private record(type: number, source: ByteSource, offset: number, length: number): boolean {
    if (this.state === 'open') {
      if (type === RecordType.frame) {
        if (!validFrame(source, offset, length)) {
          this.close('malformed', 'a frame record that is not an envelope frame');
          return false;
        }
        this.owner.frame(this, source, offset, length);
        return this.state === 'open';
      }
      if (type === RecordType.heartbeat && length === 0) {
        this.meter.heartbeatsIn++;
        return true;
      }
      if (type === RecordType.ack && (this.outcome!.features & WireFeature.acks) !== 0) {
        const received = readAck(source.view, offset, length);
        if (received < 0) {
          this.close('malformed', 'an ACK record that is not a count');
          return false;
        }
        this.owner.acked(this, received);
        return this.state === 'open';
      }
      if (type === RecordType.goodbye) {
        const why = readReason(source.bytes.subarray(offset, offset + length));
        this.finish(why === null ? 'malformed' : reasonName(why.reason), why?.text ?? 'unreadable goodbye', true);
        return false;
      }
      this.close('malformed', `unexpected record 0x${type.toString(16)}`);
      return false;
    }
    if (this.state !== 'handshaking') return false;
    this.handshake.onRecord(type, source.bytes.subarray(offset, offset + length));
    return this.checkHandshake();
  }

  /** After a handshake step: finished well (open), failed (close), or still going. */
  private checkHandshake(): boolean {
    const h = this.handshake;
    if (h.failure !== null) {
      this.finish(h.failure.reason, h.failure.text, h.failure.byPeer);
      return false;
    }
    if (h.outcome === null) return true;
    this.state = 'open';
    this.outcome = h.outcome;
    this.decoder.maxRecordBytes = RECORD_TYPE_BYTES + this.maxFrameBytes;
    this.decoder.oversizeReason = RefuseReason.frameTooLarge;
    this.clock.clearTimer(this.timer!);
    this.scheduleTick();
    this.owner.established(this, h.outcome);
    if (this.state === 'open' && this.canWrite) this.owner.writable(this);
    return this.state === 'open';
  }

  private drained(): void {
    if (this.state === 'closed') return;
    this.canWrite = true;
    if (this.state === 'open') this.owner.writable(this);
  }

  private handshakeExpired(): void {
    this.timer = null;
    if (this.state === 'handshaking') this.close('handshakeTimeout', `no handshake within ${this.times.handshakeTimeoutMs} ms`);
  }

  /** The liveness tick: heartbeat when we said nothing, idle timeout when we heard nothing. */
  private tick(): void {
    this.timer = null;
    if (this.state !== 'open') return;
    if (this.heard || this.paused) this.silentMs = 0;
    else this.silentMs += this.times.heartbeatMs;
    this.heard = false;
    if (this.silentMs >= this.times.idleTimeoutMs) {
      this.close('idleTimeout', `nothing heard for ${this.silentMs} ms`);
      return;
    }
    const acked = (this.outcome!.features & WireFeature.acks) !== 0 && this.owner.beat(this);
    if (!this.wrote && !acked) this.owner.idle(this);
    this.wrote = false;
    this.scheduleTick();
  }

  private scheduleTick(): void {
    this.timer = this.clock.setTimer(this.times.heartbeatMs, () => this.tick());
  }

  private finish(reason: RefuseReasonName, text: string, byPeer: boolean): void {
    if (this.state === 'closed') return;
    const handshaking = this.state === 'handshaking';
    this.state = 'closed';
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    // A refusal or goodbye is written first: end() lets it leave before the close; a peer
    // that never closes its side is cut off after a linger.
    if (reason === 'connectionLost') {
      this.port.destroy();
    } else {
      this.port.end();
      const port = this.port;
      this.clock.setTimer(LINGER_MS, () => port.destroy());
    }
    this.owner.closed(this, reason, text, byPeer, handshaking);
  }
}

/** A frame record's body is one envelope whose declared sizes fill it exactly. */
function validFrame(source: ByteSource, offset: number, length: number): boolean {
  if (length < ENVELOPE_FIXED_BYTES || source.bytes[offset] !== ENVELOPE_VERSION) return false;
  const headerLength = (source.bytes[offset + 1]! & EnvelopeFlags.hasTrace) === 0 ? ENVELOPE_FIXED_BYTES : ENVELOPE_MAX_HEADER_BYTES;
  return headerLength + source.view.getUint32(offset + 4, true) === length;
}
