/**
 * The engine: the facade of one reactor's kernel, and the single entry point for sending,
 * asking, spawning and stopping. It validates every address it is handed (only addresses
 * this engine minted, for a live incarnation, reach an actor; anything else is a dead
 * letter) and shuts down leaves-first with a deadline. The mechanisms sit in files of their
 * own: the actor table (actor-table.ts), exits, links and monitors (exits.ts), dead letters
 * (dead-letters.ts), the routers and their inbound port (remote-host.ts), the scheduler,
 * timers, registry, topics, events. Modes (multi-core, later cluster) are chosen outside
 * the kernel (create.ts) and attach as routers; the kernel never imports them.
 *
 * Callers guarantee nothing: bad input gets a typed error naming the problem, and sends to
 * dead or unknown actors are counted as dead letters, never thrown.
 */
import {
  Addr, ArgumentError, AskError, EngineError, Exit, Down, MonitorRef, PdError, RegistryError, SendError, SpawnError,
  type AddrIdentity, type AnyAddr, type AnyBehavior, type AskOptions, type Behavior, type ExitReason, type Kind, type SendOptions,
  type SendResult, type Spawnable, type SpawnOptions, type TimerRef, describeType, isUnderPath, validateName,
} from '@pd/actor';
import type { AskReply, DeclaredReply } from '@pd/actor';
import { addrTarget, ownTarget } from '@pd/actor/internal';
import { NodeReactor } from '../node-reactor.js';
import type { RandomStream, Reactor } from '../reactor.js';
import type { RemoteRouter, RouterFactory, ShutdownReport } from '../remote.js';
import { ActorIds } from './actor-ids.js';
import { ActorTable, type LeasedSpawn } from './actor-table.js';
import { type AskHost, PendingAsk } from './ask.js';
import { ActorCell, type CellHost, type CellKind, CLIENT_KIND, S_DEAD, S_RUNNING, S_STOPPING, SysKind, type ActorStatus } from './cell.js';
import { Client } from './client.js';
import { DeadLetters } from './dead-letters.js';
import { type DeadLetterReason, type EngineEvent, EventStream } from './events.js';
import { Exits, type ExitsHost, SigKind } from './exits.js';
import {
  type ActorInfo, type ActorTreeNode, BoundedRing, type DeadLetterReport, type EngineStats, type TerminatedSnapshot, describeCell, treeNodeOf,
} from './introspection.js';
import { KindRegistry, kindName } from './kinds.js';
import { isNodePlacement, spawnOnNode, withoutPlacement } from './node-child.js';
import { type EngineLogger, defaultLogger, reportCrash } from '../logger.js';
import { Mailbox, MessageMeta } from './mailbox.js';
import type { MessageProbe } from './probe.js';
import { type CellResolver, Registry } from './registry.js';
import { type RemoteAttachment, RemoteHostPort, type RemoteHostKernel } from './remote-host.js';
import { AddrRoute, routeOf } from './route.js';
import { Scheduler } from './scheduler.js';
import { TimerService } from './timers.js';
import { PeriodicSendTimer, SendTimer } from './send-timer.js';
import { Topics } from './topics.js';

export type { ShutdownReport } from '../remote.js';

/** Defaults, in one place. */
export const ENGINE_DEFAULTS = {
  /** Messages an actor handles per turn before it yields (its reduction budget). */
  budget: 128,
  /** Longest an engine drain holds the event loop before yielding, ms. */
  sliceMs: 4,
  /** Ask timeout when none is given, ms. */
  askTimeoutMs: 5000,
  /** Asks that may await replies at once; more are refused with `ask/rejected`. */
  maxPendingAsks: 1_000_000,
  /** How long an actor's stop hook may run before it is killed, ms. */
  stopTimeoutMs: 5000,
  /** Graceful shutdown deadline, after which the remaining actors are killed, ms. */
  shutdownDeadlineMs: 10_000,
  /** Terminated actors remembered for post-mortem inspection. */
  terminatedHistory: 1000,
  /** Dead letters remembered (all are counted). */
  deadLetterHistory: 256,
} as const;

/**
 * The options the kernel reads. `createEngine` takes these plus the mode's own (see
 * `KernelOptions` in create.ts); the engine ignores what it does not know.
 */
export interface KernelOptions {
  /** A name for logs and the control plane; default `engine`. */
  readonly id?: string;
  /** Time, timers, randomness and task scheduling; default a {@link NodeReactor}. */
  readonly reactor?: Reactor;
  /** Seed for the default node reactor's random streams. */
  readonly seed?: number;
  /** Kinds spawnable by name. */
  readonly kinds?: readonly Kind[];
  /** Messages an actor handles per turn before it yields (a positive integer; default {@link ENGINE_DEFAULTS}.budget, 128). */
  readonly budget?: number;
  /** Longest one drain of the engine holds the event loop before yielding, ms (default 4). */
  readonly sliceMs?: number;
  /** Timeout of an `ask` that names none, ms (default 5000). */
  readonly askTimeoutMs?: number;
  /** Asks that may await replies at once; more are refused with `ask/rejected` (default 1 000 000). */
  readonly maxPendingAsks?: number;
  /** How long an actor's stop hook may run before the actor is killed, ms (default 5000). */
  readonly stopTimeoutMs?: number;
  /** Terminated actors remembered for {@link Engine.terminated} (default 1000; 0 keeps none). */
  readonly terminatedHistory?: number;
  /** Dead letters remembered for {@link Engine.deadLetters} (default 256; all are counted). */
  readonly deadLetterHistory?: number;
  /** Where crash reports go (default: {@link defaultLogger}, stderr for crashes, silent otherwise). */
  readonly logger?: EngineLogger;
  /** Core index in a multi-core engine; 0 otherwise. */
  readonly core?: number;
  /**
   * Routers to actors this engine does not host (the nodes of a cluster, a test double):
   * each factory is called once at construction with the engine's inbound port. The engine
   * asks its routers in order whether they reach an address; the first that does carries
   * the message. See docs/architecture.md, "How to write a router".
   */
  readonly routers?: readonly RouterFactory[];
  /**
   * @internal The multi-core attachment (set by `mode: 'multi'`): a router asked before
   * the `routers`, with an engine-wide registry and topics. Extensions inside @pd/runtime only.
   */
  readonly remote?: (engine: Engine) => RemoteAttachment;
}

export interface ShutdownOptions {
  /** After this many ms, actors still stopping are killed. */
  readonly deadlineMs?: number;
}

export type EngineStatus = 'running' | 'stopping' | 'stopped';

/** Where an introspection or control call points: an address, a registered name, or a path. */
export type Target = AnyAddr | string;

let nextIncarnation = 1;
/** Ask and monitor ids per core: 64 cores (the most) × 2^43 stay below 2^50, where routers' own ids begin. */
const CORE_ID_SPAN = 2 ** 43;

// The kernel's host interfaces are checked here rather than in an `implements` clause: their
// members are @internal, and a published .d.ts (stripInternal) keeps the clause but not them.
function kernelHostsOf(engine: Engine): [CellResolver, CellHost, ExitsHost, RemoteHostKernel] {
  return [engine, engine, engine, engine];
}
void kernelHostsOf;

/**
 * An engine: the actors of one reactor (one thread, or one core of a multi-core engine),
 * with their mailboxes, links, monitors, timers, registry, topics and event stream.
 *
 * Applications create one with `createEngine()` (which also builds multi-core and
 * simulated engines) rather than with `new Engine()`. Non-actor code talks to actors through
 * the engine (`send`, `ask`, `stop`) or through a {@link Client}; actors use their context.
 * Every method is synchronous and safe to call from any callback of the engine's thread; the
 * ones that wait return promises. An engine runs until {@link Engine.shutdown}.
 *
 * @example
 * ```ts
 * class Counter extends Actor<{ type: 'add'; by: number } | { type: 'get' }> {
 *   private total = 0;
 *   receive(msg: { type: 'add'; by: number } | { type: 'get' }): number | void {
 *     if (msg.type === 'add') this.total += msg.by;
 *     else return this.total; // the return value answers an ask
 *   }
 * }
 *
 * const engine = createEngine();
 * const counter = engine.spawn(Counter, { name: 'counter' });
 * engine.send(counter, { type: 'add', by: 2 });
 * console.log(await engine.ask(counter, { type: 'get' })); // 2
 * await engine.shutdown();
 * ```
 */
export class Engine {
  /** The engine's name (`EngineOptions.id`, default `'engine'`): in events, logs and the control plane. */
  readonly id: string;
  /** The reactor that runs this engine's turns and timers: the Node event loop, or a simulated one. */
  readonly reactor: Reactor;
  /** This engine's incarnation: part of every address it mints. */
  readonly incarnation: number;
  /** Which core of a multi-core engine this is (0 for the calling thread, and for a single-core engine). */
  readonly core: number;
  /** The actor kinds this engine can spawn by name (from `EngineOptions.kinds`, or registered later). */
  readonly kinds = new KindRegistry();
  /** Registered names and paths of this engine's actors (engine-wide across the cores of a multi-core engine). */
  readonly registry: Registry;
  /** The engine's event stream (spawns, exits, dead letters…); costs nothing while no one listens. */
  readonly events = new EventStream();
  /** Where this engine's crash reports go. */
  readonly logger: EngineLogger;

  /** @internal */ readonly _timers: TimerService;
  /** @internal */ readonly _topics: Topics;
  /** @internal The routers to actors on other cores or nodes, and their inbound port. */ readonly _remote: RemoteHostPort;
  /** @internal */ readonly _userRandom: RandomStream;
  /** @internal */ _signalsPending = false;
  /** @internal Telemetry's message probe (installed with {@link _setProbe}); null when nothing observes messages. */
  _probe: MessageProbe | null = null;
  /** @internal Messages per actor turn unless the actor says otherwise. */
  readonly _budget: number;

  private readonly scheduler: Scheduler;
  private readonly table: ActorTable;
  private readonly exits: Exits;
  private readonly dead: DeadLetters;
  /** Whether any router is attached: a local exit skips the routers when none is. */
  private hasRouters = false;
  /** Actor ids, handed out at spawn (the table keeps each live actor's). */
  private readonly ids = new ActorIds(() => this.table.liveIds());
  /** The shared engine-and-kind records, by kind name (see `_cellKind`). */
  private readonly cellKinds = new Map<string, CellKind>();
  /** The record last handed out: spawns come in runs of one kind. */
  private lastCellKind: CellKind = { engine: this, name: '' };
  private nextAskId = 1;
  private nextMonitorId = 1;
  private pendingAsks = 0;
  /**
   * The last event listener that threw (it was unsubscribed; `stats().listenerFailures`
   * counts them all), or null: what it threw (`error`), the type of the event it was
   * handling (`eventType`) and when (`at`, the reactor's clock in ms).
   */
  lastListenerFailure: { readonly error: unknown; readonly eventType: EngineEvent['type']; readonly at: number } | null = null;
  private state: EngineStatus = 'running';
  private shutdownPromise: Promise<ShutdownReport> | null = null;
  private onAllExited: (() => void) | null = null;
  private readonly terminatedRing: BoundedRing<TerminatedSnapshot>;
  private readonly counters = { spawned: 0, exited: 0, crashed: 0, handledByExited: 0, expired: 0, dropped: 0, listenerFailures: 0, asks: 0, askTimeouts: 0 };
  private readonly options: Required<Pick<KernelOptions, 'budget' | 'askTimeoutMs' | 'maxPendingAsks' | 'stopTimeoutMs'>>;
  /** What this engine's pending asks report to (each ask is its own timer slot: no entry, no closure per request). */
  private readonly askHost: AskHost = {
    askSettled: (ask) => {
      this.pendingAsks--;
      if (!ask.cancelled) this._timers.cancel(ask);
    },
    askTimedOut: (ask) => {
      const to = String(ask.target);
      // Named by the path of the incarnation it was asked of (or the one a routed address has now), if alive.
      const cell = Addr.is(ask.target) ? this.targetCell(ask.target, 'ask') : null;
      const who = cell === null || cell.status === S_DEAD ? to : cell.path;
      if (ask.failWith('ask/timeout', `no reply from ${who} within ${ask.timeoutMs} ms`, { to, timeoutMs: ask.timeoutMs })) this.counters.askTimeouts++;
    },
  };

  /**
   * A single-core engine on its reactor. Prefer `createEngine()`, which takes the same
   * options and builds multi-core and simulated engines too.
   *
   * @throws ArgumentError when an option is out of range (named in the message), or a router is not a factory.
   */
  constructor(options: KernelOptions = {}) {
    this.id = options.id ?? 'engine';
    this.logger = options.logger ?? defaultLogger();
    this.reactor = options.reactor ?? new NodeReactor(options.seed === undefined ? {} : { seed: options.seed });
    this.core = options.core ?? 0;
    // Each core counts its asks and monitors in a range of its own: a request or monitor a
    // gateway core passes on for another core (to another node) keeps its id unique there.
    this.nextAskId = this.nextMonitorId = this.core * CORE_ID_SPAN + 1;
    this.incarnation = this.reactor.incarnation ?? ((this.reactor.random('incarnation').nextU32() & 0x7fff0000) | (nextIncarnation++ & 0xffff));
    this.options = {
      budget: positiveInt(options.budget, 'budget', ENGINE_DEFAULTS.budget),
      // Finite: every ask without a timeout of its own takes it (and its check) as it is.
      askTimeoutMs: positiveFinite(options.askTimeoutMs, 'askTimeoutMs', ENGINE_DEFAULTS.askTimeoutMs),
      maxPendingAsks: positiveInt(options.maxPendingAsks, 'maxPendingAsks', ENGINE_DEFAULTS.maxPendingAsks),
      stopTimeoutMs: positiveNumber(options.stopTimeoutMs, 'stopTimeoutMs', ENGINE_DEFAULTS.stopTimeoutMs),
    };
    this._budget = this.options.budget;
    this.scheduler = new Scheduler(this.reactor, positiveNumber(options.sliceMs, 'sliceMs', ENGINE_DEFAULTS.sliceMs), (r, error) => {
      const cell = r as ActorCell;
      if (cell.status < S_STOPPING) cell.crash(error, 'runtime');
      else if (cell.status !== S_DEAD) cell.terminate(Exit.error(error, { phase: 'runtime' }), true);
    });
    this._timers = new TimerService(this.reactor);
    // Requests made before or during a drain start their timeouts at its end, if unanswered.
    const timers = this._timers;
    this.scheduler.onDrained = () => timers.stamp();
    this._userRandom = this.reactor.random('user');
    this.table = new ActorTable(this.incarnation, this.core, this.reactor.entropy?.() ?? this.reactor.random('addr-secret'));
    this.exits = new Exits(this);
    this.terminatedRing = new BoundedRing(nonNegativeInt(options.terminatedHistory, 'terminatedHistory', ENGINE_DEFAULTS.terminatedHistory));
    this.dead = new DeadLetters(nonNegativeInt(options.deadLetterHistory, 'deadLetterHistory', ENGINE_DEFAULTS.deadLetterHistory), this.reactor, this.events);
    this.events._onListenerError = (error, event) => this.listenerFailed(error, event);
    for (const kind of options.kinds ?? []) this.kinds.register(kind);
    this._remote = new RemoteHostPort(this);
    const attached = options.remote?.(this) ?? null;
    if (attached !== null) this._remote.routers.push(attached.router);
    this.registry = attached?.registry ?? new Registry(this);
    this._topics = attached?.topics ?? new Topics();
    for (const factory of options.routers ?? []) {
      if (typeof factory !== 'function') throw new ArgumentError(`routers must be router factories (functions of the engine's RemoteHost), got ${describeType(factory)}`);
      this._remote.routers.push(factory(this._remote));
    }
    this.hasRouters = this._remote.routers.length > 0;
  }

  /** `'running'`, then `'stopping'` once {@link Engine.shutdown} is called, then `'stopped'`. */
  get status(): EngineStatus {
    return this.state;
  }

  // --- API: actors ---

  /**
   * Spawn a top-level actor (under `/user`). The address accepts the definition's messages
   * `M` and declares its reply type: what its `receive` returns (or resolves to), inferred
   * from a class, an inline behaviour or a kind; `unknown` for a kind spawned by name or an
   * actor that answers through `ctx.reply` (see `DeclaredReply` in `@pd/actor`).
   */
  spawn<M = any, A = any, R = unknown>(definition: Spawnable<M, A, R>, options?: SpawnOptions<A>): Addr<M, DeclaredReply<R>>;
  spawn<M = any, A = any>(definition: Spawnable<M, A>, options?: SpawnOptions<A>): Addr<M> {
    return this._spawn(definition, options, null, null);
  }

  /**
   * Send a message; returns what happened to it (a dead or unknown target is a result, not a
   * throw). Throws `SendError` `send/not-an-address` for a non-address target, and for a
   * message to another core or node that cannot cross, `send/not-serializable` or
   * `send/too-large` (as `Context.send` in `@pd/actor` says); `ArgumentError` for bad options.
   */
  send<M>(to: Addr<M>, message: M, options?: SendOptions): SendResult {
    const cell = this.targetCell(to, 'send');
    if (cell === null || cell.status === S_DEAD) return this.undeliverable(to, message, cell, null, options);
    if (options === undefined) return cell.enqueuePlain(message, null);
    return cell.enqueue(message, this.metaFor(options, null), options);
  }

  /** Send, waiting for room when the target's mailbox is bounded with policy `backpressure`. */
  sendWait<M>(to: Addr<M>, message: M, options?: SendOptions): Promise<SendResult> {
    const cell = this.targetCell(to, 'sendWait');
    if (cell === null || cell.status === S_DEAD) {
      const router = cell === null ? this.remoteFor(to) : null;
      if (router?.sendWait !== undefined) return router.sendWait(to, message, options);
      return Promise.resolve(this.undeliverable(to, message, cell, null, options));
    }
    // Only a bounded mailbox makes a sender wait, and a cell holding a message has none.
    const box = cell.mailboxIfAny;
    // At the waiters' bound (mailbox maxWaiters) the send is made now and refused like a plain one.
    if (box === null || !box.mustWait()) {
      return Promise.resolve(cell.enqueue(message, options === undefined ? null : this.metaFor(options, null), options));
    }
    return new Promise((resolve) => box.wait(message, options === undefined ? null : this.metaFor(options, null), options?.priority, resolve));
  }

  /**
   * Request-response: resolves with the reply; rejects with an AskError on timeout, exit or
   * refusal. The reply has the type the address declares (`Addr<M, D>`, inferred at spawn
   * from what the actor's `receive` returns), so `const s: string = await engine.ask(counter, …)`
   * does not compile when `counter` answers numbers. A narrower type may be stated, as the
   * second type argument or as the type of the variable the reply is assigned to. An
   * explicit type argument, and any stated type on an address that declares no reply type
   * (`unknown`), is a claim nothing checks. See `AskReply` in `@pd/actor`.
   */
  ask<M, R = unknown, D = unknown>(to: Addr<M, D>, message: M, options?: AskOptions): Promise<AskReply<R, D>>;
  ask<M, R = unknown>(to: Addr<M>, message: M, options?: AskOptions): Promise<R> {
    // The request to a live local actor with no options is the hot path: kept small enough
    // for V8 to inline what it calls (the pending ask, the meta, the enqueue); the checks of
    // options and every unusual outcome are calls out of line.
    const timeoutMs = options === undefined ? this.options.askTimeoutMs : askTimeoutOf(options, this.options.askTimeoutMs);
    const cell = this.targetCell(to, 'ask');
    if (this.pendingAsks >= this.options.maxPendingAsks) return this.tooManyAsks();
    const ask = new PendingAsk(this.nextAskId++, this.askHost);
    this.pendingAsks++;
    this.counters.asks++;
    if (cell === null || cell.status === S_DEAD) return this.askUndeliverable(to, message, cell, ask, options, timeoutMs) as Promise<R>;
    const meta = new MessageMeta(Infinity, ask);
    const result = options === undefined ? cell.enqueuePlain(message, meta) : cell.enqueue(message, meta, options);
    if (result !== 'queued') {
      ask.failWith('ask/rejected', `${cell.path} refused the request: mailbox ${result} (policy ${cell.box?.policy})`, { to: cell.path });
    } else if (!ask.settled) {
      ask.watch(timeoutMs, to);
      // Answered in the drain the request has queued, it never starts its timeout (see onDrained).
      this._timers.scheduleSlot(ask, timeoutMs, this.scheduler.drainsSoon);
    }
    return ask.promise as Promise<R>;
  }

  private tooManyAsks(): Promise<never> {
    return Promise.reject(new AskError('ask/rejected', `too many asks awaiting replies (${this.pendingAsks}, limit maxPendingAsks)`));
  }

  /** An ask whose target has no live cell here: held for a routed address's next incarnation, relayed, or failed. */
  private askUndeliverable(to: AnyAddr, message: unknown, cell: ActorCell | null, ask: PendingAsk, options: AskOptions | undefined, timeoutMs: number): Promise<unknown> {
    let held: SendResult;
    try {
      held = this.undeliverable(to, message, cell, ask, options);
    } catch (error) {
      // Refused at the call (a message that cannot cross): settle it so it holds no pending slot.
      ask.fail(error);
      void ask.promise.catch(() => undefined);
      throw error;
    }
    if (held === 'queued') {
      ask.watch(timeoutMs, to);
      this._timers.scheduleSlot(ask, timeoutMs);
    } else if (held === 'dead') {
      ask.failWith('ask/target-exited', `${String(to)} is not alive`, { to: String(to) });
    } else {
      ask.failWith('ask/rejected', `${String(to)} refused the request while it has no live incarnation (${held})`, { to: String(to) });
    }
    return ask.promise;
  }

  /** Ask `target` to stop after its current message, with `reason` (default normal). */
  stop(target: AnyAddr, reason: ExitReason = Exit.normal): void {
    const cell = this.targetCell(target, 'stop');
    if (cell !== null) this._requestStop(cell, reason);
    else this.remoteFor(target)?.stop(target, reason);
  }

  /** Kill at once: untrappable, no stop hook, reason `killed`. */
  kill(target: AnyAddr): void {
    const cell = this.targetCell(target, 'kill');
    if (cell !== null) this.exits.queue(SigKind.Kill, cell, null, Exit.killed);
    else this.remoteFor(target)?.kill(target);
  }

  /** Send an exit signal as Erlang's exit/2 (from no actor). */
  exit(target: AnyAddr, reason: ExitReason): void {
    this._exitSignal(target, reason, null);
  }

  /** Hot swap: `target` handles its next message with a new behaviour; mailbox and state are kept. */
  swap<M>(target: Addr<M>, definition: Spawnable<M>, options?: { args?: unknown }): void {
    const cell = this.targetCell(target, 'swap');
    const router = cell === null ? this.remoteFor(target) : null;
    if (router !== null) {
      const resolved = this.kinds.resolve(definition);
      if (resolved.create === null || !this.kinds.has(kindName(resolved))) {
        throw new SpawnError('spawn/invalid-definition', `swap: ${String(target)} runs on another core, where only a registered kind can go (got ${kindName(resolved)})`);
      }
      router.swap(target, kindName(resolved), options?.args);
      return;
    }
    if (cell === null || cell.status >= S_STOPPING) throw new PdError('actor/invalid-state', `swap: ${String(target)} is not alive`);
    if (cell.isPull) throw new PdError('actor/invalid-state', `swap: ${cell.path} is a pull actor; only push actors can be swapped`);
    const resolved = this.kinds.resolve(definition);
    const behavior = resolved.create === null ? (definition as AnyBehavior) : resolved.create(options?.args);
    if (typeof (behavior as Behavior).receive !== 'function') throw new SpawnError('spawn/invalid-definition', 'swap: the new behaviour has no receive()');
    cell.signal({ kind: SysKind.Swap, behavior, kindName: resolved.create === null ? cell.kind : kindName(resolved) });
  }

  /** Deliver `message` to `to` after `delayMs`. */
  sendAfter<M>(to: Addr<M>, message: M, delayMs: number): TimerRef {
    return this._sendLater(to, message, delayMs, 0, null);
  }

  /** Deliver `message` to `to` every `intervalMs`. */
  sendEvery<M>(to: Addr<M>, message: M, intervalMs: number): TimerRef {
    return this._sendEvery(to, message, intervalMs, null);
  }

  /** Cancel a timer from `sendAfter`/`sendEvery`; false if it already fired or was cancelled. */
  cancelTimer(ref: TimerRef): boolean {
    if (!(ref instanceof SendTimer)) throw new ArgumentError(`cancelTimer expects a TimerRef from sendAfter/sendEvery, got ${describeType(ref)}`);
    if (ref.host !== this) throw new ArgumentError(`cancelTimer: timer ${ref.id} belongs to another engine`);
    if (!this._timers.cancel(ref)) return false;
    (ref.owner as ActorCell | null)?.x?.timers?.delete(ref);
    return true;
  }

  /** Deliver to every subscriber of `topic`; returns how many queued it. */
  publish(topic: string, message: unknown): number {
    if (this.state === 'stopped') this.assertRunning('publish'); // actors finishing during a shutdown may still publish
    let n = 0;
    for (const cell of this._topics.subscribers(topic)) if (cell.status !== S_DEAD && cell.enqueue(message, null, undefined) === 'queued') n++;
    return this.hasRouters ? n + this._remote.publish(topic, message) : n;
  }

  /** Topics with their subscriber counts. */
  topics(): { topic: string; subscribers: number }[] {
    return this._topics.list();
  }

  /** A handle for non-actor code to send, ask, monitor and receive. */
  client<M = unknown>(): Client<M> {
    const cell = this.createCell(CLIENT_KIND, CLIENT_BEHAVIOR, undefined, null, null);
    return new Client<M>(cell);
  }

  /** Resolves when no actor has work queued (async handlers may still be in flight). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Resolves when the engine is ready: in multi mode, once every core has loaded its kinds. */
  ready(): Promise<void> {
    return this._remote.ready();
  }

  // --- API: introspection ---

  /** The live actor that `target` (address, registered name or path) points to, if any. */
  resolve(target: Target): AnyAddr | undefined {
    return this.findCell(target)?.self;
  }

  /** Live actors, optionally only those under a path prefix or in a status. */
  list(filter: { path?: string; status?: ActorStatus; kind?: string } = {}): ActorInfo[] {
    const out: ActorInfo[] = [];
    this.table.forEachCell((cell) => {
      if (cell.kind === CLIENT_KIND) return;
      if (filter.kind !== undefined && cell.kind !== filter.kind) return;
      if (filter.path !== undefined && !isUnderPath(cell.path, filter.path)) return;
      const info = describeCell(cell);
      if (filter.status !== undefined && info.status !== filter.status) return;
      out.push(info);
    });
    return out;
  }

  /** Everything known about one live actor, or undefined. */
  info(target: Target): ActorInfo | undefined {
    const cell = this.findCell(target);
    return cell === null ? undefined : describeCell(cell);
  }

  /** The tree of live actors from the roots down. */
  tree(): ActorTreeNode[] {
    return this.table.roots().filter((c) => c.kind !== CLIENT_KIND).map(treeNodeOf);
  }

  /** The latest terminated actors, oldest first. */
  terminated(): TerminatedSnapshot[] {
    return this.terminatedRing.toArray();
  }

  /** Messages and signals that reached no live actor: totals by reason and the latest ones (`deadLetterHistory`). */
  deadLetters(): DeadLetterReport {
    return this.dead.report();
  }

  /** Counters of this engine (live actors, spawns, exits, crashes, messages handled, timers, asks…), taken now. */
  stats(): EngineStats {
    let handledLive = 0;
    this.table.forEachCell((cell) => {
      handledLive += cell.handled;
    });
    return {
      live: this.table.live - this.table.clients, clients: this.table.clients, spawned: this.counters.spawned, exited: this.counters.exited, crashed: this.counters.crashed,
      messagesHandled: this.counters.handledByExited + handledLive,
      deadLetters: this.dead.total,
      expired: this.counters.expired, dropped: this.counters.dropped, runQueue: this.scheduler.queued,
      timers: this._timers.size, pendingAsks: this.pendingAsks, asks: this.counters.asks, askTimeouts: this.counters.askTimeouts,
      turns: this.scheduler.turns, listenerFailures: this.counters.listenerFailures,
    };
  }

  // --- API: shutdown ---

  /** Stop every actor leaves-first (stop hooks run), kill what remains at the deadline. */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    const deadlineMs = positiveNumber(options.deadlineMs, 'deadlineMs', ENGINE_DEFAULTS.shutdownDeadlineMs);
    this.state = 'stopping';
    const remote = this._remote.shutdown(deadlineMs);
    const local = new Promise<ShutdownReport>((resolve) => {
      const total = this.table.live;
      let killed = 0;
      const finish = () => {
        this._timers.clear();
        this.state = 'stopped';
        resolve({ stopped: total - killed, killed });
      };
      if (this.table.live === 0) {
        finish();
        return;
      }
      const deadline = this.reactor.setTimer(deadlineMs, () => {
        for (const cell of this.table.roots()) {
          killed += countLive(cell);
          cell.terminate(Exit.killed, true);
        }
        this._flushSignals();
      });
      this.onAllExited = () => {
        this.reactor.clearTimer(deadline);
        finish();
      };
      const reason = Exit.shutdown('engine-shutdown');
      for (const cell of this.table.roots().reverse()) {
        // Clients have no loop that would see a stop request: they close at once.
        if (cell.kind === CLIENT_KIND) cell.terminate(reason, true);
        else this._requestStop(cell, reason);
      }
      this._flushSignals();
    });
    this.shutdownPromise = remote === null ? local
      : Promise.all([local, remote]).then(([a, b]) => ({ stopped: a.stopped + b.stopped, killed: a.killed + b.killed }));
    return this.shutdownPromise;
  }

  // --- boundary: used by cells, clients, registry (runtime use only) ---

  /** @internal Runtime use only (`CellResolver`): the live cell `addr` names, or null. */
  liveCell(addr: AnyAddr, operation: string): ActorCell | null {
    const cell = this.targetCell(addr, operation);
    return cell === null || cell.status === S_DEAD ? null : cell;
  }

  /** @internal */
  _spawn(definition: Spawnable, options: SpawnOptions | undefined, parent: ActorCell | null, restart: { restarts: number; previous: ExitReason } | null): Addr<any> {
    this.assertRunning('spawn');
    if (parent !== null && parent.status >= S_STOPPING) {
      // Children never outlive their parent: an exiting actor starts none.
      throw new PdError('actor/invalid-state', `spawn: ${parent.path} is exiting; it cannot start children now`);
    }
    if (options !== undefined) this.checkSpawnOptions(options, parent);
    if (options !== undefined && isNodePlacement(options.placement)) {
      // Another node: a stand-in here (node-child.ts); this node itself: a plain spawn.
      const standIn = spawnOnNode(this, this._remote.nodePlacer(), definition, options, parent, restart);
      if (standIn !== null) return standIn;
      options = withoutPlacement(options);
    }
    if (this.hasRouters) {
      const parentPath = parent === null ? null : parent.path;
      const placed = this._remote.place(definition, options, parent === null ? null : parent.self, parentPath);
      if (placed !== null) return placed.router.spawn(placed.target, { definition, options: options ?? {}, parent: parent?.self ?? null, parentPath, restart });
    }
    return this.spawnHere(definition, options, parent, restart, null);
  }

  /**
   * @internal A spawn asked for by another core or node: the actor takes `identity` (minted
   * by the spawner), and `parentPath` when its parent lives there. Never throws for a bad
   * definition: the actor then exits at once with the error, which its watchers see.
   */
  _spawnAt(identity: AddrIdentity, kind: string, options: SpawnOptions, parentPath: string | null, restart: { restarts: number; previous: ExitReason } | null): ActorCell {
    const at: LeasedSpawn = { identity, parentPath };
    let failure: unknown = NO_FAILURE;
    let cell: ActorCell;
    try {
      this.checkSpawnOptions(options, null);
      cell = addrTarget(this.spawnHere(kind, options, null, restart, at)) as ActorCell;
    } catch (error) {
      // Unknown kind, taken name: the actor exists only long enough to exit with why.
      failure = error;
      cell = this.createCell(kind, FAILED_BEHAVIOR, undefined, null, restart, at);
    }
    if (failure !== NO_FAILURE) cell.failAtStart(failure);
    return cell;
  }

  private spawnHere(definition: Spawnable, options: SpawnOptions | undefined, parent: ActorCell | null, restart: { restarts: number; previous: ExitReason } | null, at: LeasedSpawn | null): Addr<any> {
    const resolved = this.kinds.resolve(definition);
    let behavior: AnyBehavior;
    let failure: unknown = NO_FAILURE;
    try {
      behavior = resolved.create === null ? (definition as AnyBehavior) : resolved.create(options?.args);
      if (behavior === null || typeof behavior !== 'object' || (typeof (behavior as Behavior).receive !== 'function' && typeof (behavior as any).run !== 'function')) {
        throw new SpawnError('spawn/invalid-definition', `kind "${kindName(resolved)}" produced ${describeType(behavior)}, not a behaviour with receive() or run()`);
      }
    } catch (error) {
      failure = error;
      behavior = FAILED_BEHAVIOR;
    }
    const cell = this.createCell(kindName(resolved), behavior, options, parent, restart, at);
    if (failure !== NO_FAILURE) cell.failAtStart(failure);
    return cell.self;
  }

  /** @internal */
  _schedule(cell: ActorCell): void {
    this.scheduler.schedule(cell);
  }

  /** @internal Schedule `cell`, whose queued flag the caller has just set (it was clear). */
  _scheduleQueued(cell: ActorCell): void {
    this.scheduler.scheduleQueued(cell);
  }

  /** @internal Resume a pull actor with `resume`: now, or after a yield once the slice is spent (invariant 7). */
  _resumePull(resume: () => void): void {
    if (this.scheduler.sliceSpent()) this.scheduler.afterYield(resume);
    else resume();
  }

  /** @internal Ask `cell` to stop gracefully; it is killed if still stopping after its stop timeout. */
  _requestStop(cell: ActorCell, reason: ExitReason): void {
    if (cell.status >= S_STOPPING) return;
    const x = cell.extras();
    if (x.stopTimer === null) {
      const timeout = x.stopTimeoutMs > 0 ? x.stopTimeoutMs : this.options.stopTimeoutMs;
      x.stopTimer = this._timers.schedule(timeout, 0, () => {
        x.stopTimer = null;
        cell.terminate(Exit.killed, true);
        this._flushSignals();
      });
    }
    // A pull actor busy between receives handles the stop at its next receive (or is
    // killed at its stop timeout); an actor inside an async handler, when it settles.
    cell.signal({ kind: SysKind.Stop, reason });
  }

  /** @internal Exit signal as exit/2: `killed` is untrappable. */
  _exitSignal(target: AnyAddr, reason: ExitReason, from: ActorCell | null): void {
    const cell = this.targetCell(target, 'exit');
    if (cell === null) return void this.remoteFor(target)?.exit(target, reason, from === null ? null : from.self);
    this.exits.queue(reason.type === 'killed' ? SigKind.Kill : SigKind.Exit, cell, from, reason);
  }

  /** @internal */
  _link(self: ActorCell, target: AnyAddr): void {
    const other = this.targetCell(target, 'link');
    if (other === self) return;
    const router = other === null ? this.remoteFor(target) : null;
    if (router !== null) return void router.link(self.self, target);
    if (other === null || other.status === S_DEAD) {
      this.exits.queue(SigKind.LinkExit, self, null, Exit.noproc, target);
      return;
    }
    this.exits.link(self, other);
  }

  /** @internal */
  _unlink(self: ActorCell, target: AnyAddr): void {
    const other = this.targetCell(target, 'unlink');
    if (other === null) return void this.remoteFor(target)?.unlink(self.self, target);
    this.exits.unlink(self, other);
  }

  /** @internal */
  _monitor(self: ActorCell, target: AnyAddr): MonitorRef {
    const other = this.targetCell(target, 'monitor');
    const ref = new MonitorRef(this.nextMonitorId++);
    const router = other === null ? this.remoteFor(target) : null;
    if (router !== null) {
      router.monitor(self.self, target, ref);
      return ref;
    }
    if (other === null || other.status === S_DEAD) {
      self.deliverSystemMessage(new Down(ref, target, Exit.noproc));
      return ref;
    }
    this.exits.monitor(self, other, ref);
    return ref;
  }

  /** @internal */
  _demonitor(self: ActorCell, ref: MonitorRef): void {
    if (!this.exits.demonitor(self, ref) && this.hasRouters) this._remote.demonitor(self.self, ref);
  }

  /** @internal A periodic timer; an interval of 0 is refused (it would make a one-shot timer). */
  _sendEvery(to: AnyAddr, message: unknown, intervalMs: number, owner: ActorCell | null): TimerRef {
    if (typeof intervalMs !== 'number' || !(intervalMs > 0) || intervalMs === Infinity) {
      throw new ArgumentError(`sendEvery intervalMs must be a positive finite number of milliseconds, got ${String(intervalMs)}`);
    }
    return this._sendLater(to, message, intervalMs, intervalMs, owner);
  }

  /** @internal */
  _sendLater(to: AnyAddr, message: unknown, delayMs: number, repeatMs: number, owner: ActorCell | null): TimerRef {
    // Actors still finishing their work during a shutdown may set timers: they die with them.
    if (owner === null || this.state === 'stopped') this.assertRunning('sendAfter');
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new ArgumentError(`timer delay must be a finite number of milliseconds >= 0, got ${String(delayMs)}`);
    }
    if (repeatMs !== 0 && !(repeatMs > 0)) throw new ArgumentError(`timer interval must be > 0 ms, got ${String(repeatMs)}`);
    this.targetCell(to, 'sendAfter');
    let timer: SendTimer;
    if (repeatMs === 0) {
      timer = new SendTimer(this, to, message, owner);
      this._timers.scheduleOwn(timer, delayMs);
    } else {
      const periodic = new PeriodicSendTimer(this, to, message, owner, repeatMs);
      periodic.timerId = this._timers.scheduleOwn(periodic, delayMs);
      timer = periodic;
    }
    if (owner !== null) (owner.extras().timers ??= new Set()).add(timer);
    return timer;
  }

  /** @internal A `sendAfter` / `sendEvery` timer is due: send its message. */
  _sendTimerFired(timer: SendTimer): void {
    const owner = timer.owner as ActorCell | null;
    if (timer.repeatMs === 0) owner?.x?.timers?.delete(timer);
    // A periodic timer whose target is gone for good stops, instead of minting dead letters forever.
    if (this.send(timer.to, timer.message) === 'dead' && timer.repeatMs > 0 && !timer.cancelled) {
      this._timers.cancel(timer);
      owner?.x?.timers?.delete(timer);
    }
    this._flushSignals();
  }

  /** @internal Overflow of a bounded mailbox: apply its policy. `queued` means "push it now". */
  _overflow(cell: ActorCell, box: Mailbox, message: unknown, meta: MessageMeta | null): SendResult {
    if (this.events.active) {
      this.emit({ type: 'mailbox-overflow', at: this.reactor.wallTime(), addr: cell.self, path: cell.path, policy: box.policy, capacity: box.capacity });
    }
    switch (box.policy) {
      case 'drop-oldest': {
        const evicted = box.evictOldest();
        this.counters.dropped++;
        evicted.meta?.ask?.failWith('ask/rejected', `${cell.path} dropped the request (mailbox full, policy drop-oldest)`);
        this.dead.record(cell.self, evicted.message, 'dropped');
        return 'queued';
      }
      case 'drop-newest':
        this.counters.dropped++;
        this.dead.record(cell.self, message, 'dropped');
        void meta;
        return 'dropped';
      default:
        this.dead.record(cell.self, message, 'rejected');
        return 'rejected';
    }
  }

  /** @internal A message whose deadline passed before it was handled. */
  _expired(cell: ActorCell, message: unknown, meta: MessageMeta): void {
    this.counters.expired++;
    meta.ask?.failWith('ask/timeout', `the request to ${cell.path} expired before it was handled`);
    this.dead.record(cell.self, message, 'expired');
  }

  /** @internal */
  _crashed(cell: ActorCell, error: unknown, phase: string): void {
    this.counters.crashed++;
    reportCrash(this.logger, this.reactor.wallTime(), this.id, cell.path, cell.kind, phase, error);
    if (this.events.active) this.emit({ type: 'crashed', at: this.reactor.wallTime(), addr: cell.self, path: cell.path, kind: cell.kind, phase, error });
  }

  /** @internal Hot swap: install `next` on `cell`, carrying state over. */
  _installBehavior(cell: ActorCell, next: AnyBehavior, kind?: string): void {
    if (cell.isPull) throw new PdError('actor/invalid-state', `${cell.path} is a pull actor; only push actors can change behaviour`);
    const previous = cell.behavior!;
    if (previous === next) return;
    try {
      if (typeof (next as Behavior).migrate === 'function') (next as Behavior).migrate!(previous);
      else copyState(previous, next);
    } catch (error) {
      cell.crash(error, 'migrate');
      return;
    }
    cell.behavior = next;
    cell.mailboxIfAny?.forgetHandler();
    if (kind !== undefined) cell.kind = kind;
    if (this.events.active) this.emit({ type: 'swapped', at: this.reactor.wallTime(), addr: cell.self, path: cell.path, kind: cell.kind });
  }

  /** @internal Everything an exit implies. Called once per cell, by the cell. */
  _finalize(cell: ActorCell, reason: ExitReason): void {
    this.exits.finalize(cell, reason);
  }

  /** @internal Apply queued exit signals; safe to call any time, re-entrant calls are no-ops. */
  _flushSignals(): void {
    // The flag is checked here, so a turn with no signal pays one field read, as before the split.
    if (this._signalsPending) this.exits.flush();
  }

  // --- boundary: used by the exit mechanism (exits.ts; all @internal) ---

  /** @internal */
  _inTurn(): boolean {
    return this.scheduler.inTurn;
  }

  /** @internal Install (or, with null, remove) telemetry's message probe; it is told of the scheduler's drains. */
  _setProbe(probe: MessageProbe | null): void {
    this._probe = probe;
    this.scheduler.onTurns = probe === null ? null : (inTurn) => probe.turns(inTurn);
    probe?.turns(this.scheduler.inTurn);
  }

  /** @internal An exiting cell leaves the registry and its topics. */
  _forget(cell: ActorCell): void {
    this._topics._removeCell(cell);
    this.registry._removeCell(cell);
  }

  /** @internal */
  _exitedRemotely(addr: AnyAddr, reason: ExitReason): void {
    if (this.hasRouters) this._remote.exited(addr, reason);
  }

  /** @internal Free an exited cell's slot and record its exit. */
  _retire(cell: ActorCell, reason: ExitReason): void {
    // The path first: releasing the slot forgets a remote parent (a child spawned here by
    // another core), and with it the path's prefix.
    const path = cell.kind === CLIENT_KIND ? '' : cell.path;
    this.table.release(cell);
    this.counters.exited++;
    this.counters.handledByExited += cell.handled;
    if (cell.kind !== CLIENT_KIND) {
      this.terminatedRing.push({ addr: cell.self, path, kind: cell.kind, reason, handled: cell.handled, restarts: cell.x!.restarts, exitedAt: this.reactor.wallTime() });
      if (this.events.active) this.emit({ type: 'exited', at: this.reactor.wallTime(), addr: cell.self, path, kind: cell.kind, reason });
    }
  }

  /** @internal */
  _afterExit(): void {
    if (this.table.live === 0 && this.onAllExited !== null) {
      const done = this.onAllExited;
      this.onAllExited = null;
      done();
    }
  }

  /** @internal Count and keep a message that reached nobody; returns `dead`. */
  _deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult {
    return this.dead.record(to, message, reason);
  }

  // --- boundary: used by the remote host (remote-host.ts; all @internal) ---

  /** @internal The cell `addr` was minted for here (live or dead), or null. */
  _cellOf(addr: AnyAddr, operation: string): ActorCell | null {
    return this.targetCell(addr, operation);
  }

  /** @internal A fresh ask id (for a request the remote host passes on to another core). */
  _askId(): number {
    return this.nextAskId++;
  }

  /** @internal */
  _queueSignal(kind: SigKind, target: ActorCell, reason: ExitReason, from: AnyAddr | undefined): void {
    this.exits.queue(kind, target, null, reason, from);
  }

  /** @internal The record cells of kind `name` share (their engine and kind name: one field per cell, not two). */
  _cellKind(name: string): CellKind {
    if (this.lastCellKind.name === name) return this.lastCellKind;
    let record = this.cellKinds.get(name);
    if (record === undefined) {
      // Only sharing is lost by forgetting them (a cell keeps its own): bounded, whatever names come.
      if (this.cellKinds.size >= MAX_CELL_KINDS) this.cellKinds.clear();
      record = { engine: this, name };
      this.cellKinds.set(name, record);
    }
    return (this.lastCellKind = record);
  }

  /** @internal The actor id of `cell` (see `ActorCell.id`): the table keeps it. */
  _idOf(cell: ActorCell): number {
    return this.table.idOf(cell);
  }

  /** @internal The path of a cell, computed from its parents (cached for named ones). */
  _pathOf(cell: ActorCell): string {
    const segment = cell.segment ?? `$${cell.id}`;
    const parent = cell.parentCell;
    if (parent === null) {
      const remoteParent = this.table.remoteParentOf(cell);
      if (remoteParent !== undefined) return `${remoteParent}/${segment}`;
      return cell.kind === CLIENT_KIND ? `/client/${segment}` : `/user/${segment}`;
    }
    return `${this._pathOf(parent)}/${segment}`;
  }

  /** @internal Emit an event (callers check `events.active` first). */
  emit(event: EngineEvent): void {
    this.events.emit(event);
  }

  // --- internal ---

  private createCell(
    kind: string,
    behavior: AnyBehavior,
    options: SpawnOptions | undefined,
    parent: ActorCell | null,
    restart: { restarts: number; previous: ExitReason } | null,
    at: LeasedSpawn | null = null,
  ): ActorCell {
    this.assertRunning('spawn');
    const name = options?.name ?? null;
    if (name !== null) {
      const path = parent === null ? `${at?.parentPath ?? '/user'}/${name}` : `${parent.path}/${name}`;
      const holder = this.table.named.get(path);
      if (holder !== undefined) throw new SpawnError('spawn/name-taken', `a live actor already has the path ${path}`, { path });
    }
    if (options?.register !== undefined) {
      validateName(options.register);
      const holder = this.registry.whereis(options.register);
      if (holder !== undefined) throw new RegistryError('registry/name-taken', `the name "${options.register}" is already registered to ${holder}`, { name: options.register });
    }
    const cell = new ActorCell(this, parent, name, kind, behavior, options?.budget ?? this.options.budget);
    this.table.admit(cell, at, this.ids);
    this.counters.spawned++;
    if (parent !== null) (parent.children ??= new Set()).add(cell);
    if (name !== null) this.table.named.set(cell.path, cell);
    if (options !== undefined) {
      if (options.mailbox !== undefined) cell.box = new Mailbox(options.mailbox);
      if (options.trapExits === true) cell.trapExits(true);
      if (options.stopTimeoutMs !== undefined) cell.extras().stopTimeoutMs = options.stopTimeoutMs;
      if (options.register !== undefined) this.registry.register(options.register, cell.self);
      if (options.link === true && parent !== null) this._link(parent, cell.self);
    }
    if (restart !== null) {
      const x = cell.extras();
      x.restarts = restart.restarts;
      x.exitReason = restart.previous;
      if (cell.status === S_RUNNING) x.exitReason = null;
    }
    if (this.events.active && kind !== CLIENT_KIND) {
      this.emit({ type: 'spawned', at: this.reactor.wallTime(), addr: cell.self, path: cell.path, kind: cell.kind, parent: parent?.path ?? null });
      if (restart !== null) this.emit({ type: 'restarted', at: this.reactor.wallTime(), addr: cell.self, path: cell.path, kind: cell.kind, restarts: restart.restarts, reason: restart.previous });
    }
    if (cell.status !== S_RUNNING) this.scheduler.schedule(cell);
    return cell;
  }

  private checkSpawnOptions(options: SpawnOptions, parent: ActorCell | null): void {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`spawn options must be an object, got ${describeType(options)}`);
    if (options.name !== undefined) validateName(options.name, 'actor name');
    if (options.budget !== undefined) positiveInt(options.budget, 'budget', 1);
    if (options.stopTimeoutMs !== undefined) positiveNumber(options.stopTimeoutMs, 'stopTimeoutMs', 1);
    if (options.link === true && parent === null) throw new ArgumentError('spawn option link: only an actor can link to what it spawns (use ctx.spawn)');
    if (options.mailbox !== undefined) new Mailbox(options.mailbox); // refuses a bad bound before any state changes
  }

  /** The cell `addr` was minted for by this engine (live or dead), or null when unknown. */
  private targetCell(addr: unknown, operation: string): ActorCell | null {
    // The common case first, with one brand check: a local address of a live or dead cell here.
    const own = ownTarget(addr);
    if (own instanceof ActorCell && own.self === addr && own.engine === this) return own;
    return this.targetCellSlow(addr, operation);
  }

  private targetCellSlow(addr: unknown, operation: string): ActorCell | null {
    if (!Addr.is(addr)) {
      throw new SendError('send/not-an-address', `${operation}: expected an Addr minted by a runtime, got ${describeType(addr)}`);
    }
    const target = addrTarget(addr);
    if (target instanceof ActorCell && target.self === addr && target.engine === this) return target;
    // A routed address (a stable address, a pool): the incarnation it points to now, if any.
    if (target instanceof AddrRoute) return target.engine === this ? target.current() : null;
    // An address that crossed a boundary: look it up by identity and check the secret.
    if (addr.node !== this.incarnation || addr.core !== this.core) return null;
    const cell = this.table.cellAt(addr.slot) ?? (this.hasRouters ? this._remote.leasedCell(addr, this) : undefined);
    return cell !== undefined && cell.self.equals(addr) ? cell : null;
  }

  private findCell(target: Target): ActorCell | null {
    if (typeof target === 'string') {
      const cell = target.startsWith('/')
        ? this.table.named.get(target) ?? this.cellForPath(target)
        : (() => { const a = this.registry.whereis(target); return a === undefined ? null : this.targetCell(a, 'info'); })();
      return cell === null || cell === undefined || cell.status === S_DEAD ? null : cell;
    }
    const cell = this.targetCell(target, 'info');
    return cell === null || cell.status === S_DEAD ? null : cell;
  }

  private cellForPath(path: string): ActorCell | null {
    const registered = this.registry.whereisPath(path);
    if (registered !== undefined) return this.targetCell(registered, 'info');
    const m = /\/\$(\d+)$/.exec(path);
    if (m === null) return null;
    const id = Number(m[1]);
    return this.table.findById(id, path);
  }

  private metaFor(options: SendOptions, ask: PendingAsk | null): MessageMeta | null {
    checkPriority(options.priority);
    const ttl = options.ttlMs;
    if (ttl === undefined) return ask === null ? null : new MessageMeta(Infinity, ask);
    if (typeof ttl !== 'number' || !(ttl > 0)) throw new ArgumentError(`ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
    return new MessageMeta(this.reactor.now() + ttl, ask);
  }

  /**
   * Cold path of send and ask: a dead or unknown target makes a dead letter, except that a
   * routed address with no live incarnation holds or refuses the message per its policy.
   */
  private undeliverable(to: AnyAddr, message: unknown, cell: ActorCell | null, ask: PendingAsk | null, options: SendOptions | undefined): SendResult {
    const router = cell === null ? this.remoteFor(to) : null;
    if (router !== null) return ask === null ? router.send(to, message, options) : router.ask(to, message, ask, options);
    const route = cell === null ? routeOf(to) : null;
    if (route === null || route.engine !== this) return this.dead.record(to, message, cell === null ? 'unknown' : 'dead');
    const meta = ask !== null ? new MessageMeta(Infinity, ask) : options === undefined ? null : this.metaFor(options, null);
    const result = route.hold(message, meta, options);
    if (result !== 'queued') this.dead.record(to, message, result);
    return result;
  }

  /** @internal A send from an actor that has already exited: not delivered (invariant 6). */
  _sendFromDead(to: AnyAddr, message: unknown): SendResult {
    return this.dead.record(to, message, 'sender-exited');
  }

  /** The router that reaches `addr`, when it is not local; null otherwise (and with no router). */
  private remoteFor(addr: AnyAddr): RemoteRouter | null {
    return this.hasRouters ? this._remote.reaching(addr) : null;
  }

  /** A listener threw: it is unsubscribed, counted, and its failure kept, so it is never silent. */
  private listenerFailed(error: unknown, event: EngineEvent): void {
    this.counters.listenerFailures++;
    this.lastListenerFailure = { error, eventType: event.type, at: this.reactor.wallTime() };
  }

  private assertRunning(operation: string): void {
    if (this.state !== 'running') {
      throw new EngineError('engine/stopped', `${operation}: the engine "${this.id}" is ${this.state}; create a new engine to go on`);
    }
  }
}

/** Kind names `_cellKind` keeps records for before it starts afresh. */
const MAX_CELL_KINDS = 4096;
const NO_FAILURE = Symbol('no-failure');
const FAILED_BEHAVIOR: Behavior = { receive() {} };
const CLIENT_BEHAVIOR = { run: () => new Promise<never>(() => {}) };


function countLive(cell: ActorCell): number {
  let n = cell.status === S_DEAD ? 0 : 1;
  if (cell.children !== null) for (const c of cell.children) n += countLive(c);
  return n;
}

/** Default hot-swap state transfer: the old behaviour's own data fields (not functions). */
function copyState(from: object, to: object): void {
  for (const key of Object.keys(from)) {
    const value = (from as Record<string, unknown>)[key];
    if (typeof value !== 'function') (to as Record<string, unknown>)[key] = value;
  }
}

function nonNegativeInt(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new ArgumentError(`${name} must be an integer >= 0, got ${String(value)}`);
  return value;
}

/** The timeout of an ask with options (checked: a positive finite number of ms), or `fallback`. */
function askTimeoutOf(options: AskOptions, fallback: number): number {
  const timeoutMs = options.timeoutMs ?? fallback;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs === Infinity) {
    throw new ArgumentError(`ask timeoutMs must be a positive finite number of milliseconds, got ${String(timeoutMs)}`);
  }
  checkPriority(options.priority);
  return timeoutMs;
}

/** Refuse a bad priority at the API boundary, before any state changes. */
function checkPriority(priority: unknown): void {
  if (priority !== undefined && priority !== 'high' && priority !== 'normal' && priority !== 'low') {
    throw new ArgumentError(`priority must be "high", "normal" or "low", got ${String(priority)}`);
  }
}

function positiveInt(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function positiveFinite(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) throw new ArgumentError(`${name} must be a positive finite number, got ${String(value)}`);
  return value;
}

function positiveNumber(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new ArgumentError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

/**
 * The engine a cell belongs to. Every cell's host is an {@link Engine} (the only
 * {@link CellHost}); extensions that start from a cell (a supervisor) reach its engine here.
 */
export function engineOf(cell: ActorCell): Engine {
  const host = cell.engine;
  if (!(host instanceof Engine)) throw new PdError('internal/invariant', `${cell.path} is hosted by something other than an Engine`);
  return host;
}
