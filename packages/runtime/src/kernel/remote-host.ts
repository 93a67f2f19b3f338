/**
 * The remote host: the engine's side of the remote seam. It holds the engine's routers, in
 * order (the first whose `reaches` accepts an address carries what goes there), and
 * implements the {@link RemoteHost} inbound port they were given: deliveries, signals,
 * downs, stops and spawns from other cores or nodes land here and go on to the kernel.
 *
 * On a multi-core engine's gateway core (core 0, where a cluster node's node router runs),
 * what a router hands in for an actor on another core of the engine is passed on through
 * the router that reaches that core (its {@link CoreRelay} for what only routers book):
 * a message from another node crosses the network once, then the rings. While the node
 * router guards the other cores ({@link RemoteHostPort.guardOtherCores}: its send policy,
 * which only the target's core can check, not seeing the path here), what it passes on is
 * marked ({@link RemoteHostPort._guarding}) and the core router has the target's core check it.
 *
 * Must not: be on a local send's path (the engine asks it only for addresses that are not
 * its own), throw for a dead or unknown target (a dead letter, `false` or `noproc`), or
 * trust a router's ask handle beyond its documented methods.
 */
import {
  type AddrIdentity, type AnyAddr, ArgumentError, AskError, Down, Exit, type ExitReason, type MonitorRef, type SendOptions, type SendResult, type SpawnOptions,
} from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import type { TraceContext } from '@pd/transport';
import type { Reactor } from '../reactor.js';
import { type PathPolicy, checkPathPolicy } from '../path-policy.js';
import type { CoreRelay, NodePlacer, RemoteAskHandle, RemoteHost, RemoteRestart, RemoteRouter, ShutdownReport } from '../remote.js';
import { PendingAsk } from './ask.js';
import { type ActorCell, S_DEAD } from './cell.js';
import type { DeadLetterReason } from './events.js';
import { SigKind } from './exits.js';
import { MessageMeta } from './mailbox.js';
import type { MessageProbe } from './probe.js';
import type { Registry } from './registry.js';
import type { Topics } from './topics.js';

/**
 * What an extension inside @pd/runtime (the multi-core router) hands the engine at
 * construction: its router, and optionally an engine-wide registry and topics in place of
 * the local ones.
 */
export interface RemoteAttachment {
  readonly router: RemoteRouter;
  /** An engine-wide registry in place of the local one. */
  readonly registry?: Registry;
  /** Engine-wide topics in place of the local ones. */
  readonly topics?: Topics;
}

/** What the remote host needs from its engine. */
export interface RemoteHostKernel {
  readonly id: string;
  readonly incarnation: number;
  readonly core: number;
  readonly reactor: Reactor;
  readonly kinds: { has(name: string): boolean };
  /** Telemetry's message probe, or null. */
  readonly _probe: MessageProbe | null;
  /** The cell `addr` was minted for here (live or dead), or null. */
  _cellOf(addr: AnyAddr, operation: string): ActorCell | null;
  _deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult;
  _queueSignal(kind: SigKind, target: ActorCell, reason: ExitReason, from: AnyAddr | undefined): void;
  _requestStop(cell: ActorCell, reason: ExitReason): void;
  _spawnAt(identity: AddrIdentity, kind: string, options: SpawnOptions, parentPath: string | null, restart: RemoteRestart | null): ActorCell;
  swap(target: AnyAddr, definition: string, options?: { args?: unknown }): void;
  /** A fresh ask id, unique on this engine (for a request passed on to another core). */
  _askId(): number;
}

/** The engine's routers and the inbound port they deliver through. */
export class RemoteHostPort implements RemoteHost {
  /** The routers, in the order they are asked. Empty in a lone single-core engine. */
  readonly routers: RemoteRouter[] = [];
  readonly id: string;
  readonly incarnation: number;
  readonly core: number;
  readonly reactor: Reactor;
  /**
   * The trace block of a message this engine passes on from one router to another (core 0 of a
   * multi-core cluster node, the gateway: network → another core, another core → network)
   * while the router it goes on through frames it; null otherwise. The send then carries the
   * trace it came with rather than this thread's active one (it has none: a frame's callback).
   */
  _passing: TraceContext | null = null;
  /**
   * True while this engine passes on, to another core, what a router handed in and the
   * other cores are guarded ({@link guardOtherCores}): the router it goes on through has the
   * target's core check it against the policy. False otherwise (one field read per send).
   */
  _guarding = false;
  /** Whether what routers hand in for the other cores is checked there. */
  private guarded = false;
  /** Called for each refusal the other cores report (see {@link guardOtherCores}). */
  private onRefused: (() => void) | null = null;

  constructor(private readonly kernel: RemoteHostKernel) {
    this.id = kernel.id;
    this.incarnation = kernel.incarnation;
    this.core = kernel.core;
    this.reactor = kernel.reactor;
  }

  // --- the routers, in order ---

  /** The first router that reaches `addr`, or null (always null with no router). */
  reaching(addr: AnyAddr): RemoteRouter | null {
    const routers = this.routers;
    for (let i = 0; i < routers.length; i++) if (routers[i]!.reaches(addr)) return routers[i]!;
    return null;
  }

  /** Where a spawn goes: the first router that places it elsewhere, or null for here. */
  place(definition: unknown, options: SpawnOptions | undefined, parent: AnyAddr | null, parentPath: string | null): { router: RemoteRouter; target: number } | null {
    for (const router of this.routers) {
      const target = router.place(definition, options, parent, parentPath);
      if (target !== null) return { router, target };
    }
    return null;
  }

  /** What places spawns on other nodes: the first router that has one, or null (no federation). */
  nodePlacer(): NodePlacer | null {
    for (const router of this.routers) if (router.nodes !== undefined) return router.nodes;
    return null;
  }

  /** Subscribers every router knows of elsewhere. */
  publish(topic: string, message: unknown): number {
    let n = 0;
    for (const router of this.routers) n += router.publish(topic, message);
    return n;
  }

  ready(): Promise<void> {
    if (this.routers.length === 0) return Promise.resolve();
    return Promise.all(this.routers.map((r) => r.ready())).then(() => undefined);
  }

  /** Shut down what each router connects; null with no router. */
  shutdown(deadlineMs: number): Promise<ShutdownReport> | null {
    if (this.routers.length === 0) return null;
    return Promise.all(this.routers.map((r) => r.shutdown(deadlineMs)))
      .then((reports) => reports.reduce((a, b) => ({ stopped: a.stopped + b.stopped, killed: a.killed + b.killed }), { stopped: 0, killed: 0 }));
  }

  /** A local actor exited: every router tells its remote linkers and watchers. */
  exited(local: AnyAddr, reason: ExitReason): void {
    const routers = this.routers;
    for (let i = 0; i < routers.length; i++) routers[i]!.exited(local, reason);
  }

  /** A remote monitor `ref` of `watcher`, dropped by the router that holds it. */
  demonitor(watcher: AnyAddr, ref: MonitorRef): void {
    for (const router of this.routers) if (router.demonitor(watcher, ref)) return;
  }

  /** The local cell living under `addr`, an identity minted elsewhere, if a router knows it. */
  leasedCell(addr: AnyAddr, owner: object): ActorCell | undefined {
    for (const router of this.routers) {
      const found = router.localAt?.(addr);
      if (found === undefined) continue;
      const target = addrTarget(found) as ActorCell | null;
      if (target !== null && (target as { engine?: unknown }).engine === owner) return target;
    }
    return undefined;
  }

  // --- RemoteHost: the inbound port ---

  /** The trace block a send leaving this engine now should carry (routers call it per message); null when untraced. */
  outgoingTrace(): TraceContext | null {
    if (this._passing !== null) return this._passing;
    const probe = this.kernel._probe;
    return probe === null ? null : probe.outgoing();
  }

  hasKind(name: string): boolean {
    return this.kernel.kinds.has(name);
  }

  deliver(to: AnyAddr, message: unknown, ask: RemoteAskHandle | null, deadline: number, options?: SendOptions, trace?: TraceContext | null): SendResult {
    if (to.core !== this.core) {
      const via = this.acrossCores(to);
      if (via !== null) return this.passOn(via, to, message, ask, deadline, options, trace ?? null);
    }
    const pending = ask === null ? null : ask instanceof PendingAsk ? ask : new RelayedAsk(ask);
    const cell = this.kernel._cellOf(to, 'deliver');
    if (cell === null || cell.status === S_DEAD) {
      pending?.failWith('ask/target-exited', `${String(to)} is not alive`, { to: String(to) });
      return this.kernel._deadLetter(to, message, cell === null ? 'unknown' : 'dead');
    }
    let meta = pending === null && deadline === Infinity ? null : new MessageMeta(deadline, pending);
    const probe = this.kernel._probe;
    if (probe !== null && probe.traces) {
      // The sender's context came in the envelope: what is active here (a frame's callback) is not it.
      meta ??= new MessageMeta(deadline, null);
      meta.trace = probe.incoming(trace ?? null);
    }
    // A plain message from elsewhere is queued as a plain local send is: held in the cell
    // when the actor has nothing queued, with no mailbox made for it.
    const result = meta === null && options === undefined ? cell.enqueuePlain(message, null) : cell.enqueue(message, meta, options);
    if (result !== 'queued') pending?.failWith('ask/rejected', `${cell.path} refused the request: mailbox ${result} (policy ${cell.box?.policy})`, { to: cell.path });
    return result;
  }

  sendWait(to: AnyAddr, message: unknown, deadline: number, options?: SendOptions): Promise<SendResult> {
    const via = this.acrossCores(to);
    if (via !== null) {
      const passed = this.withDeadline(options, deadline);
      if (passed === null) return Promise.resolve(this.kernel._deadLetter(to, message, 'expired'));
      return this.passing(() => (via.sendWait === undefined ? Promise.resolve(via.send(to, message, passed)) : via.sendWait(to, message, passed)));
    }
    const cell = this.kernel._cellOf(to, 'deliver');
    if (cell === null || cell.status === S_DEAD) return Promise.resolve(this.kernel._deadLetter(to, message, cell === null ? 'unknown' : 'dead'));
    const meta = deadline === Infinity ? null : new MessageMeta(deadline, null);
    // Only a bounded mailbox makes a sender wait, and a cell holding a message has none.
    const box = cell.mailboxIfAny;
    // At the waiters' bound (mailbox maxWaiters) the send is made now and refused like a plain one.
    if (box === null || !box.mustWait()) return Promise.resolve(cell.enqueue(message, meta, options));
    return new Promise((resolve) => box.wait(message, meta, options?.priority, resolve));
  }

  signal(target: AnyAddr, kind: 'link' | 'exit' | 'kill', from: AnyAddr | null, reason: ExitReason): boolean {
    const via = this.acrossCores(target);
    if (via !== null) {
      if (kind === 'link') {
        if (from !== null && via.relay !== undefined) via.relay.linkExit(target, from, reason);
        else via.exit(target, reason, from);
        return true;
      }
      this.passing(() => (kind === 'kill' ? via.kill(target) : via.exit(target, reason, from)));
      return true;
    }
    const cell = this.liveCell(target, 'exit');
    if (cell === null) return false;
    const sig = kind === 'kill' || (kind === 'exit' && reason.type === 'killed') ? SigKind.Kill : kind === 'link' ? SigKind.LinkExit : SigKind.Exit;
    this.kernel._queueSignal(sig, cell, sig === SigKind.Kill ? Exit.killed : reason, from ?? undefined);
    return true;
  }

  down(watcher: AnyAddr, ref: MonitorRef, from: AnyAddr, reason: ExitReason): void {
    const via = this.acrossCores(watcher);
    if (via !== null) return via.relay?.down(watcher, ref, from, reason);
    this.liveCell(watcher, 'down')?.deliverSystemMessage(new Down(ref, from, reason));
  }

  stop(target: AnyAddr, reason: ExitReason): void {
    const via = this.acrossCores(target);
    if (via !== null) return this.passing(() => via.stop(target, reason));
    const cell = this.liveCell(target, 'stop');
    if (cell !== null) this.kernel._requestStop(cell, reason);
  }

  swap(target: AnyAddr, kind: string, args: unknown): void {
    const via = this.acrossCores(target);
    if (via !== null) return this.passing(() => via.swap(target, kind, args));
    this.kernel.swap(target, kind, args === undefined ? undefined : { args });
  }

  deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult {
    return this.kernel._deadLetter(to, message, reason);
  }

  spawnAt(identity: AddrIdentity, kind: string, options: SpawnOptions, parentPath: string | null, restart: RemoteRestart | null): AnyAddr {
    return this.kernel._spawnAt(identity, kind, options, parentPath, restart).self;
  }

  isLive(addr: AnyAddr): boolean {
    return this.acrossCores(addr) !== null || this.liveCell(addr, 'isLive') !== null;
  }

  acceptLink(local: AnyAddr, remote: AnyAddr): boolean {
    const relay = this.relayFor(local);
    if (relay === null) return this.liveCell(local, 'link') !== null;
    relay.linked(local, remote);
    return true;
  }

  forgetLink(local: AnyAddr, remote: AnyAddr): void {
    this.relayFor(local)?.unlinked(local, remote);
  }

  acceptMonitor(local: AnyAddr, watcher: AnyAddr, refId: number): boolean {
    const relay = this.relayFor(local);
    if (relay === null) return this.liveCell(local, 'monitor') !== null;
    relay.watched(local, watcher, refId);
    return true;
  }

  forgetMonitor(local: AnyAddr, watcher: AnyAddr, refId: number): void {
    this.relayFor(local)?.unwatched(local, watcher, refId);
  }

  guardOtherCores(policy: PathPolicy | null, refused: () => void): boolean {
    if (policy !== null) checkPathPolicy(policy, 'guardOtherCores: policy');
    if (typeof refused !== 'function') throw new ArgumentError('guardOtherCores: refused must be a function');
    // A copy: the policy crosses to the other cores as plain data, and a caller's later edit must not.
    const plain: PathPolicy | null = policy === null ? null
      : { ...(policy.allow === undefined ? {} : { allow: [...policy.allow] }), ...(policy.deny === undefined ? {} : { deny: [...policy.deny] }) };
    let cores = false;
    for (const router of this.routers) {
      if (router.guard === undefined) continue;
      router.guard(plain);
      cores = true;
    }
    this.guarded = cores && plain !== null;
    this.onRefused = this.guarded ? refused : null;
    return cores;
  }

  /** Another core refused what was passed on to it under {@link guardOtherCores} (the core router reports it). */
  _refusedElsewhere(): void {
    this.onRefused?.();
  }

  // --- internal ---

  /** `pass` (passing something a router handed in on to another core), marked while the other cores are guarded. */
  private passing<T>(pass: () => T): T {
    const outer = this._guarding;
    this._guarding = this.guarded;
    try {
      return pass();
    } finally {
      this._guarding = outer;
    }
  }

  /** The router reaching `addr` when it is an actor on another core of this engine, else null. */
  private acrossCores(addr: AnyAddr): RemoteRouter | null {
    if (addr.core === this.core || addr.node !== this.incarnation) return null;
    return this.reaching(addr);
  }

  /** The relay to the core of `addr`, an actor of another core of this engine; null for one of this core. */
  private relayFor(addr: AnyAddr): CoreRelay | null {
    return this.acrossCores(addr)?.relay ?? null;
  }

  /**
   * A message from another router for an actor on another core: sent on through `via`. A
   * request gets a handle of this engine's own id (the first router's id is the asker's,
   * which may clash with this engine's requests to that core) that settles the first one.
   */
  private passOn(via: RemoteRouter, to: AnyAddr, message: unknown, ask: RemoteAskHandle | null, deadline: number, options: SendOptions | undefined,
    trace: TraceContext | null): SendResult {
    const passed = this.withDeadline(options, deadline);
    if (passed === null) {
      ask?.fail(new AskError('ask/timeout', `the request for ${String(to)} expired before it was delivered`, { to: String(to) }));
      return this.kernel._deadLetter(to, message, 'expired');
    }
    // The trace the message came with goes on with it (a copy: the caller's block may be a reused frame header's).
    const outer = this._passing;
    const outerGuarding = this._guarding;
    if (trace !== null) this._passing = { traceId: trace.traceId.slice(), spanId: trace.spanId.slice(), traceFlags: trace.traceFlags };
    this._guarding = this.guarded;
    try {
      if (ask === null) return via.send(to, message, passed);
      const first = ask;
      const handle: RemoteAskHandle = {
        id: this.kernel._askId(),
        get settled() {
          return first.settled;
        },
        answer: (value) => first.answer(value),
        fail: (error) => first.fail(error),
      };
      const result = via.ask(to, message, handle, passed);
      if (result !== 'queued') first.fail(new AskError('ask/target-exited', `${String(to)} is not alive`, { to: String(to) }));
      return result;
    } catch (error) {
      // A value this hop cannot carry (the ring's frame is smaller than the network's): the asker learns why.
      ask?.fail(error);
      return this.kernel._deadLetter(to, message, 'rejected');
    } finally {
      this._passing = outer;
      this._guarding = outerGuarding;
    }
  }

  /** `options` with the time left until `deadline` as its `ttlMs`; null when it has passed. */
  private withDeadline(options: SendOptions | undefined, deadline: number): SendOptions | undefined | null {
    if (deadline === Infinity) return options;
    const left = deadline - this.reactor.now();
    return left > 0 ? { ...options, ttlMs: left } : null;
  }

  private liveCell(addr: AnyAddr, operation: string): ActorCell | null {
    const cell = this.kernel._cellOf(addr, operation);
    return cell === null || cell.status === S_DEAD ? null : cell;
  }
}

/**
 * A request from elsewhere whose asker keeps its own pending ask: it sits in the local
 * mailbox like any pending ask, and settling it settles the router's handle (which sends
 * the reply back). It holds no timer: the asker's timeout governs.
 */
class RelayedAsk extends PendingAsk {
  constructor(private readonly handle: RemoteAskHandle) {
    super(handle.id, null, false);
  }

  override answer(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    return this.handle.answer(value);
  }

  override fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    return this.handle.fail(error);
  }
}
