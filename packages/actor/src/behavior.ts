/**
 * Actor definitions and the context an actor acts through.
 *
 * An actor is defined one of four ways, all ending in a {@link Behavior} (push: one
 * `receive` call per message) or a {@link PullBehavior} (pull: an async `run` that asks for
 * messages with `ctx.receive`):
 * - a class extending {@link Actor} (or any class whose instances are behaviours);
 * - a named {@link Kind}: a name plus a factory from serializable arguments. Kinds are what
 *   may be spawned on another core or node, and what supervisors restart;
 * - a kind's name, looked up in the engine's kind registry;
 * - an inline behaviour object: a convenience for actors that stay where they are.
 *
 * The runtime calls one hook at a time per actor (invariant 6), catches every throw and
 * rejection, and turns it into an exit reason (invariant 8). Nothing here does I/O.
 */
import type { Addr, AnyAddr } from './addr.js';
import type { ExitReason } from './exit.js';
import type { MonitorRef, TimerRef } from './signals.js';
import { brandAcrossCopies } from './brand.js';

/** Message priority lane; `high` is served before `normal`, `normal` before `low`. */
export type Priority = 'high' | 'normal' | 'low';

/** What happened to a message handed to `send`. Never thrown: returned. */
export type SendResult =
  /** Queued in the target's mailbox (or handed to the transport for a remote target). */
  | 'queued'
  /** The mailbox was full and its policy (`drop-newest`) dropped this message. */
  | 'dropped'
  /** The mailbox was full and its policy (`reject`, or `backpressure` for a plain send) refused it. */
  | 'rejected'
  /** The target is dead or unknown; the message became a dead letter. */
  | 'dead';

export interface SendOptions {
  /** Mailbox lane; default `normal`. */
  readonly priority?: Priority;
  /** Drop the message (counted as expired) if it has not been handled within this many ms. */
  readonly ttlMs?: number;
}

export interface AskOptions {
  /** Reject with `ask/timeout` after this many ms; default 5000. Must be positive. */
  readonly timeoutMs?: number;
  readonly priority?: Priority;
}

export interface ReceiveOptions<T> {
  /** Reject with `receive/timeout` after this many ms; default: wait forever. */
  readonly timeoutMs?: number;
  /** Selective receive: take the oldest message for which this returns true; others wait. */
  readonly match?: (message: unknown) => message is T;
}

/** What happens when a bounded mailbox is full. */
export type OverflowPolicy =
  /** Refuse the new message; `send` returns `dropped`. */
  | 'drop-newest'
  /** Evict the oldest queued message to make room; `send` returns `queued` (the evicted one is a dead letter). */
  | 'drop-oldest'
  /** Refuse the new message; `send` returns `rejected`, `ask` rejects with `ask/rejected`. */
  | 'reject'
  /** `sendWait` waits for room; a plain `send` is refused with `rejected`. */
  | 'backpressure';

export interface MailboxOptions {
  /** Maximum queued user messages; unbounded when absent. A positive integer. */
  readonly capacity?: number;
  /** Default `drop-newest`. */
  readonly overflow?: OverflowPolicy;
  /**
   * With `backpressure`: how many `sendWait` callers may wait for room at once. One more
   * does not wait: its `sendWait` resolves `'rejected'` at once (dead letter `rejected`), as
   * a plain send to the full mailbox would. An integer >= 0; default 10 000
   * (`MAILBOX_DEFAULTS.maxWaiters` in @pd/runtime). 0: `sendWait` never waits.
   */
  readonly maxWaiters?: number;
}

/**
 * What an ask resolves to, given the reply type `D` its address declares and the reply type
 * `R` the caller states (an explicit type argument, or the type the result is assigned to):
 * - an address that declares none (`D` is `unknown`): `R`, a claim nothing checks (as
 *   before reply types existed);
 * - no stated type (`R` is `unknown`): `D`;
 * - a stated type narrower than `D` (a `number` from a `number | undefined` answer): `R`;
 * - a stated type `D` does not cover: `D`, so assigning the result to it fails to compile.
 *
 * So `const s: string = await engine.ask(counter, …)` is a compile error when `counter` is
 * an `Addr<M, number>`.
 */
export type AskReply<R, D> =
  [unknown] extends [D] ? R : [unknown] extends [R] ? D : [R] extends [D] ? R : D;

/**
 * The reply type an address gets from the reply type `R` inferred from a behaviour's
 * `receive`: `R` itself, except that a `receive` that answers nothing by returning (it
 * returns `void` or `undefined`, it answers through `ctx.reply`/`deferReply`, or it is typed
 * `any`) declares no reply type: `unknown`.
 */
export type DeclaredReply<R> = [R] extends [void] ? unknown : R;

/** A reply promised for later: `deferReply()` returns one; answer it once. */
export interface ReplyHandle<R = unknown> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** Options for spawning an actor. */
export interface SpawnOptions<A = unknown> {
  /** Arguments for a class constructor or a kind factory. */
  readonly args?: A;
  /** Path segment under the parent (default `$<id>`); unique among live siblings. */
  readonly name?: string;
  /** Register this unique name in the engine registry for the actor's lifetime. */
  readonly register?: string;
  /** Mailbox bound and overflow policy. */
  readonly mailbox?: MailboxOptions;
  /** Link the new actor to the spawner (spawn_link). Only from inside an actor. */
  readonly link?: boolean;
  /** Turn incoming exit signals into {@link ExitSignal} messages from the start. */
  readonly trapExits?: boolean;
  /** Messages handled per scheduling turn before the actor yields (its reduction budget). */
  readonly budget?: number;
  /** How long its stop hook may run when asked to stop before it is killed; default 5000 ms. */
  readonly stopTimeoutMs?: number;
  /**
   * Multi-core engines: which core runs the actor (default: the engine's placement policy,
   * itself `local` unless configured). Only named kinds can run on another core. Ignored in
   * single-core mode, except `{ node }` and `{ nodes }`: which node of a federation runs it
   * (see {@link Placement}).
   */
  readonly placement?: Placement;
}

/**
 * Where a new actor runs. On a multi-core engine, which core:
 * - `'local'`: the spawner's core (zero-copy messaging with it);
 * - `'any'`: the next live core, round robin ("spawn by kind on any core");
 * - `'hash'`: the core chosen by a hash of the actor's path (needs a `name`), so a path
 *   always lands on the same core;
 * - `{ core }`: that core; `{ hash }`: the core chosen by a hash of any key (an entity id);
 * - `{ near }`: the core of another actor (co-location).
 *
 * On an engine that is a node of a federation, which node (any mode):
 * - `{ node }`: the node of that id (this node's own id: here, as if no placement was given);
 * - `{ nodes }`: the first of these nodes this one is not cut off from now (itself, or a
 *   peer whose connection is not down), else the first of the list: a restart after
 *   `noconnection` lands on the next one.
 *
 * A child placed on another node runs there; here, a stand-in (kind `RemoteChild`) takes its
 * place among the parent's children and mirrors it (docs/federation.md, "Children on other
 * nodes"). Only a named kind can be placed on a node; an engine with no federation attached
 * refuses the spawn with `spawn/no-federation`.
 */
export type Placement =
  | 'local'
  | 'any'
  | 'hash'
  | { readonly core: number }
  | { readonly hash: string }
  | { readonly near: AnyAddr }
  | { readonly node: string }
  | { readonly nodes: readonly string[] };

/** Stable information about the running actor. */
export interface SelfInfo {
  readonly path: string;
  readonly kind: string;
  readonly restarts: number;
}

/**
 * The capabilities of a running actor. Every method is safe to call from a handler; the
 * context is valid until the actor exits.
 */
export interface Context<M = unknown> {
  /** This actor's address. */
  readonly self: Addr<M>;
  /** This actor's hierarchical path, e.g. `/user/orders/$7`. */
  readonly path: string;
  /** The parent's address, or null for a top-level actor. */
  readonly parent: AnyAddr | null;

  /**
   * Send a message; returns what happened to it, and never throws for a dead or unknown
   * target. Throws `SendError`: `send/not-an-address` for a target that is not an address;
   * to an actor on another core or node, `send/not-serializable` (naming the value) or
   * `send/too-large` for a message that cannot cross. A getter of such a message runs while
   * it is checked, and what it throws propagates. Throws `ArgumentError` for bad options (an
   * unknown priority, a `ttlMs` that is not a positive number).
   */
  send<T>(to: Addr<T>, message: T, options?: SendOptions): SendResult;
  /** Send, waiting for room in a `backpressure` mailbox. */
  sendWait<T>(to: Addr<T>, message: T, options?: SendOptions): Promise<SendResult>;
  /**
   * Request-response: resolves with the reply, rejects with an {@link AskError}. The reply's
   * type is the one `to` declares (`Addr<T, D>`), or a narrower one stated as the second type
   * argument or by the variable it is assigned to; see {@link AskReply}.
   */
  ask<T, R = unknown, D = unknown>(to: Addr<T, D>, message: T, options?: AskOptions): Promise<AskReply<R, D>>;
  /** Reply to the message being handled, if it came from `ask`. Returns false otherwise. */
  reply(value: unknown): boolean;
  /** Take the reply duty of the current ask, to answer later. Null if it was not an ask. */
  deferReply<R = unknown>(): ReplyHandle<R> | null;

  /** Spawn a child: it stops when this actor stops. Its address declares the reply type of the definition (see {@link DeclaredReply}). */
  spawn<T, A = unknown, R = unknown>(definition: Spawnable<T, A, R>, options?: SpawnOptions<A>): Addr<T, DeclaredReply<R>>;
  /** Ask `target` (default: this actor) to stop after its current message, with `reason` (default normal). */
  stop(target?: AnyAddr, reason?: ExitReason): void;
  /** Kill `target` at once: untrappable, no stop hook. */
  kill(target: AnyAddr): void;
  /** Send an exit signal, as Erlang's `exit/2`: trappable unless the reason is `killed`. */
  exit(target: AnyAddr, reason: ExitReason): void;

  /** Link both ways: when either exits abnormally, the other does too (or gets an ExitSignal). */
  link(target: AnyAddr): void;
  unlink(target: AnyAddr): void;
  /** Watch `target`: a {@link Down} arrives when it exits (at once, `noproc`, if already dead). */
  monitor(target: AnyAddr): MonitorRef;
  demonitor(ref: MonitorRef): void;
  /** Turn exit signals from links into {@link ExitSignal} messages (except `kill`). */
  trapExits(enabled: boolean): void;

  /** Deliver `message` to `to` after `delayMs`. Cancelled when this actor exits. */
  sendAfter<T>(to: Addr<T>, message: T, delayMs: number): TimerRef;
  /** Deliver `message` to `to` every `intervalMs`. Cancelled when this actor exits. */
  sendEvery<T>(to: Addr<T>, message: T, intervalMs: number): TimerRef;
  /** Cancel a timer; returns false if it had already fired (one-shot) or was cancelled. */
  cancelTimer(ref: TimerRef): boolean;

  /** Receive messages published to `topic` until unsubscribed or exited. */
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Deliver to every subscriber of `topic`; returns how many got it. */
  publish(topic: string, message: unknown): number;

  /** Register a unique name for this actor; a taken name is an error. */
  register(name: string): void;
  unregister(name: string): void;
  /** The actor registered as `name`. `T` and `R` are claims nothing checks: state them next to the kind. */
  whereis<T = unknown, R = unknown>(name: string): Addr<T, R> | undefined;
  /** Bind a path in the path registry (e.g. `/svc/payment/processor`) to this actor. */
  registerPath(path: string): void;
  whereisPath<T = unknown, R = unknown>(path: string): Addr<T, R> | undefined;

  /** Replace this actor's behaviour from the next message on (hot swap). */
  become(next: Behavior<M>): void;

  /** Pull actors only: the next (matching) message. */
  receive<T = M>(options?: ReceiveOptions<T>): Promise<T>;

  /** The engine clock in ms (virtual time under simulation). */
  now(): number;
  /** A uniform random number in [0, 1) from the engine's seeded stream for user code. */
  random(): number;
  readonly info: SelfInfo;
}

/**
 * A push actor: the runtime calls `receive` once per message.
 *
 * @typeParam R - What `receive` answers an ask with. Inferred from what it returns (or its
 *   promise resolves to) when a behaviour is spawned or passed to `defineKind` without
 *   explicit type arguments; the address then carries it. A `receive` that answers through
 *   `ctx.reply` or `deferReply` returns nothing, so `R` cannot be inferred: state it as a
 *   type argument (`defineKind<M, A, R>(…)`).
 */
export interface Behavior<M = unknown, R = unknown> {
  /** Called once before the first message. Throwing ends the actor with an error exit. */
  started?(ctx: Context<M>): void | Promise<void>;
  /**
   * Handle one message. For an ask, the returned (or resolved) value is the reply unless
   * `ctx.reply` ran. Returning nothing (`void`) is always allowed: a message that is not an
   * ask, or one answered through `ctx.reply`/`deferReply`.
   *
   * The runtime may look `receive` up once and keep it until the behaviour changes: change
   * what handles messages with `ctx.become` (or a swap), not by assigning to `receive`, which
   * takes effect at no defined message.
   */
  receive(message: M, ctx: Context<M>): R | Promise<R> | void;
  /**
   * Called when the actor ends gracefully: asked to stop, returned (pull), crashed in a
   * handler, or its parent stopped. Not called when it is killed, nor when an untrapped exit
   * signal from a linked actor ends it (as in OTP). Bounded by its stop timeout.
   */
  stopping?(reason: ExitReason, ctx: Context<M>): void | Promise<void>;
  /** Called on a fresh instance that replaces a crashed one, before `started`. */
  restarting?(previous: ExitReason, ctx: Context<M>): void | Promise<void>;
  /** Hot swap: called on the new behaviour with the old one, to carry state over. */
  migrate?(previous: Behavior<M> | PullBehavior<M>): void;
}

/** A pull actor: `run` takes messages with `ctx.receive`; returning ends it normally. */
export interface PullBehavior<M = unknown> {
  started?(ctx: Context<M>): void | Promise<void>;
  run(ctx: Context<M>): Promise<unknown>;
  stopping?(reason: ExitReason, ctx: Context<M>): void | Promise<void>;
  restarting?(previous: ExitReason, ctx: Context<M>): void | Promise<void>;
}

/** A push or pull behaviour; `R` is the push behaviour's reply type (a pull actor answers through `ctx.reply`). */
export type AnyBehavior<M = any, R = unknown> = Behavior<M, R> | PullBehavior<M>;

/** Base class for push actors. State lives in fields; one instance per incarnation. */
export abstract class Actor<M = unknown> implements Behavior<M> {
  abstract receive(message: M, ctx: Context<M>): unknown;
}

/** A class whose instances are behaviours, constructed with the spawn arguments. */
export type ActorClass<M = any, A = any, R = unknown> = new (args: A) => AnyBehavior<M, R>;

/**
 * A named actor kind: the unit that can be spawned by name, restarted by a supervisor,
 * and placed on another core or node. Arguments should be serializable.
 *
 * @typeParam M - The messages its actors accept.
 * @typeParam A - The spawn arguments.
 * @typeParam R - What its actors answer an ask with (see {@link Behavior}); an address
 *   spawned from the kind carries it.
 */
export class Kind<M = any, A = any, R = unknown> {
  constructor(readonly name: string, readonly create: (args: A) => AnyBehavior<M, R>) {}
}

// A kind defined with the application's copy of @pd/actor is spawned by the runtime's.
brandAcrossCopies(Kind, 'Kind');

/**
 * Define a named kind from a factory (or a class).
 *
 * Without type arguments, all three are inferred: the messages and the reply type from the
 * behaviour's `receive`, the arguments from the factory's parameter. TypeScript infers all
 * type arguments or none, so once you write `defineKind<M, A>`, the reply type is `unknown`
 * unless you write it too: `defineKind<M, A, R>`. That is also how an actor that answers
 * through `ctx.reply` or `deferReply` declares its reply type.
 *
 * @example
 * ```ts
 * // Inferred: Kind<string, void, number>
 * const Length = defineKind('length', () => ({ receive: (s: string) => s.length }));
 * // Declared: it answers with ctx.reply, so nothing can be inferred
 * const Later = defineKind<string, void, number>('later', () => ({
 *   receive(s: string, ctx: Context<string>) { ctx.reply(s.length); },
 * }));
 * ```
 */
export function defineKind<M, A = void, R = unknown>(name: string, factory: ((args: A) => AnyBehavior<M, R>) | ActorClass<M, A, R>): Kind<M, A, R> {
  const create = isClass(factory) ? (args: A) => new factory(args) : factory as (args: A) => AnyBehavior<M, R>;
  return new Kind<M, A, R>(name, create);
}

/** Anything `spawn` accepts; `R` is the reply type its actors answer an ask with. */
export type Spawnable<M = any, A = any, R = unknown> = Kind<M, A, R> | ActorClass<M, A, R> | AnyBehavior<M, R> | string;

/** Wrap an async function as a pull actor. */
export function pull<M>(run: (ctx: Context<M>) => Promise<unknown>): PullBehavior<M> {
  return { run };
}

function isClass(fn: unknown): fn is new (...args: any[]) => any {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
