/**
 * Supervision specs: how a supervisor and its children are declared, and every default in
 * one object ({@link SUPERVISOR_DEFAULTS}, the OTP values where OTP has one).
 *
 * Owns: the public spec types. Must not: validate or start anything (validate.ts checks a
 * spec; supervisor.ts runs it). Units go last in names (`periodMs`, `maxMs`).
 */
import type { AnyAddr, AnyBehavior, MailboxOptions, Placement, Spawnable } from '@pd/actor';

/** Which children a supervisor restarts when one of them must be restarted. */
export type StrategyName = 'one-for-one' | 'one-for-all' | 'rest-for-one' | 'simple-one-for-one';

/**
 * When a child is restarted: `permanent` always; `transient` only after an abnormal exit
 * (not `normal`, not `shutdown`); `temporary` never (it is forgotten once it exits).
 */
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/**
 * How a child is shut down: a number of ms it is given to stop (its `stopping` hook runs)
 * before it is killed; `'brutal'` kills it at once; `'infinity'` waits for as long as it
 * takes (the default for supervisors, so a subtree always shuts down in order).
 */
export type ShutdownSpec = number | 'brutal' | 'infinity';

/** What a stable address does with a message while its child has no live incarnation. */
export type RestartWindowPolicy =
  /** Keep it (bounded by `capacity`) and deliver it, in order, to the next incarnation. */
  | 'queue'
  /** Refuse it: `send` returns `rejected`, `ask` rejects with `ask/rejected`. */
  | 'reject';

/**
 * Restart backoff, which OTP does not have: the n-th consecutive restart of a child waits
 * `min(maxMs, initialMs * factor^n)` ms, less a random part of up to `jitter` of it. A
 * child that ran for `resetAfterMs` before exiting starts again from n = 0.
 */
export interface BackoffSpec {
  /** Delay before the first restart; default 100. */
  readonly initialMs?: number;
  /** Cap on the delay; default 30 000. */
  readonly maxMs?: number;
  /** Growth per consecutive restart; default 2 (at least 1). */
  readonly factor?: number;
  /** Fraction of each delay taken off at random, in [0, 1]; default 0.2. */
  readonly jitter?: number;
  /** A child that ran this long before exiting is stable again: its backoff restarts; default 60 000. */
  readonly resetAfterMs?: number;
}

/** Stable-address behaviour for the children of a supervisor. */
export interface StableSpec {
  /** While a child has no live incarnation; default `queue`. */
  readonly whileRestarting?: RestartWindowPolicy;
  /** Most messages held per child while it restarts; default 1000. More are dropped (`dropped`). */
  readonly capacity?: number;
}

/** One child of a supervisor. Give exactly one of `kind` and `factory`. */
export interface ChildSpec<A = any> {
  /** Unique among the supervisor's children; also the child's path segment (`/user/sup/<id>`). */
  readonly id: string;
  /** A kind, a kind name, an actor class, or a nested `supervisor({...})` definition. */
  readonly kind?: Spawnable<any, A>;
  /** A function building a fresh behaviour from `args`, called for every (re)start. */
  readonly factory?: (args: A) => AnyBehavior;
  /** Arguments for the kind, class or factory, passed on every (re)start. */
  readonly args?: A;
  /** Default `permanent`. */
  readonly restart?: RestartPolicy;
  /** Default 5000 ms for workers, `infinity` for supervisors. */
  readonly shutdown?: ShutdownSpec;
  /** Mailbox bound and overflow policy of every incarnation. */
  readonly mailbox?: MailboxOptions;
  /** A registry name every incarnation registers (freed at each exit, taken again at restart). */
  readonly register?: string;
  /** The reduction budget of every incarnation. */
  readonly budget?: number;
  /** A stable address made with `createStableAddr`, to bind to this child instead of a fresh one. */
  readonly stable?: AnyAddr;
  /** Overrides the supervisor's backoff for this child (`false`: restart at once). */
  readonly backoff?: BackoffSpec | false;
  /**
   * Where every incarnation runs (the spawn option): a core of a multi-core engine, or
   * `{ node }` / `{ nodes }`, a node of the federation (a `kind`, not a `factory`; the
   * supervisor then supervises a local stand-in that mirrors it, docs/federation.md).
   */
  readonly placement?: Placement;
}

/** A supervisor: strategy, restart intensity, backoff, and its children in start order. */
export interface SupervisorSpec {
  /** Default `one-for-one`. */
  readonly strategy?: StrategyName;
  /** Most restarts allowed within `periodMs`; one more and the supervisor gives up. Default 1 (OTP). */
  readonly intensity?: number;
  /** The sliding window for `intensity`, ms; default 5000 (OTP). */
  readonly periodMs?: number;
  /** Restart backoff for every child; default `false` (restart at once, as OTP). */
  readonly backoff?: BackoffSpec | false;
  /** Children, started in this order. For `simple-one-for-one`: exactly one, the template. */
  readonly children?: readonly ChildSpec[];
  /** What the children's stable addresses do during a restart window. */
  readonly stable?: StableSpec;
  /** Dynamic children allowed at once (simple-one-for-one and `startChild`); default 100 000. */
  readonly maxChildren?: number;
  /** The kind name the supervisor actor shows in introspection; default `supervisor`. */
  readonly name?: string;
}

/** Every default of supervision, in one place. */
export const SUPERVISOR_DEFAULTS = {
  strategy: 'one-for-one',
  /** OTP: `intensity => 1`. */
  intensity: 1,
  /** OTP: `period => 5` (seconds). */
  periodMs: 5000,
  restart: 'permanent',
  /** OTP: a worker's `shutdown` defaults to 5000 ms. */
  workerShutdownMs: 5000,
  /** OTP: a supervisor child's `shutdown` defaults to `infinity`. */
  supervisorShutdown: 'infinity',
  /** OTP has no backoff: off unless asked for. */
  backoff: false,
  /** The values used for the fields a given backoff spec leaves out. */
  backoffSpec: { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2, resetAfterMs: 60_000 },
  whileRestarting: 'queue',
  stableCapacity: 1000,
  maxChildren: 100_000,
  name: 'supervisor',
} as const;
