/**
 * A network node: one engine's end of the mesh. Listens, dials the peers it knows, runs a
 * handshake per connection (capped), resolves simultaneous connects (the connection dialed
 * by the lower node id wins), and hands each peer out as a {@link PeerChannel} that
 * survives reconnects, so the router above never learns which carrier or connection
 * carries it. Owns: connections, peers, refusals (reason, counted, reported). Must not: read
 * real time (the clock), decide where frames go, or log secrets.
 */
import type { PeerChannel } from '../channel.js';
import type { Codec } from '../codec.js';
import { TransportError } from '../errors.js';
import type { ByteSource } from '../frame.js';
import { type NetClock, nonceFrom } from './clock.js';
import { Connection, type ConnectionOwner } from './connection.js';
import type { HandshakeHooks, HandshakeLocal, HandshakeOutcome } from './handshake.js';
import type { Hello } from './hello.js';
import { type NetLimits, resolveLimits } from './limits.js';
import { PeerLink, type NetPeerInfo, type PeerHost } from './peer.js';
import { PollSpin } from './poll-spin.js';
import { bump, emptyStats, type NetStats } from './stats.js';
import type { Carrier, Listening, NetAddress, StreamPort } from './stream.js';
import { RefuseReason, WIRE_FEATURES, WireFeature, WIRE_VERSION_MAX, WIRE_VERSION_MIN, type RefuseReasonName } from './wire.js';

/** Something worth a log line. Never carries a secret. */
export type NetEvent =
  | { readonly type: 'up'; readonly peer: string; readonly incarnation: number; readonly restarted: boolean; readonly role: 'dialer' | 'acceptor' }
  | { readonly type: 'down'; readonly peer: string; readonly reason: RefuseReasonName; readonly text: string; readonly byPeer: boolean }
  | { readonly type: 'refused'; readonly peer: string | null; readonly remote: string; readonly reason: RefuseReasonName; readonly text: string; readonly byPeer: boolean };

export interface NetNodeOptions {
  readonly clock: NetClock;
  readonly codec: Codec;
  readonly carrier: Carrier;
  /** This node's id: unique in the cluster, at most 255 UTF-8 bytes. Lower ids dial in a simultaneous connect. */
  readonly nodeId: string;
  readonly cluster: string;
  /** This run of the node (a restarted node has a new one); a u32, not 0. */
  readonly incarnation: number;
  /** The shared cluster secret (at least 16 bytes), or null when mutual TLS alone authenticates. */
  readonly secret: Uint8Array | null;
  /**
   * Other secrets (at least 16 bytes each) peers may prove with, while the cluster secret is
   * rotated (docs/federation.md#rotating-the-cluster-secret): this node proves with `secret`,
   * and takes a peer that proves with `secret` or any of these. Needs `secret`.
   */
  readonly acceptSecrets?: readonly Uint8Array[];
  /** Where to listen; none for a node that only dials. */
  readonly listen?: NetAddress;
  readonly limits?: Partial<NetLimits>;
  readonly onEvent?: (event: NetEvent) => void;
  /** Protocol version range offered (tests of refusal; default this code's range). */
  readonly versions?: readonly [number, number];
  /** Feature bits offered (tests of interop with older peers; default {@link WIRE_FEATURES}). */
  readonly features?: number;
}

export class NetNode {
  readonly stats: NetStats = emptyStats();
  readonly limits: NetLimits;
  readonly clock: NetClock;
  readonly codec: Codec;
  readonly nodeId: string;
  readonly incarnation: number;
  closed = false;
  private listening: Listening | null = null;
  // A private field: util.inspect and JSON never show it.
  #secret: Uint8Array | null;
  #acceptSecrets: readonly Uint8Array[];
  private readonly peers = new Map<string, PeerLink>();
  private readonly handshaking = new Set<Connection>();
  private readonly all = new Set<Connection>();
  private readonly host: PeerHost;
  /** The connection the last frame arrived on, and its link (see `frame`). */
  private lastConn: Connection | null = null;
  private lastLink: PeerLink | undefined = undefined;
  /** Keeps the event loop polling after writes (`limits.pollSpinUs`); null when off or where the clock cannot poll. */
  readonly spin: PollSpin | null;
  private readonly owner: ConnectionOwner;

  private readonly options: NetNodeOptions;

  constructor(options: NetNodeOptions) {
    checkOptions(options);
    this.#secret = options.secret;
    this.#acceptSecrets = [...(options.acceptSecrets ?? [])];
    this.options = { ...options, secret: null, acceptSecrets: [] };
    this.limits = resolveLimits(options.limits);
    this.clock = options.clock;
    this.codec = options.codec;
    this.nodeId = options.nodeId;
    this.incarnation = options.incarnation;
    const clock = this.clock;
    this.spin = this.limits.pollSpinUs > 0 && clock.pollThen !== undefined
      ? new PollSpin(clock as NetClock & Required<Pick<NetClock, 'pollThen'>>, this.limits.pollSpinUs)
      : null;
    this.host = new LinkHost(this, this.clock, this.codec, this.limits, this.stats, this.spin, (peer) => this.dial(peer));
    this.owner = {
      established: (conn, outcome) => this.established(conn, outcome),
      frame: (conn, source, offset, length) => this.frame(conn, source, offset, length),
      writable: (conn) => this.linkOf(conn)?.flush(),
      idle: (conn) => this.linkOf(conn)?.heartbeat(),
      beat: (conn) => this.linkOf(conn)?.beat(conn) ?? false,
      acked: (conn, received) => this.linkOf(conn)?.acked(conn, received),
      closed: (conn, reason, text, byPeer, handshaking) => this.connectionClosed(conn, reason, text, byPeer, handshaking),
    };
  }

  /** The carrier's kind (`tcp`, `tls`, `ws`, `sim`). */
  get carrierKind(): string {
    return this.options.carrier.kind;
  }

  /** Starts listening (if configured); resolves with the bound address. */
  async start(): Promise<NetAddress | null> {
    if (this.options.listen === undefined) return null;
    this.listening = await this.options.carrier.listen(this.options.listen, (port) => this.accept(port), (remote, text) => {
      // Refused by the carrier itself (a TLS client without a valid certificate).
      bump(this.stats.handshakes.refused, 'auth');
      this.emit({ type: 'refused', peer: null, remote, reason: 'auth', text, byPeer: false });
    });
    return { host: this.listening.host, port: this.listening.port };
  }

  /** The bound address, once started. */
  get address(): NetAddress | null {
    return this.listening === null ? null : { host: this.listening.host, port: this.listening.port };
  }

  /** Know `peerId` at `address`: dial it now and whenever the connection is lost. */
  connect(peerId: string, address: NetAddress): PeerChannel {
    const peer = this.link(peerId);
    peer.address = address;
    peer.ensureConnected();
    return peer;
  }

  /**
   * Forget how to reach `peerId` and drop its connections now (its membership declared it
   * dead or gone): no reconnecting to the old address; the next {@link connect} dials the
   * address given then. Frames queued for it stay queued (the next run of the peer drops
   * those addressed to the old one). A `down` event follows for an open connection.
   */
  disconnect(peerId: string, text: string): void {
    const peer = this.peers.get(peerId);
    if (peer === undefined) return;
    peer.address = null;
    peer.cancelReconnect();
    for (const conn of [...this.all]) {
      if ((conn.outcome?.peer.nodeId ?? conn.handshake.peerId) === peerId) conn.close('connectionLost', text);
    }
  }

  /** The channel to `peerId` (made on first use; frames wait until a connection is up). */
  channel(peerId: string): PeerChannel {
    return this.link(peerId);
  }

  /**
   * What this node knows of `peerId` (connection, queues, traffic each way, when it was last
   * heard), for introspection and tests; null for a peer it never met. A snapshot: read it
   * again for fresh numbers.
   */
  peer(peerId: string): NetPeerInfo | null {
    return this.peers.get(peerId)?.info() ?? null;
  }

  /** Handshakes in progress. */
  get handshakesInFlight(): number {
    return this.handshaking.size;
  }

  /** Says goodbye on every connection and stops listening. Queued frames are lost (counted). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.spin?.stop();
    for (const peer of this.peers.values()) peer.stop();
    for (const conn of [...this.all]) conn.close('shutdown', 'the node is shutting down');
    await this.listening?.close();
  }

  // --- internal ---

  private link(peerId: string): PeerLink {
    if (this.closed) throw new TransportError('net/closed', `node '${this.nodeId}' is closed`);
    if (peerId === this.nodeId) throw new TransportError('net/config', `peer id '${peerId}' is this node's own id`, { field: 'peer' });
    let peer = this.peers.get(peerId);
    if (peer === undefined) this.peers.set(peerId, (peer = new PeerLink(peerId, this.host)));
    return peer;
  }

  private linkOf(conn: Connection): PeerLink | undefined {
    const id = conn.outcome?.peer.nodeId;
    return id === undefined ? undefined : this.peers.get(id);
  }

  private local(): HandshakeLocal {
    const [versionMin, versionMax] = this.options.versions ?? [WIRE_VERSION_MIN, WIRE_VERSION_MAX];
    return {
      nodeId: this.nodeId, cluster: this.options.cluster, incarnation: this.incarnation, versionMin, versionMax,
      features: this.options.features ?? WIRE_FEATURES, secret: this.#secret, acceptSecrets: this.#acceptSecrets, nonce: nonceFrom(this.clock),
    };
  }

  /**
   * Changes the secrets from the next handshake on (connections up now stay up: they proved
   * themselves already): this node proves with `secret` and takes peers that prove with it or
   * any of `accept`. How a running cluster rotates its secret without a restart
   * (docs/federation.md#rotating-the-cluster-secret). Throws, changing nothing, for a secret
   * shorter than 16 bytes, or for accepted secrets without a secret of its own (under mutual
   * TLS with no secret).
   */
  setSecrets(secret: Uint8Array, accept: readonly Uint8Array[] = []): void {
    if (this.#secret === null) throw new TransportError('net/config', 'secret cannot be set on a node that authenticates by mutual TLS alone', { field: 'secret' });
    checkSecrets(secret, accept);
    this.#secret = Uint8Array.from(secret);
    this.#acceptSecrets = accept.map((s) => Uint8Array.from(s));
  }

  private hooks(port: StreamPort, conn: () => Connection): HandshakeHooks {
    return {
      resume: (hello) => {
        const p = this.peers.get(hello.nodeId);
        if (p === undefined) return { knownIncarnation: 0, received: 0 };
        // The peer proved itself and dialed anew: its older connection is dead to it. Close
        // ours first, so the count reported is final and losses are counted exactly.
        const c = conn();
        if (c.role === 'acceptor' && p.conn !== null) p.conn.close('replaced', 'a newer connection from the same node replaced this one');
        return { knownIncarnation: p.incarnation, received: p.received };
      },
      admit: (hello) => this.admit(hello, conn()),
      peerCertificateVerified: () => port.peerCertificateVerified,
    };
  }

  private newConnection(role: 'dialer' | 'acceptor', port: StreamPort, wanted: string): Connection {
    const l = this.limits;
    const conn: Connection = new Connection(role, port, this.clock, l, l.maxFrameBytes, this.local(), this.hooks(port, () => conn), this.owner, wanted);
    this.all.add(conn);
    this.handshaking.add(conn);
    return conn;
  }

  private accept(port: StreamPort): void {
    if (this.closed) {
      port.destroy();
      return;
    }
    if (this.handshaking.size >= this.limits.maxHandshakes) {
      // Refused before reading a byte: a flood of half-open handshakes costs one write each.
      const conn: Connection = new Connection('acceptor', port, this.clock, this.limits, this.limits.maxFrameBytes, this.local(), this.hooks(port, () => conn), this.owner);
      this.all.add(conn);
      conn.start();
      conn.close('busy', `${this.handshaking.size} handshakes in flight (limit ${this.limits.maxHandshakes})`);
      return;
    }
    this.newConnection('acceptor', port, '').start();
  }

  private dial(peer: PeerLink): void {
    const port = this.options.carrier.dial(peer.address!);
    const conn = this.newConnection('dialer', port, peer.id);
    peer.dialing = conn;
    conn.start();
  }

  /** Acceptor: whether to take a dialer that said hello (simultaneous connects decided here). */
  private admit(hello: Hello, conn: Connection): { reason: RefuseReason; text: string } | null {
    // Unknown peers get a link only once authenticated (established), so HELLOs cannot fill memory.
    const peer = this.peers.get(hello.nodeId);
    if (this.closed) return { reason: RefuseReason.shutdown, text: 'the node is shutting down' };
    if (peer === undefined) return null;
    if (peer.stopped) return { reason: RefuseReason.shutdown, text: 'this node no longer talks to that peer' };
    if (peer.dialing !== null) {
      if (this.nodeId < hello.nodeId) {
        return { reason: RefuseReason.duplicate, text: `simultaneous connect: the connection dialed by '${this.nodeId}' (the lower id) wins` };
      }
      const mine = peer.dialing;
      peer.dialing = null;
      mine.close('duplicate', `simultaneous connect: the connection dialed by '${hello.nodeId}' (the lower id) wins`);
    }
    if (peer.accepting !== null) peer.accepting.close('replaced', 'a newer handshake from the same node');
    peer.accepting = conn;
    return null;
  }

  private established(conn: Connection, outcome: HandshakeOutcome): void {
    this.handshaking.delete(conn);
    const hello = outcome.peer;
    const peer = this.peers.get(hello.nodeId) ?? this.link(hello.nodeId);
    if (conn.role === 'acceptor') peer.accepting = null;
    else if (peer.dialing === conn) peer.dialing = null;
    this.stats.handshakes.ok++;
    const old = peer.conn;
    const resume = outcome.peerResume;
    const knownByPeer = resume.knownIncarnation === this.incarnation ? resume.knownIncarnation : 0;
    const { restarted } = peer.up(conn, hello.incarnation, knownByPeer, resume.received, (outcome.features & WireFeature.acks) !== 0);
    if (old !== null && old !== conn) old.close('replaced', 'a newer connection from the same node replaced this one');
    this.emit({ type: 'up', peer: hello.nodeId, incarnation: hello.incarnation, restarted, role: conn.role });
  }

  private frame(conn: Connection, source: ByteSource, offset: number, length: number): void {
    // The link of the connection the last frame came on: frames come in runs per
    // connection, and a link, once made for a peer, is never replaced (no lookup by id each).
    let peer: PeerLink | undefined = this.lastLink;
    if (conn !== this.lastConn) {
      peer = this.linkOf(conn);
      if (peer !== undefined) {
        this.lastConn = conn;
        this.lastLink = peer;
      }
    }
    if (peer === undefined) this.stats.dropped.staleInbound++;
    else peer.frame(conn, source, offset, length);
  }

  private connectionClosed(conn: Connection, reason: RefuseReasonName, text: string, byPeer: boolean, handshaking: boolean): void {
    this.all.delete(conn);
    if (this.lastConn === conn) {
      this.lastConn = null;
      this.lastLink = undefined;
    }
    this.handshaking.delete(conn);
    const peerId = conn.outcome?.peer.nodeId ?? conn.handshake.peerId ?? null;
    const peer = peerId === null ? undefined : this.peers.get(peerId);
    if (handshaking) {
      if (byPeer) bump(this.stats.handshakes.refusedByPeer, reason);
      else bump(this.stats.handshakes.refused, reason);
      this.emit({ type: 'refused', peer: peerId, remote: conn.port.remote, reason, text, byPeer });
    } else {
      bump(this.stats.disconnects, reason);
      if (peer?.conn === conn) this.emit({ type: 'down', peer: peerId!, reason, text, byPeer });
    }
    if (peer === undefined) return;
    const wasCurrent = peer.conn === conn || peer.dialing === conn || peer.accepting === conn;
    peer.down(conn);
    // Lost the simultaneous-connect race: the other connection should arrive; look again later.
    if (wasCurrent && reason === 'duplicate') peer.scheduleReconnect();
  }

  private emit(event: NetEvent): void {
    const on = this.options.onEvent;
    if (on === undefined) return;
    try {
      on(event);
    } catch {
      // A throwing listener must not break a connection.
    }
  }
}

/**
 * What a node's peer links see of it. A class, so that the links of every node share one
 * shape: an object literal with a getter got a map of its own for each node, and a link's
 * loads from it (the codec, the limits, `closed`, on every frame staged) were left to the
 * generic load stub once a process had made a few nodes.
 */
class LinkHost implements PeerHost {
  constructor(
    private readonly node: NetNode,
    readonly clock: NetClock,
    readonly codec: Codec,
    readonly limits: NetLimits,
    readonly stats: NetStats,
    readonly spin: PollSpin | null,
    readonly dial: (peer: PeerLink) => void,
  ) {}

  get closed(): boolean {
    return this.node.closed;
  }
}

function checkOptions(o: NetNodeOptions): void {
  const bad = (field: string, why: string): never => {
    throw new TransportError('net/config', `${field} ${why}`, { field });
  };
  if (typeof o.nodeId !== 'string' || o.nodeId === '' || Buffer.byteLength(o.nodeId) > 255) bad('nodeId', 'must be a non-empty string of at most 255 bytes');
  if (typeof o.cluster !== 'string' || o.cluster === '' || Buffer.byteLength(o.cluster) > 255) bad('cluster', 'must be a non-empty string of at most 255 bytes');
  if (!Number.isInteger(o.incarnation) || o.incarnation < 1 || o.incarnation > 0xffff_ffff) bad('incarnation', `must be an integer in [1, 2^32), got ${o.incarnation}`);
  if (o.secret !== null) checkSecrets(o.secret, o.acceptSecrets ?? []);
  if (o.secret === null && o.carrier.kind !== 'tls' && o.carrier.kind !== 'sim') bad('secret', 'is required unless mutual TLS authenticates peers');
  if (o.secret === null && (o.acceptSecrets ?? []).length > 0) bad('acceptSecrets', 'needs secret: a node that authenticates by mutual TLS alone proves no secret');
}

function checkSecrets(secret: Uint8Array, accept: readonly Uint8Array[]): void {
  const bad = (field: string, why: string): never => {
    throw new TransportError('net/config', `${field} ${why}`, { field });
  };
  if (!(secret instanceof Uint8Array) || secret.length < 16) bad('secret', 'must be at least 16 bytes');
  if (!Array.isArray(accept)) bad('acceptSecrets', 'must be an array of secrets');
  accept.forEach((s, i) => {
    if (!(s instanceof Uint8Array) || s.length < 16) bad(`acceptSecrets[${i}]`, 'must be at least 16 bytes');
  });
}
