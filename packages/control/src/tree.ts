/**
 * The actor tree a config declares, started as real supervisors (the runtime's
 * supervision, with OTP's semantics), and what the control plane asks of it: restarting an
 * actor, listing a supervisor's children. Actors started with `pd spawn` are remembered
 * here too, so `pd restart` can start them again with the same kind and args.
 *
 * Must not: reach into a supervisor except through its handle (`supervisorHandle`), or
 * keep state about supervised children (the supervisor owns it).
 */
import { Down, Exit, PdError, describeExit, type AnyAddr, type ExitReason, type SpawnOptions } from '@pd/actor';
import {
  type ActorStatus, type ChildSpec as RuntimeChild, type Engine, SupervisorError, type SupervisorSpec, startSupervisor, supervisor, supervisorHandle,
} from '@pd/runtime';
import type { ChildSpec, TreeSection } from './config/types.js';
import { EngineView, STAND_IN_KIND } from './cores.js';
import { ControlError } from './errors.js';
import { findTarget } from './targets.js';

/** One child of a supervisor, as `supervisor.children` reports it. */
export interface TreeChild {
  readonly id: string;
  readonly type: 'worker' | 'supervisor';
  readonly kind: string;
  readonly path: string;
  /** The live incarnation, or null while it has none. */
  readonly addr: AnyAddr | null;
  /** `running`, `stopping`, `restarting` (waiting for its restart) or `stopped`. */
  readonly status: string;
  readonly restart: string;
  readonly shutdown: number | string;
  readonly restarts: number;
  readonly lastExit: ExitReason | null;
}

/** What the control plane asks of the tree. */
export interface TreeHost {
  /** True: configured actors run under supervisors that restart them. */
  readonly supervised: boolean;
  /** Spawn a top-level actor and remember how, so `restart` can start it again. */
  spawn(kind: string, options: SpawnOptions): AnyAddr;
  /** Restart the actor at `target` (live address, name or path; a supervised child's path even when it is down). */
  restart(target: string): Promise<{ addr: AnyAddr | null; path: string; restarts: number; previous: ExitReason | null }>;
  /** The children of the supervisor at `target`. */
  children(target: string): Promise<TreeChild[]>;
  /** Restarts of the actor at `path` that the runtime does not count (those of `pd spawn` actors). */
  restartsOf(path: string): number;
}

/** Start `tree` on `engine`; resolves once the engine is idle, rejects naming what did not start. */
export async function startTree(engine: Engine, tree: TreeSection): Promise<TreeHost> {
  const host = new SupervisedTree(engine, tree);
  if (tree.children.length > 0) {
    try {
      startSupervisor(engine, host.rootSpec(), { name: tree.id });
    } catch (error) {
      throw new ControlError('spawn/failed', `the config tree cannot start: ${(error as Error).message}`, { data: { cause: (error as PdError).code } });
    }
    await engine.idle();
    await host.settled();
    host.checkStarted();
  }
  return host;
}

/** Stop `addr` as its shutdown spec says (`brutal` or 0: kill) and wait for its exit. */
export async function stopAndWait(engine: Engine, addr: AnyAddr, shutdown: ChildSpec['shutdown'], reason: ExitReason = Exit.shutdown('pd restart')): Promise<ExitReason> {
  const brutal = shutdown === 'brutal' || shutdown === 0;
  return awaitExit(engine, addr, () => (brutal ? engine.kill(addr) : engine.stop(addr, reason)), 60_000);
}

/** Run `action` and wait (at most `timeoutMs`) for `addr` to exit; resolves with its reason. */
export async function awaitExit(engine: Engine, addr: AnyAddr, action: () => void, timeoutMs: number): Promise<ExitReason> {
  const client = engine.client();
  try {
    const ref = client.monitor(addr);
    action();
    const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down && m.ref === ref, timeoutMs });
    return down.reason;
  } catch (error) {
    if ((error as { code?: string }).code === 'receive/timeout') throw new ControlError('op/timeout', `${String(addr)} did not exit within ${timeoutMs} ms`, { hint: 'try `pd kill`' });
    throw error;
  } finally {
    if (!client.closed) client.close();
  }
}

/**
 * Wait (at most `timeoutMs`) until `addr` has finished starting: resolves with null once it
 * has left `starting`, or with its exit reason when it exited first (a start hook that
 * threw, a name already registered). An actor still starting at the bound resolves null.
 */
export async function awaitStart(
  engine: Engine, addr: AnyAddr, timeoutMs: number, statusOf: (addr: AnyAddr) => ActorStatus | undefined | Promise<ActorStatus | undefined> = (a) => engine.info(a)?.status,
): Promise<ExitReason | null> {
  const client = engine.client();
  try {
    const ref = client.monitor(addr);
    const step = 50;
    for (let waited = 0; waited <= timeoutMs; waited += step) {
      const status = await statusOf(addr);
      if (status !== undefined && status !== 'starting') return null;
      try {
        const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down && m.ref === ref, timeoutMs: step });
        return down.reason;
      } catch (error) {
        if ((error as { code?: string }).code !== 'receive/timeout') throw error;
      }
    }
    return null;
  } finally {
    if (!client.closed) client.close();
  }
}

// --- internal ---

/** Longest the tree's start waits for the actors of other cores, ms. */
const SETTLE_MS = 30_000;

interface Spawned {
  kind: string;
  options: SpawnOptions;
  restarts: number;
}

class SupervisedTree implements TreeHost {
  readonly supervised = true;
  private readonly rootPath: string;
  /** Config location of every configured path, for error messages. */
  private readonly where = new Map<string, string>();
  private readonly spawned = new Map<string, Spawned>();
  private rootRestarts = 0;

  constructor(private readonly engine: Engine, private readonly tree: TreeSection) {
    this.rootPath = `/user/${tree.id}`;
  }

  rootSpec(): SupervisorSpec {
    const { id: _id, children, ...flags } = this.tree;
    this.where.set(this.rootPath, 'tree');
    return { ...flags, children: children.map((c, i) => this.toRuntime(c, this.rootPath, `tree.children[${i}]`)) } as SupervisorSpec;
  }

  spawn(kind: string, options: SpawnOptions): AnyAddr {
    const addr = this.engine.spawn(kind, options);
    const path = this.engine.info(addr)?.path;
    if (path !== undefined) this.spawned.set(path, { kind, options, restarts: 0 });
    return addr;
  }

  async restart(target: string): Promise<{ addr: AnyAddr | null; path: string; restarts: number; previous: ExitReason | null }> {
    const live = findTarget(this.engine, target);
    const path = live !== undefined ? this.engine.info(live)?.path ?? target : target;
    const spawned = this.spawned.get(path);
    if (spawned !== undefined) return this.respawn(path, spawned, live);
    if (path === this.rootPath) return this.restartRoot(live);
    const cut = path.lastIndexOf('/');
    const parent = path.slice(0, cut);
    let handle;
    try {
      handle = supervisorHandle(this.engine, parent);
    } catch {
      if (live === undefined) throw unknownTarget(target);
      throw new ControlError('target/not-restartable', `${path} is not supervised and was not started with \`pd spawn\`, so nothing knows how to start it again`, {
        hint: 'declare it in the config tree, or start it with `pd spawn`', data: { target },
      });
    }
    try {
      const info = await handle.restartChild(path.slice(cut + 1), { ifRunning: 'restart' });
      return { addr: info.addr, path, restarts: info.restarts, previous: info.lastExit };
    } catch (error) {
      if (error instanceof SupervisorError && error.reason === 'unknown-child') throw unknownTarget(target);
      if (error instanceof SupervisorError) throw new ControlError('target/not-restartable', error.message, { data: { cause: error.reason } });
      throw error;
    }
  }

  async children(target: string): Promise<TreeChild[]> {
    const live = findTarget(this.engine, target);
    if (live === undefined) throw unknownTarget(target);
    const path = this.engine.info(live)!.path;
    let handle;
    try {
      handle = supervisorHandle(this.engine, live);
    } catch {
      throw new ControlError('target/not-supervisor', `${path} is not a supervisor`, { hint: 'supervisors are the entries with "children" in the config tree; see `pd tree`' });
    }
    return (await handle.whichChildren()).map((c) => ({
      id: c.id, type: c.type, kind: c.kind, path: `${path}/${c.id}`, addr: c.addr, status: c.status,
      restart: c.restart, shutdown: c.shutdown, restarts: c.restarts, lastExit: c.lastExit,
    }));
  }

  restartsOf(path: string): number {
    return this.spawned.get(path)?.restarts ?? 0;
  }

  /**
   * On a multi-core engine, `idle()` is core 0's alone: a child on another core may still be
   * starting there, or crashing while it starts (its exit reaches its supervisor later). Wait
   * until every configured actor has left `starting` on its core, or the root has exited
   * (then checkStarted says why). The bound is for a start hook that never finishes: after
   * it the tree counts as started, as a single-core one whose hooks are still running does.
   */
  async settled(): Promise<void> {
    const view = EngineView.of(this.engine);
    if (!view.multi) return;
    const expected = [...this.where.keys()];
    for (const until = Date.now() + SETTLE_MS; Date.now() < until;) {
      if (this.engine.resolve(this.rootPath) === undefined) return;
      // A stand-in left unfolded is one whose actor has not answered yet: not started.
      const started = new Set((await view.list({ path: this.rootPath })).filter((a) => a.status !== 'starting' && a.kind !== STAND_IN_KIND).map((a) => a.path));
      if (expected.every((path) => started.has(path))) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
      await this.engine.idle();
    }
  }

  /** After the first start: the root supervisor must be alive; otherwise say what died. */
  checkStarted(): void {
    if (this.engine.resolve(this.rootPath) !== undefined) return;
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const t of [...this.engine.terminated()].reverse()) {
      if (seen.has(t.path) || !(t.path === this.rootPath || t.path.startsWith(`${this.rootPath}/`))) continue;
      seen.add(t.path);
      if (t.reason.type === 'error' || t.path === this.rootPath) lines.push(`${this.where.get(t.path) ?? t.path} (${t.path}): it exited (${describeExit(t.reason)})`);
    }
    throw new ControlError('spawn/failed', `the config tree did not start:\n  ${lines.reverse().join('\n  ')}`, { hint: 'fix the kind or its args; `pd start --foreground` shows the crash' });
  }

  private toRuntime(child: ChildSpec, parent: string, at: string): RuntimeChild {
    const path = `${parent}/${child.id}`;
    this.where.set(path, at);
    const common = {
      id: child.id,
      ...(child.restart !== undefined ? { restart: child.restart } : {}),
      ...(child.shutdown !== undefined ? { shutdown: child.shutdown } : {}),
    };
    if (child.children !== undefined) {
      const spec: SupervisorSpec = {
        ...(child.strategy !== undefined ? { strategy: child.strategy } : {}),
        ...(child.intensity !== undefined ? { intensity: child.intensity } : {}),
        ...(child.periodMs !== undefined ? { periodMs: child.periodMs } : {}),
        ...(child.backoff !== undefined ? { backoff: child.backoff } : {}),
        children: child.children.map((c, i) => this.toRuntime(c, path, `${at}.children[${i}]`)),
      };
      return { ...common, kind: supervisor(spec) };
    }
    return {
      ...common, kind: child.kind!,
      ...(child.args !== undefined ? { args: child.args } : {}),
      ...(child.register !== undefined ? { register: child.register } : {}),
      ...(child.mailbox !== undefined ? { mailbox: child.mailbox } : {}),
      ...(child.budget !== undefined ? { budget: child.budget } : {}),
      ...(child.placement !== undefined ? { placement: child.placement } : {}),
      ...(child.backoff !== undefined ? { backoff: child.backoff } : {}),
    };
  }

  private async respawn(path: string, spawned: Spawned, live: AnyAddr | undefined): Promise<{ addr: AnyAddr; path: string; restarts: number; previous: ExitReason | null }> {
    const previous = live === undefined ? null : await stopAndWait(this.engine, live, undefined);
    const addr = this.engine.spawn(spawned.kind, spawned.options);
    const now = this.engine.info(addr)?.path ?? path;
    this.spawned.delete(path);
    spawned.restarts++;
    this.spawned.set(now, spawned);
    return { addr, path: now, restarts: spawned.restarts, previous };
  }

  private async restartRoot(live: AnyAddr | undefined): Promise<{ addr: AnyAddr | null; path: string; restarts: number; previous: ExitReason | null }> {
    const previous = live === undefined ? null : await stopAndWait(this.engine, live, 'infinity');
    const handle = startSupervisor(this.engine, this.rootSpec(), { name: this.tree.id });
    await this.engine.idle();
    await this.settled();
    this.rootRestarts++;
    return { addr: this.engine.resolve(this.rootPath) ?? handle.addr, path: this.rootPath, restarts: this.rootRestarts, previous };
  }
}

function unknownTarget(target: string): ControlError {
  return new ControlError('target/unknown', `no live actor or supervised child has the target "${target}"`, { hint: 'see `pd tree` and `pd children SUPERVISOR`', data: { target } });
}
