/**
 * The remote seam: how an engine reaches actors it does not host (another core of a
 * multi-core engine today, another node of a cluster later). Outbound, the engine calls
 * {@link RemoteRouter}s only on its slow paths — when an address is not one of its own —
 * so a plain local send never pays for them. Inbound, a router hands traffic to the engine
 * through the {@link RemoteHost} it was given at construction.
 *
 * Owns: the contract both sides keep, in exported types only, so a package outside
 * @pd/runtime implements a router with no casts (see docs/architecture.md, "How to write a
 * router"). Must not: import the kernel's classes; routers keep their own books (remote
 * links, monitors, pending asks). Callers guarantee that every address handed to a router
 * method is one its `reaches` accepted.
 */
import type {
  AddrIdentity, AnyAddr, AskOptions, ExitReason, MonitorRef, SendOptions, SendResult, SpawnOptions,
} from '@pd/actor';
import type { TraceContext } from '@pd/transport';
import type { DeadLetterReason } from './kernel/events.js';
import type { PathPolicy } from './path-policy.js';
import type { Reactor } from './reactor.js';

/** What a graceful shutdown did: actors that stopped in time, and actors killed at the deadline. */
export interface ShutdownReport {
  /** Actors that stopped gracefully. */
  readonly stopped: number;
  /** Actors killed at the deadline. */
  readonly killed: number;
}

/** A request awaiting its reply on the asker's engine (the engine's pending ask). */
export interface RemoteAskHandle {
  /** Unique on the asking engine: the correlation id on the wire. */
  readonly id: number;
  readonly settled: boolean;
  /** Deliver the reply; false when the ask was already settled (timed out). */
  answer(value: unknown): boolean;
  /** Reject the ask (an `AskError`, or what the remote handler rejected with). */
  fail(error: unknown): boolean;
}

/** A spawn the router carries out elsewhere: a named kind (or its name) and serializable arguments. */
export interface RemoteSpawn {
  /** What `spawn` was given; the router accepted it in `place`. */
  readonly definition: unknown;
  readonly options: SpawnOptions;
  /** The local parent (a `ctx.spawn`), or null for a top-level spawn. */
  readonly parent: AnyAddr | null;
  /** The parent's path, for the child's path on the other side. */
  readonly parentPath: string | null;
  /** A supervisor's restart of a child: its restart count and the previous exit. */
  readonly restart: RemoteRestart | null;
}

/**
 * What an engine needs from whatever connects it to actors it does not host. Every method
 * is called on a slow path only; none may throw for a dead or unreachable target (that is
 * a dead letter, a `noproc` or an exit with the router's documented reason), only for a
 * value that cannot cross (`SendError` `send/not-serializable`).
 */
export interface RemoteRouter {
  /** True when `addr` belongs to a core or node this router reaches (never a local one). */
  reaches(addr: AnyAddr): boolean;
  /**
   * Where a spawn should run: null for this engine, else a target the router accepts in
   * {@link spawn}. Throws `spawn/invalid-definition` for a closure asked to move.
   */
  place(definition: unknown, options: SpawnOptions | undefined, parent: AnyAddr | null, parentPath: string | null): number | null;
  /** Spawn on `target` (from {@link place}); the address is usable at once (messages wait for the actor). */
  spawn(target: number, spawn: RemoteSpawn): AnyAddr;
  send(to: AnyAddr, message: unknown, options: SendOptions | undefined): SendResult;
  /**
   * A send that resolves once the message is in the target's mailbox (waiting there for
   * room when it is bounded with `backpressure`), or with why it is not. Without it, the
   * engine's `sendWait` to a remote actor is a plain {@link send}.
   */
  sendWait?(to: AnyAddr, message: unknown, options: SendOptions | undefined): Promise<SendResult>;
  /** Send a request; the reply (or its failure) settles `ask` on this engine. */
  ask(to: AnyAddr, message: unknown, ask: RemoteAskHandle, options: AskOptions | undefined): SendResult;
  link(local: AnyAddr, remote: AnyAddr): void;
  unlink(local: AnyAddr, remote: AnyAddr): void;
  /** `ref` is the watcher's; the `Down` it gets carries the same ref. */
  monitor(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef): void;
  /** False when `ref` was not a monitor of a remote actor. */
  demonitor(watcher: AnyAddr, ref: MonitorRef): boolean;
  exit(target: AnyAddr, reason: ExitReason, from: AnyAddr | null): void;
  stop(target: AnyAddr, reason: ExitReason): void;
  kill(target: AnyAddr): void;
  /** Hot swap to the kind named `kind`; failures are reported where the target lives. */
  swap(target: AnyAddr, kind: string, args: unknown): void;
  /** Deliver to the subscribers elsewhere; returns how many there are (as last known). */
  publish(topic: string, message: unknown): number;
  /** A local actor exited: tell remote linkers and watchers, drop its remote books. */
  exited(local: AnyAddr, reason: ExitReason): void;
  /** Resolves when everything the router connects is up (kinds loaded, peers attached). */
  ready(): Promise<void>;
  /** Shut down everything the router connects with the same deadline; resolves with their sum. */
  shutdown(deadlineMs: number): Promise<ShutdownReport>;
  /** The local actor of a remote-minted identity this engine hosts (leased slots), if any. */
  localAt?(addr: AnyAddr): AnyAddr | undefined;
  /**
   * Present on a router that reaches the other cores of this engine (the multi-core one):
   * how the engine passes on, to an actor on another core, what another router booked or
   * received for it (a multi-core cluster node's gateway core; see {@link CoreRelay}).
   */
  readonly relay?: CoreRelay;
  /**
   * Present on a router that reaches the other cores of this engine (the multi-core one):
   * from now on, check what the engine marks as handed in by another router (see
   * {@link RemoteHost.guardOtherCores}) against `policy` on the core that hosts its target;
   * null: stop checking. The router hands `policy` to each of those cores (and to one that
   * restarts later) before any message it marks.
   */
  guard?(policy: PathPolicy | null): void;
  /**
   * Present on a router that reaches other nodes (a federation's): how a spawn placed with
   * `{ node }` or `{ nodes }` runs there. Without one, such a spawn is refused with
   * `spawn/no-federation`.
   */
  readonly nodes?: NodePlacer;
}

/**
 * Places spawns on other nodes for a local stand-in (docs/federation.md, "Children on other
 * nodes"): the engine spawns the stand-in here, among the parent's children, and asks the
 * placer to spawn the child on the node and tie the two together.
 */
export interface NodePlacer {
  /** This node's id: a placement naming it spawns here, as if no placement was given. */
  readonly self: string;
  /**
   * The node a `{ nodes }` placement picks now: the first of `nodes` this one is not cut off
   * from (itself included), else the first of the list.
   */
  pick(nodes: readonly string[]): string;
  /**
   * Spawn `spawn.kind` on `spawn.node`, linked to the local `spawn.standIn`; resolves with the
   * child's address once the node answered, rejects with the error that node raised (an
   * unknown kind, its policy) or why it could not be asked (an unknown node, a lost
   * connection). Once it resolves, the child's exit, or the loss of its node (`noconnection`),
   * calls `spawn.exited` once; the stand-in's own exit before that kills the child.
   */
  spawn(spawn: NodeSpawn): Promise<AnyAddr>;
}

/** A spawn on another node for a local stand-in (see {@link NodePlacer}). */
export interface NodeSpawn {
  readonly node: string;
  /** A registered kind's name (on that node). */
  readonly kind: string;
  /** What the child runs with: `args`, `mailbox`, `trapExits`, `budget`, `stopTimeoutMs` (no name: the stand-in has it). */
  readonly options: SpawnOptions;
  /** The stand-in here, linked to the child. */
  readonly standIn: AnyAddr;
  /** The child ended with `reason` (`noconnection`: its node was lost). */
  readonly exited: (reason: ExitReason) => void;
}

/**
 * Signals another router (the node router of a multi-core cluster node, on its gateway
 * core) hands to an actor on another core of the same engine. `remote` is an actor
 * elsewhere (another node): the target's core books the link or monitor too, so that an
 * unlink, a demonitor and the target's own exit cross back through the gateway in order
 * with its messages.
 */
export interface CoreRelay {
  /** `remote` linked itself to `local`. */
  linked(local: AnyAddr, remote: AnyAddr): void;
  /** `remote` unlinked itself from `local`. */
  unlinked(local: AnyAddr, remote: AnyAddr): void;
  /** `watcher` monitors `local` with the monitor id `refId`. */
  watched(local: AnyAddr, watcher: AnyAddr, refId: number): void;
  /** `watcher` dropped its monitor `refId` of `local`. */
  unwatched(local: AnyAddr, watcher: AnyAddr, refId: number): void;
  /** The linked actor `from` exited (or its node was lost) with `reason`: a link exit for `target`. */
  linkExit(target: AnyAddr, from: AnyAddr, reason: ExitReason): void;
  /** The actor `from` that `watcher` monitors (with `ref`) exited: its `Down`. */
  down(watcher: AnyAddr, ref: MonitorRef, from: AnyAddr, reason: ExitReason): void;
}

/** A restart a supervisor asked for: the count so far and why the previous incarnation exited. */
export interface RemoteRestart {
  readonly restarts: number;
  readonly previous: ExitReason;
}

/**
 * The inbound port of an engine: what a router may do to the actors the engine hosts. A
 * router factory receives it once, at engine construction. Nothing here throws for a dead
 * or unknown target: that is a dead letter (counted), a `false`, or a `Down` with
 * `noproc`, as documented per method.
 */
export interface RemoteHost {
  /** The engine's name (for logs). */
  readonly id: string;
  /** The engine's incarnation: the `node` of every address it mints. */
  readonly incarnation: number;
  /** The engine's core (0 outside a multi-core engine). */
  readonly core: number;
  /** The engine's reactor: the only clock, timers and random source a router may use. */
  readonly reactor: Reactor;
  /** Whether a kind of this name is registered here (spawnable by name). */
  hasKind(name: string): boolean;
  /**
   * A message for a local actor, queued like a local send (bounds, dead letters). With
   * `ask`, settling the request settles `ask` (its `answer`/`fail` send the reply back).
   * `deadline` is on this engine's clock (Infinity for none). `trace`: the W3C trace context
   * the message carried (its envelope's trace block), if any; the handler then runs in a span
   * of that trace when telemetry traces this engine.
   */
  deliver(to: AnyAddr, message: unknown, ask: RemoteAskHandle | null, deadline: number, options?: SendOptions, trace?: TraceContext | null): SendResult;
  /**
   * The trace context a message this router sends now should carry in its envelope, or null
   * (always null unless telemetry traces this engine and the sender is inside a sampled span).
   */
  outgoingTrace(): TraceContext | null;
  /** As {@link deliver}, but waiting for room in a `backpressure` mailbox, like a local `sendWait`. */
  sendWait(to: AnyAddr, message: unknown, deadline: number, options?: SendOptions): Promise<SendResult>;
  /**
   * An exit signal from a remote actor: `link` for a linked actor's exit (no effect unless
   * abnormal or trapped), `exit` as exit/2, `kill` untrappable. False when `target` is not
   * a live local actor.
   */
  signal(target: AnyAddr, kind: 'link' | 'exit' | 'kill', from: AnyAddr | null, reason: ExitReason): boolean;
  /** A remote actor that `watcher` monitors (with `ref`) exited: deliver its `Down`. */
  down(watcher: AnyAddr, ref: MonitorRef, from: AnyAddr, reason: ExitReason): void;
  /** Ask a local actor to stop, as `engine.stop` would. */
  stop(target: AnyAddr, reason: ExitReason): void;
  /** Hot swap a local actor to the registered kind `kind`. */
  swap(target: AnyAddr, kind: string, args: unknown): void;
  /** A message the router could not deliver: counted and kept like any dead letter; returns `dead`. */
  deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult;
  /**
   * Spawn here under `identity`, minted by the spawner elsewhere; `parentPath` when the
   * parent lives there. Never throws for a bad kind: the actor then exits at once with the
   * error (its watchers see it). Throws only when the engine is stopping.
   */
  spawnAt(identity: AddrIdentity, kind: string, options: SpawnOptions, parentPath: string | null, restart: RemoteRestart | null): AnyAddr;
  /**
   * Whether `addr` is a live actor of this engine. An actor on another core of a multi-core
   * engine counts as live: its core answers for it (a `noproc` when it is not).
   */
  isLive(addr: AnyAddr): boolean;
  /**
   * `remote` (elsewhere) links itself to the local actor `local`; the router books it.
   * False when `local` is not alive here (the router answers `noproc`). For an actor on
   * another core, true: that core books the link too and answers `noproc` itself, through
   * the router's `exited`, when the actor is gone.
   */
  acceptLink(local: AnyAddr, remote: AnyAddr): boolean;
  /** `remote` unlinked itself from `local` (what the router booked with {@link acceptLink}). */
  forgetLink(local: AnyAddr, remote: AnyAddr): void;
  /** As {@link acceptLink}, for a monitor of `local` by `watcher` (elsewhere) with the id `refId`. */
  acceptMonitor(local: AnyAddr, watcher: AnyAddr, refId: number): boolean;
  /** `watcher` dropped its monitor `refId` of `local`. */
  forgetMonitor(local: AnyAddr, watcher: AnyAddr, refId: number): void;
  /**
   * On a multi-core engine (a cluster node's gateway core): have the messages and signals a
   * router hands in for actors on the engine's other cores — {@link deliver},
   * {@link sendWait}, {@link signal} other than `link`, {@link stop}, {@link swap} — checked
   * against `policy` (the target's path) on the core that hosts each target, where this
   * core cannot see the path. A refused one is what a router refusing it itself would make
   * of it: a dead letter with reason `rejected` there, an ask failing with `ask/rejected`,
   * a `sendWait` resolving `dead`, a signal not applied; each refusal calls `refused` here,
   * one ring hop later. Links, monitors, link exits and `Down`s are not checked. null: stop
   * checking. Returns whether this engine has other cores (false: nothing to guard).
   * Throws an `ArgumentError` for a `policy` that is not plain lists of path prefixes.
   */
  guardOtherCores(policy: PathPolicy | null, refused: () => void): boolean;
}

/**
 * Makes a router for one engine: called once, at construction, with the engine's inbound
 * port. Pass factories as `createEngine({ routers: [...] })`; the engine asks its routers
 * in order whether they reach an address, and the first that does carries the message.
 */
export type RouterFactory = (host: RemoteHost) => RemoteRouter;
