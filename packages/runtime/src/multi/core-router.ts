/**
 * The router of one core of a multi-core engine: the engine's {@link RemoteRouter} for
 * addresses on the other cores. Outgoing, it turns sends, asks and signals into envelope
 * frames on the outbox of the destination core; incoming (inbound.ts), it hands frames to
 * local actors. It keeps the books of links, monitors and asks that span cores, and turns a
 * crashed core into exits with reason {@link CORE_CRASHED}. On a cluster node's gateway
 * core, what the engine passes on from another node while it guards the other cores
 * (`RemoteHost.guardOtherCores`: the federation's send policy) goes as a `checked` control
 * message that the target's core checks before acting on it (inbound.ts).
 *
 * Runs the same on a worker thread, on the main thread (core 0) and in a simulation: it
 * sees channels (channel.ts) and the engine's reactor, never threads, timers or clocks.
 * Must not: block, drop a frame silently (what is lost is counted), or reorder the frames
 * of one pair of cores.
 */
import {
  type AddrIdentity, type AnyAddr, type AskOptions, AskError, Exit, type ExitReason, MonitorRef,
  type SendOptions, type SendResult, type SpawnOptions, ArgumentError,
} from '@pd/actor';
import { addrIdentity, mintAddr } from '@pd/actor/internal';
import { BatchWriter, Codec, EnvelopeFlags, type FrameInit, MessageKind, maxFrameBytes, maxPayloadBytes } from '@pd/transport';
import { ActorCell, S_DEAD } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import type { RemoteAttachment } from '../kernel/remote-host.js';
import { Mailbox } from '../kernel/mailbox.js';
import type { RandomStream } from '../reactor.js';
import type { PathPolicy } from '../path-policy.js';
import type { CoreRelay, RemoteAskHandle, RemoteRouter, RemoteSpawn, ShutdownReport } from '../remote.js';
import { Books } from './books.js';
import type { PeerChannel } from '@pd/transport';
import { Inbound } from './inbound.js';
import { laneOf } from './lanes.js';
import { Peer } from './peer.js';
import type { CorePort } from './port.js';
import { endpointOf, isLeased, leasedIdentity } from './leases.js';
import { MultiRegistry } from './multi-registry.js';
import { MultiTopics } from './multi-topics.js';
import { MULTI_DEFAULTS, type NormalizedPlacement } from './options.js';
import { Outbox } from './outbox.js';
import { Placer, kindNameOf } from './placement.js';
import { portableReason, portableValue } from './portable.js';
import type { Control } from './protocol.js';
import { SpinPolicy } from './spin.js';
import { StandIns } from './stand-in.js';
import type { Tracer } from '@opentelemetry/api';
import { CoreTelemetry, type CoreTelemetrySetup } from '../telemetry/core-telemetry.js';
import type { SpanData } from '../telemetry/worker-tracer.js';

/** The exit reason of every actor of a core whose worker died outside any handler. */
export function coreCrashed(core: number, detail?: string): ExitReason {
  return Exit.error('core-crashed', { core, ...(detail === undefined ? {} : { detail }) });
}
/** The reason's `error` field for a crashed core, for matching: `reason.error === CORE_CRASHED`. */
export const CORE_CRASHED = 'core-crashed';

export interface CoreRouterOptions {
  readonly cores: number;
  /** How many times this core was restarted (0 for the first start); part of leased identities. */
  readonly epoch?: number;
  /** This core restarted: its peers' lease baselines are unknown until their hellos. */
  readonly restarted?: boolean;
  readonly placement: NormalizedPlacement;
  readonly maxBatch?: number;
  /**
   * The largest frame the channels to the other cores carry (a ring's `maxFrameBytes`);
   * default: that of a ring of the default `ringBytes`. Larger messages are refused at send.
   */
  readonly maxFrameBytes?: number;
  readonly readFrames?: number;
  /** The longest an idle core polls its rings before it sleeps, ms (0: sleep at once); see spin.ts. */
  readonly idleSpinMs?: number;
  /** Core 0: shut every other core down (the coordinator). Other cores leave it out. */
  readonly shutdownOthers?: (deadlineMs: number) => Promise<ShutdownReport>;
  /** Resolves when every core has loaded its kinds. */
  readonly ready?: () => Promise<void>;
  /** Whether this core's kinds are loaded (kind names can be checked at spawn). */
  readonly kindsLoaded?: () => boolean;
  /**
   * Simulation only (all cores in one thread): make a closure or class spawnable on `core`
   * and return the kind name to spawn it by. Real cores never move closures.
   */
  readonly moveClosure?: (definition: unknown, core: number, args: unknown) => string;
  /**
   * The core that carries this engine's traffic with other nodes (a cluster node's core 0,
   * where its node router runs). With it, addresses of other nodes are reached through that
   * core; without it (core 0 itself, or an engine that is no cluster node) they are not.
   */
  readonly gateway?: number;
}

export class CoreRouter implements RemoteRouter, CorePort {
  readonly self: number;
  /** The core addresses of other nodes go through, or -1 (see {@link CoreRouterOptions.gateway}). */
  readonly gateway: number;
  readonly node: number;
  readonly cores: number;
  readonly epoch: number;
  readonly codec: Codec;
  readonly books = new Books();
  readonly peers: (Peer | null)[] = [];
  readonly registry: MultiRegistry;
  readonly topics: MultiTopics;
  readonly standIns: StandIns;
  /** Cells living here under identities leased by other cores, by `slot.generation`. */
  readonly leasedHere = new Map<string, ActorCell>();
  /**
   * Frames read, messages delivered from them, frames that failed to decode or dispatch,
   * errors caught at the engine boundary, and frames that waited for a spawn still on its
   * way (an embryo). Undeliverable messages are the engine's dead letters.
   */
  readonly stats = { framesIn: 0, messagesIn: 0, badFrames: 0, errors: 0, heldForSpawn: 0 };
  /** This core's metrics recorder (a worker core told to record by core 0, or traced here), or null. */
  coreTelemetry: CoreTelemetry | null = null;
  /** What core 0 asked this core to record, or null. */
  private telemetryAsked: CoreTelemetrySetup | null = null;
  /** The tracer this core was instrumented with itself (simulated cores share the thread's SDK), or null. */
  private localTracer: Tracer | null = null;
  /** What this core asked the other cores to record (core 0, instrumented), or null. */
  private telemetrySetup: CoreTelemetrySetup | null = null;
  /** Where spans from other cores go (core 0, traced with an export for them). */
  private spanExport: ((spans: readonly SpanData[], core: number) => void) | null = null;
  /** The last error the router caught instead of throwing into the engine (for diagnosis). */
  lastError: unknown = null;
  /** What `checked` messages are checked against here (set by the gateway's guard; see CorePort). */
  inboundPolicy: PathPolicy | null = null;
  /** The policy this core (the gateway) has the other cores check against, or null ({@link guard}). */
  private guardPolicy: PathPolicy | null = null;
  /** Encoded bytes one message to another core may take (user sends, asks, replies). */
  readonly maxMessageBytes: number;
  /** As {@link maxMessageBytes}, for a value that rides inside a control message (sendWait, publish, spawn args). */
  readonly maxControlBytes: number;
  private readonly inbound: Inbound;
  private readonly placer: Placer;
  private readonly readFrames: number;
  /** Whether an idle core polls before it sleeps (null: never, it sleeps at once). */
  readonly spin: SpinPolicy | null;
  private flushQueued = false;
  private pumpQueued = false;
  private nextControlId = 2 ** 50;
  /** Ids of the router's own monitors: above any the engine hands out, below 2^53 (they ride in headers). */
  private nextRef = 2 ** 51;
  /** This core's endpoint, as the watcher of the router's own monitors. */
  readonly endpoint: AnyAddr;
  private readonly secrets: RandomStream;

  constructor(readonly engine: Engine, private readonly options: CoreRouterOptions) {
    this.self = engine.core;
    this.node = engine.incarnation;
    this.cores = options.cores;
    this.gateway = options.gateway ?? -1;
    this.epoch = options.epoch ?? 0;
    this.readFrames = options.readFrames ?? MULTI_DEFAULTS.readFrames;
    this.spin = (options.idleSpinMs ?? 0) > 0 ? new SpinPolicy(options.idleSpinMs!) : null;
    this.codec = new Codec({ records: true, resolveAddr: (id) => this.resolveAddr(id) });
    // Secrets of leased addresses are as unpredictable as the engine's own (OS entropy under
    // the node reactor; the seeded stream where there is none, e.g. under simulation).
    this.secrets = engine.reactor.entropy?.() ?? engine.reactor.random('lease-secret');
    this.endpoint = mintAddr(endpointOf(this.node, this.self), null);
    this.inbound = new Inbound(this);
    const maxBatch = options.maxBatch ?? MULTI_DEFAULTS.maxBatch;
    this.maxMessageBytes = maxPayloadBytes(options.maxFrameBytes ?? maxFrameBytes(MULTI_DEFAULTS.ringBytes));
    this.maxControlBytes = this.maxMessageBytes - CONTROL_OVERHEAD_BYTES;
    for (let core = 0; core < this.cores; core++) {
      if (core === this.self) {
        this.peers.push(null);
        continue;
      }
      const inbound = this.inbound;
      const peer = new Peer(core, new Outbox(maxBatch, this.maxMessageBytes, this.scheduleFlush, this.frameLost, { writer: new BatchWriter(this.codec.maxDepth), codec: this.codec }), (from, source, offset, length) => inbound.frame(from, source, offset, length));
      peer.known = options.restarted !== true;
      this.peers.push(peer);
    }
    this.registry = new MultiRegistry(engine, this);
    this.topics = new MultiTopics(this);
    this.standIns = new StandIns(this);
    this.placer = new Placer({
      self: this.self, cores: this.cores, node: this.node,
      alive: (core) => core === this.self || this.peers[core]?.state !== 'gone',
      knowsKind: (name) => ((options.kindsLoaded?.() ?? true) ? engine.kinds.has(name) : null),
      movesClosures: options.moveClosure !== undefined,
    }, options.placement);
  }

  /** What the engine takes at construction. */
  attachment(): RemoteAttachment {
    return { router: this, registry: this.registry, topics: this.topics };
  }

  // --- RemoteRouter: outgoing ---

  reaches(addr: AnyAddr): boolean {
    if (addr.node !== this.node) return this.gateway >= 0 && addr.slot >= 0;
    return addr.core !== this.self && addr.core < this.cores && addr.slot >= 0;
  }

  place(definition: unknown, options: SpawnOptions | undefined, _parent: AnyAddr | null, parentPath: string | null): number | null {
    return this.placer.place(definition, options, parentPath);
  }

  spawn(target: number, spawn: RemoteSpawn): AnyAddr {
    const peer = this.peers[target]!;
    const { link: _link, placement: _placement, register, ...options } = spawn.options;
    if (options.args !== undefined && this.options.moveClosure === undefined) this.codec.check(options.args, 'spawn args', this.maxControlBytes);
    if (options.mailbox !== undefined) new Mailbox(options.mailbox);
    if (register !== undefined) this.registry.checkFree(register);
    const kind = this.options.moveClosure?.(spawn.definition, target, options.args) ?? kindNameOf(spawn.definition)!;
    const identity = leasedIdentity(this.node, target, this.self, this.epoch, peer.leaseNext++, this.secrets.nextU32() || 1);
    const addr = spawn.parent !== null ? this.standIns.spawnChild(peer, identity, kind, spawn, options) : this.spawnPlain(peer, identity, kind, spawn, options);
    // The spawner registers the name itself: visible here at once, claimed at its home core.
    if (register !== undefined) this.registry.register(register, addr);
    return addr;
  }

  private spawnPlain(peer: Peer, identity: AddrIdentity, kind: string, spawn: RemoteSpawn, options: SpawnOptions): AnyAddr {
    this.sendSpawn(peer, identity, kind, spawn, options, null);
    return mintAddr(identity, null);
  }

  send(to: AnyAddr, message: unknown, options: SendOptions | undefined): SendResult {
    const peer = this.peers[this.coreOf(to)]!;
    if (peer.state === 'gone') return this.deadLetter(to, message);
    const host = this.engine._remote;
    if (host._guarding) return this.sendChecked(to, message, options);
    // A traced send (telemetry on, inside a sampled span) goes in a frame of its own with the trace block.
    const trace = this.engine._probe === null && host._passing === null ? null : host.outgoingTrace();
    // A plain send: encoded as it is sent when it is of the common kind, else checked now and encoded at flush.
    if (options === undefined && trace === null) {
      peer.outbox.sendPlain(to, message, 0);
      return 'queued';
    }
    const lane = laneOf(options?.priority);
    const ttl = options?.ttlMs;
    if (ttl === undefined && trace === null) {
      peer.outbox.sendPlain(to, message, lane);
      return 'queued';
    }
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0))) throw new ArgumentError(`ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
    const plain = this.codec.checkPlain(message, 'message', this.maxMessageBytes);
    peer.outbox.frame(MessageKind.user, null, addrIdentity(to), 0, message, lane, ttl === undefined ? null : this.engine.reactor.now() + ttl, 0, trace, plain);
    return 'queued';
  }

  /**
   * A send the target's core answers with its SendResult once the message is in the
   * mailbox — after waiting for room in a `backpressure` one — so the sender waits as it
   * would on one core. It rides as a control ask to the target's core, in its place among
   * this core's frames for the target. A core that crashes before answering gives 'dead'.
   */
  sendWait(to: AnyAddr, message: unknown, options: SendOptions | undefined): Promise<SendResult> {
    const core = this.coreOf(to);
    const peer = this.peers[core]!;
    if (peer.state === 'gone') return Promise.resolve(this.deadLetter(to, message));
    this.codec.check(message, 'message', this.maxControlBytes);
    const ttl = options?.ttlMs;
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0))) throw new ArgumentError(`ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
    const deadline = ttl === undefined ? null : this.engine.reactor.now() + ttl;
    const lane = laneOf(options?.priority);
    const id = this.nextControlId++;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: SendResult): boolean => {
        if (settled) return false;
        settled = true;
        this.books.pending.delete(id);
        resolve(result);
        return true;
      };
      this.books.addPending({
        id,
        get settled() {
          return settled;
        },
        answer: (value) => settle(SEND_RESULTS.has(value as SendResult) ? value as SendResult : 'dead'),
        fail: () => settle('dead'),
      }, core);
      this.control(core, { op: 'sendWait', to: addrIdentity(to), message, lane, deadline, ...(this.engine._remote._guarding ? { guarded: true } : {}) }, id);
    });
  }

  ask(to: AnyAddr, message: unknown, ask: RemoteAskHandle, options: AskOptions | undefined): SendResult {
    const core = this.coreOf(to);
    const peer = this.peers[core]!;
    if (peer.state === 'gone') return 'dead';
    const host = this.engine._remote;
    if (host._guarding) {
      this.codec.check(message, 'message', this.maxControlBytes);
      this.books.addPending(ask, core);
      this.checked(MessageKind.ask, to, null, message, laneOf(options?.priority), null, ask.id);
      return 'queued';
    }
    const plain = this.codec.checkPlain(message, 'message', this.maxMessageBytes);
    this.books.addPending(ask, core);
    const trace = this.engine._probe === null && host._passing === null ? null : host.outgoingTrace();
    peer.outbox.frame(MessageKind.ask, null, addrIdentity(to), ask.id, message, laneOf(options?.priority), null, 0, trace, plain);
    return 'queued';
  }

  link(local: AnyAddr, remote: AnyAddr): void {
    if (this.peers[this.coreOf(remote)]!.state === 'gone') return void this.engine._remote.signal(local, 'link', remote, Exit.noproc);
    if (this.books.hasLink(local, remote)) return;
    this.books.addLink(local, remote);
    this.frame(remote, MessageKind.link, local, 0, null);
  }

  unlink(local: AnyAddr, remote: AnyAddr): void {
    if (this.books.removeLink(local, remote)) this.frame(remote, MessageKind.unlink, local, 0, null);
  }

  monitor(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef): void {
    this.watch(watcher, remote, ref, null);
  }

  demonitor(_watcher: AnyAddr, ref: MonitorRef): boolean {
    const w = this.books.takeWatching(ref.id);
    if (w === undefined) return false;
    this.frame(w.target, MessageKind.demonitor, w.watcher, ref.id, null);
    return true;
  }

  exit(target: AnyAddr, reason: ExitReason, from: AnyAddr | null): void {
    this.signalFrame(target, MessageKind.exit, from, [portableReason(this.codec, reason), 0]);
  }

  stop(target: AnyAddr, reason: ExitReason): void {
    this.signalFrame(target, MessageKind.stop, null, portableReason(this.codec, reason));
  }

  kill(target: AnyAddr): void {
    this.signalFrame(target, MessageKind.kill, null, null);
  }

  swap(target: AnyAddr, kind: string, args: unknown): void {
    if (args !== undefined) this.codec.check(args, 'swap args', this.maxControlBytes);
    this.signalFrame(target, MessageKind.swap, null, [kind, args ?? null]);
  }

  /**
   * Gateway core: from now on, what the engine passes on from another node under its guard
   * is checked against `policy` on the target's core (null: not checked); every other core
   * is told now, a restarted one in its hello, so the policy is there before any message it
   * covers (one ring, in order).
   */
  guard(policy: PathPolicy | null): void {
    this.guardPolicy = policy;
    for (let core = 0; core < this.peers.length; core++) {
      const peer = this.peers[core];
      if (peer !== null && peer !== undefined && peer.state !== 'gone') this.control(core, { op: 'guard', policy });
    }
  }

  onDenied(_core: number): void {
    this.engine._remote._refusedElsewhere();
  }

  publish(topic: string, message: unknown): number {
    let n = 0;
    let checked = false;
    for (const [core, count] of this.topics.remoteCounts(topic)) {
      const peer = this.peers[core];
      if (peer === null || peer === undefined || peer.state === 'gone') continue;
      if (!checked) {
        this.codec.check(message, 'message', this.maxControlBytes);
        checked = true;
      }
      this.control(core, { op: 'publish', topic, message });
      n += count;
    }
    return n;
  }

  exited(local: AnyAddr, reason: ExitReason): void {
    // Called from inside the engine's exit bookkeeping: it must not throw.
    try {
      this.tellExit(local, reason);
    } catch (error) {
      this.stats.errors++;
      this.lastError = error;
    }
  }

  private tellExit(local: AnyAddr, reason: ExitReason): void {
    if (isLeased(local.slot)) this.leasedHere.delete(`${local.slot}.${local.generation}`);
    this.standIns.exited(local);
    const books = this.books;
    if (books.links.size === 0 && books.watchedBy.size === 0 && !books.hasWatching) return;
    const { links, watchers, watching } = books.takeLocal(local.key);
    if (links.length + watchers.length + watching.length === 0) return;
    const portable = portableReason(this.codec, reason);
    for (const remote of links) this.frame(remote, MessageKind.exit, local, 0, [portable, 1]);
    for (const w of watchers) this.frame(w.watcher, MessageKind.down, local, w.refId, portable);
    for (const w of watching) this.frame(w.target, MessageKind.demonitor, w.watcher, w.ref.id, null);
  }

  ready(): Promise<void> {
    return this.options.ready?.() ?? Promise.resolve();
  }

  shutdown(deadlineMs: number): Promise<ShutdownReport> {
    return this.options.shutdownOthers?.(deadlineMs) ?? Promise.resolve({ stopped: 0, killed: 0 });
  }

  localAt(identity: AnyAddr): AnyAddr | undefined {
    if (!isLeased(identity.slot)) return undefined;
    return this.leasedHere.get(`${identity.slot}.${identity.generation}`)?.self;
  }

  // --- lifecycle: called by the coordinator, the worker glue or the simulation ---

  /** Connect to `core` (at start, or after it restarted with `epoch`). */
  connect(core: number, channel: PeerChannel, restart: { epoch: number } | null = null): void {
    const peer = this.peers[core]!;
    peer.in = channel.in;
    peer.state = 'up';
    if (restart !== null) {
      peer.epoch = restart.epoch;
      peer.leaseSeen = -1;
      peer.known = true;
    }
    // The first frame after a peer restarted says where our spawns onto it stand.
    // The gateway's guard policy rides in it: the held frames that follow may be checked ones.
    const policy = this.guardPolicy;
    peer.outbox.attach(channel.out, restart === null ? null : this.controlFrame(core, { op: 'hello', next: peer.leaseNext, ...(policy === null ? {} : { policy }) }));
    if (restart !== null) {
      this.registry.announceTo(core);
      this.topics.announceTo(core);
      // A restarted core records again what core 0 asked of every core.
      if (this.telemetrySetup !== null) this.control(core, { op: 'telemetry', setup: this.telemetrySetup });
    }
    this.schedulePump();
  }

  /**
   * `core` died outside any handler: read what it left in its ring, then every link,
   * monitor and ask that pointed there fires with {@link coreCrashed}. Frames for it wait
   * until it is back ({@link connect}) or gone ({@link coreGone}).
   */
  coreDown(core: number, detail?: string): void {
    const peer = this.peers[core];
    if (peer === null || peer === undefined || peer.state !== 'up') return;
    if (peer.in !== null) {
      while (peer.in.read(this.readFrames, peer.sink) > 0);
      peer.in.close();
      peer.in = null;
    }
    peer.outbox.detach();
    peer.state = 'down';
    this.fail(core, coreCrashed(core, detail));
    this.inbound.dropEmbryos((spawner, epoch) => spawner === core && epoch <= peer.epoch);
  }

  /** `core` will not come back: what waits for it becomes dead letters. */
  coreGone(core: number): void {
    const peer = this.peers[core];
    if (peer === null || peer === undefined) return;
    if (peer.state === 'up') this.coreDown(core);
    peer.state = 'gone';
    for (let n = peer.outbox.discard(); n > 0; n--) this.engine._remote.deadLetter(this.endpoint, '(a frame for a core that is gone)', 'dead');
    this.inbound.dropEmbryos((spawner) => spawner === core);
  }

  /** Record this core's metrics as `setup` says, for core 0 to collect; null: stop. */
  recordTelemetry(setup: CoreTelemetrySetup | null): void {
    this.telemetryAsked = setup;
    this.coreTelemetry?.close();
    const tracer = this.localTracer;
    this.coreTelemetry = setup === null && tracer === null
      ? null
      : new CoreTelemetry(this.engine, this.self, setup ?? UNASKED, (spans) => this.control(0, { op: 'spans', spans }), tracer);
  }

  /**
   * A worker core instrumented on its own (`instrumentEngine` on one of `SimCores`' engines):
   * trace its messages with `tracer` (null: stop) through the core's one recorder, which also
   * records what core 0 asks — its metrics stay core 0's to report, so they are counted once.
   */
  traceWith(tracer: Tracer | null): void {
    this.localTracer = tracer;
    this.recordTelemetry(this.telemetryAsked);
  }

  onSpans(core: number, spans: readonly SpanData[]): void {
    this.spanExport?.(spans, core);
  }

  /**
   * Ask every other core to record its metrics as `setup` says (null: stop); a core that
   * restarts later is asked again. `spans`: where the spans they record go (core 0's processors).
   */
  instrumentCores(setup: CoreTelemetrySetup | null, spans: ((spans: readonly SpanData[], core: number) => void) | null = null): void {
    this.telemetrySetup = setup;
    this.spanExport = spans;
    for (let core = 0; core < this.peers.length; core++) {
      const peer = this.peers[core];
      if (peer !== null && peer !== undefined && peer.state !== 'gone') this.control(core, { op: 'telemetry', setup });
    }
  }

  /** Stop reading and writing (after shutdown). */
  close(): void {
    for (const peer of this.peers) {
      if (peer === null) continue;
      peer.outbox.publish();
      peer.outbox.detach();
      peer.in?.close();
      peer.in = null;
    }
  }

  /** Read every channel until all are empty (before closing them). */
  drain(): void {
    for (let n = 1; n > 0;) {
      n = 0;
      for (const peer of this.peers) if (peer !== null && peer.in !== null) n += peer.in.read(this.readFrames, peer.sink);
    }
  }

  /** Frames waiting to go out to other cores. */
  get backlog(): number {
    let n = 0;
    for (const peer of this.peers) if (peer !== null) n += peer.outbox.backlog;
    return n;
  }

  /** Publish what is staged now (the worker does before it exits). */
  flushNow(): void {
    this.flushQueued = false;
    for (const peer of this.peers) if (peer !== null && peer.outbox.dirty) peer.outbox.publish();
  }

  /** The core `addr` is reached through: its own core, or the gateway for another node's. */
  private coreOf(addr: { readonly node: number; readonly core: number }): number {
    return addr.node === this.node ? addr.core : this.gateway;
  }

  /** What the gateway core's other routers pass on to actors of the other cores (frames from `remote`, an actor elsewhere). */
  readonly relay: CoreRelay = {
    linked: (local, remote) => this.frame(local, MessageKind.link, remote, 0, null),
    unlinked: (local, remote) => this.frame(local, MessageKind.unlink, remote, 0, null),
    watched: (local, watcher, refId) => this.frame(local, MessageKind.monitor, watcher, refId, null),
    unwatched: (local, watcher, refId) => this.frame(local, MessageKind.demonitor, watcher, refId, null),
    linkExit: (target, from, reason) => this.frame(target, MessageKind.exit, from, 0, [portableReason(this.codec, reason), 1]),
    down: (watcher, ref, from, reason) => this.frame(watcher, MessageKind.down, from, ref.id, portableReason(this.codec, reason)),
  };

  // --- boundary: used by inbound, stand-ins, registry, topics, view ---

  /** One frame of its own to the actor `to` (which lives on another core). */
  frame(to: AnyAddr | AddrIdentity, kind: MessageKind, from: AnyAddr | null, correlationId: number, body: unknown, flags = 0): void {
    const peer = this.peers[this.coreOf(to)];
    if (peer === null || peer === undefined || peer.state === 'gone') return;
    const destination = 'key' in to ? addrIdentity(to as AnyAddr) : to;
    peer.outbox.frame(kind, from === null ? null : addrIdentity(from), destination, correlationId, body, 0, null, flags);
  }

  /** A control message to another core's endpoint. */
  control(core: number, message: Control, correlationId = 0): void {
    const peer = this.peers[core];
    if (peer === null || peer === undefined || peer.state === 'gone') return;
    peer.outbox.frame(correlationId === 0 ? MessageKind.user : MessageKind.ask, null, endpointOf(this.node, core), correlationId, message);
  }

  /** Ask another core's endpoint; resolves with its answer, rejects on timeout or crash. */
  controlAsk(core: number, message: Control, timeoutMs: number): Promise<unknown> {
    const id = this.nextControlId++;
    let settled = false;
    return new Promise((resolve, reject) => {
      const timer = this.engine._timers.schedule(timeoutMs, 0, () => handle.fail(new AskError('ask/timeout', `core ${core} did not answer within ${timeoutMs} ms`)));
      const handle: RemoteAskHandle = {
        id,
        get settled() {
          return settled;
        },
        answer: (value) => {
          if (settled) return false;
          settled = true;
          this.engine._timers.cancel(timer);
          this.books.pending.delete(id);
          resolve(value);
          return true;
        },
        fail: (error) => {
          if (settled) return false;
          settled = true;
          this.engine._timers.cancel(timer);
          this.books.pending.delete(id);
          reject(error);
          return true;
        },
      };
      const peer = this.peers[core];
      if (peer === null || peer === undefined || peer.state !== 'up') return void handle.fail(new AskError('ask/target-exited', `core ${core} is ${peer === null ? 'this core' : peer?.state ?? 'unknown'}`));
      this.books.addPending(handle, core);
      this.control(core, message, id);
    });
  }

  /** The reply to an ask that came from `core`: `[0, value]` or `[1, portable error]`. */
  reply(core: number, correlationId: number, body: readonly [0 | 1, unknown]): void {
    const peer = this.peers[core];
    if (peer === null || peer === undefined || peer.state === 'gone') return;
    let payload = body;
    // A value that passed the check plain makes `[0, value]` plain too: the encoder does not scan it again.
    let plain = false;
    if (body[0] === 0) {
      try {
        plain = this.codec.checkPlain(body[1], 'reply', this.maxMessageBytes);
      } catch (error) {
        payload = [1, portableValue(this.codec, error)];
      }
    }
    peer.outbox.frame(MessageKind.reply, null, endpointOf(this.node, core), correlationId, payload, 0, null, EnvelopeFlags.response, null, plain);
  }

  /** A fresh id for a monitor the router holds itself (stand-ins, registry). */
  internalRef(): MonitorRef {
    return new MonitorRef(this.nextRef++);
  }

  /** A monitor of a remote actor: a Down for `watcher`, or (internal watches) a callback. */
  watch(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef, onDown: ((reason: ExitReason) => void) | null): void {
    if (this.peers[this.coreOf(remote)]!.state === 'gone') {
      if (onDown !== null) onDown(Exit.noproc);
      else this.engine._remote.down(watcher, ref, remote, Exit.noproc);
      return;
    }
    this.books.addWatching({ watcher, target: remote, ref, onDown });
    this.frame(remote, MessageKind.monitor, watcher, ref.id, null);
  }

  /** Send the spawn request for `identity` to `peer`; `watch` registers a monitor before the actor exists. */
  sendSpawn(peer: Peer, identity: AddrIdentity, kind: string, spawn: RemoteSpawn, options: SpawnOptions, watch: { watcher: AnyAddr; ref: number } | null): void {
    const restart = spawn.restart === null || spawn.restart === undefined ? null
      : { restarts: spawn.restart.restarts, previous: portableReason(this.codec, spawn.restart.previous) };
    this.control(peer.core, {
      op: 'spawn', slot: identity.slot, generation: identity.generation, secret: identity.secret, kind, options,
      parentPath: spawn.parentPath, restart, watch: watch === null ? null : { watcher: addrIdentity(watch.watcher), ref: watch.ref },
    });
  }

  /** An address from a decoded identity: a local actor's own address when it is alive here. */
  resolveAddr(id: AddrIdentity): AnyAddr {
    if (id.node === this.node && id.core === this.self) {
      const found = isLeased(id.slot) ? this.leasedHere.get(`${id.slot}.${id.generation}`) : this.engine.liveCell(mintAddr({ ...id }, null), 'decode');
      if (found !== undefined && found !== null && found.status !== S_DEAD) {
        const addr = mintAddr({ ...id }, null);
        if (found.self.equals(addr)) return found.self;
      }
    }
    return mintAddr({ ...id }, null);
  }

  deadLetter(to: AnyAddr, message: unknown): SendResult {
    return this.engine._remote.deadLetter(to, message, 'dead');
  }

  schedulePump = (): void => {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    this.engine.reactor.soon(this.pump);
  };

  // --- internal ---

  /** A signal frame for `target`, or (passed on under the guard) a `checked` control message. */
  private signalFrame(target: AnyAddr, kind: MessageKind, from: AnyAddr | null, body: unknown): void {
    if (this.engine._remote._guarding) this.checked(kind, target, from, body, 0, null, 0);
    else this.frame(target, kind, from, 0, body);
  }

  /** A send passed on under the guard: a `checked` control message, in order with the rest of this core's frames for the target. */
  private sendChecked(to: AnyAddr, message: unknown, options: SendOptions | undefined): SendResult {
    this.codec.check(message, 'message', this.maxControlBytes);
    const ttl = options?.ttlMs;
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0))) throw new ArgumentError(`ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
    this.checked(MessageKind.user, to, null, message, laneOf(options?.priority), ttl === undefined ? null : this.engine.reactor.now() + ttl, 0);
    return 'queued';
  }

  /**
   * What another node sent to `to` (an actor of another core of this engine), for its core to
   * check against the guard's policy (inbound.ts `checked`); `corr`: the asker's id for an ask.
   */
  private checked(kind: MessageKind, to: AnyAddr, from: AnyAddr | null, body: unknown, lane: number, deadline: number | null, corr: number): void {
    const host = this.engine._remote;
    const trace = this.engine._probe === null && host._passing === null ? null : host.outgoingTrace();
    this.control(to.core, { op: 'checked', kind, to: addrIdentity(to), from: from === null ? null : addrIdentity(from), body, lane, deadline, trace }, corr);
  }

  /**
   * A frame the channel refused at flush (over the frame limit, or a message changed after
   * it was checked at send): its messages become dead letters, counted, never a crash.
   */
  private frameLost = (error: unknown, init: FrameInit, messages: readonly unknown[]): void => {
    this.stats.errors++;
    this.lastError = error;
    const to = mintAddr({ ...init.destination }, null);
    for (const message of messages) this.engine._remote.deadLetter(to, message, 'dropped');
  };

  private scheduleFlush = (): void => {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.engine.reactor.soon(this.flush);
  };

  private flush = (): void => {
    if (!this.flushQueued) return;
    this.flushNow();
  };

  /**
   * Read every peer's channel; keep going (after a yield) while frames come. When they stop,
   * the spin policy (spin.ts) says whether to keep polling a little — only while recent
   * gaps say the next frame is imminent, never longer than `idleSpinMs` — or to sleep.
   * Polling spares the sender the notify and this core the wake-up (a round trip pays one
   * each way); polling in vain backs off.
   */
  private pump = (): void => {
    this.pumpQueued = false;
    let n = 0;
    for (const peer of this.peers) if (peer !== null && peer.in !== null) n += peer.in.read(this.readFrames, peer.sink);
    const spin = this.spin;
    if (n > 0) {
      if (spin !== null) spin.frames(this.engine.reactor.now());
    } else if (spin === null || !spin.empty(this.engine.reactor.now())) {
      for (const peer of this.peers) if (peer !== null && peer.in !== null) peer.in.arm(this.schedulePump);
      return;
    }
    this.pumpQueued = true;
    this.engine.reactor.yieldThen(this.pump);
  };

  private controlFrame(core: number, message: Control): { kind: MessageKind; destination: AddrIdentity; body: unknown } {
    return { kind: MessageKind.user, destination: endpointOf(this.node, core), body: message };
  }

  /** Everything that pointed at `core` fires with `reason`. */
  private fail(core: number, reason: ExitReason): void {
    const { links, watching, asks } = this.books.takeCore(core, this.node);
    for (const [local, remote] of links) this.engine._remote.signal(local, 'link', remote, reason);
    for (const w of watching) {
      if (w.onDown !== null) w.onDown(reason);
      else this.engine._remote.down(w.watcher, w.ref, w.target, reason);
    }
    for (const ask of asks) ask.fail(new AskError('ask/target-exited', `core ${core} crashed before the reply`, { core }));
    this.registry.dropCore(core);
    this.topics.dropCore(core);
  }
}

/** Bytes a control message adds around the value it carries (sendWait, publish, spawn), at most. */
const CONTROL_OVERHEAD_BYTES = 1024;

const SEND_RESULTS: ReadonlySet<SendResult> = new Set<SendResult>(['queued', 'dropped', 'rejected', 'dead']);

/** A worker core traced on its own before (or without) core 0 asking it to record: no metrics of its own. */
const UNASKED: CoreTelemetrySetup = { histograms: false, tracing: false, timingEvery: 1024, maxKinds: 256 };
