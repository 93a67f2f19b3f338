/**
 * The remote seam: how an engine reaches actors it does not host (another core of a
 * multi-core engine today, another node of a cluster later). The engine calls a
 * {@link RemoteRouter} only on its slow paths — when an address's (node, core) is not its
 * own — so a plain local send never pays for it.
 *
 * Owns: the contract both sides keep. Must not: hold engine state; routers keep their own
 * books (remote links, monitors, pending asks) and deliver through the engine's `_remote*`
 * internals. Callers guarantee that every address handed to a router method is one
 * `reaches` accepted.
 */
import type {
  AnyAddr, AskOptions, ExitReason, MonitorRef, SendOptions, SendResult, SpawnOptions,
} from '@pd/actor';
import type { Registry } from './kernel/registry.js';
import type { ShutdownReport } from './kernel/engine.js';
import type { Topics } from './kernel/topics.js';

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
  readonly restart: { readonly restarts: number; readonly previous: ExitReason } | null;
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
}

/** What an engine hands to a router factory, and what the router may replace. */
export interface RemoteAttachment {
  readonly router: RemoteRouter;
  /** An engine-wide registry in place of the local one. */
  readonly registry?: Registry;
  /** Engine-wide topics in place of the local ones. */
  readonly topics?: Topics;
}
