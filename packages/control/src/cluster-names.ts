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
 * Owns: the configured names and which are released. Must not: register anything but the
 * live actor at the configured path, or take a name another node holds.
 */
import type { AnyAddr } from '@pd/actor';
import type { Federation } from '@pd/federation';
import type { Engine } from '@pd/runtime';
import type { ChildSpec, TreeSection } from './config/types.js';

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
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly federation: Federation, private readonly engine: Engine, readonly names: readonly ConfiguredName[]) {}

  /** Register what can be now, then look again every {@link KEEP_INTERVAL_MS}. */
  start(intervalMs = KEEP_INTERVAL_MS): void {
    this.keep();
    if (this.names.length === 0 || this.timer !== null) return;
    this.timer = setInterval(() => this.keep(), intervalMs);
    this.timer.unref?.();
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

  /** `pd cluster register` of a configured name for its configured actor: keep it again. */
  rearm(name: string): void {
    this.released.delete(name);
    this.errors.delete(name);
  }

  /** One look at every configured name: register those that are free and whose actor runs. */
  keep(): void {
    if (!this.federation.running) return;
    const registry = this.federation.registry;
    for (const { name, path } of this.names) {
      if (this.released.has(name)) continue;
      const addr = this.actorAt(path);
      if (addr === undefined) continue;
      const holder = registry.list().find((n) => n.name === name);
      if (holder !== undefined) continue; // Ours (this incarnation: the registry drops an exited holder's names), or another node's.
      try {
        registry.register(name, addr);
        this.errors.delete(name);
      } catch (error) {
        this.errors.set(name, (error as Error).message);
      }
    }
  }

  /** Each configured name and what became of it. */
  status(): ConfiguredStatus[] {
    const running = this.federation.running;
    const held = running ? this.federation.registry.list() : [];
    return this.names.map((n) => {
      if (this.released.has(n.name)) return { ...n, state: 'released' };
      const holder = held.find((h) => h.name === n.name);
      const addr = this.actorAt(n.path);
      if (holder !== undefined && holder.node === this.federation.nodeId && addr !== undefined && holder.addr.equals(addr)) return { ...n, state: 'held' };
      if (holder !== undefined && holder.node !== this.federation.nodeId) return { ...n, state: 'elsewhere', node: holder.node };
      const error = this.errors.get(n.name);
      if (error !== undefined && addr !== undefined) return { ...n, state: 'failed', error };
      return { ...n, state: 'waiting' };
    });
  }

  // --- internal ---

  private actorAt(path: string): AnyAddr | undefined {
    try {
      const addr = this.engine.resolve(path);
      return addr !== undefined && this.engine.info(addr) !== undefined ? addr : undefined;
    } catch {
      return undefined;
    }
  }
}
