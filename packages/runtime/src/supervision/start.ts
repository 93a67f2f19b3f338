/**
 * Starting supervisors and talking to them: `supervisor(spec)` makes a definition usable
 * with `engine.spawn`, `ctx.spawn` and as the kind of a child spec (supervisors of
 * supervisors); `startSupervisor(engine, spec)` checks the whole tree against the engine
 * (kind names included) and starts it; a {@link SupervisorHandle} makes the runtime calls
 * the CLI and the control plane use (which children, start, restart, terminate, delete).
 *
 * Must not: reach into a supervisor's state except through its messages, or through the
 * synchronous read-only `inspect` (same thread, so a consistent snapshot).
 */
import { type AnyAddr, type Addr, ArgumentError, Down, Exit, type ExitReason, type SpawnOptions } from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import { ActorCell, S_DEAD } from '../kernel/cell.js';
import type { Engine, Target } from '../kernel/engine.js';
import type { ChildInfo } from './child.js';
import { SupervisorError } from './errors.js';
import { type ChildCounts, type SupervisorCall, SupervisorOp } from './protocol.js';
import type { ChildSpec, ShutdownSpec, SupervisorSpec } from './spec.js';
import type { StableAddr } from './stable-addr.js';
import { SupervisorActor, type SupervisorInfo } from './supervisor.js';
import { INFINITE_STOP_MS, type NormalizedSupervisorSpec, SUPERVISOR_SPEC, checkKinds, normalizeSupervisorSpec, supervisorSpecOf } from './validate.js';

/** A supervisor definition: an actor class to spawn, or to use as a child spec's `kind`. */
export type SupervisorDefinition = (new (args?: unknown) => SupervisorActor) & { readonly [SUPERVISOR_SPEC]: NormalizedSupervisorSpec };

/**
 * Declare a supervisor. The spec is checked now (a duplicate child id, a negative
 * intensity, an unknown strategy throw a {@link SupervisorError}); kind names are checked
 * when it starts. Each spawn builds a fresh supervisor from the same spec, so a parent can
 * restart it.
 */
export function supervisor(spec: SupervisorSpec): SupervisorDefinition {
  const normalized = normalizeSupervisorSpec(spec);
  const name = normalized.name;
  const holder = {
    [name]: class extends SupervisorActor {
      constructor() {
        super(normalized);
      }
    },
  };
  const definition = holder[name]!;
  Object.defineProperty(definition, SUPERVISOR_SPEC, { value: normalized });
  return definition as unknown as SupervisorDefinition;
}

/** Options for a top-level supervisor. */
export interface StartSupervisorOptions {
  /** Path segment under `/user` (default `$<id>`). */
  readonly name?: string;
  /** A registry name for the supervisor. */
  readonly register?: string;
  /** How long `stop` / engine shutdown give its subtree before killing it; default `infinity`, as for any supervisor. */
  readonly shutdown?: ShutdownSpec;
}

/**
 * Check `spec` (or a definition from {@link supervisor}) against `engine`, including every
 * kind name in the tree, then start it as a top-level actor. Throws a {@link SupervisorError}
 * for a malformed tree; the children start in order as soon as the engine runs it.
 */
export function startSupervisor(engine: Engine, spec: SupervisorSpec | SupervisorDefinition, options: StartSupervisorOptions = {}): SupervisorHandle {
  const definition = typeof spec === 'function' ? spec : supervisor(spec);
  const normalized = supervisorSpecOf(definition);
  if (normalized === null) throw new SupervisorError('invalid-spec', 'startSupervisor expects a supervisor spec or a definition made by supervisor()');
  checkKinds(normalized, engine.kinds);
  const shutdown = options.shutdown ?? 'infinity';
  if (shutdown === 'brutal' || (shutdown !== 'infinity' && (typeof shutdown !== 'number' || !(shutdown > 0) || shutdown > INFINITE_STOP_MS))) {
    throw new SupervisorError('invalid-spec', `startSupervisor: shutdown must be a positive number of ms or "infinity", got ${String(shutdown)}`);
  }
  const spawnOptions: SpawnOptions = {
    trapExits: true,
    stopTimeoutMs: shutdown === 'infinity' ? INFINITE_STOP_MS : shutdown,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.register === undefined ? {} : { register: options.register }),
  };
  const addr = engine.spawn(definition, spawnOptions);
  const cell = addrTarget(addr) as ActorCell;
  try {
    // The whole tree is spawned now, depth first: stable addresses and paths exist on return.
    (cell.behavior as SupervisorActor)._boot(cell);
  } catch (error) {
    cell.crash(error, 'start'); // stops the children already started, in order
    engine._flushSignals();
    throw error;
  }
  return new SupervisorHandle(engine, addr);
}

/**
 * A handle on the live supervisor `target` (address, registered name or path); `options`
 * apply to each of its calls that does not set its own.
 */
export function supervisorHandle(engine: Engine, target: Target, options: SupervisorCallOptions = {}): SupervisorHandle {
  const addr = engine.resolve(target);
  if (addr === undefined || !(supervisorActorOf(engine, addr) instanceof SupervisorActor)) {
    throw new SupervisorError('not-a-supervisor', `${String(target)} is not a live supervisor`, { target: String(target) });
  }
  return new SupervisorHandle(engine, addr, options);
}

/** Options of a runtime call on a supervisor. */
export interface SupervisorCallOptions {
  /**
   * How long to wait for the answer, in ms; default `Infinity`, as OTP's supervisor calls
   * (`infinity`): the call is answered once the supervisor has done the work, which the
   * shutdown specs of the children it stops bound (a child with `shutdown: 'infinity'` may
   * take for ever), or refused with `ask/target-exited` if the supervisor exits first. With
   * a number, the call rejects with `ask/timeout` when it is up; the supervisor still
   * finishes the work. `Infinity` waits at most 2^31 - 1 ms (about 24.8 days, the longest
   * engine timer).
   */
  readonly timeoutMs?: number;
}

/** Inspect a supervisor synchronously: strategy, intensity window and every child's state. */
export function inspectSupervisor(engine: Engine, target: Target): SupervisorInfo {
  return supervisorHandle(engine, target).inspect();
}

/**
 * The runtime operations on a live supervisor, with OTP's names and results. Each is an
 * `ask`, answered in turn with the supervisor's other work: a call made while the
 * supervisor stops children (a group restart, an earlier `terminateChild`) is answered once
 * that is done, reads included, so it sees the outcome. By default a call waits as long as
 * that takes (OTP's `infinity`; see {@link SupervisorCallOptions}). Errors are
 * {@link SupervisorError}s (`unknown-child`, `running`, `restarting`, ...) or, if the
 * supervisor is gone, `ask/target-exited`; `ask/timeout` only with a caller's `timeoutMs`.
 */
export class SupervisorHandle {
  private readonly defaults: SupervisorCallOptions;

  /** `options` apply to every call that does not set its own. */
  constructor(readonly engine: Engine, readonly addr: AnyAddr, options: SupervisorCallOptions = {}) {
    checkCallOptions(options);
    this.defaults = { ...options };
  }

  /** OTP `which_children`: every child with its status, addresses, restarts and last exit. */
  whichChildren(options?: SupervisorCallOptions): Promise<ChildInfo[]> {
    return this.call({ op: 'which' }, options);
  }

  /** OTP `count_children`: for simple-one-for-one, `specs` is 1 (the template). */
  countChildren(options?: SupervisorCallOptions): Promise<ChildCounts> {
    return this.call({ op: 'count' }, options);
  }

  /**
   * OTP `start_child`: add a child from `spec` and start it (one-for-one, one-for-all,
   * rest-for-one), or, for simple-one-for-one, start a new child of the template with `args`.
   */
  startChild(specOrArgs?: ChildSpec | unknown, options?: SupervisorCallOptions): Promise<ChildInfo> {
    const dynamic = this.inspect().strategy === 'simple-one-for-one';
    return this.call(dynamic ? { op: 'start', args: specOrArgs } : { op: 'start', spec: specOrArgs as ChildSpec }, options);
  }

  /**
   * OTP `restart_child`: start a stopped child (or one waiting for a delayed restart) now.
   * A running child is an error (`running`) unless `ifRunning: 'restart'`, which stops it
   * per its shutdown spec first. Operator restarts do not count against the intensity.
   */
  restartChild(id: string, options: SupervisorCallOptions & { ifRunning?: 'error' | 'restart' } = {}): Promise<ChildInfo> {
    return this.call({ op: 'restart', id, ifRunning: options.ifRunning ?? 'error' }, options);
  }

  /**
   * OTP `terminate_child`: stop it per its shutdown spec and do not restart it (a child of a
   * simple-one-for-one template is also removed). Answered once the child has exited.
   */
  terminateChild(id: string, options?: SupervisorCallOptions): Promise<void> {
    return this.call({ op: 'terminate', id }, options);
  }

  /** OTP `delete_child`: forget a stopped child's spec (`running` / `restarting` errors otherwise). */
  deleteChild(id: string, options?: SupervisorCallOptions): Promise<void> {
    return this.call({ op: 'delete', id }, options);
  }

  /** Terminate (if running) and delete, in one call. */
  removeChild(id: string, options?: SupervisorCallOptions): Promise<void> {
    return this.call({ op: 'remove', id }, options);
  }

  /** The stable address of child `id`: follows it across restarts. `M` and `R` (its reply type) are claims nothing checks. */
  stableAddr<M = unknown, R = unknown>(id: string): StableAddr<M, R> {
    return this.actor()._stableAddr(id) as StableAddr<M, R>;
  }

  /** A synchronous snapshot of the supervisor and its children. */
  inspect(): SupervisorInfo {
    return this.actor()._describe();
  }

  /** Stop the supervisor (its subtree first, in order) and wait for its exit reason. */
  async stop(reason: ExitReason = Exit.shutdown()): Promise<ExitReason> {
    const client = this.engine.client();
    try {
      client.monitor(this.addr);
      this.engine.stop(this.addr, reason);
      const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down });
      return down.reason;
    } finally {
      client.close();
    }
  }

  /** @internal The live supervisor behaviour (throws `not-a-supervisor` when it is gone). */
  actor(): SupervisorActor {
    const actor = supervisorActorOf(this.engine, this.addr);
    if (actor === null) throw new SupervisorError('not-a-supervisor', `${String(this.addr)} is not a live supervisor`);
    return actor;
  }

  private call<R>(call: SupervisorCall, options: SupervisorCallOptions = {}): Promise<R> {
    checkCallOptions(options);
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? Infinity;
    // The engine's asks need a finite timeout: "infinity" is its longest timer.
    return this.engine.ask<unknown, R>(this.addr as Addr<unknown>, new SupervisorOp(call), { timeoutMs: Math.min(timeoutMs, INFINITE_STOP_MS) });
  }
}

// --- internal ---

function checkCallOptions(options: SupervisorCallOptions): void {
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new ArgumentError(`supervisor call: timeoutMs must be a positive number of ms or Infinity, got ${String(timeoutMs)}`, { timeoutMs: String(timeoutMs) });
  }
}

function supervisorActorOf(engine: Engine, addr: AnyAddr): SupervisorActor | null {
  const live = engine.resolve(addr);
  const cell = live === undefined ? null : addrTarget(live);
  if (!(cell instanceof ActorCell) || cell.status === S_DEAD || !(cell.behavior instanceof SupervisorActor)) return null;
  cell.behavior._init(cell);
  return cell.behavior;
}
