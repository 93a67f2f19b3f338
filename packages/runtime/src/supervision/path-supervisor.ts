/**
 * Path supervisors: supervise every actor registered under a path prefix in the registry,
 * whoever spawned it. The supervisor watches the prefix (`registry.watch`), monitors each
 * actor bound there, and when one exits abnormally (per its restart policy, default
 * transient) starts a replacement of the same kind as its own child and binds the same
 * paths to it. Intensity and backoff work as for child-spec supervisors (one-for-one).
 *
 * Must not: stop actors it adopted but did not start (it only monitors them), or touch the
 * registry from outside its own turn (registry changes reach it as messages).
 */
import {
  type AnyAddr, type Behavior, type Context, Down, Exit, type ExitReason, type MailboxOptions, type MonitorRef,
  type Spawnable, isCleanExit, validatePath,
} from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import { type ActorCell, S_DEAD, SysKind } from '../kernel/cell.js';
import { type Engine, engineOf } from '../kernel/engine.js';
import type { RegistryChange } from '../kernel/registry.js';
import { BackoffState } from './backoff.js';
import { SupervisorError } from './errors.js';
import { type SupervisorAction, emitSupervisorEvent } from './events.js';
import { IntensityWindow } from './intensity.js';
import { RestartDue } from './protocol.js';
import { ShutdownSequencer } from './shutdown.js';
import { type BackoffSpec, type RestartPolicy, SUPERVISOR_DEFAULTS, type ShutdownSpec } from './spec.js';
import { INTENSITY_EXCEEDED, stopChild } from './supervisor.js';
import { INFINITE_STOP_MS, normalizeBackoff } from './validate.js';

/** How to start a replacement for an actor that held a path. */
export interface PathRecipe {
  readonly kind: Spawnable;
  readonly args?: unknown;
  readonly mailbox?: MailboxOptions;
}

export interface PathSupervisorSpec {
  /** Supervise actors registered at this path or below it. */
  readonly prefix: string;
  /** Default `transient`: replace actors that exit abnormally. */
  readonly restart?: RestartPolicy;
  /** Default 1 restart per 5000 ms (the supervisor defaults). */
  readonly intensity?: number;
  readonly periodMs?: number;
  readonly backoff?: BackoffSpec | false;
  /** How replacements are shut down when the path supervisor stops; default 5000 ms. */
  readonly shutdown?: ShutdownSpec;
  /**
   * The replacement for the actor that held `path` (of kind `kind`). Default: the engine's
   * registered kind of that name, without args; an actor of an unregistered kind is not
   * replaced (a `removed` event says so). Return null to not replace it.
   */
  readonly recipe?: (path: string, kind: string) => PathRecipe | null;
  /** Kind name shown in introspection; default `path-supervisor`. */
  readonly name?: string;
}

/** One supervised path holder, as `PathSupervisorHandle.watched()` reports it. */
export interface WatchedInfo {
  readonly paths: string[];
  readonly addr: AnyAddr;
  readonly kind: string;
  readonly restarts: number;
  readonly lastExit: ExitReason | null;
  /** True when the path supervisor started it (a replacement), so it stops with it. */
  readonly owned: boolean;
}

/** Start a path supervisor at the top level (`name`: its path segment under `/user`). */
export function startPathSupervisor(engine: Engine, spec: PathSupervisorSpec, options: { readonly name?: string } = {}): PathSupervisorHandle {
  const definition = pathSupervisor(spec);
  const addr = engine.spawn(definition, { trapExits: true, stopTimeoutMs: INFINITE_STOP_MS, ...(options.name === undefined ? {} : { name: options.name }) });
  return new PathSupervisorHandle(engine, addr);
}

/** A path supervisor definition, to spawn or to use as a child spec's kind. */
export function pathSupervisor(spec: PathSupervisorSpec): new () => Behavior<unknown> {
  const checked = checkSpec(spec);
  const name = spec.name ?? 'path-supervisor';
  const holder = { [name]: class extends PathSupervisorActor { constructor() { super(checked); } } };
  return holder[name]!;
}

export class PathSupervisorHandle {
  constructor(readonly engine: Engine, readonly addr: AnyAddr) {}

  /** The actors it supervises now. */
  watched(): WatchedInfo[] {
    const cell = addrTarget(this.addr);
    const actor = cell !== null && (cell as ActorCell).status !== S_DEAD ? (cell as ActorCell).behavior : null;
    if (!(actor instanceof PathSupervisorActor)) throw new SupervisorError('not-a-supervisor', `${String(this.addr)} is not a live path supervisor`);
    return actor._watched();
  }
}

// --- internal ---

interface CheckedSpec {
  readonly prefix: string;
  readonly restart: RestartPolicy;
  readonly window: { intensity: number; periodMs: number };
  readonly backoff: ReturnType<typeof normalizeBackoff>;
  readonly shutdown: ShutdownSpec;
  readonly recipe: PathSupervisorSpec['recipe'];
}

class Watched {
  paths = new Set<string>();
  ref: MonitorRef | null = null;
  lastExit: ExitReason | null = null;
  startedAt = 0;
  timerToken = 0;
  constructor(public cell: ActorCell, public restarts: number, readonly owned: boolean, readonly backoff: BackoffState | null) {}
  get key(): string {
    return this.paths.values().next().value ?? this.cell.path;
  }
}

class PathChange {
  constructor(readonly change: RegistryChange) {}
}

class PathSupervisorActor implements Behavior<unknown> {
  private cell!: ActorCell;
  private engine!: Engine;
  private readonly byCell = new Map<ActorCell, Watched>();
  private readonly pending = new Map<number, Watched>();
  private readonly window: IntensityWindow;
  private unwatch: (() => void) | null = null;
  private nextToken = 1;
  private exiting = false;
  private announced = false;

  constructor(private readonly spec: CheckedSpec) {
    this.window = new IntensityWindow(spec.window.intensity, spec.window.periodMs);
  }

  started(ctx: Context<unknown>): void {
    const cell = (this.cell = ctx as unknown as ActorCell);
    this.engine = engineOf(cell);
    cell.trapExits(true);
    cell.extras().childShutdown = new ShutdownSequencer(this.shutdownHost(), cell);
    const registry = this.engine.registry;
    this.unwatch = registry.watch(this.spec.prefix, (change) => {
      if (cell.status === S_DEAD) this.unwatch?.();
      else this.engine.send(cell.self, new PathChange(change));
    });
    const top = registry.whereisPath(this.spec.prefix);
    if (top !== undefined) this.adopt(this.spec.prefix, top);
    for (const { path, addr } of registry.children(this.spec.prefix)) this.adopt(path, addr);
  }

  receive(message: unknown): void {
    if (message instanceof PathChange) {
      const { type, path, addr } = message.change;
      if (type === 'registered') this.adopt(path, addr);
      else this.release(path, addr);
    } else if (message instanceof Down) this.onDown(message);
    else if (message instanceof RestartDue) this.onRestartDue(message.token);
  }

  stopping(reason: ExitReason): void {
    this.announce(reason);
    this.unwatch?.();
    this.unwatch = null;
  }

  /** @internal */
  _watched(): WatchedInfo[] {
    return [...this.byCell.values()].map((w) => ({
      paths: [...w.paths], addr: w.cell.self, kind: w.cell.kind, restarts: w.restarts, lastExit: w.lastExit, owned: w.owned,
    }));
  }

  // --- internal ---

  private adopt(path: string, addr: AnyAddr): void {
    const live = this.engine.resolve(addr);
    const cell = live === undefined ? null : (addrTarget(live) as ActorCell);
    if (cell === null || cell === this.cell || cell.status === S_DEAD) return;
    let w = this.byCell.get(cell);
    if (w === undefined) {
      w = new Watched(cell, 0, false, this.spec.backoff === null ? null : new BackoffState(this.spec.backoff));
      w.ref = this.cell.monitor(cell.self);
      w.startedAt = this.engine.reactor.now();
      this.byCell.set(cell, w);
    }
    if (w.paths.has(path)) return;
    w.paths.add(path);
    this.emit('adopted', path, { addr: cell.self, kind: cell.kind });
  }

  private release(path: string, addr: AnyAddr): void {
    const cell = addrTarget(addr) as ActorCell | null;
    const w = cell === null ? undefined : this.byCell.get(cell);
    if (w === undefined || w.cell.status === S_DEAD || !w.paths.delete(path)) return; // an exit: its Down decides
    this.emit('released', path, { addr });
    if (w.paths.size > 0) return;
    if (w.ref !== null) this.cell.demonitor(w.ref);
    this.byCell.delete(w.cell);
  }

  private onDown(down: Down): void {
    const cell = addrTarget(down.addr) as ActorCell | null;
    const w = cell === null ? undefined : this.byCell.get(cell);
    if (w === undefined || w.ref === null || w.ref.id !== down.ref.id) return;
    this.byCell.delete(w.cell);
    w.lastExit = down.reason;
    this.emit('exited', w.key, { reason: down.reason });
    const policy = this.spec.restart;
    if (policy === 'temporary' || (policy === 'transient' && isCleanExit(down.reason)) || down.reason.type === 'noproc' || w.paths.size === 0) {
      this.emit('removed', w.key, { reason: down.reason });
      return;
    }
    const now = this.engine.reactor.now();
    if (!this.window.add(now)) {
      this.emit('intensity', w.key, { restarts: this.window.count(now), intensity: this.spec.window.intensity, periodMs: this.spec.window.periodMs });
      this.stopSelf(Exit.shutdown(INTENSITY_EXCEEDED));
      return;
    }
    const delay = w.backoff === null ? null : w.backoff.next(now - w.startedAt, this.engine.reactor.random('supervision'));
    if (delay === null || delay.delayMs <= 0) {
      this.replace(w);
      return;
    }
    const token = this.nextToken++;
    w.timerToken = token;
    this.pending.set(token, w);
    this.cell.sendAfter(this.cell.self, new RestartDue(token), delay.delayMs);
    this.emit('backoff', w.key, { delayMs: delay.delayMs, attempt: delay.attempt, children: [w.key] });
  }

  private onRestartDue(token: number): void {
    const w = this.pending.get(token);
    if (w === undefined) return;
    this.pending.delete(token);
    this.replace(w);
  }

  /** Start a replacement for `w` as a child of this supervisor and bind its paths to it. */
  private replace(w: Watched): void {
    if (this.exiting) return;
    const key = w.key;
    const recipe = this.spec.recipe !== undefined ? this.spec.recipe(key, w.cell.kind) : this.engine.kinds.has(w.cell.kind) ? { kind: w.cell.kind } : null;
    if (recipe === null) {
      this.emit('removed', key, { reason: w.lastExit, why: `no recipe to replace an actor of kind "${w.cell.kind}"` });
      return;
    }
    let cell: ActorCell;
    try {
      const addr = this.engine._spawn(recipe.kind, {
        ...(recipe.args === undefined ? {} : { args: recipe.args }),
        ...(recipe.mailbox === undefined ? {} : { mailbox: recipe.mailbox }),
        stopTimeoutMs: typeof this.spec.shutdown === 'number' ? this.spec.shutdown : INFINITE_STOP_MS,
      }, this.cell, { restarts: w.restarts + 1, previous: w.lastExit ?? Exit.normal });
      cell = addrTarget(addr) as ActorCell;
    } catch (error) {
      this.emit('start-failed', key, { error });
      return;
    }
    const next = new Watched(cell, w.restarts + 1, true, w.backoff);
    next.lastExit = w.lastExit;
    next.startedAt = this.engine.reactor.now();
    next.ref = this.cell.monitor(cell.self);
    this.byCell.set(cell, next);
    this.emit('restarted', key, { addr: cell.self, restarts: next.restarts, reason: w.lastExit });
    for (const path of w.paths) {
      try {
        this.engine.registry.registerPath(path, cell.self);
        next.paths.add(path);
      } catch (error) {
        this.emit('start-failed', path, { error });
      }
    }
  }

  private stopSelf(reason: ExitReason): void {
    if (this.exiting) return;
    this.exiting = true;
    this.cell.signal({ kind: SysKind.Stop, reason });
  }

  private shutdownHost() {
    return {
      concurrent: false,
      begin: (reason: ExitReason) => {
        this.exiting = true;
        this.announce(reason);
      },
      order: () => [...this.byCell.values()].filter((w) => w.owned && w.cell.status !== S_DEAD).map((w) => w.cell),
      stop: (child: ActorCell) => {
        const w = this.byCell.get(child);
        this.emit('terminating', w?.key ?? child.path, { shutdown: this.spec.shutdown });
        stopChild(this.engine, child, this.spec.shutdown);
      },
      exited: (child: ActorCell) => {
        const w = this.byCell.get(child);
        this.byCell.delete(child);
        this.emit('terminated', w?.key ?? child.path, { reason: child.x?.exitReason ?? Exit.normal });
      },
    };
  }

  private announce(reason: ExitReason): void {
    if (this.announced) return;
    this.announced = true;
    this.emit('shutdown', '', { reason });
  }

  private emit(action: SupervisorAction, child: string, detail: Record<string, unknown>): void {
    if (this.engine.events.active) emitSupervisorEvent(this.engine, this.cell, action, child, detail);
  }
}

function checkSpec(spec: PathSupervisorSpec): CheckedSpec {
  const invalid = (message: string): never => {
    throw new SupervisorError('invalid-spec', `path supervisor: ${message}`);
  };
  if (spec === null || typeof spec !== 'object') invalid('the spec must be an object');
  try {
    validatePath(spec.prefix);
  } catch (error) {
    invalid(`prefix: ${(error as Error).message}`);
  }
  const restart = spec.restart ?? 'transient';
  if (restart !== 'permanent' && restart !== 'transient' && restart !== 'temporary') invalid(`restart must be permanent, transient or temporary, got ${String(restart)}`);
  const intensity = spec.intensity ?? SUPERVISOR_DEFAULTS.intensity;
  if (!Number.isInteger(intensity) || intensity < 0) invalid(`intensity must be a non-negative integer, got ${String(intensity)}`);
  const periodMs = spec.periodMs ?? SUPERVISOR_DEFAULTS.periodMs;
  if (typeof periodMs !== 'number' || !(periodMs > 0) || periodMs === Infinity) invalid(`periodMs must be a positive finite number, got ${String(periodMs)}`);
  const shutdown = spec.shutdown ?? SUPERVISOR_DEFAULTS.workerShutdownMs;
  if (shutdown !== 'brutal' && shutdown !== 'infinity' && (typeof shutdown !== 'number' || !(shutdown > 0) || shutdown > INFINITE_STOP_MS)) {
    invalid(`shutdown must be a positive number of ms, "brutal" or "infinity", got ${String(shutdown)}`);
  }
  if (spec.recipe !== undefined && typeof spec.recipe !== 'function') invalid('recipe must be a function');
  return {
    prefix: spec.prefix, restart, window: { intensity, periodMs },
    backoff: normalizeBackoff(spec.backoff ?? false, 'backoff'), shutdown, recipe: spec.recipe,
  };
}
