/**
 * Cluster names from the config: a worker of the config's tree with `"clusterName": NAME`
 * is registered under NAME in the federation's cluster registry (@pd/federation's
 * `ClusterRegistry`), and kept so: each incarnation of the actor (a supervisor's restart
 * gives a new address; the registry drops a name when its holder exits) is registered
 * again, whenever no other node holds the name. A name held elsewhere (refused, or lost
 * after a partition healed) is left to its holder, and taken when that holder goes: a node
 * declared dead, left or stopped, or its actor exited. An operator's `pd cluster
 * unregister` releases a configured name (the keeper stops keeping it) until `pd cluster
 * register` names it again or the engine restarts.
 *
 * On a multi-core engine the worker may run on any core: one on core 0 is found at once
 * (`engine.resolve`); one on another core (kept on core 0 by a stand-in, or under a parent
 * of its own core) by asking the cores for what runs at its path (the runtime's `multiCore`
 * view), asynchronously, one look per name at a time, and only while its name is free. The name holds the actor itself, not its
 * stand-in, so messages go straight to its core.
 *
 * Owns: the configured names and which are released. Must not: register anything but the
 * live actor at the configured path, or take a name another node holds.
 */
import type { AnyAddr } from '@pd/actor';
import type { Federation } from '@pd/federation';
import type { Engine } from '@pd/runtime';
import type { ChildSpec, TreeSection } from './config/types.js';
import { EngineView, STAND_IN_KIND } from './cores.js';

/** A `clusterName` of the config's tree. */
export interface ConfiguredName {
  readonly name: string;
  /** The worker's path (`/user/ROOT/.../ID`). */
  readonly path: string;
  /** Where the config declares it (`tree.children[0].clusterName`), for messages. */
  readonly at: string;
}

/**
 * What the keeper says of a configured name: `held` (by its actor, here), `elsewhere`
 * (another node holds it; taken when that holder goes), `waiting` (its actor is not
 * running now), `released` (by `pd cluster unregister`), `failed` (the registry refused
 * it for another reason: `error` says why).
 */
export type ConfiguredState = 'held' | 'elsewhere' | 'waiting' | 'released' | 'failed';

export interface ConfiguredStatus extends ConfiguredName {
  readonly state: ConfiguredState;
  /** `elsewhere`: the holder's node. */
  readonly node?: string;
  readonly error?: string;
}

/** How often the keeper looks at its names, ms. */
export const KEEP_INTERVAL_MS = 200;

/** The `clusterName`s of `tree`, with their workers' paths. */
export function configuredNames(tree: TreeSection): ConfiguredName[] {
  const out: ConfiguredName[] = [];
  const walk = (children: readonly ChildSpec[], parent: string, at: string): void => {
    children.forEach((child, i) => {
      const path = `${parent}/${child.id}`;
      if (child.children !== undefined) walk(child.children, path, `${at}[${i}].children`);
      else if (child.clusterName !== undefined) out.push({ name: child.clusterName, path, at: `${at}[${i}].clusterName` });
    });
  };
  walk(tree.children, `/user/${tree.id}`, 'tree.children');
  return out;
}

/** Keeps the config's cluster names registered; see the module's comment. */
export class ClusterNameKeeper {
  private readonly released = new Set<string>();
  private readonly errors = new Map<string, string>();
  /** The actor each name was last registered for here (an actor of another core is not found synchronously). */
  private readonly registered = new Map<string, AnyAddr>();
  /** Names whose actor is being looked up on the other cores. */
  private readonly looking = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly federation: Federation, private readonly engine: Engine, readonly names: readonly ConfiguredName[]) {}

  /**
   * Register what can be now, then look again every {@link KEEP_INTERVAL_MS}. Resolves once
   * the first look is done (workers on other cores looked up too).
   */
  start(intervalMs = KEEP_INTERVAL_MS): Promise<void> {
    const first = this.keep();
    if (this.names.length > 0 && this.timer === null) {
      this.timer = setInterval(() => void this.keep(), intervalMs);
      this.timer.unref?.();
    }
    return first;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The configured entry for `name`, if any. */
  configured(name: string): ConfiguredName | undefined {
    return this.names.find((n) => n.name === name);
  }

  /** `pd cluster unregister`: stop keeping `name` (true when it is a configured one). */
  release(name: string): boolean {
    if (this.configured(name) === undefined) return false;
    this.released.add(name);
    return true;
  }

  /** `pd cluster register` of a configured name for its configured actor (`addr`): keep it again. */
  rearm(name: string, addr?: AnyAddr): void {
    this.released.delete(name);
    this.errors.delete(name);
    if (addr !== undefined) this.registered.set(name, addr);
  }

  /**
   * One look at every configured name: register those that are free and whose actor runs.
   * Resolves when the look-ups on other cores it started are done.
   */
  keep(): Promise<void> {
    if (!this.federation.running) return Promise.resolve();
    const registry = this.federation.registry;
    const lookups: Promise<void>[] = [];
    for (const { name, path } of this.names) {
      if (this.released.has(name)) continue;
      // Held: ours (this incarnation: the registry drops an exited holder's names), or another node's.
      if (registry.whereis(name) !== undefined) continue;
      const addr = this.actorAt(path);
      if (addr !== undefined) this.register(name, addr);
      else if (!this.looking.has(name)) lookups.push(this.lookElsewhere(name, path));
    }
    return Promise.all(lookups).then(() => undefined);
  }

  /** Each configured name and what became of it. */
  status(): ConfiguredStatus[] {
    const running = this.federation.running;
    const held = running ? this.federation.registry.list() : [];
    return this.names.map((n) => {
      if (this.released.has(n.name)) return { ...n, state: 'released' };
      const holder = held.find((h) => h.name === n.name);
      const addr = this.actorAt(n.path) ?? this.registered.get(n.name);
      if (holder !== undefined && holder.node === this.federation.nodeId && addr !== undefined && holder.addr.equals(addr)) return { ...n, state: 'held' };
      if (holder !== undefined && holder.node !== this.federation.nodeId) return { ...n, state: 'elsewhere', node: holder.node };
      const error = this.errors.get(n.name);
      if (error !== undefined && addr !== undefined) return { ...n, state: 'failed', error };
      return { ...n, state: 'waiting' };
    });
  }

  // --- internal ---

  private register(name: string, addr: AnyAddr): void {
    try {
      this.federation.registry.register(name, addr);
      this.registered.set(name, addr);
      this.errors.delete(name);
    } catch (error) {
      this.errors.set(name, (error as Error).message);
    }
  }

  /** The live actor of this core at `path`; undefined for none, or for a stand-in (its actor runs on another core). */
  private actorAt(path: string): AnyAddr | undefined {
    try {
      const addr = this.engine.resolve(path);
      const info = addr === undefined ? undefined : this.engine.info(addr);
      return info !== undefined && info.kind !== STAND_IN_KIND ? addr : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * On a multi-core engine, find the actor at `path` on the other cores (each core lists only
   * what is at or under `path`); register `name` for it if the name is still free then.
   * Never rejects.
   */
  private lookElsewhere(name: string, path: string): Promise<void> {
    const cores = EngineView.of(this.engine).cores;
    if (cores === null) return Promise.resolve();
    this.looking.add(name);
    return cores.list({ path }).then((found) => {
      this.looking.delete(name);
      const actor = found.find((a) => a.path === path && a.kind !== STAND_IN_KIND);
      if (actor === undefined || !this.federation.running || this.released.has(name) || this.federation.registry.whereis(name) !== undefined) return;
      this.register(name, actor.addr);
    }, () => {
      this.looking.delete(name);
    });
  }
}
