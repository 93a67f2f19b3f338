/**
 * The node router: an engine's {@link RemoteRouter} for actors on other nodes. Outgoing, it
 * turns sends, asks and signals into envelope frames on the network channel of the node
 * that hosts the target (the address's `node` is that node's incarnation, learned at
 * handshake); incoming, it hands frames to local actors through the engine's
 * {@link RemoteHost}, which checks every address (secret included) against its own tables,
 * so a forged or stale address is a dead letter on the node that hosts it.
 *
 * Owns: the map from incarnations to peers, the books of links and monitors that span
 * nodes (Erlang's semantics: a lost connection gives every link an exit and every monitor a
 * `Down` with reason `noconnection`), pending asks and control requests, and the policy
 * check on arrival. Must not: open sockets itself (the @pd/transport `NetNode` does), read
 * real time (the engine's reactor only), throw into the engine for anything a peer sent
 * (a bad frame is counted), or block.
 */
import {
  type AddrIdentity, type AnyAddr, type AskOptions, AskError, Exit, type ExitReason, type MonitorRef, type Priority as Lane,
  type SendOptions, type SendResult, type SpawnOptions, ArgumentError, SendError, SpawnError, PdError, isAddr,
} from '@pd/actor';
import { addrIdentity, addrIdentityInto, mintAddr } from '@pd/actor/internal';
import type { Engine, NodePlacer, NodeSpawn, RemoteAskHandle, RemoteHost, RemoteRouter, RemoteSpawn, ShutdownReport } from '@pd/runtime';
import {
  type ByteSource, type Codec, type EnvelopeHeader, type FrameInit, MessageKind, type NetNode, type PeerChannel, type Priority, type TraceContext, EnvelopeFlags,
  TransportError, decodeFrame, readError, readReason, wireError, wireReason,
} from '@pd/transport';
import type { Membership, MembershipListener, PeerAddress } from './membership.js';
import { IdTable } from './id-table.js';
import { PolicyGate } from './policy.js';
import { RemoteChildren } from './remote-children.js';
import { type Answer, ENDPOINT_SLOT, ExitMode, type Notice, type Request, endpointOf } from './protocol.js';

/** Connection state of a peer as the router sees it. */
export type PeerState = 'idle' | 'connecting' | 'up' | 'down';

/** One peer node: its channel, its incarnation, what crossed. */
class Peer {
  channel: PeerChannel | null = null;
  /** The incarnation of its current run, 0 until the first handshake. */
  incarnation = 0;
  state: PeerState = 'idle';
  /** Messages (frames) sent to it and received from it by this router. */
  sent = 0;
  received = 0;
  /** Whether the membership lists it. */
  member = false;
  /**
   * The membership declared it gone (dead or left) and it has not come back: what is sent to
   * its actors is a dead letter here, counted, instead of waiting in a queue no run will read.
   */
  gone = false;
  /** The reader is armed on `channel`. */
  reading = false;
  /** Callers of `connect` waiting for it to be up. */
  waiters: (() => void)[] = [];
  constructor(readonly id: string) {}
}

/** A request of this node awaiting its answer. */
type Pending =
  | { readonly kind: 'ask'; readonly peer: Peer; readonly handle: RemoteAskHandle }
  | {
    readonly kind: 'request'; readonly peer: Peer; readonly resolve: (value: unknown) => void; readonly reject: (error: unknown) => void; timer: unknown;
    /** Called with the answer in the turn it arrives, before any later frame is read (`resolve` runs a turn later). */
    readonly answered: ((value: unknown) => void) | null;
  };

/** Counters of the router: frames in, what was refused or malformed. */
export interface RouterCounters {
  /** Frames decoded and handled. */
  framesIn: number;
  /** Frames that did not decode or had a wrong shape (a peer speaking for another node's actors included). */
  badFrames: number;
  /** Sends and signals to an address of a node that restarted, is unknown, or that the membership declared gone (dead letters here). */
  staleSends: number;
  /** Errors caught at the engine boundary (never thrown into the engine). */
  errors: number;
}

/** What the router needs that only the engine's public API gives (the hosting side of spawn, whereis, publish, policy). */
export interface RouterEngine {
  spawn: Engine['spawn'];
  resolve: Engine['resolve'];
  /** The engine-wide registry: on a multi-core node it names actors of every core. */
  registry: Pick<Engine['registry'], 'whereis' | 'whereisPath'>;
  info: Engine['info'];
  publish: Engine['publish'];
}

/**
 * The reply duty of a request from another node: settles once, by sending the answer or the
 * failure back as a reply frame. A class, not closures: one object per remote request.
 */
class ReplyHandle implements RemoteAskHandle {
  settled = false;
  constructor(private readonly router: NodeRouter, private readonly peer: Peer, readonly id: number) {}

  answer(value: unknown): boolean {
    return this.send([0, value]);
  }

  fail(error: unknown): boolean {
    return this.send([1, wireError(error)]);
  }

  private send(body: Answer): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.router._answer(this.peer, this.id, body);
    return true;
  }
}

const LANES: Record<Lane, Priority> = { normal: 0, low: 1, high: 2 };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Whichever run of the peer node answers (node 0): where requests, replies and notices go. */
const NODE_ENDPOINT: AddrIdentity = Object.freeze(endpointOf(0));
const LANE_OPTIONS: readonly (SendOptions | undefined)[] = [undefined, { priority: 'low' }, { priority: 'high' }, undefined];
/** Control request ids: above any ask id an engine hands out, below 2^53 (they ride in headers). */
const FIRST_REQUEST_ID = 2 ** 50;

/** A node service's handler: `query` as the asking node sent it (unchecked: check it), `from` that node's id. */
export type NodeService = (query: unknown, from: string) => unknown;

/** A layer above the router (the cluster registry and groups): peers up and down, local exits, its notices (`op` `registry` or `groups`). */
export interface RouterExtension {
  connected(peer: string): void;
  down(peer: string): void;
  exited(local: AnyAddr): void;
  notice(peer: string, incarnation: number, body: unknown): void;
  /** True while every member must hear from this node (the registry holds names): members are then dialed as they come up. */
  wantsPeers?(): boolean;
}

export class NodeRouter implements RemoteRouter {
  readonly node: number;
  readonly counters: RouterCounters = { framesIn: 0, badFrames: 0, staleSends: 0, errors: 0 };
  /** The last error caught instead of thrown into the engine (for diagnosis). */
  lastError: unknown = null;
  readonly gate: PolicyGate;
  private net: NetNode | null = null;
  private codec: Codec | null = null;
  private engine: RouterEngine | null = null;
  private membership: Membership | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly peers = new Map<string, Peer>();
  /** Node services other nodes may query, by name. */
  private readonly services = new Map<string, NodeService>();
  /** Every incarnation ever learned: the live one of a peer, or a restarted peer's old one (null: gone). */
  private readonly incarnations = new Map<number, Peer | null>();
  /** Links between local actors and actors elsewhere, by the local actor's key (both directions: links are symmetric). */
  private readonly links = new Map<string, { readonly local: AnyAddr; readonly remotes: Map<string, AnyAddr> }>();
  /** Monitors held by local actors on actors elsewhere, by ref id. */
  private readonly watching = new Map<number, { readonly watcher: AnyAddr; readonly remote: AnyAddr; readonly ref: MonitorRef }>();
  /** The refs of {@link watching} held by each local watcher, by its key (to drop them when it exits). */
  private readonly watchingBy = new Map<string, Set<number>>();
  /** Watchers elsewhere of local actors, by the local actor's key. */
  private readonly watchedBy = new Map<string, { watcher: AnyAddr; refId: number }[]>();
  /** Asks and node requests awaiting a reply, by correlation id (an {@link IdTable}: no allocation per request). */
  private readonly pending = new IdTable<Pending>();
  private nextRequestId = FIRST_REQUEST_ID;
  /** The header {@link stage} fills for each frame it stages. */
  private readonly frameInit: Mutable<FrameInit> = { flags: 0, kind: MessageKind.user, priority: 0, source: null, destination: NODE_ENDPOINT, correlationId: 0, deadlineMs: null, trace: null };
  /** True while {@link stage} hands a frame to the channel (a nested stage gets its own objects). */
  private staging = false;
  /** The destination identity {@link destinationOf} fills for a send or an ask. */
  private readonly destination: Mutable<AddrIdentity> = { node: 0, core: 0, slot: 0, generation: 0, secret: 0 };
  /** The header {@link onFrame} reads frames into; null while a frame is being handled. */
  private frameHeader: EnvelopeHeader | null = null;
  /** Set while delivering a remote publish here, so it is not published back out. */
  private publishingInbound = false;
  private closed = false;
  /** What the cluster registry hears of peers and exits, and its notices (set by the federation). */
  extension: RouterExtension | null = null;
  /** The last handshake refusal or connection loss per peer (for error messages). */
  private readonly lastTrouble = new Map<string, string>();
  /** A multi-core node's other cores check the send policy for their actors themselves (see {@link attach}). */
  private otherCoresGuarded = false;
  /** Children this node placed on others, by their local stand-in. */
  private readonly children = new RemoteChildren({ isLive: (addr) => this.host.isLive(addr), kill: (child) => this.kill(child) });
  /** How the engine places a spawn on another node (`placement: { node }`). */
  readonly nodes: NodePlacer;

  constructor(readonly host: RemoteHost, policy: PolicyGate, private readonly requestTimeoutMs: number, private readonly selfId: string) {
    this.node = host.incarnation;
    this.gate = policy;
    this.nodes = { self: selfId, pick: (nodes) => this.pickNode(nodes), spawn: (spawn) => this.spawnChild(spawn) };
  }

  /** Starts carrying traffic over `net` (already listening), for `engine`, with the peers `membership` names. */
  attach(net: NetNode, engine: RouterEngine, membership: Membership): void {
    this.net = net;
    this.codec = net.codec;
    this.engine = engine;
    this.membership = membership;
    // A multi-core node: this core cannot see the path of an actor on another core, so that
    // core checks the send policy itself; its refusals are counted here. Set before any peer
    // can send (the network is not listening yet), so the policy is on every core first.
    const send = this.gate.sendPolicy;
    if (send !== null) this.otherCoresGuarded = this.host.guardOtherCores(send, () => this.gate.refusedElsewhere());
    const listener: MembershipListener = {
      peerUp: (peer) => {
        const p = this.peerOf(peer.id);
        p.member = true;
        p.gone = false;
        if (this.extension?.wantsPeers?.() === true) this.guardExtension(() => void this.channelFor(p));
      },
      peerDown: (id, reason) => {
        const peer = this.peers.get(id);
        if (peer === undefined) return;
        peer.member = false;
        peer.gone = true;
        this.nodeDown(peer, 'left the membership');
        // A connection to a node declared gone may be half-open (a crashed host sends no reset): drop
        // it, so that when the node comes back (a new run, maybe a new address) it is dialed afresh.
        this.net?.disconnect(id, `the membership says: ${reason}`);
      },
    };
    this.unsubscribe = membership.subscribe(listener);
  }

  /** The network told of a handshake: `id` runs as `incarnation` now. */
  peerConnected(id: string, incarnation: number): void {
    const peer = this.peerOf(id);
    if (peer.incarnation !== 0 && peer.incarnation !== incarnation) {
      // Restarted (or a hint from another node was stale): the old run's actors are gone,
      // and anything still linked to them hears it now.
      if (peer.state === 'up') this.nodeDown(peer, 'restarted');
      else this.breakBooks(peer.incarnation);
      this.incarnations.set(peer.incarnation, null);
    }
    if (incarnation === this.node || this.incarnations.get(incarnation) === null) {
      // Two nodes of one incarnation (a 1 in 2^31 draw) cannot be told apart by address.
      this.lastError = new PdError('internal/invariant', `peer '${id}' runs as incarnation ${incarnation}, which is not unique`);
    }
    peer.incarnation = incarnation;
    peer.state = 'up';
    peer.gone = false;
    this.incarnations.set(incarnation, peer);
    this.ensureChannel(peer);
    for (const done of peer.waiters.splice(0)) done();
    this.sharePeers(peer);
    this.guardExtension(() => this.extension?.connected(id));
  }

  /** Send a notice of the extension (`{ op: 'registry', ... }`) to `peerId`, if it is up. */
  noticeTo(peerId: string, body: Notice): void {
    const peer = this.peers.get(peerId);
    if (peer === undefined || peer.state !== 'up' || this.closed) return;
    this.stage(peer, MessageKind.user, NODE_ENDPOINT, null, 0, body, 0, null);
  }

  /** Dial every member not connected (lazy connect otherwise): the extension has something each must hear. */
  dialMembers(): void {
    if (this.net === null || this.closed) return;
    for (const peer of this.peers.values()) {
      if (peer.member && !peer.gone && peer.state !== 'up') this.guardExtension(() => void this.channelFor(peer));
    }
  }

  /** Peers connected now. */
  upPeers(): string[] {
    return [...this.peers.values()].filter((p) => p.state === 'up').map((p) => p.id);
  }

  private guardExtension(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.counters.errors++;
      this.lastError = error;
    }
  }

  /**
   * Tell `peer` the incarnations of the other nodes this one is connected to, and them of
   * `peer`, so an address of a third node that arrives in a message can be routed there.
   */
  private sharePeers(peer: Peer): void {
    const others = [...this.peers.values()].filter((p) => p !== peer && p.state === 'up');
    if (others.length === 0) return;
    const notice: Notice = { op: 'peers', peers: others.map((p) => [p.id, p.incarnation] as const) };
    this.stage(peer, MessageKind.user, NODE_ENDPOINT, null, 0, notice, 0, null);
    const about: Notice = { op: 'peers', peers: [[peer.id, peer.incarnation]] };
    for (const other of others) this.stage(other, MessageKind.user, NODE_ENDPOINT, null, 0, about, 0, null);
  }

  /** Incarnations of peers taken as known, as from a peer's `peers` notice (the simulator's test aid `Federation.startInSim`). */
  knowPeers(peers: readonly (readonly [string, number])[]): void {
    this.learnPeers(peers);
  }

  /** Incarnations a peer told of: routable if the node is a member (its address known) and this one has no newer word. */
  private learnPeers(list: unknown): void {
    if (!Array.isArray(list)) throw badShape('a peers notice without a list');
    for (const item of list.slice(0, 1024)) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !Number.isInteger(item[1]) || item[1] <= 0 || item[1] > 0xffff_ffff) continue;
      const [id, incarnation] = item as [string, number];
      if (id === this.selfId || incarnation === this.node || this.incarnations.has(incarnation)) continue;
      if (this.membership?.addressOf(id) === undefined) continue;
      const peer = this.peerOf(id);
      // Only a hint: the handshake has the last word (a different incarnation there makes this one gone).
      if (peer.state === 'up' || peer.state === 'down') continue;
      if (peer.incarnation !== 0) this.incarnations.delete(peer.incarnation);
      peer.incarnation = incarnation;
      this.incarnations.set(incarnation, peer);
    }
  }

  /** The network lost the connection to `id`. */
  peerDisconnected(id: string): void {
    const peer = this.peers.get(id);
    if (peer !== undefined && peer.state === 'up') this.nodeDown(peer, 'connection lost');
  }

  /** Connect to `id` now if it is not (lazy connect: normally the first message does it); resolves once it is up. */
  connect(id: string): Promise<void> {
    const peer = this.knownPeer(id, 'connect');
    if (peer.state === 'up') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.host.reactor.setTimer(this.requestTimeoutMs, () => {
        const i = peer.waiters.indexOf(done);
        if (i < 0) return;
        peer.waiters.splice(i, 1);
        reject(new AskError('ask/timeout', `node '${id}' did not connect within ${this.requestTimeoutMs} ms${this.whyNotUp(peer)}`, { node: id, timeoutMs: this.requestTimeoutMs }));
      });
      const done = (): void => {
        this.host.reactor.clearTimer(timer);
        resolve();
      };
      peer.waiters.push(done);
      this.channelFor(peer);
    });
  }

  /** What the router knows of each peer. */
  peerList(): { id: string; state: PeerState; incarnation: number; member: boolean; sent: number; received: number }[] {
    return [...this.peers.values()].map((p) => ({ id: p.id, state: p.state, incarnation: p.incarnation, member: p.member, sent: p.sent, received: p.received }));
  }

  /** Books held now (for stats and tests of cleanup); `links` counts children placed on other nodes too. */
  books(): { links: number; watching: number; watchedBy: number; pending: number } {
    let links = this.children.size;
    for (const l of this.links.values()) links += l.remotes.size;
    let watchedBy = 0;
    for (const w of this.watchedBy.values()) watchedBy += w.length;
    return { links, watching: this.watching.size, watchedBy, pending: this.pending.size };
  }

  /** Spawn a registered kind on node `id`; resolves with its address. */
  spawnOn(id: string, kind: string, options: { args?: unknown; name?: string; register?: string; trapExits?: boolean; mailbox?: unknown }): Promise<AnyAddr> {
    const request: Request = { op: 'spawn', kind, ...options };
    return this.request(this.knownPeer(id, 'spawn'), request).then((addr) => {
      if (!isAddr(addr)) throw new SpawnError('spawn/invalid-definition', `node '${id}' answered a spawn with ${typeof addr}, not an address`);
      return addr;
    });
  }

  /**
   * The node a `{ nodes }` placement picks: the first this node is not cut off from — itself,
   * or a known peer that is connected, being dialed or not dialed yet (connections are made
   * on first use), not one whose connection is down or that the membership declared gone —
   * else the first.
   */
  private pickNode(nodes: readonly string[]): string {
    const open = nodes.find((id) => {
      if (id === this.selfId) return true;
      const peer = this.peers.get(id);
      return peer !== undefined && peer.state !== 'down' && !peer.gone;
    });
    return open ?? nodes[0]!;
  }

  /** Spawn a child on another node for a local stand-in (the engine's `NodePlacer`). */
  private spawnChild(spawn: NodeSpawn): Promise<AnyAddr> {
    let peer: Peer;
    try {
      peer = this.knownPeer(spawn.node, 'spawn');
    } catch (error) {
      return Promise.reject(error);
    }
    const o = spawn.options;
    const request: Request = {
      op: 'spawn', kind: spawn.kind, link: spawn.standIn,
      ...(o.args === undefined ? {} : { args: o.args }), ...(o.mailbox === undefined ? {} : { mailbox: o.mailbox }),
      ...(o.trapExits === undefined ? {} : { trapExits: o.trapExits }), ...(o.budget === undefined ? {} : { budget: o.budget }),
      ...(o.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: o.stopTimeoutMs }),
    };
    const answered = (child: unknown): void => {
      if (isAddr(child)) this.children.placed(spawn, child);
    };
    return this.request(peer, request, answered).then((addr) => {
      if (!isAddr(addr)) throw new SpawnError('spawn/invalid-definition', `node '${spawn.node}' answered a spawn with ${typeof addr}, not an address`);
      return addr;
    });
  }

  /** Ask the service `service` of node `id` (`serve` there) with `body`; resolves with its handler's answer. */
  queryOn(id: string, service: string, body: unknown): Promise<unknown> {
    return this.request(this.knownPeer(id, 'query'), { op: 'query', service, body });
  }

  /** Answer queries to `service` from other nodes with `handler` (its value or promise is the answer; what it throws, the error). */
  serve(service: string, handler: NodeService): () => void {
    if (this.services.has(service)) throw new ArgumentError(`serve: node '${this.selfId}' serves "${service}" already`);
    this.services.set(service, handler);
    return () => {
      if (this.services.get(service) === handler) this.services.delete(service);
    };
  }

  /** The address registered as `name` (or at path `name`) on node `id`, or undefined. */
  whereisOn(id: string, name: string): Promise<AnyAddr | undefined> {
    return this.request(this.knownPeer(id, 'whereis'), { op: 'whereis', name }).then((addr) => (isAddr(addr) ? addr : undefined));
  }

  /** Stop: fail what waits, forget the membership. Links and monitors across nodes get `noconnection`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const peer of this.peers.values()) if (peer.state === 'up') this.nodeDown(peer, 'this node is closing');
  }

  // --- RemoteRouter: outgoing ---

  reaches(addr: AnyAddr): boolean {
    return addr.node !== this.node && this.incarnations.has(addr.node);
  }

  place(_definition: unknown, _options: SpawnOptions | undefined, _parent: AnyAddr | null, _parentPath: string | null): number | null {
    // Spawning on another node is `Federation.spawn(kind, { node })` (asynchronous: the
    // node may not be connected yet); the engine's own `spawn` stays on this node.
    return null;
  }

  spawn(_target: number, _spawn: RemoteSpawn): AnyAddr {
    throw new SpawnError('spawn/invalid-definition', 'the node router places no spawns; use Federation.spawn(kind, { node })');
  }

  send(to: AnyAddr, message: unknown, options: SendOptions | undefined): SendResult {
    const peer = this.livePeer(to);
    if (peer === null) return this.stale(to, message);
    if (peer.gone) return this.unreachable(to, message);
    const ttl = options?.ttlMs;
    this.stage(peer, MessageKind.user, this.destinationOf(to), null, 0, message, laneOf(options?.priority), ttl === undefined ? null : ttl, 0, this.host.outgoingTrace());
    return 'queued';
  }

  sendWait(to: AnyAddr, message: unknown, options: SendOptions | undefined): Promise<SendResult> {
    const peer = this.livePeer(to);
    if (peer === null) return Promise.resolve(this.stale(to, message));
    if (peer.gone) return Promise.resolve(this.unreachable(to, message));
    const priority = options?.priority;
    laneOf(priority);
    const request: Request = { op: 'sendWait', to, message, ...(priority === undefined ? {} : { priority }) };
    return this.request(peer, request).then((result) => result as SendResult, () => this.host.deadLetter(to, message, 'dead'));
  }

  ask(to: AnyAddr, message: unknown, ask: RemoteAskHandle, options: AskOptions | undefined): SendResult {
    const peer = this.livePeer(to);
    if (peer === null) return this.stale(to, message);
    if (peer.gone) return this.unreachable(to, message);
    this.sweepPending();
    this.stage(peer, MessageKind.ask, this.destinationOf(to), null, ask.id, message, laneOf(options?.priority), null, 0, this.host.outgoingTrace());
    this.pending.set(ask.id, { kind: 'ask', peer, handle: ask });
    return 'queued';
  }

  link(local: AnyAddr, remote: AnyAddr): void {
    const peer = this.livePeer(remote);
    if (peer === null || peer.state === 'down') {
      // Erlang: linking to an actor on a node that cannot be reached is an exit `noconnection`.
      this.host.signal(local, 'link', remote, peer === null ? Exit.noproc : Exit.noconnection);
      return;
    }
    this.addLink(local, remote);
    this.stage(peer, MessageKind.link, addrIdentity(remote), addrIdentity(local), 0, null, 0, null);
  }

  unlink(local: AnyAddr, remote: AnyAddr): void {
    if (!this.dropLink(local, remote)) return;
    const peer = this.livePeer(remote);
    if (peer !== null) this.stage(peer, MessageKind.unlink, addrIdentity(remote), addrIdentity(local), 0, null, 0, null);
  }

  monitor(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef): void {
    const peer = this.livePeer(remote);
    if (peer === null || peer.state === 'down') {
      this.host.down(watcher, ref, remote, peer === null ? Exit.noproc : Exit.noconnection);
      return;
    }
    this.watching.set(ref.id, { watcher, remote, ref });
    let refs = this.watchingBy.get(watcher.key);
    if (refs === undefined) this.watchingBy.set(watcher.key, (refs = new Set()));
    refs.add(ref.id);
    this.stage(peer, MessageKind.monitor, addrIdentity(remote), addrIdentity(watcher), ref.id, null, 0, null);
  }

  demonitor(watcher: AnyAddr, ref: MonitorRef): boolean {
    const entry = this.watching.get(ref.id);
    if (entry === undefined || !entry.watcher.equals(watcher)) return false;
    this.unwatch(ref.id, entry.watcher);
    const peer = this.livePeer(entry.remote);
    if (peer !== null) this.stage(peer, MessageKind.demonitor, addrIdentity(entry.remote), addrIdentity(watcher), ref.id, null, 0, null);
    return true;
  }

  exit(target: AnyAddr, reason: ExitReason, from: AnyAddr | null): void {
    this.signalOut(target, MessageKind.exit, from, [ExitMode.exit, wireReason(reason)]);
  }

  stop(target: AnyAddr, reason: ExitReason): void {
    this.signalOut(target, MessageKind.stop, null, wireReason(reason));
  }

  kill(target: AnyAddr): void {
    this.signalOut(target, MessageKind.kill, null, null);
  }

  swap(target: AnyAddr, kind: string, args: unknown): void {
    this.signalOut(target, MessageKind.swap, null, [kind, args ?? null]);
  }

  publish(topic: string, message: unknown): number {
    if (this.publishingInbound) return 0;
    const notice: Notice = { op: 'publish', topic, message };
    for (const peer of this.peers.values()) {
      if (peer.state === 'up') this.stage(peer, MessageKind.user, NODE_ENDPOINT, null, 0, notice, 0, null);
    }
    // Subscriber counts elsewhere are not tracked (a cluster registry's job): none counted here.
    return 0;
  }

  exited(local: AnyAddr, reason: ExitReason): void {
    if (this.extension !== null) this.guardExtension(() => this.extension!.exited(local));
    if (this.children.size > 0) this.children.exited(local);
    if (this.links.size > 0) {
      const key = local.key;
      const entry = this.links.get(key);
      if (entry !== undefined && entry.local.equals(local)) {
        this.links.delete(key);
        for (const remote of entry.remotes.values()) {
          const peer = this.livePeer(remote);
          if (peer !== null) this.stage(peer, MessageKind.exit, addrIdentity(remote), addrIdentity(local), 0, [ExitMode.link, wireReason(reason)], 0, null);
        }
      }
    }
    if (this.watchingBy.size > 0) {
      // Its monitors of actors elsewhere: the nodes holding them forget them (no Down for a dead watcher).
      const refs = this.watchingBy.get(local.key);
      if (refs !== undefined) {
        for (const refId of [...refs]) {
          const entry = this.watching.get(refId);
          if (entry === undefined || !entry.watcher.equals(local)) continue;
          this.unwatch(refId, local);
          const peer = this.livePeer(entry.remote);
          if (peer !== null && peer.state !== 'down') this.stage(peer, MessageKind.demonitor, addrIdentity(entry.remote), addrIdentity(local), refId, null, 0, null);
        }
      }
    }
    if (this.watchedBy.size > 0) {
      const key = local.key;
      const watchers = this.watchedBy.get(key);
      if (watchers !== undefined) {
        this.watchedBy.delete(key);
        for (const { watcher, refId } of watchers) {
          const peer = this.livePeer(watcher);
          if (peer !== null) this.stage(peer, MessageKind.down, addrIdentity(watcher), addrIdentity(local), refId, wireReason(reason), 0, null);
        }
      }
    }
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(_deadlineMs: number): Promise<ShutdownReport> {
    // Other nodes are not this engine's to shut down; closing the network is Federation.close().
    return Promise.resolve({ stopped: 0, killed: 0 });
  }

  // --- incoming ---

  private onFrame(peer: Peer, source: ByteSource, offset: number, length: number): void {
    // The router's header object, read into afresh for each frame (no header, identity or
    // frame object per frame): nothing keeps it past this call (addresses are minted from
    // copies of its fields), but for a trace context, which a delivery may keep, so that one
    // is never reused. A frame handled inside another's handling gets a header of its own.
    const reused = this.frameHeader;
    this.frameHeader = null;
    if (reused !== null) reused.trace = null;
    let header: EnvelopeHeader;
    let body: unknown;
    try {
      const frame = decodeFrame(this.codec!, source, offset, length, reused);
      header = frame.header;
      body = frame.body;
    } catch {
      this.counters.badFrames++;
      this.frameHeader = reused;
      return;
    }
    this.onDecoded(peer, header, body);
    this.frameHeader = header;
  }

  private onDecoded(peer: Peer, header: EnvelopeHeader, body: unknown): void {
    this.counters.framesIn++;
    peer.received++;
    try {
      const from = header.source === null ? null : header.source;
      // A peer speaks only for its own actors.
      if (from !== null && from.node !== peer.incarnation) {
        this.counters.badFrames++;
        return;
      }
      const dst = header.destination;
      if (dst.slot === ENDPOINT_SLOT && dst.generation === 0) {
        this.onControl(peer, header.kind, header.correlationId, body);
        return;
      }
      const to = mintAddr(dst, null);
      const fromAddr = from === null ? null : mintAddr(from, null);
      this.onActorFrame(peer, header.kind, header.priority, header.correlationId, header.deadlineMs, to, fromAddr, body, header.trace);
    } catch (error) {
      this.counters.errors++;
      this.lastError = error;
    }
  }

  private onActorFrame(peer: Peer, kind: number, priority: number, correlationId: number, deadlineMs: number | null, to: AnyAddr, from: AnyAddr | null, body: unknown, trace: TraceContext | null): void {
    const host = this.host;
    switch (kind) {
      case MessageKind.user: {
        if (!this.mayReceive(to)) {
          host.deadLetter(to, body, 'rejected');
          return;
        }
        const deadline = deadlineMs === null ? Infinity : host.reactor.now() + deadlineMs;
        const options = deadlineMs === null ? LANE_OPTIONS[priority] : { ...LANE_OPTIONS[priority], ttlMs: deadlineMs };
        host.deliver(to, body, null, deadline, options, trace);
        return;
      }
      case MessageKind.ask: {
        const reply = this.replyHandle(peer, correlationId);
        if (!this.mayReceive(to)) {
          host.deadLetter(to, body, 'rejected');
          reply.fail(new AskError('ask/rejected', `${String(to)} refused the request: the federation policy does not let remote nodes send there`, { to: String(to) }));
          return;
        }
        host.deliver(to, body, reply, Infinity, LANE_OPTIONS[priority], trace);
        return;
      }
      case MessageKind.reply:
        this.onReply(correlationId, body);
        return;
      case MessageKind.exit: {
        const [mode, wired] = pair(body);
        const reason = readReason(wired);
        if (mode === ExitMode.link) {
          if (from === null) throw badShape('a link exit without a source');
          // The exit of a child placed on that node: its stand-in here ends with the reason.
          if (this.children.size > 0 && this.children.childExit(to, from, reason)) return;
          // An exit over a link that was removed meanwhile (the local side unlinked while the
          // exit was on its way) is not delivered: once unlink returns, the link has no effect (unlink/1).
          if (!this.dropLink(to, from)) return;
          host.signal(to, 'link', from, reason);
        } else if (this.mayReceive(to)) {
          host.signal(to, mode === ExitMode.kill ? 'kill' : 'exit', from, reason);
        }
        return;
      }
      case MessageKind.link: {
        if (from === null) throw badShape('a link without a source');
        if (!host.acceptLink(to, from)) {
          this.stage(peer, MessageKind.exit, addrIdentity(from), addrIdentity(to), 0, [ExitMode.link, wireReason(Exit.noproc)], 0, null);
          return;
        }
        this.addLink(to, from);
        return;
      }
      case MessageKind.unlink:
        if (from !== null && this.dropLink(to, from)) host.forgetLink(to, from);
        return;
      case MessageKind.monitor: {
        if (from === null) throw badShape('a monitor without a source');
        if (!host.acceptMonitor(to, from, correlationId)) {
          this.stage(peer, MessageKind.down, addrIdentity(from), addrIdentity(to), correlationId, wireReason(Exit.noproc), 0, null);
          return;
        }
        let watchers = this.watchedBy.get(to.key);
        if (watchers === undefined) this.watchedBy.set(to.key, (watchers = []));
        watchers.push({ watcher: from, refId: correlationId });
        return;
      }
      case MessageKind.demonitor: {
        const watchers = this.watchedBy.get(to.key);
        if (watchers === undefined || from === null) return;
        const i = watchers.findIndex((w) => w.refId === correlationId && w.watcher.equals(from));
        if (i >= 0) {
          watchers.splice(i, 1);
          host.forgetMonitor(to, from, correlationId);
        }
        if (watchers.length === 0) this.watchedBy.delete(to.key);
        return;
      }
      case MessageKind.down: {
        const entry = this.watching.get(correlationId);
        // Only the node hosting the watched actor may say it is down.
        if (entry === undefined || !entry.watcher.equals(to) || entry.remote.node !== peer.incarnation) return;
        this.unwatch(correlationId, entry.watcher);
        host.down(entry.watcher, entry.ref, entry.remote, readReason(body));
        return;
      }
      case MessageKind.stop:
        if (this.mayReceive(to)) host.stop(to, readReason(body));
        return;
      case MessageKind.kill:
        if (this.mayReceive(to)) host.signal(to, 'kill', from, Exit.killed);
        return;
      case MessageKind.swap: {
        const [kindName, args] = pair(body);
        if (typeof kindName !== 'string') throw badShape('a swap without a kind name');
        if (this.mayReceive(to)) host.swap(to, kindName, args ?? undefined);
        return;
      }
      default:
        this.counters.badFrames++;
    }
  }

  private onControl(peer: Peer, kind: number, correlationId: number, body: unknown): void {
    if (kind === MessageKind.reply) {
      this.onReply(correlationId, body);
      return;
    }
    if (typeof body !== 'object' || body === null) throw badShape('a control message that is not an object');
    const op = (body as { op?: unknown }).op;
    if (kind === MessageKind.user && op === 'peers') {
      this.learnPeers((body as { peers?: unknown }).peers);
      return;
    }
    if (kind === MessageKind.user && (op === 'registry' || op === 'groups')) {
      this.extension?.notice(peer.id, peer.incarnation, body);
      return;
    }
    if (kind === MessageKind.user && op === 'publish') {
      const { topic, message } = body as { topic: unknown; message: unknown };
      if (typeof topic !== 'string') throw badShape('a publish without a topic');
      this.publishingInbound = true;
      try {
        this.engine!.publish(topic, message);
      } finally {
        this.publishingInbound = false;
      }
      return;
    }
    if (kind !== MessageKind.ask) throw badShape(`a control message of kind ${kind}`);
    const answer = (value: unknown): void => this.answer(peer, correlationId, [0, value]);
    const fail = (error: unknown): void => this.answer(peer, correlationId, [1, wireError(error)]);
    try {
      switch (op) {
        case 'spawn':
          answer(this.spawnHere(peer, body as Request & { op: 'spawn' }));
          return;
        case 'whereis': {
          const name = (body as { name?: unknown }).name;
          if (typeof name !== 'string' || name === '') throw new ArgumentError('whereis: the name must be a non-empty string');
          // An actor of this core, else (a multi-core node) a name or path the engine-wide registry holds on another core.
          const engine = this.engine!;
          answer(engine.resolve(name) ?? (name.startsWith('/') ? engine.registry.whereisPath(name) : engine.registry.whereis(name)) ?? null);
          return;
        }
        case 'query': {
          const { service, body: query } = body as { service?: unknown; body?: unknown };
          if (typeof service !== 'string') throw badShape('a query without a service name');
          const handler = this.services.get(service);
          if (handler === undefined) {
            throw new ArgumentError(`node '${this.selfId}' has no service "${service}"${this.services.size === 0 ? '' : ` (it serves ${[...this.services.keys()].sort().join(', ')})`}`, { service });
          }
          // A handler that throws or rejects answers with its error; nothing it does reaches the engine.
          new Promise<unknown>((resolve) => resolve(handler(query, peer.id))).then(answer, fail);
          return;
        }
        case 'sendWait': {
          const { to, message, priority } = body as { to: unknown; message: unknown; priority?: unknown };
          if (!isAddr(to)) throw badShape('a sendWait without an address');
          if (!this.mayReceive(to)) {
            answer(this.host.deadLetter(to, message, 'rejected'));
            return;
          }
          const options = priority === undefined ? undefined : { priority: priority as Lane };
          if (options !== undefined) laneOf(options.priority);
          this.host.sendWait(to, message, Infinity, options).then(answer, fail);
          return;
        }
        default:
          throw badShape(`an unknown control request ${JSON.stringify(op)}`);
      }
    } catch (error) {
      fail(error);
    }
  }

  private spawnHere(peer: Peer, request: Request & { op: 'spawn' }): AnyAddr {
    const { kind, args, name, register, trapExits, mailbox, budget, stopTimeoutMs, link } = request;
    // A stand-in of the asking node's own, or nothing: a peer links only its own actors.
    if (link !== undefined && (!isAddr(link) || link.node !== peer.incarnation)) throw badShape('a spawn linked to an actor not of the asking node');
    if (typeof kind !== 'string' || kind === '') throw new SpawnError('spawn/invalid-definition', 'a remote spawn names a registered kind');
    if (name !== undefined && typeof name !== 'string') throw new ArgumentError('spawn: name must be a string');
    const path = name === undefined ? '/user' : `/user/${name}`;
    if (!this.gate.allowSpawn(path)) {
      throw new SpawnError('spawn/invalid-definition', `the federation policy of this node does not let remote nodes spawn at ${path}`, { path, policy: 'spawn' });
    }
    if (!this.host.hasKind(kind)) throw new SpawnError('spawn/unknown-kind', `no kind "${kind}" is registered on this node`, { kind });
    const options: SpawnOptions = {
      ...(args === undefined ? {} : { args }), ...(name === undefined ? {} : { name }), ...(register === undefined ? {} : { register }),
      ...(trapExits === undefined ? {} : { trapExits }), ...(mailbox === undefined ? {} : { mailbox: mailbox as SpawnOptions['mailbox'] }),
      ...(budget === undefined ? {} : { budget }), ...(stopTimeoutMs === undefined ? {} : { stopTimeoutMs }),
    };
    const child = this.engine!.spawn(kind, options);
    // Booked before the answer leaves: the child's exit, however soon, goes to the stand-in.
    if (link !== undefined) this.addLink(child, link);
    return child;
  }

  private onReply(correlationId: number, body: unknown): void {
    const entry = this.pending.get(correlationId);
    if (entry === undefined) {
      // A placed child's spawn answered after it timed out here: nobody stands in for it.
      const [ok, value] = pair(body);
      this.children.late(correlationId, ok === 0 ? value : null);
      return;
    }
    this.pending.delete(correlationId);
    const answer = pair(body);
    const ok = answer[0], value = answer[1];
    if (entry.kind === 'ask') {
      if (ok === 0) entry.handle.answer(value);
      else entry.handle.fail(readError(value));
      return;
    }
    this.host.reactor.clearTimer(entry.timer as never);
    if (ok === 0) {
      entry.answered?.(value);
      entry.resolve(value);
    } else entry.reject(readError(value));
  }

  /** The handle a request from `peer` settles here: its answer goes back as a reply frame. */
  private replyHandle(peer: Peer, id: number): RemoteAskHandle {
    return new ReplyHandle(this, peer, id);
  }

  /** @internal Answer request `id` of `peer` (the {@link ReplyHandle} settles once). */
  _answer(peer: Peer, id: number, body: Answer): void {
    this.answer(peer, id, body);
  }

  private answer(peer: Peer, id: number, body: Answer): void {
    if (peer.state !== 'up') return;
    try {
      this.stage(peer, MessageKind.reply, NODE_ENDPOINT, null, id, body, 0, null, EnvelopeFlags.response);
    } catch (error) {
      // The value cannot cross (not serializable, too large): the asker learns why.
      if (body[0] === 0) this.stage(peer, MessageKind.reply, NODE_ENDPOINT, null, id, [1, wireError(error)], 0, null, EnvelopeFlags.response);
    }
  }

  // --- peers and books ---

  private peerOf(id: string): Peer {
    let peer = this.peers.get(id);
    if (peer === undefined) this.peers.set(id, (peer = new Peer(id)));
    return peer;
  }

  /** A peer a caller named: a member, or one connected to us. */
  private knownPeer(id: string, operation: string): Peer {
    if (typeof id !== 'string' || id === '') throw new ArgumentError(`${operation}: node must be a node id (a non-empty string), got ${String(id)}`);
    const peer = this.peers.get(id);
    if (peer === undefined || (peer.state !== 'up' && this.membership?.addressOf(id) === undefined)) {
      throw new ArgumentError(`${operation}: node '${id}' is not a known peer of this node (not in its peers, not connected)`, { node: id });
    }
    return peer;
  }

  /** The peer hosting `addr`, or null for an incarnation that is gone (restarted). */
  private livePeer(addr: AnyAddr): Peer | null {
    return this.incarnations.get(addr.node) ?? null;
  }

  private stale(to: AnyAddr, message: unknown): SendResult {
    this.counters.staleSends++;
    return this.host.deadLetter(to, message, 'unknown');
  }

  /** To a node the membership declared gone: a dead letter (`dead`), counted with the stale sends. */
  private unreachable(to: AnyAddr, message: unknown): SendResult {
    this.counters.staleSends++;
    return this.host.deadLetter(to, message, 'dead');
  }

  /**
   * Whether the send policy lets a remote node reach `to` here (counted when not). An actor
   * on another core of this node: its core checks (the host guards the other cores), or,
   * where none can, refused.
   */
  private mayReceive(to: AnyAddr): boolean {
    if (!this.gate.checksSend) return true;
    if (to.node === this.node && to.core !== this.host.core) return this.otherCoresGuarded || this.gate.refuseUnseen();
    return this.gate.allowSend(this.engine!.info(to)?.path);
  }

  private channelFor(peer: Peer): PeerChannel {
    if (this.net === null) throw new PdError('engine/stopped', 'the federation is not started (await federation.start(engine) first)');
    // A peer that is up needs no address: looked up only for one that is not (every send comes here).
    const address: PeerAddress | undefined = peer.state === 'up' ? undefined : this.membership?.addressOf(peer.id);
    if (address !== undefined) {
      peer.channel = this.net.connect(peer.id, { host: address.host, port: address.port });
      if (peer.state === 'idle' || peer.state === 'down') peer.state = peer.state === 'idle' ? 'connecting' : 'down';
    } else if (peer.channel === null) {
      peer.channel = this.net.channel(peer.id);
    }
    this.ensureChannel(peer);
    return peer.channel!;
  }

  /** For an error about a peer that never answered: the last refusal or loss the network reported, if it is not up. */
  private whyNotUp(peer: Peer): string {
    if (peer.state === 'up') return '';
    const why = this.lastTrouble.get(peer.id);
    return why === undefined ? ` (not connected: state ${peer.state})` : ` (not connected: ${why})`;
  }

  /** The network refused a handshake with `id` or lost its connection: kept for error messages. */
  peerTrouble(id: string, reason: string, text: string, byPeer: boolean): void {
    if (!this.peers.has(id)) return;
    this.lastTrouble.set(id, `${byPeer ? 'refused by the peer' : 'refused here'}: ${reason}${text === '' ? '' : ` (${text})`}`);
  }

  /** Make sure frames from `peer` are read. */
  private ensureChannel(peer: Peer): void {
    if (this.net === null || this.closed) return;
    if (peer.channel === null) peer.channel = this.net.channel(peer.id);
    if (peer.reading) return;
    peer.reading = true;
    const channel = peer.channel;
    const sink = (source: ByteSource, offset: number, length: number): void => this.onFrame(peer, source, offset, length);
    const pump = (): void => {
      if (this.closed) return;
      channel.in.read(1024, sink);
      channel.in.arm(pump);
    };
    channel.in.arm(pump);
  }

  private stage(peer: Peer, kind: MessageKind, destination: AddrIdentity, source: AddrIdentity | null, correlationId: number, body: unknown, priority: Priority, deadlineMs: number | null, flags = 0, trace: TraceContext | null = null): void {
    const channel = this.channelFor(peer);
    // One header object, filled afresh for each frame: the channel reads it during the call
    // only. A frame staged while another is (a getter of the message that sends, run by the
    // encoder) gets its own.
    const nested = this.staging;
    const init: Mutable<FrameInit> = nested ? { ...this.frameInit } : this.frameInit;
    init.flags = flags;
    init.kind = kind;
    init.priority = priority;
    init.source = source;
    init.destination = destination;
    init.correlationId = correlationId;
    init.deadlineMs = deadlineMs;
    init.trace = trace;
    this.staging = true;
    try {
      channel.out.stage(init, body, false);
    } catch (error) {
      if (error instanceof TransportError && error.code === 'net/frame-too-large') {
        throw new SendError('send/too-large', `the message is larger than the network frame ceiling (${String(error.details?.maxFrameBytes)} bytes)`, { ...error.details });
      }
      throw error;
    } finally {
      this.staging = nested;
      if (!nested) {
        init.source = null;
        init.trace = null;
      }
    }
    peer.sent++;
    channel.out.publish();
  }

  /**
   * `to`'s identity in the router's own object, for one {@link stage} call (which reads it
   * during the call only); a fresh one for a frame staged while another is.
   */
  private destinationOf(to: AnyAddr): AddrIdentity {
    return this.staging ? addrIdentity(to) : addrIdentityInto(to, this.destination);
  }

  private signalOut(target: AnyAddr, kind: MessageKind, from: AnyAddr | null, body: unknown): void {
    const peer = this.livePeer(target);
    if (peer === null) {
      this.counters.staleSends++;
      return;
    }
    this.stage(peer, kind, addrIdentity(target), from === null ? null : addrIdentity(from), 0, body, 0, null);
  }

  private request(peer: Peer, body: Request, answered: ((value: unknown) => void) | null = null): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextRequestId++;
      const entry: Pending = { kind: 'request', peer, resolve, reject, timer: null, answered };
      entry.timer = this.host.reactor.setTimer(this.requestTimeoutMs, () => {
        if (!this.pending.delete(id)) return;
        if (answered !== null) this.children.abandon(id);
        reject(new AskError('ask/timeout', `node '${peer.id}' did not answer ${body.op} within ${this.requestTimeoutMs} ms${this.whyNotUp(peer)}`, { node: peer.id, timeoutMs: this.requestTimeoutMs }));
      });
      this.pending.set(id, entry);
      try {
        // To whichever run of the node answers (node 0): a request by node id survives its restart.
        this.stage(peer, MessageKind.ask, NODE_ENDPOINT, null, id, body, 0, null);
      } catch (error) {
        this.pending.delete(id);
        this.host.reactor.clearTimer(entry.timer as never);
        reject(error);
      }
    });
  }

  private unwatch(refId: number, watcher: AnyAddr): void {
    this.watching.delete(refId);
    const refs = this.watchingBy.get(watcher.key);
    if (refs === undefined) return;
    refs.delete(refId);
    if (refs.size === 0) this.watchingBy.delete(watcher.key);
  }

  private addLink(local: AnyAddr, remote: AnyAddr): void {
    let entry = this.links.get(local.key);
    if (entry === undefined || !entry.local.equals(local)) this.links.set(local.key, (entry = { local, remotes: new Map() }));
    entry.remotes.set(remote.key, remote);
  }

  private dropLink(local: AnyAddr, remote: AnyAddr): boolean {
    const entry = this.links.get(local.key);
    if (entry === undefined) return false;
    const had = entry.remotes.delete(remote.key);
    if (entry.remotes.size === 0) this.links.delete(local.key);
    return had;
  }

  /** Asks whose askers timed out never hear back: forget them now and then. */
  private sweepPending(): void {
    if (this.pending.size < 4096 || (this.pending.size & 1023) !== 0) return;
    for (const [id, entry] of this.pending.entries()) if (entry.kind === 'ask' && entry.handle.settled) this.pending.delete(id);
  }

  /**
   * The connection to `peer` is lost (or it restarted, or left): every link to its actors
   * gets an exit and every monitor a `Down`, with reason `noconnection`; its links and
   * monitors of ours are forgotten; what waits for it fails.
   */
  private nodeDown(peer: Peer, why: string): void {
    peer.state = 'down';
    if (this.extension !== null) this.guardExtension(() => this.extension!.down(peer.id));
    this.breakBooks(peer.incarnation);
    for (const [id, entry] of this.pending.entries()) {
      // A snapshot: skip what a callback of this loop already settled and removed.
      if (entry.peer !== peer || !this.pending.delete(id)) continue;
      const error = new AskError('ask/target-exited', `the connection to node '${peer.id}' was lost (noconnection: ${why})`, { node: peer.id, reason: 'noconnection' });
      if (entry.kind === 'ask') entry.handle.fail(error);
      else {
        this.host.reactor.clearTimer(entry.timer as never);
        entry.reject(error);
      }
    }
  }

  /** Links and monitors with actors of incarnation `node`: exits and Downs with `noconnection` here, forgotten. */
  private breakBooks(node: number): void {
    const host = this.host;
    if (this.children.size > 0) this.children.nodeLost(node);
    for (const [key, entry] of this.links) {
      for (const [remoteKey, remote] of entry.remotes) {
        if (remote.node !== node) continue;
        entry.remotes.delete(remoteKey);
        host.signal(entry.local, 'link', remote, Exit.noconnection);
      }
      if (entry.remotes.size === 0) this.links.delete(key);
    }
    for (const [refId, entry] of this.watching) {
      if (entry.remote.node !== node) continue;
      this.unwatch(refId, entry.watcher);
      host.down(entry.watcher, entry.ref, entry.remote, Exit.noconnection);
    }
    for (const [key, watchers] of this.watchedBy) {
      const kept = watchers.filter((w) => w.watcher.node !== node);
      if (kept.length === 0) this.watchedBy.delete(key);
      else if (kept.length !== watchers.length) this.watchedBy.set(key, kept);
    }
  }
}

function laneOf(priority: Lane | undefined): Priority {
  if (priority === undefined) return 0;
  if (priority !== 'normal' && priority !== 'low' && priority !== 'high') {
    throw new ArgumentError(`priority must be "high", "normal" or "low", got ${String(priority)}`);
  }
  return LANES[priority];
}

/** `body` as a [tag, value] pair (the array itself: read, never kept or changed). */
function pair(body: unknown): readonly [unknown, unknown] {
  if (!Array.isArray(body) || body.length < 1) throw badShape('a body that is not a [tag, value] pair');
  return body as unknown as readonly [unknown, unknown];
}

function badShape(what: string): TransportError {
  return new TransportError('codec/malformed', `federation: ${what}`);
}
