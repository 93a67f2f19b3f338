/**
 * A network-transport carrier over the simulated network: the wire protocol of
 * @pd/transport (handshake, heartbeats, reconnects) runs between simulated hosts under
 * virtual time, with the network's seeded latency, loss, duplication, reordering,
 * partitions and clogging. Each connection is a sequenced byte stream over packets that
 * recovers from loss as TCP does, so a connection fails the way a real one does:
 *
 * - Sequencing: every packet but an ACK or RST carries a sequence number (the dialer's
 *   OPEN is 0, then one per DATA or CLOSE); the receiver delivers in order, once, ignores
 *   duplicates and holds packets that came early within a window of {@link MAX_WAITING}
 *   (beyond it they are dropped: the sender sends them again).
 * - Acknowledgement: every packet carries the cumulative ack of its sender (the highest
 *   sequence number it has received with nothing missing before it); a receiver with
 *   nothing to send answers within {@link ACK_DELAY_MS} with an ACK packet (TCP's delayed
 *   ack), at once when it takes a CLOSE.
 * - Retransmission: the sender keeps every packet not yet acknowledged; when the oldest
 *   has waited a retransmission timeout (RTO) it sends them again (go-back-N, within the
 *   receive window), and the RTO doubles, from {@link RTO_MIN_MS} up to {@link RTO_MAX_MS};
 *   progress resets it. So a
 *   packet a cut (or random loss) dropped arrives once the link carries packets again —
 *   within {@link RTO_MAX_MS} of a heal — and the stream goes on where it stopped.
 * - Reset: when no acknowledgement has come for {@link GIVE_UP_MS} while packets wait for
 *   one (about 13 retransmissions: TCP's retries, at sim scale), the connection resets: its
 *   user sees an error, and an RST goes to the peer (best effort: it is likely unreachable).
 *   An end its user closed gives up after {@link ORPHAN_GIVE_UP_MS} (as Linux gives orphaned
 *   connections fewer retries), quietly: its user was told already.
 *   A packet for a connection that reset, or for one whose host crashed since (a ghost of
 *   an earlier incarnation), is answered with an RST, so the peer resets too once it
 *   reaches this host again; a retransmission for a connection that closed cleanly is
 *   answered with its final ACK (TIME_WAIT).
 * - Close: `end()` sends CLOSE and tells the user at once; the end lingers, unseen, to
 *   retransmit what is unacknowledged (CLOSE included) and to ack what arrives (which it
 *   discards), as a kernel does after close(2). Taking the peer's CLOSE in order ends it.
 *
 * Timers are the world's events on the end's host (dropped if it crashes, late if it
 * stalls); the retransmission timer keeps a self-driven world going while the user holds
 * the connection open with data in flight, as a socket with pending writes would.
 * Packet: u8 kind (1 open, 2 data, 3 close, 4 ack, 5 reset), u32 connection id, u32
 * sequence, u32 port dialed, u32 cumulative ack, bytes. Any OPEN or DATA may open the
 * accepting end (the network may reorder the open).
 * Must not: deliver a connection's bytes out of order or twice, or read real time.
 */
import type { Carrier, Listening, NetAddress, StreamEvents, StreamPort } from '@pd/transport';
import { EventKind, type SimEvent } from './event-queue.js';
import type { SimHost, SimWorld } from './world.js';

const OPEN = 1;
const DATA = 2;
const CLOSE = 3;
const ACK = 4;
const RST = 5;
/** The receive window, packets: an early packet is held if it is within this of the next one due, else dropped (and sent again). */
export const MAX_WAITING = 64;
/** The longest a received packet waits for a packet to ride on before an ACK goes alone, virtual ms. */
export const ACK_DELAY_MS = 40;
/** The first retransmission timeout (Linux's minimum RTO), virtual ms; above the round trip of any latency mix. */
export const RTO_MIN_MS = 200;
/** The longest retransmission timeout, virtual ms: a healed link carries the stream again within this. */
export const RTO_MAX_MS = 3_200;
/** A connection with packets unacknowledged this long resets, virtual ms. */
export const GIVE_UP_MS = 30_000;
/** The same for an end its user closed (Linux gives such orphans fewer retries), virtual ms. */
export const ORPHAN_GIVE_UP_MS = 10_000;
const HEADER = 17;

/** The carrier of simulated host `host` (one per node; the listener's port is any number). */
export function simNetCarrier(world: SimWorld, host: string): Carrier {
  const board = boardOf(world);
  return {
    kind: 'sim',
    listen: (address, accept) => {
      board.listen(host, address.port, accept);
      const bound: Listening = { host, port: address.port, close: async () => board.unlisten(host, address.port) };
      return Promise.resolve(bound);
    },
    dial: (address) => board.dial(host, address),
  };
}

// --- internal ---

const boards = new WeakMap<SimWorld, Board>();

function boardOf(world: SimWorld): Board {
  let board = boards.get(world);
  if (board === undefined) boards.set(world, (board = new Board(world)));
  return board;
}

function packetOf(kind: number, id: number, seq: number, port: number, ack: number, bytes: Uint8Array): Uint8Array {
  const packet = new Uint8Array(HEADER + bytes.length);
  const view = new DataView(packet.buffer);
  packet[0] = kind;
  view.setUint32(1, id, true);
  view.setUint32(5, seq, true);
  view.setUint32(9, port, true);
  view.setUint32(13, ack, true);
  packet.set(bytes, HEADER);
  return packet;
}

const EMPTY = new Uint8Array(0);

/** Every simulated connection of a world, demultiplexed per host. */
class Board {
  private nextId = 1;
  private readonly listeners = new Map<string, (port: StreamPort) => void>();
  private readonly ends = new Map<string, SimPort>();
  /** Hosts whose packets come here, with the incarnation that listened (a crash unlistens). */
  private readonly hosts = new Map<string, number>();
  /** Connections that ended: the final ack to repeat (closed cleanly), or null (reset). */
  private readonly gone = new Map<string, number | null>();

  constructor(private readonly world: SimWorld) {}

  listen(host: string, port: number, accept: (port: StreamPort) => void): void {
    this.listeners.set(`${host}:${port}`, accept);
    this.attachHost(host);
  }

  unlisten(host: string, port: number): void {
    this.listeners.delete(`${host}:${port}`);
  }

  dial(host: string, address: NetAddress): StreamPort {
    this.attachHost(host);
    const id = this.nextId++;
    const end = new SimPort(this.world, host, address.host, id, address.port, `${address.host}:${address.port}`, (key, final) => this.ended(key, final));
    this.ends.set(`${host}#${id}`, end);
    end.open();
    return end;
  }

  private attachHost(host: string): void {
    const epoch = this.world.host(host).epoch;
    if (this.hosts.get(host) === epoch) return;
    this.hosts.set(host, epoch);
    this.world.net.listen(host, (from, payload) => this.packet(host, from, payload as Uint8Array));
  }

  private ended(key: string, final: number | null): void {
    this.ends.delete(key);
    this.gone.set(key, final);
  }

  private packet(host: string, from: string, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER || bytes[0]! < OPEN || bytes[0]! > RST) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const kind = bytes[0]!;
    const id = view.getUint32(1, true);
    const seq = view.getUint32(5, true);
    const port = view.getUint32(9, true);
    const ack = view.getUint32(13, true);
    const key = `${host}#${id}`;
    let end = this.ends.get(key);
    // An end of an incarnation that crashed is gone with it: its peer hears a reset.
    if (end !== undefined && end.ghost) {
      end.forgetGhost();
      end = undefined;
    }
    if (end === undefined) {
      if (kind === ACK || kind === RST) return;
      if (this.gone.has(key)) {
        // TIME_WAIT: a retransmission is answered with the final ack, or a reset.
        const final = this.gone.get(key)!;
        this.world.net.send(host, from, packetOf(final === null ? RST : ACK, id, 0, port, final ?? 0, EMPTY));
        return;
      }
      const accept = this.listeners.get(`${host}:${port}`);
      if (accept === undefined || kind === CLOSE) return;
      end = new SimPort(this.world, host, from, id, port, `${from}#${id}`, (k, final) => this.ended(k, final));
      this.ends.set(key, end);
      accept(end);
    }
    end.receive(kind, seq, ack, bytes.subarray(HEADER));
  }
}

interface Sent { readonly seq: number; readonly kind: number; readonly bytes: Uint8Array }

/** One end of a simulated connection. */
class SimPort implements StreamPort {
  readonly peerCertificateVerified = false;
  private readonly hostRef: SimHost;
  private readonly epoch: number;
  /** The next sequence number to deliver. */
  private expected = 1;
  private sendSeq = 0;
  private events: StreamEvents | null = null;
  private readonly waiting = new Map<number, { kind: number; bytes: Uint8Array }>();
  private early: { kind: number; seq: number; ack: number; bytes: Uint8Array }[] = [];
  /** The user has been told it closed (end(), the peer's CLOSE, a reset); the end may linger. */
  private closed = false;
  /** Gone from the board: nothing more happens. */
  private done = false;
  /** Sent, not yet acknowledged, in sequence order. */
  private unacked: Sent[] = [];
  private rto = RTO_MIN_MS;
  /** When the oldest unacknowledged packet is sent again. */
  private rtoAt = 0;
  /** Since when packets have waited with no acknowledgement progress. */
  private stuckSince = 0;
  private rtoTimer: SimEvent | null = null;
  private ackTimer: SimEvent | null = null;
  /** Received a packet not acknowledged yet. */
  private ackOwed = false;

  constructor(
    private readonly world: SimWorld,
    private readonly host: string,
    private readonly peer: string,
    private readonly id: number,
    private readonly port: number,
    readonly remote: string,
    private readonly forget: (key: string, final: number | null) => void,
  ) {
    this.hostRef = world.host(host);
    this.epoch = this.hostRef.epoch;
  }

  /** Its host crashed since it was made. */
  get ghost(): boolean {
    return this.hostRef.epoch !== this.epoch;
  }

  attach(events: StreamEvents): void {
    this.events = events;
    const early = this.early;
    this.early = [];
    for (const p of early) this.receive(p.kind, p.seq, p.ack, p.bytes);
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.sendSequenced(DATA, bytes);
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.sendSequenced(CLOSE, EMPTY);
    this.tell(null);
    this.lingerOrEnd();
  }

  destroy(): void {
    this.end();
  }

  /** The simulated network has no flow control: pausing is a no-op (the protocol's bounds still hold). */
  pause(): void {}

  resume(): void {}

  /** @internal The dialer's first packet (sequence 0). */
  open(): void {
    this.sendSequenced(OPEN, EMPTY);
  }

  /** @internal Its host crashed: forgotten as reset, without a word (a crash sends nothing). */
  forgetGhost(): void {
    this.stop(null);
  }

  /** @internal A packet for this end: acks first, then in order, once; a gap waits for the retransmission. */
  receive(kind: number, seq: number, ack: number, bytes: Uint8Array): void {
    if (this.done) return;
    if (kind === RST) return this.reset(new Error('connection reset by peer'), false);
    this.acknowledged(ack);
    if (kind !== ACK) this.take(kind, seq, ack, bytes);
    // A closed end is done once all it sent is acknowledged: after taking this packet (and acking it), so
    // that a CLOSE crossing ours is acknowledged too.
    if (this.closed && !this.done && this.unacked.length === 0) {
      if (this.ackOwed) this.sendAck();
      this.stop(this.expected - 1);
    }
  }

  private take(kind: number, seq: number, ack: number, bytes: Uint8Array): void {
    if (this.events === null) {
      this.early.push({ kind, seq, ack, bytes });
      return;
    }
    this.owe();
    if (kind === OPEN || seq < this.expected) return;
    if (seq > this.expected) {
      // A receive window: beyond it, early packets are dropped (the sender sends them again).
      if (seq < this.expected + MAX_WAITING) this.waiting.set(seq, { kind, bytes });
      return;
    }
    this.deliver(kind, bytes);
    for (let next = this.waiting.get(this.expected); next !== undefined && !this.done; next = this.waiting.get(this.expected)) {
      this.waiting.delete(this.expected);
      this.deliver(next.kind, next.bytes);
    }
  }

  private deliver(kind: number, bytes: Uint8Array): void {
    this.expected++;
    if (kind === CLOSE) {
      // The peer is done: ack its CLOSE now (no timer outlives the end), then end.
      this.sendAck();
      this.tell(null);
      this.stop(this.expected - 1);
    } else if (kind === DATA && !this.closed) this.events!.data(bytes.slice());
  }

  // --- sending ---

  private sendSequenced(kind: number, bytes: Uint8Array): void {
    const seq = kind === OPEN ? 0 : ++this.sendSeq;
    if (this.unacked.length === 0) {
      this.stuckSince = this.world.now;
      this.rto = RTO_MIN_MS;
      this.rtoAt = this.world.now + this.rto;
    }
    this.unacked.push({ seq, kind, bytes });
    this.send(kind, seq, bytes);
    this.armRto();
  }

  /** Every packet carries the cumulative ack, so an owed ack rides on it. */
  private send(kind: number, seq: number, bytes: Uint8Array): void {
    this.ackOwed = false;
    this.world.net.send(this.host, this.peer, packetOf(kind, this.id, seq, this.port, this.expected - 1, bytes));
  }

  private sendAck(): void {
    this.send(ACK, 0, EMPTY);
  }

  /** A packet came: ack it within ACK_DELAY_MS unless something we send carries the ack first. */
  private owe(): void {
    this.ackOwed = true;
    if (this.ackTimer !== null) return;
    this.ackTimer = this.timer(ACK_DELAY_MS, () => {
      this.ackTimer = null;
      if (this.ackOwed && !this.done) this.sendAck();
    }, 'ack');
    this.world.setRef(this.ackTimer, false);
  }

  private acknowledged(ack: number): void {
    const u = this.unacked;
    if (u.length === 0 || u[0]!.seq > ack) return;
    let n = 0;
    while (n < u.length && u[n]!.seq <= ack) n++;
    u.splice(0, n);
    this.rto = RTO_MIN_MS;
    this.stuckSince = this.world.now;
    this.rtoAt = this.world.now + this.rto;
    if (u.length > 0) return this.armRto();
    // All acknowledged: no timer left to fire for nothing (the next packet sent arms one).
    if (this.rtoTimer !== null) this.world.cancel(this.rtoTimer);
    this.rtoTimer = null;
  }

  /** One retransmission timer per end, moved lazily (it fires, then looks at what is due); only ever brought forward. */
  private armRto(): void {
    if (this.done) return;
    const at = Math.min(this.rtoAt, this.stuckSince + this.giveUpMs);
    if (this.rtoTimer !== null) {
      if (this.rtoTimer.time <= at) return;
      this.world.cancel(this.rtoTimer);
    }
    this.rtoTimer = this.timer(at - this.world.now, () => this.rtoFired(), 'rto');
    // Unseen by the user once it closed: a lingering end keeps nothing alive.
    if (this.closed) this.world.setRef(this.rtoTimer, false);
  }

  private rtoFired(): void {
    this.rtoTimer = null;
    if (this.done || this.unacked.length === 0) return;
    const now = this.world.now;
    if (now >= this.stuckSince + this.giveUpMs) {
      return this.reset(new Error(`connection reset: nothing acknowledged for ${GIVE_UP_MS} ms (peer unreachable)`), true);
    }
    if (now >= this.rtoAt) {
      // Go-back-N within the peer's window: what lies beyond it would be dropped there.
      const window = this.unacked[0]!.seq + MAX_WAITING;
      for (const p of this.unacked) {
        if (p.seq >= window) break;
        this.send(p.kind, p.seq, p.bytes);
      }
      this.rto = Math.min(this.rto * 2, RTO_MAX_MS);
      this.rtoAt = now + this.rto;
    }
    this.armRto();
  }

  private get giveUpMs(): number {
    return this.closed ? ORPHAN_GIVE_UP_MS : GIVE_UP_MS;
  }

  private timer(delayMs: number, fn: () => void, what: string): SimEvent {
    const label = this.world.trace.keepsLabels ? `${what} ${this.host}#${this.id}` : '';
    return this.world.schedule(delayMs, EventKind.Timer, this.hostRef, this.epoch, fn, label);
  }

  // --- ending ---

  /** Tell the user, once. */
  private tell(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.clear();
    this.early = [];
    this.events?.closed(error);
  }

  /** After end(): gone once everything sent is acknowledged, until then retransmitting, unseen. */
  private lingerOrEnd(): void {
    if (this.unacked.length === 0) return this.stop(this.expected - 1);
    if (this.rtoTimer !== null) this.world.setRef(this.rtoTimer, false);
    this.armRto();
  }

  private reset(error: Error, tellPeer: boolean): void {
    if (tellPeer) this.send(RST, 0, EMPTY);
    this.tell(error);
    this.stop(null);
  }

  /** Leave the board: `final` is the ack a late retransmission gets, null for a reset. */
  private stop(final: number | null): void {
    if (this.done) return;
    this.done = true;
    this.closed = true;
    this.unacked = [];
    this.waiting.clear();
    if (this.rtoTimer !== null) this.world.cancel(this.rtoTimer);
    if (this.ackTimer !== null) this.world.cancel(this.ackTimer);
    this.rtoTimer = this.ackTimer = null;
    this.forget(`${this.host}#${this.id}`, final);
  }
}
