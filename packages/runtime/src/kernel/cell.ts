/**
 * ActorCell: one actor incarnation. It implements the {@link Context} handed to user code,
 * runs the actor's turns for the scheduler (system lane first, then up to `budget` user
 * messages), turns every throw and rejection into an exit (invariant 8), and carries out
 * the exit: children first, stop hook, then links, monitors, registry and timers.
 *
 * Must not: run two handlers of one actor at once (invariant 6), deliver to a stale
 * incarnation, or throw into the scheduler. Rarely used state sits in `x` (CellExtras),
 * allocated on first use, so an idle actor stays small. The cell reaches its engine only
 * through {@link CellHost}, which it declares: the engine implements it, and this file never
 * imports the engine.
 */
import {
  type Addr, type AnyAddr, type AnyBehavior, type AskOptions, type Behavior, type Context, type ExitReason,
  type PullBehavior, type ReceiveOptions, type ReplyHandle, type SelfInfo, type SendOptions, type SendResult,
  type Spawnable, type SpawnOptions, type TimerRef, Exit, type MonitorRef, PdError, type AskReply, type DeclaredReply,
} from '@pd/actor';
import { assert } from '@pd/actor/internal';
import type { PendingAsk } from './ask.js';
import type { RandomStream, Reactor } from '../reactor.js';
import { Mailbox, MessageMeta, messageIn, slotMeta } from './mailbox.js';
import type { MessageProbe } from './probe.js';
import { RUNNABLE_QUEUED } from './scheduler.js';
import { Deque } from './deque.js';
import type { TimerEntry, TimerService, TimerSlot } from './timers.js';

/**
 * What a cell may ask of its engine: the engine implements it (the only implementation),
 * and the cell depends on nothing else of the engine. Members with `_` are kernel-internal.
 */
export interface CellHost {
  readonly reactor: Reactor;
  /** Names and paths, for `ctx.register` and friends. */
  readonly registry: {
    register(name: string, addr: AnyAddr): void;
    unregister(name: string, addr?: AnyAddr): boolean;
    whereis<T = unknown, R = unknown>(name: string): Addr<T, R> | undefined;
    registerPath(path: string, addr: AnyAddr): void;
    whereisPath<T = unknown, R = unknown>(path: string): Addr<T, R> | undefined;
  };
  readonly _topics: { subscribe(topic: string, cell: ActorCell): void; unsubscribe(topic: string, cell: ActorCell): void };
  readonly _timers: TimerService;
  readonly _userRandom: RandomStream;
  /** Messages per turn unless the actor says otherwise. */
  readonly _budget: number;
  /** Set while exit signals wait to be applied. */
  readonly _signalsPending: boolean;
  /** Telemetry's view of each user message; null (the usual case) costs one branch per message. */
  readonly _probe: MessageProbe | null;
  send<M>(to: Addr<M>, message: M, options?: SendOptions): SendResult;
  sendWait<M>(to: Addr<M>, message: M, options?: SendOptions): Promise<SendResult>;
  ask<M, R = unknown, D = unknown>(to: Addr<M, D>, message: M, options?: AskOptions): Promise<AskReply<R, D>>;
  stop(target: AnyAddr, reason?: ExitReason): void;
  kill(target: AnyAddr): void;
  publish(topic: string, message: unknown): number;
  cancelTimer(ref: TimerRef): boolean;
  _spawn(definition: Spawnable, options: SpawnOptions | undefined, parent: ActorCell | null, restart: { restarts: number; previous: ExitReason } | null): Addr<any>;
  _schedule(cell: ActorCell): void;
  _scheduleQueued(cell: ActorCell): void;
  _resumePull(resume: () => void): void;
  _requestStop(cell: ActorCell, reason: ExitReason): void;
  _exitSignal(target: AnyAddr, reason: ExitReason, from: ActorCell | null): void;
  _link(self: ActorCell, target: AnyAddr): void;
  _unlink(self: ActorCell, target: AnyAddr): void;
  _monitor(self: ActorCell, target: AnyAddr): MonitorRef;
  _demonitor(self: ActorCell, ref: MonitorRef): void;
  _sendLater(to: AnyAddr, message: unknown, delayMs: number, repeatMs: number, owner: ActorCell | null): TimerRef;
  _sendEvery(to: AnyAddr, message: unknown, intervalMs: number, owner: ActorCell | null): TimerRef;
  _sendFromDead(to: AnyAddr, message: unknown): SendResult;
  _overflow(cell: ActorCell, box: Mailbox, message: unknown, meta: MessageMeta | null): SendResult;
  _expired(cell: ActorCell, message: unknown, meta: MessageMeta): void;
  _crashed(cell: ActorCell, error: unknown, phase: string): void;
  _installBehavior(cell: ActorCell, next: AnyBehavior, kind?: string): void;
  _finalize(cell: ActorCell, reason: ExitReason): void;
  _flushSignals(): void;
  _pathOf(cell: ActorCell): string;
  /** The actor id of `cell` (see {@link ActorCell.id}). */
  _idOf(cell: ActorCell): number;
  /** The shared engine-and-kind record for kind name `name`. */
  _cellKind(name: string): CellKind;
}

// Status, in lifecycle order.
export const S_STARTING = 0;
export const S_RUNNING = 1;
/** Awaiting an async handler (or, for pull actors, running between receives). */
export const S_SUSPENDED = 2;
export const S_STOPPING = 3;
export const S_DEAD = 4;

export const STATUS_NAMES = ['starting', 'running', 'suspended', 'stopping', 'dead'] as const;

/** The kind of client handles (`engine.client()`): pull actors whose "run" is outside code. */
export const CLIENT_KIND = '$client';
export type ActorStatus = (typeof STATUS_NAMES)[number] | 'waiting';

// Flags: the low bits of the cell's `flags` word. The status sits above them in the same
// word (one field, not two, per actor), so `status >= S_STOPPING` is `flags >= S_STOPPING << STATUS_SHIFT`.
/** In the run queue: the scheduler's own bit of the word (a send may set it and hand the cell over). */
export const F_QUEUED = RUNNABLE_QUEUED;
const F_TRAP = 2;
const F_PULL = 4;
/** A stop hook is running (graceful exit in progress past the children). */
const F_HOOK = 8;
/** The system lane has signals waiting (the lane itself lives in the extras). */
const F_SIGNALS = 16;
/** The extras exist: the cell's `up` field holds them (and they hold the parent), not the parent. */
const F_EXTRAS = 32;
/**
 * The cell holds one plain message itself, in its queue field, and has no mailbox: what most
 * actors hold between requests, one message at a time (see {@link ActorCell.q}).
 */
const F_ONE = 64;
const FLAG_BITS = 127;
const STATUS_SHIFT = 7;
/** The status bits of a running actor: with F_SIGNALS, what the turn's one guard compares against. */
const RUNNING_BITS = S_RUNNING << STATUS_SHIFT;
const SUSPENDED_BITS = S_SUSPENDED << STATUS_SHIFT;
/** The bits a plain turn looks at: the status and the system lane's flag. */
const TURN_BITS = ~FLAG_BITS | F_SIGNALS;

/**
 * What the cells of one engine and one kind share: the engine and the kind's name. A cell
 * holds one reference to it rather than one to each (8 bytes less per actor); the engine
 * keeps one per kind name ({@link CellHost._cellKind}).
 */
export interface CellKind {
  readonly engine: CellHost;
  readonly name: string;
}

/** A signal in the system lane: processed between messages, ahead of user messages. */
export const SysKind = { Stop: 0, Swap: 1 } as const;
export type SysKind = (typeof SysKind)[keyof typeof SysKind];
export interface SysSignal {
  readonly kind: SysKind;
  readonly reason?: ExitReason;
  readonly behavior?: AnyBehavior;
  /** Swap: the kind name of the new behaviour. */
  readonly kindName?: string;
}

interface ReceiveWaiter {
  readonly match: ((m: unknown) => boolean) | undefined;
  readonly resolve: (m: unknown) => void;
  readonly reject: (e: unknown) => void;
  timer: TimerEntry | null;
}

/** State most actors never need, allocated on first use. */
export class CellExtras {
  /** The parent cell, moved here from the cell's `up` field when the extras are made. */
  constructor(readonly parent: ActorCell | null) {}
  /** The system lane: stop requests and swaps, handled between messages (F_SIGNALS while non-empty). */
  sys: Deque<SysSignal> | null = null;
  links: Set<ActorCell> | null = null;
  /** Monitors others hold on this actor: ref id → (watcher, ref). */
  monitoredBy: Map<number, { watcher: ActorCell; ref: MonitorRef }> | null = null;
  /** Monitors this actor holds: ref id → target. */
  watching: Map<number, ActorCell> | null = null;
  /** `sendAfter` / `sendEvery` timers this actor set (cancelled when it exits). */
  timers: Set<TimerSlot> | null = null;
  topics: Set<string> | null = null;
  names: string[] | null = null;
  paths: string[] | null = null;
  waiter: ReceiveWaiter | null = null;
  stopTimer: TimerEntry | null = null;
  exitReason: ExitReason | null = null;
  pendingChildren = 0;
  /** Per-actor stop timeout; -1 for the engine default. */
  stopTimeoutMs = -1;
  restarts = 0;
  startedAt = 0;
  /** Set by an actor that stops its own children in its own order (a supervisor). */
  childShutdown: ChildShutdown | null = null;
  /** Called once when this incarnation has started (its `started` hook done); a stable address waits for it. */
  onReady: (() => void) | null = null;
  /** Live children in start order. */
  children: Set<ActorCell> | null = null;
  /** Path segment given at spawn; null for a generated `$<id>`. */
  segment: string | null = null;
  /** Messages per turn when not the engine default; 0 for the default. */
  budget = 0;
  /** Asks whose reply this actor took with `deferReply` and has not given yet. */
  deferred: Set<PendingAsk> | null = null;
  /** The behaviour could not be built: the actor crashes with this on its first turn. */
  startFailure: { readonly error: unknown } | null = null;
}

/**
 * A hook for actors that shut their children down themselves (supervisors: one at a time,
 * in reverse start order). When set, a graceful exit with live children calls `start`
 * instead of asking every child to stop at once, and reports each child's exit to `gone`;
 * the exit goes on (stop hook, finalize) once the last child is gone, as without it.
 */
export interface ChildShutdown {
  start(reason: ExitReason): void;
  gone(child: ActorCell): void;
}

export class ActorCell implements Context<any> {
  /** @internal The engine and the kind name, shared with every cell of this kind here. */ k: CellKind;
  /** @internal F_* flags in the low bits, the status above them (see {@link ActorCell.status}). */ flags: number;
  /**
   * This actor's address (part of `Context`). Assigned right after construction by the engine
   * (the address needs the cell). Among the first fields: a send checks it, with the map word
   * and `k`, so they share a cache line where the object's alignment allows.
   */
  self!: Addr<any>;
  /** @internal */ behavior: AnyBehavior | null;
  /**
   * @internal The queue: null (nothing queued, no mailbox), the mailbox, or — while `F_ONE`
   * is set — the one plain message queued, held here without a mailbox. A mailbox is made
   * when a second message arrives while one waits, or for anything else a plain send does
   * not need (a request's meta, a priority, a bound, a pull actor): most actors hold one
   * message at a time and never need one, so a hop from actor to actor touches the sender,
   * the address and the receiver's cell, not a mailbox and its chunk too. Read through
   * {@link ActorCell.box} anywhere but the message path. (`null` is a message too: only the
   * flag says whether one is held.)
   */
  q: unknown = null;
  /** @internal User messages handled so far. */
  handled = 0;
  /**
   * The parent cell (null for a top-level actor) until the extras are made, then the extras
   * (F_EXTRAS), which hold the parent: one field for the two (8 bytes less per actor), read
   * through {@link ActorCell.x} and {@link ActorCell.parentCell}.
   */
  private up: ActorCell | CellExtras | null;

  constructor(
    engine: CellHost,
    parent: ActorCell | null,
    segment: string | null,
    kind: string,
    behavior: AnyBehavior,
    budget: number,
  ) {
    this.k = engine._cellKind(kind);
    this.behavior = behavior;
    this.up = parent;
    const isPull = typeof (behavior as PullBehavior).run === 'function' && typeof (behavior as Behavior).receive !== 'function';
    const status = isPull || behavior.started !== undefined || behavior.restarting !== undefined ? S_STARTING : S_RUNNING;
    this.flags = (isPull ? F_PULL : 0) | (status << STATUS_SHIFT);
    // Rare settings live in the extras, so an idle actor stays small (bytes per actor).
    if (segment !== null || budget !== engine._budget) {
      const x = this.extras();
      x.segment = segment;
      if (budget !== engine._budget) x.budget = budget;
    }
  }

  /** @internal The rarely used state, or null while the actor has needed none (see {@link ActorCell.extras}). */
  get x(): CellExtras | null {
    return (this.flags & F_EXTRAS) === 0 ? null : (this.up as CellExtras);
  }

  /** @internal The parent's cell; null for a top-level actor. */
  get parentCell(): ActorCell | null {
    return (this.flags & F_EXTRAS) === 0 ? (this.up as ActorCell | null) : (this.up as CellExtras).parent;
  }

  /**
   * @internal Engine-unique among live actors, increasing in spawn order (up to 2^31 - 1, then
   * from 1 again): used in generated path segments. Kept in the address (its generation) or,
   * for an actor living under an identity minted elsewhere, by the table: not a field of the
   * cell (8 bytes less per actor), and no message reads it.
   */
  get id(): number {
    return this.k.engine._idOf(this);
  }

  /** @internal The engine hosting this actor. */
  get engine(): CellHost {
    return this.k.engine;
  }

  /** @internal Lifecycle status (S_*): the bits of `flags` above the flags. */
  get status(): number {
    return this.flags >>> STATUS_SHIFT;
  }

  set status(status: number) {
    this.flags = (this.flags & FLAG_BITS) | (status << STATUS_SHIFT);
  }

  /** @internal The kind name. Changes on a hot swap to another kind. */
  get kind(): string {
    return this.k.name;
  }

  set kind(name: string) {
    if (name !== this.k.name) this.k = this.k.engine._cellKind(name);
  }

  /**
   * @internal The mailbox, or null when the actor has none. One plain message held in the
   * cell is moved into a mailbox made for it first: whoever looks at the mailbox sees it.
   */
  get box(): Mailbox | null {
    return (this.flags & F_ONE) !== 0 ? this.toMailbox() : (this.q as Mailbox | null);
  }

  /** Replaces the mailbox (at spawn, with options; at exit, after the drain): never while a message is held, which it would drop. */
  set box(box: Mailbox | null) {
    assert((this.flags & F_ONE) === 0, 'cell: the mailbox is replaced only when no message is held in the cell');
    this.q = box;
  }

  /** @internal The mailbox if the actor has one, without making one: null while the cell holds its message itself. */
  get mailboxIfAny(): Mailbox | null {
    return (this.flags & F_ONE) !== 0 ? null : (this.q as Mailbox | null);
  }

  /** @internal User messages queued (none made into a mailbox to count them). */
  get queuedCount(): number {
    return (this.flags & F_ONE) !== 0 ? 1 : this.q === null ? 0 : (this.q as Mailbox).size;
  }

  /** @internal The meta of the message being handled (its pending ask); it lives in the mailbox (a message held in the cell has none). */
  get current(): MessageMeta | null {
    return (this.flags & F_ONE) !== 0 || this.q === null ? null : (this.q as Mailbox).current;
  }

  set current(meta: MessageMeta | null) {
    if ((this.flags & F_ONE) === 0 && this.q !== null) (this.q as Mailbox).current = meta;
    else if (meta !== null) this.toMailbox().current = meta;
  }

  /** A mailbox made now, holding the one message the cell held (if it held one). */
  private toMailbox(): Mailbox {
    const box = new Mailbox();
    if ((this.flags & F_ONE) !== 0) box.pushPlain(this.q);
    this.q = box;
    this.flags &= ~F_ONE;
    return box;
  }

  // --- Context: identity ---

  /** @internal Path segment: the spawn name, or null for `$<id>`. */
  get segment(): string | null {
    return this.x === null ? null : this.x.segment;
  }

  /** @internal Live children in start order. */
  get children(): Set<ActorCell> | null {
    return this.x === null ? null : this.x.children;
  }

  set children(children: Set<ActorCell> | null) {
    this.extras().children = children;
  }

  get path(): string {
    return this.engine._pathOf(this);
  }

  get parent(): AnyAddr | null {
    return this.parentCell === null ? null : this.parentCell.self;
  }

  get info(): SelfInfo {
    return { path: this.path, kind: this.kind, restarts: this.x?.restarts ?? 0 };
  }

  /** @internal */
  get isPull(): boolean {
    return (this.flags & F_PULL) !== 0;
  }

  /** @internal */
  get trapping(): boolean {
    return (this.flags & F_TRAP) !== 0;
  }

  /** @internal */
  extras(): CellExtras {
    if ((this.flags & F_EXTRAS) !== 0) return this.up as CellExtras;
    const x = new CellExtras(this.up as ActorCell | null);
    this.up = x;
    this.flags |= F_EXTRAS;
    return x;
  }

  // --- Context: messaging ---

  send<T>(to: Addr<T>, message: T, options?: SendOptions): SendResult {
    // A killed actor's async handler may still be running: what it sends goes nowhere.
    if (this.status === S_DEAD) return this.engine._sendFromDead(to, message);
    return this.engine.send(to, message, options);
  }

  sendWait<T>(to: Addr<T>, message: T, options?: SendOptions): Promise<SendResult> {
    if (this.status === S_DEAD) return Promise.resolve(this.engine._sendFromDead(to, message));
    return this.engine.sendWait(to, message, options);
  }

  ask<T, R = unknown, D = unknown>(to: Addr<T, D>, message: T, options?: AskOptions): Promise<AskReply<R, D>> {
    if (this.status === S_DEAD) {
      this.engine._sendFromDead(to, message);
      return Promise.reject(new PdError('actor/invalid-state', `ask: ${String(this.self)} has exited; its context can no longer ask`));
    }
    return this.engine.ask<T, R, D>(to, message, options);
  }

  reply(value: unknown): boolean {
    const meta = this.current;
    if (meta === null || meta.ask === null) return false;
    const ask = meta.ask;
    meta.ask = null;
    return ask.answer(value);
  }

  deferReply<R = unknown>(): ReplyHandle<R> | null {
    const meta = this.current;
    if (meta === null || meta.ask === null) return null;
    const ask = meta.ask;
    meta.ask = null;
    // Remembered so that the asker hears at once if this actor exits before answering.
    const deferred = (this.extras().deferred ??= new Set());
    deferred.add(ask);
    return {
      resolve: (value: R) => void (deferred.delete(ask), ask.answer(value)),
      reject: (error: unknown) => void (deferred.delete(ask), ask.fail(error)),
    };
  }

  // --- Context: lifecycle ---

  spawn<T, A = unknown, R = unknown>(definition: Spawnable<T, A, R>, options?: SpawnOptions<A>): Addr<T, DeclaredReply<R>> {
    this.assertAlive('spawn');
    return this.engine._spawn(definition, options, this, null) as Addr<T, DeclaredReply<R>>;
  }

  // A killed actor's async code may still be running: nothing it does reaches anyone.

  stop(target?: AnyAddr, reason?: ExitReason): void {
    if (this.status === S_DEAD) return;
    this.engine.stop(target ?? this.self, reason);
  }

  kill(target: AnyAddr): void {
    if (this.status === S_DEAD) return;
    this.engine.kill(target);
  }

  exit(target: AnyAddr, reason: ExitReason): void {
    if (this.status === S_DEAD) return;
    this.engine._exitSignal(target, reason, this);
  }

  link(target: AnyAddr): void {
    this.assertAlive('link');
    this.engine._link(this, target);
  }

  unlink(target: AnyAddr): void {
    if (this.status === S_DEAD) return;
    this.engine._unlink(this, target);
  }

  monitor(target: AnyAddr): MonitorRef {
    this.assertAlive('monitor');
    return this.engine._monitor(this, target);
  }

  demonitor(ref: MonitorRef): void {
    this.engine._demonitor(this, ref);
  }

  trapExits(enabled: boolean): void {
    this.flags = enabled ? this.flags | F_TRAP : this.flags & ~F_TRAP;
  }

  // --- Context: timers, topics, registry ---

  sendAfter<T>(to: Addr<T>, message: T, delayMs: number): TimerRef {
    this.assertAlive('sendAfter');
    return this.engine._sendLater(to, message, delayMs, 0, this);
  }

  sendEvery<T>(to: Addr<T>, message: T, intervalMs: number): TimerRef {
    this.assertAlive('sendEvery');
    return this.engine._sendEvery(to, message, intervalMs, this);
  }

  cancelTimer(ref: TimerRef): boolean {
    if (this.status === S_DEAD) return false;
    return this.engine.cancelTimer(ref);
  }

  subscribe(topic: string): void {
    this.assertAlive('subscribe');
    this.engine._topics.subscribe(topic, this);
  }

  unsubscribe(topic: string): void {
    this.engine._topics.unsubscribe(topic, this);
  }

  publish(topic: string, message: unknown): number {
    if (this.status === S_DEAD) return 0;
    return this.engine.publish(topic, message);
  }

  register(name: string): void {
    this.assertAlive('register');
    this.engine.registry.register(name, this.self);
  }

  unregister(name: string): void {
    this.engine.registry.unregister(name, this.self);
  }

  whereis<T = unknown, R = unknown>(name: string): Addr<T, R> | undefined {
    return this.engine.registry.whereis<T, R>(name);
  }

  registerPath(path: string): void {
    this.assertAlive('registerPath');
    this.engine.registry.registerPath(path, this.self);
  }

  whereisPath<T = unknown, R = unknown>(path: string): Addr<T, R> | undefined {
    return this.engine.registry.whereisPath<T, R>(path);
  }

  become(next: Behavior<any>): void {
    this.assertAlive('become');
    this.engine._installBehavior(this, next);
  }

  now(): number {
    return this.engine.reactor.now();
  }

  random(): number {
    return this.engine._userRandom.next();
  }

  // --- Context: pull actors ---

  receive<T = unknown>(options?: ReceiveOptions<T>): Promise<T> {
    if ((this.flags & F_PULL) === 0) {
      return Promise.reject(new PdError('receive/invalid', `receive() is for pull actors (with run()); ${this.path} is a push actor: handle messages in receive(message, ctx)`));
    }
    if (this.status >= S_STOPPING) {
      // An exiting actor's run() is abandoned; a closed client's caller is told.
      return this.kind === CLIENT_KIND ? Promise.reject(this.closedError()) : new Promise<T>(() => {});
    }
    const x = this.extras();
    if (x.waiter !== null) return Promise.reject(new PdError('receive/invalid', `${this.path} is already waiting in receive()`));
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      return Promise.reject(new PdError('arg/invalid', `receive timeoutMs must be a non-negative number, got ${String(timeoutMs)}`));
    }
    const match = options?.match as ((m: unknown) => boolean) | undefined;
    if ((this.flags & F_SIGNALS) !== 0) {
      this.processSystem();
      if (this.status >= S_STOPPING) return new Promise<T>(() => {});
    }
    const box = this.box;
    if (box !== null && box.size > 0) {
      const now = this.engine.reactor.now();
      while (box.size > 0) {
        let message: unknown;
        let meta: MessageMeta | null;
        if (match === undefined) {
          const slot = box.takeSlot();
          meta = slotMeta(slot);
          message = messageIn(slot, meta);
        } else {
          const r = box.takeMatching(match);
          if (!r.found) break;
          message = r.message;
          meta = r.meta;
        }
        if (meta !== null && meta.deadline <= now) {
          this.engine._expired(this, message, meta);
          continue;
        }
        box.current = meta;
        this.handled++;
        // Through the engine: a pull loop fed from its own mailbox must still yield to I/O.
        return new Promise<T>((resolve) => this.engine._resumePull(() => resolve(message as T)));
      }
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: ReceiveWaiter = { match, resolve: resolve as (m: unknown) => void, reject, timer: null };
      if (timeoutMs !== undefined) {
        waiter.timer = this.engine._timers.schedule(timeoutMs, 0, () => {
          if (x.waiter !== waiter) return;
          x.waiter = null;
          reject(new PdError('receive/timeout', `no matching message for ${this.path} within ${timeoutMs} ms`));
        });
      }
      x.waiter = waiter;
    });
  }

  // --- boundary: called by the engine and scheduler ---

  /**
   * @internal Queue a user message sent without options (`meta`: a request's, or null for a
   * plain send). The engine has checked liveness. The common case — a push actor with a
   * plain mailbox (no bound, no priority lane in use), no message probe — is one read of the
   * flags word and a lane push; everything else goes through {@link enqueue}.
   */
  enqueuePlain(message: unknown, meta: MessageMeta | null): SendResult {
    const flags = this.flags;
    const q = this.q;
    let held = 0;
    if ((flags & (F_PULL | F_ONE)) !== 0 || this.engine._probe !== null) return this.enqueue(message, meta, undefined);
    if (q === null && meta === null) {
      // Nothing queued and no mailbox: a plain message waits in the cell itself.
      this.q = message;
      held = F_ONE;
    } else if (q !== null && (q as Mailbox).plain) {
      (q as Mailbox).pushPlain(meta === null ? message : MessageMeta.hold(meta, message));
    } else {
      return this.enqueue(message, meta, undefined);
    }
    // No code ran since the flags were read: not queued and not suspended, one word.
    if ((flags & F_QUEUED) === 0 && (flags & ~FLAG_BITS) !== SUSPENDED_BITS) {
      this.flags = flags | held | F_QUEUED;
      this.engine._scheduleQueued(this);
    } else {
      this.flags = flags | held;
    }
    return 'queued';
  }

  /** @internal Queue a user message, honouring the bound. The engine has checked liveness. */
  enqueue(message: unknown, meta: MessageMeta | null, options: SendOptions | undefined): SendResult {
    const flags = this.flags;
    // Only a pull actor waits in receive(): one bit of the flags word, not a walk into the extras.
    if ((flags & F_PULL) !== 0) {
      const x = this.x;
      if (x !== null && x.waiter !== null && this.offerToWaiter(x, message, meta)) return 'queued';
    }
    const engine = this.engine;
    const probe = engine._probe;
    // Shown to the probe only when it times this one or may trace it: the rest cost a decrement, no call.
    if (probe !== null && (--probe.countdown === 0 || probe.watch)) meta = probe.queued(this.kind, meta);
    let box = this.box;
    if (box === null) box = this.box = new Mailbox();
    else if (box.bounded && (box.size >= box.capacity || box.hasWaiters)) {
      const overflow = engine._overflow(this, box, message, meta);
      if (overflow !== 'queued') return overflow;
    }
    box.push(message, meta, options === undefined ? undefined : options.priority);
    // Read again: the overflow policy may have run code. Not queued and not suspended: one word.
    const now = this.flags;
    if ((now & F_QUEUED) === 0 && (now & ~FLAG_BITS) !== SUSPENDED_BITS) engine._schedule(this);
    return 'queued';
  }

  /** @internal A message from the runtime itself (ExitSignal, Down): ignores the bound. */
  deliverSystemMessage(message: unknown): void {
    if (this.status === S_DEAD) return;
    const x = this.x;
    if (x !== null && x.waiter !== null && this.offerToWaiter(x, message, null)) return;
    // The normal lane: a Down or ExitSignal must not overtake what its sender sent before (per-pair FIFO).
    (this.box ??= new Mailbox()).push(message, null, undefined);
    if ((this.flags & F_QUEUED) === 0 && this.status !== S_SUSPENDED) this.engine._schedule(this);
  }

  /** @internal Put a signal in the system lane. */
  signal(sig: SysSignal): void {
    const x = this.extras();
    (x.sys ??= new Deque<SysSignal>(4)).push(sig);
    this.flags |= F_SIGNALS;
    if (x.waiter !== null) {
      this.processSystem();
      return;
    }
    if ((this.flags & F_QUEUED) === 0 && this.status !== S_SUSPENDED) this.engine._schedule(this);
  }

  /** @internal One scheduling turn: system lane, then up to `budget` user messages. */
  runTurn(): void {
    // Kept small (under V8's inlining limit, so the drain loop can inline it); everything
    // unusual is a call out of line.
    const flags = (this.flags &= ~F_QUEUED);
    // One guard for every unusual state (starting, suspended, exiting, system signals
    // waiting): the status bits and one flag bit of the same word.
    if ((flags & TURN_BITS) !== RUNNING_BITS) {
      if (!this.unusualTurn()) return;
    }
    const behavior = this.behavior as Behavior;
    let budget = this.x === null ? this.engine._budget : this.budgetOf();
    // The message the cell holds itself (the common turn: no mailbox). What the handler sends
    // to this actor meanwhile is handled in the same turn, as from a mailbox.
    while ((this.flags & F_ONE) !== 0) {
      if (budget-- === 0) {
        this.engine._schedule(this);
        return;
      }
      const message = this.q;
      this.q = null;
      this.flags &= ~F_ONE;
      let result: unknown;
      try {
        // A getter of `receive` that throws is the handler failing, as any throw in here.
        result = behavior.receive(message, this);
      } catch (error) {
        this.crash(error, 'receive');
        this.engine._flushSignals();
        return;
      }
      if (this.afterHandler(result, null, behavior)) return;
    }
    // A mailbox (the flag is clear here: the field holds a mailbox or nothing): out of line.
    if (this.q !== null) this.turnFromMailbox(behavior, budget);
  }

  /** The rest of a turn, from the mailbox: up to `budget` messages. */
  private turnFromMailbox(behavior: Behavior, budget: number): void {
    const box = this.q as Mailbox;
    if (box.size === 0) return;
    const engine = this.engine;
    const probe = engine._probe;
    // The handler, read once per behaviour: a runtime of many actor kinds would otherwise
    // pay a megamorphic property load per message (become and swap change the behaviour).
    let receive = box.receiver === behavior ? (box.receive as Behavior['receive']) : null;
    do {
      if (budget-- === 0) {
        engine._schedule(this);
        return;
      }
      const slot = box.takeSlot();
      const meta = slotMeta(slot);
      const message = messageIn(slot, meta);
      if (meta !== null && meta.deadline !== Infinity && this.expired(message, meta)) continue;
      box.current = meta;
      let result: unknown;
      try {
        if (receive === null) receive = this.readReceive(box, behavior);
        // Observed when the probe timed or traced this message at queueing (then it has a meta).
        result = probe === null || meta === null ? receive.call(behavior, message, this) : this.observed(probe, behavior, message, meta);
      } catch (error) {
        this.crash(error, 'receive');
        engine._flushSignals();
        return;
      }
      if (this.afterHandler(result, meta, behavior)) return;
    } while (box.size > 0);
  }

  /** After a handler returned `result`: true when the turn must end (suspended on a promise, exiting, swapped, or signals waiting; then re-queued if still running). */
  private afterHandler(result: unknown, meta: MessageMeta | null, behavior: Behavior): boolean {
    this.handled++;
    // A promise (an async handler) or an ask to answer: off the common path.
    if ((result !== undefined || meta !== null) && this.settle(result, meta)) return true;
    const engine = this.engine;
    if (engine._signalsPending) engine._flushSignals();
    // The handler may have ended this actor (a failed become, a stop of itself), or a swap
    // or stop arrived: either way the next message waits for a fresh turn.
    return ((this.flags & TURN_BITS) !== RUNNING_BITS || this.behavior !== behavior) && this.interrupted(behavior);
  }

  /** The handler of `behavior`, kept in the mailbox until the behaviour changes (read inside the turn's try: a getter that throws is the handler failing). */
  private readReceive(box: Mailbox, behavior: Behavior): Behavior['receive'] {
    const receive = behavior.receive;
    box.receive = receive;
    box.receiver = behavior;
    return receive;
  }

  /** Messages per turn for an actor with extras (its own budget, or the engine's). */
  private budgetOf(): number {
    const own = this.x!.budget;
    return own === 0 ? this.engine._budget : own;
  }

  /** True (and the message dropped, counted) when `meta`'s deadline has passed. */
  private expired(message: unknown, meta: MessageMeta): boolean {
    if (meta.deadline > this.engine.reactor.now()) return false;
    this.engine._expired(this, message, meta);
    return true;
  }

  /** The handler call for a message that carries a meta: through the probe when it timed or traced it. */
  private observed(probe: MessageProbe, behavior: Behavior, message: unknown, meta: MessageMeta): unknown {
    return meta.queuedAt < 0 && meta.trace === null ? behavior.receive(message, this) : probe.handle(this.kind, behavior, message, this, meta);
  }

  /** After a message: true when the turn must end (exiting, swapped, or signals waiting; then re-queued if still running). */
  private interrupted(behavior: Behavior): boolean {
    if (this.status !== S_RUNNING) return true;
    if (this.behavior === behavior && (this.flags & F_SIGNALS) === 0) return false;
    this.engine._schedule(this);
    return true;
  }

  /**
   * The start of a turn that is not the plain case: a first turn, a suspended or exiting
   * actor, or system signals to handle. True when the turn goes on to the user messages.
   */
  private unusualTurn(): boolean {
    if (this.status === S_STARTING) {
      this.start();
      return false;
    }
    if (this.status !== S_RUNNING) return false;
    this.processSystem();
    if (this.status !== S_RUNNING) {
      // A stop may have finished the exit inside this turn: deliver the exit signals it
      // raised for linked actors now, not whenever something else flushes.
      this.engine._flushSignals();
      return false;
    }
    return true;
  }

  /**
   * After a handler that returned something or had a meta: suspend on a promise (true: the
   * turn ends), else answer the ask with the result. Leaves `current` null unless suspended.
   */
  private settle(result: unknown, meta: MessageMeta | null): boolean {
    if (result !== undefined) {
      const pending = toPromise(result);
      if (pending !== null) {
        this.suspend(pending, meta);
        this.engine._flushSignals();
        return true;
      }
    }
    if (meta !== null && meta.ask !== null) {
      const ask = meta.ask;
      meta.ask = null;
      ask.answer(result);
    }
    this.current = null;
    return false;
  }

  /** @internal Begin exiting with `reason`. Brutal: no hooks, children killed, done now. */
  terminate(reason: ExitReason, brutal: boolean): void {
    if (this.status === S_DEAD) return;
    const x = this.extras();
    if (this.status === S_STOPPING) {
      if (brutal) {
        x.exitReason = reason.type === 'killed' ? reason : x.exitReason ?? reason;
        // Killed while waiting for its children: no stop hook runs when the last one goes.
        this.flags |= F_HOOK;
        x.pendingChildren = 0;
        this.killChildren();
        this.finalize();
      }
      return;
    }
    this.status = S_STOPPING;
    x.exitReason = reason;
    const waiter = x.waiter;
    if (waiter !== null) {
      x.waiter = null;
      if (waiter.timer !== null) this.engine._timers.cancel(waiter.timer);
      // Code outside the engine awaits a client's receive(): reject it rather than leave it
      // hanging. (A pull actor's run() is abandoned instead, so no code of it runs on.)
      if (this.kind === CLIENT_KIND) waiter.reject(this.closedError());
    }
    if (brutal) {
      this.killChildren();
      this.finalize();
      return;
    }
    const children = this.children;
    if (children !== null && children.size > 0) {
      x.pendingChildren = children.size;
      if (x.childShutdown !== null) {
        x.childShutdown.start(reason);
        return;
      }
      const parentReason = Exit.shutdown('parent-exiting');
      for (const child of [...children].reverse()) this.engine._requestStop(child, parentReason);
      return;
    }
    this.runStopHook();
  }

  /** @internal A child finished exiting; when the last one has, this actor's exit continues. */
  childGone(child: ActorCell): void {
    this.children?.delete(child);
    if (this.status !== S_STOPPING || (this.flags & F_HOOK) !== 0) return;
    const x = this.x!;
    x.childShutdown?.gone(child);
    if (x.pendingChildren > 0 && --x.pendingChildren === 0) this.runStopHook();
  }

  // --- internal ---

  private closedError(): PdError {
    const reason = this.x?.exitReason;
    return new PdError('actor/invalid-state', `receive: the client ${this.path} is closed${reason ? ` (${reason.type})` : ''}`);
  }

  private assertAlive(operation: string): void {
    if (this.status === S_DEAD) {
      throw new PdError('actor/invalid-state', `${operation}: ${this.path} has exited; its context is no longer valid`);
    }
  }

  private offerToWaiter(x: CellExtras, message: unknown, meta: MessageMeta | null): boolean {
    const waiter = x.waiter!;
    if (waiter.match !== undefined) {
      let ok: boolean;
      try {
        ok = waiter.match(message);
      } catch (error) {
        x.waiter = null;
        if (waiter.timer !== null) this.engine._timers.cancel(waiter.timer);
        waiter.reject(error);
        return false;
      }
      if (!ok) return false;
    }
    x.waiter = null;
    if (waiter.timer !== null) this.engine._timers.cancel(waiter.timer);
    // The meta lives in the mailbox: a pull actor fed only through receive() gets one now.
    const box = (this.box ??= new Mailbox());
    box.current = meta;
    this.handled++;
    // Through the engine: pull actors handing messages to each other must still yield to I/O.
    this.engine._resumePull(() => waiter.resolve(message));
    return true;
  }

  private start(): void {
    const behavior = this.behavior!;
    const x = this.x;
    this.status = S_SUSPENDED;
    if (x !== null && x.startFailure !== null) {
      this.crash(x.startFailure.error, 'create');
      this.engine._flushSignals();
      return;
    }
    let result: unknown;
    try {
      if (x !== null && x.exitReason !== null && behavior.restarting !== undefined) {
        const previous = x.exitReason;
        x.exitReason = null;
        result = behavior.restarting(previous, this);
        const pending = toPromise(result);
        if (pending !== null) {
          pending.then(() => this.afterRestarting(), (e) => this.crash(e, 'restarting'));
          return;
        }
      }
      if (x !== null) x.exitReason = null;
      this.afterRestarting();
    } catch (error) {
      this.crash(error, 'restarting');
    }
    this.engine._flushSignals();
  }

  private afterRestarting(): void {
    if (this.status === S_DEAD) return;
    const behavior = this.behavior!;
    let result: unknown;
    try {
      result = behavior.started?.(this);
    } catch (error) {
      this.crash(error, 'started');
      return;
    }
    const pending = toPromise(result);
    if (pending !== null) {
      pending.then(() => this.afterStarted(), (e) => this.crash(e, 'started'));
    } else {
      this.afterStarted();
    }
  }

  private afterStarted(): void {
    if (this.status !== S_SUSPENDED) return;
    if ((this.flags & F_PULL) !== 0) {
      let run: Promise<unknown>;
      this.ready();
      try {
        run = (this.behavior as PullBehavior).run(this);
      } catch (error) {
        this.crash(error, 'run');
        return;
      }
      Promise.resolve(run).then(
        () => {
          if (this.status >= S_STOPPING) return;
          // run() is over, so no receive() will ever look at the system lane again: queue
          // the normal stop behind any earlier stop request and handle the lane now.
          this.engine._requestStop(this, Exit.normal);
          this.processSystem();
          this.engine._flushSignals();
        },
        (e) => this.crash(e, 'run'),
      );
      if ((this.flags & F_SIGNALS) !== 0 && this.x?.waiter != null) this.processSystem();
      return;
    }
    this.status = S_RUNNING;
    if (this.queuedCount > 0 || (this.flags & F_SIGNALS) !== 0) this.engine._schedule(this);
    this.ready();
  }

  private ready(): void {
    const x = this.x;
    if (x === null || x.onReady === null) return;
    const onReady = x.onReady;
    x.onReady = null;
    onReady();
  }

  private suspend(pending: Promise<unknown>, meta: MessageMeta | null): void {
    this.status = S_SUSPENDED;
    pending.then(
      (value) => {
        if (this.status !== S_SUSPENDED) return;
        if (meta !== null && meta.ask !== null) {
          const ask = meta.ask;
          meta.ask = null;
          ask.answer(value);
        }
        this.current = null;
        this.status = S_RUNNING;
        if (this.queuedCount > 0 || (this.flags & F_SIGNALS) !== 0) this.engine._schedule(this);
      },
      (error) => {
        if (this.status !== S_SUSPENDED) return;
        this.crash(error, 'receive');
        this.engine._flushSignals();
      },
    );
  }

  /**
   * @internal Building the behaviour threw: crash on the first turn rather than inside
   * `spawn`, so whoever links or monitors right after spawning sees the real error.
   */
  failAtStart(error: unknown): void {
    this.extras().startFailure = { error };
    if (this.status === S_RUNNING) {
      this.status = S_STARTING;
      if ((this.flags & F_QUEUED) === 0) this.engine._schedule(this);
    }
  }

  /** @internal A handler or hook threw: exit with an error reason (graceful: the stop hook runs). */
  crash(error: unknown, phase: string): void {
    if (this.status >= S_STOPPING) return;
    if (this.status === S_SUSPENDED) this.status = S_RUNNING;
    const meta = this.current;
    this.current = null;
    if (meta !== null && meta.ask !== null) {
      // The asker learns now, not at its timeout, and learns why.
      meta.ask.failWith('ask/target-exited', `${this.path} crashed while handling the request: ${describeError(error)}`, { phase });
      meta.ask = null;
    }
    this.engine._crashed(this, error, phase);
    this.terminate(Exit.error(error, { phase, path: this.path, kind: this.kind }), false);
  }

  /** @internal Handle the system lane: stop requests and swaps, in arrival order. */
  processSystem(): void {
    const sys = this.x?.sys;
    if (sys == null) return;
    while (sys.length > 0 && this.status < S_STOPPING) {
      const sig = sys.shift()!;
      if (sig.kind === SysKind.Stop) this.terminate(sig.reason!, false);
      else this.engine._installBehavior(this, sig.behavior!, sig.kindName);
    }
    if (sys.length === 0) this.flags &= ~F_SIGNALS;
  }

  /** @internal The exit is done: the system lane goes with the rest of the state. */
  dropSignals(): void {
    if (this.x !== null) this.x.sys = null;
    this.flags &= ~F_SIGNALS;
  }

  private killChildren(): void {
    const children = this.children;
    if (children === null) return;
    const reason = Exit.shutdown('parent-killed');
    for (const child of [...children].reverse()) child.terminate(reason, true);
  }

  private runStopHook(): void {
    const behavior = this.behavior;
    const x = this.x!;
    if (behavior === null || behavior.stopping === undefined) {
      this.finalize();
      return;
    }
    this.flags |= F_HOOK;
    let result: unknown;
    try {
      result = behavior.stopping(x.exitReason!, this);
    } catch (error) {
      this.engine._crashed(this, error, 'stopping');
      this.finalize();
      return;
    }
    const pending = toPromise(result);
    if (pending !== null) {
      pending.then(() => this.finalize(), (error) => {
        this.engine._crashed(this, error, 'stopping');
        this.finalize();
      });
    } else {
      this.finalize();
    }
  }

  /** Everything an exit implies, exactly once. */
  private finalize(): void {
    if (this.status === S_DEAD) return;
    this.status = S_DEAD;
    this.engine._finalize(this, this.x!.exitReason ?? Exit.normal);
  }
}

/** A one-line description of anything thrown; never throws itself. */
function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * A native promise for `value` when it is a thenable, else null. Never throws: a `then`
 * getter that throws gives a rejected promise, and a thenable that calls back twice (or
 * throws from `then`) is tamed by `Promise.resolve`, so user code cannot break a turn.
 */
function toPromise(value: unknown): Promise<unknown> | null {
  if (value instanceof Promise && value.constructor === Promise) return value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return null;
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (error) {
    return Promise.reject(error);
  }
  return typeof then === 'function' ? Promise.resolve(value) : null;
}
