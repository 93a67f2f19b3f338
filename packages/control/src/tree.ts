/**
 * The actor tree a config declares, started on an engine, and what the control plane
 * needs from it: restarting an actor by its spec, listing a supervisor's children.
 *
 * TODO(supervision, issue 3): supervision is being built in @pd/runtime. Until it lands,
 * a config supervisor is a plain *group* actor (kind `pd:group`) that spawns its children
 * in order and does NOT restart them; `restart`, `strategy`, `intensity` and `periodMs`
 * are recorded and shown but not enforced, and `pd restart` re-spawns from the recorded
 * spec. Once the runtime has supervisors, start the tree through their API instead and
 * let `restart`/`children` ask the supervisor.
 */
import { Down, Exit, defineKind, describeExit, type AnyAddr, type Context, type ExitReason, type SpawnOptions } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { ControlError } from './errors.js';
import { findTarget } from './targets.js';
import type { ChildSpec, TreeSection } from './config/types.js';

/** One child of a supervisor, as `supervisor.children` reports it. */
export interface TreeChild {
  readonly id: string;
  readonly type: 'worker' | 'supervisor';
  readonly kind: string;
  readonly path: string;
  readonly addr: AnyAddr | null;
  readonly status: string;
  readonly restart: string;
  readonly shutdown: number | string;
  /** Restarts done through the control plane. */
  readonly restarts: number;
}

/** What the control plane asks of the tree. */
export interface TreeHost {
  /** True once restarts are automatic (real supervisors); false for the interim groups. */
  readonly supervised: boolean;
  /** Spawn a top-level actor and remember how, so `restart` can start it again. */
  spawn(kind: string, options: SpawnOptions): AnyAddr;
  /** Stop (if alive) and start again the actor at `target` (live address, name or path). */
  restart(target: string): Promise<{ addr: AnyAddr; path: string; restarts: number; previous: ExitReason | null }>;
  /** The children of the supervisor at `target`. */
  children(target: string): TreeChild[];
  /** Restarts done through the control plane for the actor at `path`. */
  restartsOf(path: string): number;
}

/** The kind of interim group actors (see the TODO above). */
export const GROUP_KIND = 'pd:group';

/** Start `tree` on `engine`; resolves once the engine is idle, rejects naming a child that died at start. */
export async function startTree(engine: Engine, tree: TreeSection): Promise<TreeHost> {
  const host = new InterimTree(engine);
  if (tree.children.length > 0) {
    const { id, children, ...flags } = tree;
    const root: ChildSpec = { id, ...flags, children };
    host.record(root, null, 'tree');
    engine.spawn(host.groupKind, { name: tree.id, args: { specs: tree.children, path: `/user/${tree.id}`, at: 'tree.children' } });
    await engine.idle();
    host.checkStarted();
  }
  return host;
}

// --- internal ---

interface Entry {
  spec: ChildSpec;
  path: string;
  /** Path of the group that starts it; null for a top-level actor. */
  parent: string | null;
  /** Where it sits in the config, for error messages. */
  at: string;
  restarts: number;
  /** The options of a `pd spawn`, reused as they were. */
  options?: SpawnOptions;
}

type GroupArgs = { specs: readonly ChildSpec[]; path: string; at: string };
type GroupMsg = { $pd: 'start'; spec: ChildSpec };

class InterimTree implements TreeHost {
  readonly supervised = false;
  private readonly entries = new Map<string, Entry>();
  readonly groupKind = defineKind<GroupMsg, GroupArgs>(GROUP_KIND, (args) => ({
    started: (ctx: Context<GroupMsg>) => {
      args.specs.forEach((spec, i) => this.startChild(ctx, spec, args.path, `${args.at}[${i}]`));
    },
    receive: (msg: GroupMsg, ctx: Context<GroupMsg>) => (msg?.$pd === 'start' ? this.startChild(ctx, msg.spec, ctx.path, null) : undefined),
  }));

  constructor(private readonly engine: Engine) {}

  spawn(kind: string, options: SpawnOptions): AnyAddr {
    const addr = this.engine.spawn(kind, options);
    const path = this.engine.info(addr)?.path ?? `/user/${options.name ?? '?'}`;
    this.record(specOf(kind, options), null, null, path);
    this.entries.get(path)!.options = options;
    return addr;
  }

  async restart(target: string): Promise<{ addr: AnyAddr; path: string; restarts: number; previous: ExitReason | null }> {
    const live = findTarget(this.engine, target);
    const path = live !== undefined ? this.engine.info(live)?.path ?? target : target;
    const entry = this.entries.get(path);
    if (entry === undefined) {
      throw new ControlError('target/not-restartable', `${path} was not started from the config tree or with \`pd spawn\`, so nothing knows how to start it again`, {
        hint: 'only actors the control plane started (config tree, pd spawn) can be restarted', data: { target },
      });
    }
    const previous = live === undefined ? null : await stopAndWait(this.engine, live, entry.spec.shutdown);
    let addr: AnyAddr;
    if (entry.parent === null) {
      addr = entry.spec.children !== undefined
        ? this.engine.spawn(this.groupKind, { name: entry.spec.id, args: { specs: entry.spec.children, path, at: `${entry.at}.children` } })
        : this.engine.spawn(entry.spec.kind!, entry.options ?? spawnOptions(entry.spec));
    } else {
      const group = this.engine.resolve(entry.parent);
      if (group === undefined) throw new ControlError('target/not-restartable', `the group ${entry.parent} that starts ${path} is not running`, { hint: `restart ${entry.parent} first` });
      addr = await this.engine.ask<GroupMsg, AnyAddr>(group, { $pd: 'start', spec: entry.spec });
    }
    const now = this.engine.info(addr)?.path ?? path;
    this.entries.delete(path);
    entry.restarts++;
    entry.path = now;
    this.entries.set(now, entry);
    return { addr, path: now, restarts: entry.restarts, previous };
  }

  children(target: string): TreeChild[] {
    const live = findTarget(this.engine, target);
    const path = live !== undefined ? this.engine.info(live)?.path ?? target : target;
    const entry = this.entries.get(path);
    if (entry === undefined || entry.spec.children === undefined) {
      if (live === undefined && entry === undefined) throw new ControlError('target/unknown', `no live actor or configured supervisor has the target "${target}"`, { hint: 'see `pd tree`', data: { target } });
      throw new ControlError('target/not-supervisor', `${path} is not a supervisor`, { hint: 'supervisors are the entries with "children" in the config tree; see `pd tree`' });
    }
    const out: TreeChild[] = [];
    for (const child of this.entries.values()) {
      if (child.parent !== path) continue;
      const addr = this.engine.resolve(child.path) ?? null;
      const info = addr === null ? undefined : this.engine.info(addr);
      out.push({
        id: child.spec.id, type: child.spec.children === undefined ? 'worker' : 'supervisor', kind: info?.kind ?? child.spec.kind ?? GROUP_KIND,
        path: child.path, addr, status: info?.status ?? 'dead', restart: child.spec.restart ?? 'permanent', shutdown: child.spec.shutdown ?? 5000,
        restarts: child.restarts,
      });
    }
    return out;
  }

  restartsOf(path: string): number {
    return this.entries.get(path)?.restarts ?? 0;
  }

  /** Remember how the actor at `path` (default: under its parent, by id) was started. */
  record(spec: ChildSpec, parent: string | null, at: string | null, path = `${parent ?? '/user'}/${spec.id}`): void {
    const old = this.entries.get(path);
    this.entries.set(path, { spec, path, parent, at: at ?? old?.at ?? path, restarts: old?.restarts ?? 0 });
  }

  /** After the initial start: every configured actor must be alive. */
  checkStarted(): void {
    const dead = [...this.entries.values()].filter((e) => e.at.startsWith('tree') && this.engine.resolve(e.path) === undefined);
    if (dead.length === 0) return;
    const terminated = this.engine.terminated();
    const lines = dead.map((e) => {
      const t = terminated.filter((s) => s.path === e.path).pop();
      const why = t === undefined ? 'it is not running' : `it exited (${describeExit(t.reason)})`;
      return `${e.at} (${e.path}): ${why}`;
    });
    throw new ControlError('spawn/failed', `the config tree did not start:\n  ${lines.join('\n  ')}`, { hint: 'fix the kind or its args; `pd start --foreground` shows the crash' });
  }

  private startChild(ctx: Context<GroupMsg>, spec: ChildSpec, parentPath: string, at: string | null): AnyAddr {
    this.record(spec, parentPath, at);
    if (spec.children !== undefined) {
      return ctx.spawn(this.groupKind, { name: spec.id, args: { specs: spec.children, path: `${parentPath}/${spec.id}`, at: `${at ?? parentPath}.children` } });
    }
    return ctx.spawn(spec.kind!, spawnOptions(spec));
  }
}

function spawnOptions(spec: ChildSpec): SpawnOptions {
  const shutdown = spec.shutdown;
  const stopTimeoutMs = typeof shutdown === 'number' && shutdown > 0 ? shutdown : shutdown === 'infinity' ? 86_400_000 : undefined;
  return {
    name: spec.id,
    ...(spec.args !== undefined ? { args: spec.args } : {}),
    ...(spec.register !== undefined ? { register: spec.register } : {}),
    ...(spec.mailbox !== undefined ? { mailbox: spec.mailbox } : {}),
    ...(spec.budget !== undefined ? { budget: spec.budget } : {}),
    ...(stopTimeoutMs !== undefined ? { stopTimeoutMs } : {}),
  };
}

function specOf(kind: string, options: SpawnOptions): ChildSpec {
  return {
    id: options.name ?? kind, kind, restart: 'temporary',
    ...(options.args !== undefined ? { args: options.args } : {}),
    ...(options.register !== undefined ? { register: options.register } : {}),
  };
}

/** Stop `addr` as its spec says (`brutal` or 0: kill) and wait for its exit. */
export async function stopAndWait(engine: Engine, addr: AnyAddr, shutdown: ChildSpec['shutdown'], reason: ExitReason = Exit.shutdown('pd restart')): Promise<ExitReason> {
  const brutal = shutdown === 'brutal' || shutdown === 0;
  return awaitExit(engine, addr, () => (brutal ? engine.kill(addr) : engine.stop(addr, reason)), 30_000);
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
