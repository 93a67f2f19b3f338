/**
 * A network-transport carrier over the simulated network: the wire protocol of
 * @pd/transport (handshake, heartbeats, reconnects) runs between simulated hosts under
 * virtual time, with the network's seeded latency, loss, duplication, reordering,
 * partitions and clogging. Each connection is a sequenced byte stream over packets:
 * duplicates are ignored and reordered packets wait (a few) for their turn, as TCP would;
 * a gap that does not fill — a lost packet — resets the connection, or stalls it until the
 * protocol's idle timeout, which is how real connections fail.
 *
 * Packet: u8 kind (1 open, 2 data, 3 close), u32 connection id, u32 sequence, u32 port
 * dialed, bytes. Any packet may open the accepting end (the network may reorder the open).
 * Must not: deliver a connection's bytes out of order or twice, or read real time.
 */
import type { Carrier, Listening, NetAddress, StreamEvents, StreamPort } from '@pd/transport';
import type { SimWorld } from './world.js';

const OPEN = 1;
const DATA = 2;
const CLOSE = 3;
/** Out-of-order packets one connection holds before it gives up (a reset). */
const MAX_WAITING = 64;
const HEADER = 13;

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

/** Every simulated connection of a world, demultiplexed per host. */
class Board {
  private nextId = 1;
  private readonly listeners = new Map<string, (port: StreamPort) => void>();
  private readonly ends = new Map<string, SimPort>();
  private readonly hosts = new Set<string>();
  /** Connections that ended, so a late packet does not open a ghost. */
  private readonly gone = new Set<string>();

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
    const end = new SimPort(this.world, host, address.host, id, address.port, `${address.host}:${address.port}`, (key) => this.ended(key));
    this.ends.set(`${host}#${id}`, end);
    end.sendPacket(OPEN, new Uint8Array(0));
    return end;
  }

  private attachHost(host: string): void {
    if (this.hosts.has(host)) return;
    this.hosts.add(host);
    this.world.net.listen(host, (from, payload) => this.packet(host, from, payload as Uint8Array));
  }

  private ended(key: string): void {
    this.ends.delete(key);
    this.gone.add(key);
  }

  private packet(host: string, from: string, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const kind = bytes[0]!;
    const id = view.getUint32(1, true);
    const seq = view.getUint32(5, true);
    const key = `${host}#${id}`;
    let end = this.ends.get(key);
    if (end === undefined) {
      const accept = this.listeners.get(`${host}:${view.getUint32(9, true)}`);
      if (accept === undefined || kind === CLOSE || this.gone.has(key)) return;
      end = new SimPort(this.world, host, from, id, view.getUint32(9, true), `${from}#${id}`, (k) => this.ended(k));
      this.ends.set(key, end);
      accept(end);
    }
    end.receive(kind, seq, bytes.subarray(HEADER));
  }
}

/** One end of a simulated connection. */
class SimPort implements StreamPort {
  readonly peerCertificateVerified = false;
  expected = 1;
  private sendSeq = 0;
  private events: StreamEvents | null = null;
  private readonly waiting = new Map<number, { kind: number; bytes: Uint8Array }>();
  private early: { kind: number; seq: number; bytes: Uint8Array }[] = [];
  private done = false;

  constructor(
    private readonly world: SimWorld,
    private readonly host: string,
    private readonly peer: string,
    private readonly id: number,
    private readonly port: number,
    readonly remote: string,
    private readonly forget: (key: string) => void,
  ) {}

  attach(events: StreamEvents): void {
    this.events = events;
    const early = this.early;
    this.early = [];
    for (const p of early) this.receive(p.kind, p.seq, p.bytes);
  }

  write(bytes: Uint8Array): boolean {
    if (this.done) return false;
    this.sendPacket(DATA, bytes);
    return true;
  }

  end(): void {
    if (this.done) return;
    this.sendPacket(CLOSE, new Uint8Array(0));
    this.finish(null);
  }

  destroy(): void {
    this.end();
  }

  /** The simulated network has no flow control: pausing is a no-op (the protocol's bounds still hold). */
  pause(): void {}

  resume(): void {}

  /** @internal */
  sendPacket(kind: number, bytes: Uint8Array): void {
    const seq = kind === OPEN ? 0 : ++this.sendSeq;
    const packet = new Uint8Array(HEADER + bytes.length);
    const view = new DataView(packet.buffer);
    packet[0] = kind;
    view.setUint32(1, this.id, true);
    view.setUint32(5, seq, true);
    view.setUint32(9, this.port, true);
    packet.set(bytes, HEADER);
    this.world.net.send(this.host, this.peer, packet);
  }

  /** @internal A packet for this end: in order, once; a gap waits, then resets. */
  receive(kind: number, seq: number, bytes: Uint8Array): void {
    if (this.done) return;
    if (this.events === null) {
      this.early.push({ kind, seq, bytes });
      return;
    }
    if (kind === OPEN || seq < this.expected) return;
    if (seq > this.expected) {
      this.waiting.set(seq, { kind, bytes });
      if (this.waiting.size > MAX_WAITING) this.finish(new Error('connection reset (packets lost)'));
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
    if (kind === CLOSE) this.finish(null);
    else if (kind === DATA) this.events!.data(bytes.slice());
  }

  private finish(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.waiting.clear();
    this.forget(`${this.host}#${this.id}`);
    this.events?.closed(error);
  }
}
