/**
 * Cluster names and path prefixes from the config (both *claims* in the federation's
 * cluster registry, @pd/federation's `ClusterRegistry`, kept by one mechanism): a worker of
 * the config's tree with `"clusterName": NAME` is registered under NAME, and an entry
 * (worker or supervisor) with `"clusterPrefix": true` claims its own path
 * (`/user/ROOT/.../ID`) as a path prefix held by its actor (every node resolves paths at and
 * below it to this node). Each claim is kept: each incarnation of the actor (a supervisor's
 * restart gives a new address; the registry drops a claim when its holder exits) claims it
 * again, whenever no other node holds it. A claim held elsewhere (refused, or lost after a
 * partition healed) is left to its holder, and taken when that holder goes: a node declared
 * dead, left or stopped, or its actor exited. An operator's `pd cluster unregister` (or
 * `unregister-prefix`) releases a configured claim (the keeper stops keeping it) until `pd
 * cluster register` (`register-prefix`) makes it again or the engine restarts.
 *
 * Process groups from the config are kept by the same loop: an entry with `"clusterGroups":
 * [GROUP...]` has each incarnation of its actor join each group (a group has many members, so
 * there is no holder to wait for: the actor is a member, or it joins). `pd cluster
 * leave-group` releases such a membership, `pd cluster join-group` keeps it again.
 *
 * On a multi-core engine the actor may run on any core: one on core 0 is found at once
 * (`engine.resolve`); one on another core (kept on core 0 by a stand-in, or under a parent
 * of its own core) by asking the cores for what runs at its path (the runtime's `multiCore`
 * view), asynchronously, one look per claim at a time, and only while the claim is free. The claim holds the actor itself, not its
 * stand-in, so messages go straight to its core. The keeper remembers the actor each look
 * found (here or on another core), so a claim refused for an actor of another core is
 * reported `failed` while that actor runs, as one of core 0 is, not `waiting`.
 *
 * Owns: the configured claims and which are released. Must not: make a claim for any actor
 * but the live one at the configured path, or take a claim another node holds.
 */
import type { AnyAddr } from '@pd/actor';
import type { ClusterRegistry, Federation } from '@pd/federation';
import type { Engine } from '@pd/runtime';
import type { ChildSpec, TreeSection } from './config/types.js';
import { EngineView, STAND_IN_KIND } from './cores.js';

/** The two kinds of claim in the cluster registry: a name, or a path prefix. */
export type ClaimKind = 'name' | 'prefix';

/** A `clusterName` of the config's tree. */
export interface ConfiguredName {
  readonly name: string;
  /** The worker's path (`/user/ROOT/.../ID`). */
  readonly path: string;
  /** Where the config declares it (`tree.children[0].clusterName`), for messages. */
  readonly at: string;
}

/** A `clusterPrefix` of the config's tree: the entry's own path, claimed for its actor. */
export interface ConfiguredPrefix {
  /** The prefix claimed: the entry's path. */
  readonly prefix: string;
  readonly path: string;
  /** Where the config declares it (`tree.children[0].clusterPrefix`). */
  readonly at: string;
}

/** A `clusterGroups` entry of the config's tree: the entry's actor, a member of `group`. */
export interface ConfiguredGroup {
  readonly group: string;
  readonly path: string;
  /** Where the config declares it (`tree.children[0].clusterGroups[1]`). */
  readonly at: string;
}

/** A claim the config makes: a name (has `name`), a path prefix (has `prefix`) or a group membership (has `group`). */
export type ConfiguredClaim = ConfiguredName | ConfiguredPrefix | ConfiguredGroup;

/** What the keeper keeps: a registry claim (`name`, `prefix`) or a process group membership. */
export type ConfiguredKind = ClaimKind | 'group';

/**
 * What the keeper says of a configured claim: `held` (by its actor, here), `elsewhere`
 * (another node holds it; taken when that holder goes), `waiting` (its actor is not
 * running now), `released` (by `pd cluster unregister` / `unregister-prefix` /
 * `leave-group`), `failed` (its actor runs, on any core, but the registry or the groups
 * service refused it for another reason: `error` says why).
 */
export type ConfiguredState = 'held' | 'elsewhere' | 'waiting' | 'released' | 'failed';

export type ConfiguredStatus = ConfiguredClaim & {
  readonly state: ConfiguredState;
  /** `elsewhere`: the holder's node. */
  readonly node?: string;
  readonly error?: string;
};

/** How often the keeper looks at its claims, ms. */
export const KEEP_INTERVAL_MS = 200;

/** The claims of `tree` (its `clusterName`s, `clusterPrefix`es and `clusterGroups`), in tree order. */
export function configuredClaims(tree: TreeSection): ConfiguredClaim[] {
  const out: ConfiguredClaim[] = [];
  const walk = (children: readonly ChildSpec[], parent: string, at: string): void => {
    children.forEach((child, i) => {
      const path = `${parent}/${child.id}`;
      if (child.clusterName !== undefined) out.push({ name: child.clusterName, path, at: `${at}[${i}].clusterName` });
      if (child.clusterPrefix === true) out.push({ prefix: path, path, at: `${at}[${i}].clusterPrefix` });
      (child.clusterGroups ?? []).forEach((group, j) => out.push({ group, path, at: `${at}[${i}].clusterGroups[${j}]` }));
      if (child.children !== undefined) walk(child.children, path, `${at}[${i}].children`);
    });
  };
  walk(tree.children, `/user/${tree.id}`, 'tree.children');
  return out;
}

/** The `clusterName`s of `tree`, with their workers' paths. */
export function configuredNames(tree: TreeSection): ConfiguredName[] {
  return configuredClaims(tree).filter((c): c is ConfiguredName => claimKind(c) === 'name');
}

/** Which kind of claim `claim` is. */
export function claimKind(claim: ConfiguredClaim): ConfiguredKind {
  return 'prefix' in claim ? 'prefix' : 'group' in claim ? 'group' : 'name';
}

function claimKey(claim: ConfiguredClaim): string {
  return 'prefix' in claim ? claim.prefix : 'group' in claim ? claim.group : claim.name;
}

/** A claim's holder as the registry shows it. */
export interface ClaimHolder {
  readonly node: string;
  readonly clock: number;
  readonly addr: AnyAddr;
}

/** The registry's calls for each kind of claim: the one place the two kinds differ. */
export const CLAIMS: Readonly<Record<ClaimKind, {
  /** The holder of exactly `key` as this node knows it (for a prefix, not a shorter one covering it). */
  holder(registry: ClusterRegistry, key: string): ClaimHolder | undefined;
  /** Claim `key` for `addr` (the registry's errors as they come). */
  claim(registry: ClusterRegistry, key: string, addr: AnyAddr): void;
  /** Drop this node's claim of `key`; true when it held one. */
  drop(registry: ClusterRegistry, key: string): boolean;
}>> = {
  name: {
    holder: (registry, key) => registry.list().find((n) => n.name === key),
    claim: (registry, key, addr) => registry.register(key, addr),
    drop: (registry, key) => registry.unregister(key),
  },
  prefix: {
    holder: (registry, key) => {
      const claim = registry.whereisPrefix(key);
      return claim?.prefix === key ? claim : undefined;
    },
    claim: (registry, key, addr) => registry.registerPrefix(key, addr),
    drop: (registry, key) => registry.unregisterPrefix(key),
  },
};

/** Keeps the config's cluster names and path prefixes claimed; see the module's comment. */
export class ClusterNameKeeper {
  private readonly released = new Set<ConfiguredClaim>();
  private readonly errors = new Map<ConfiguredClaim, string>();
  /** The actor each claim was last made for here (an actor of another core is not found synchronously). */
  private readonly registered = new Map<ConfiguredClaim, AnyAddr>();
  /**
   * The live actor each claim's last look found at its path, on this core or another
   * (dropped when a look finds none): what `status` takes as running for an actor of
   * another core, which no synchronous call can see.
   */
  private readonly found = new Map<ConfiguredClaim, AnyAddr>();
  /** Claims whose actor is being looked up on the other cores. */
  private readonly looking = new Set<ConfiguredClaim>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly federation: Federation, private readonly engine: Engine, readonly claims: readonly ConfiguredClaim[]) {}

  /**
   * Claim what can be now, then look again every {@link KEEP_INTERVAL_MS}. Resolves once
   * the first look is done (actors on other cores looked up too).
   */
  start(intervalMs = KEEP_INTERVAL_MS): Promise<void> {
    const first = this.keep();
    if (this.claims.length > 0 && this.timer === null) {
      this.timer = setInterval(() => void this.keep(), intervalMs);
      this.timer.unref?.();
    }
    return first;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The configured claim of `kind` for `key` (a name, a prefix, a group), if any; for a group, the one of the actor at `path`. */
  configured(key: string, kind: ConfiguredKind = 'name', path?: string): ConfiguredClaim | undefined {
    return this.claims.find((c) => claimKind(c) === kind && claimKey(c) === key && (path === undefined || c.path === path));
  }

  /** `pd cluster unregister` (`unregister-prefix`, `leave-group`): stop keeping `key` (true when it is a configured one). */
  release(key: string, kind: ConfiguredKind = 'name', path?: string): boolean {
    const claim = this.configured(key, kind, path);
    if (claim === undefined) return false;
    this.released.add(claim);
    return true;
  }

  /** `pd cluster register` (`register-prefix`, `join-group`) of a configured claim for its configured actor (`addr`): keep it again. */
  rearm(key: string, addr?: AnyAddr, kind: ConfiguredKind = 'name', path?: string): void {
    const claim = this.configured(key, kind, path);
    if (claim === undefined) return;
    this.released.delete(claim);
    this.errors.delete(claim);
    if (addr !== undefined) this.registered.set(claim, addr);
  }

  /**
   * One look at every configured claim: make those that are free and whose actor runs.
   * Resolves when the look-ups on other cores it started are done.
   */
  keep(): Promise<void> {
    if (!this.federation.running) return Promise.resolve();
    const lookups: Promise<void>[] = [];
    for (const claim of this.claims) {
      // Held: ours (this incarnation: the registry drops an exited holder's claims), or another node's.
      if (this.released.has(claim) || this.settled(claim)) continue;
      const addr = this.actorAt(claim.path);
      if (addr !== undefined) {
        this.found.set(claim, addr);
        this.claim(claim, addr);
      } else if (!this.looking.has(claim)) lookups.push(this.lookElsewhere(claim));
    }
    return Promise.all(lookups).then(() => undefined);
  }

  /** Each configured claim and what became of it. */
  status(): ConfiguredStatus[] {
    const running = this.federation.running;
    return this.claims.map((c): ConfiguredStatus => {
      if (this.released.has(c)) return { ...c, state: 'released' };
      if ('group' in c) {
        if (running && this.isMember(c)) return { ...c, state: 'held' };
        const error = this.errors.get(c);
        return error !== undefined && this.running(c) !== undefined ? { ...c, state: 'failed', error } : { ...c, state: 'waiting' };
      }
      const holder = running ? this.holder(c) : undefined;
      const addr = this.actorAt(c.path) ?? this.registered.get(c);
      if (holder !== undefined && holder.node === this.federation.nodeId && addr !== undefined && holder.addr.equals(addr)) return { ...c, state: 'held' };
      if (holder !== undefined && holder.node !== this.federation.nodeId) return { ...c, state: 'elsewhere', node: holder.node };
      const error = this.errors.get(c);
      // Refused, and still so for the actor running now (a look at an unsettled claim tries it again).
      if (error !== undefined && this.running(c) !== undefined) return { ...c, state: 'failed', error };
      return { ...c, state: 'waiting' };
    });
  }

  // --- internal ---

  /** A registry claim's holder (a group membership has none). */
  private holder(claim: ConfiguredClaim): ClaimHolder | undefined {
    return 'group' in claim ? undefined : CLAIMS[claimKind(claim) as ClaimKind].holder(this.federation.registry, claimKey(claim));
  }

  /** Nothing to do for `claim` now: held (here or elsewhere), or a group membership its actor has. */
  private settled(claim: ConfiguredClaim): boolean {
    return 'group' in claim ? this.isMember(claim) : this.holder(claim) !== undefined;
  }

  /** Whether the actor last joined for a configured group membership is still a member (an exit takes it out). */
  private isMember(claim: ConfiguredGroup): boolean {
    const addr = this.registered.get(claim);
    return addr !== undefined && this.federation.groups.localMembers(claim.group).some((m) => m.equals(addr));
  }

  private claim(claim: ConfiguredClaim, addr: AnyAddr): void {
    try {
      if ('group' in claim) this.federation.groups.join(claim.group, addr);
      else CLAIMS[claimKind(claim) as ClaimKind].claim(this.federation.registry, claimKey(claim), addr);
      this.registered.set(claim, addr);
      this.errors.delete(claim);
    } catch (error) {
      this.errors.set(claim, (error as Error).message);
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
   * The actor running at the claim's path now, as far as this core can tell: the one here,
   * or the one of another core the last look found, while its core is up (it is looked for
   * again every {@link KEEP_INTERVAL_MS} while the claim is not settled).
   */
  private running(claim: ConfiguredClaim): AnyAddr | undefined {
    const here = this.actorAt(claim.path);
    if (here !== undefined) return here;
    const last = this.found.get(claim);
    // One of this core that resolve no longer finds has exited.
    if (last === undefined || last.core === this.engine.core) return undefined;
    const cores = EngineView.of(this.engine).cores;
    return cores !== null && cores.status()[last.core]?.state === 'up' ? last : undefined;
  }

  /**
   * On a multi-core engine, find the actor at the claim's path on the other cores (each core
   * lists only what is at or under that path), remember it, and make the claim for it if it
   * is still free then. Never rejects.
   */
  private lookElsewhere(claim: ConfiguredClaim): Promise<void> {
    const cores = EngineView.of(this.engine).cores;
    if (cores === null) {
      this.found.delete(claim); // Single-core: not on this core, so not running.
      return Promise.resolve();
    }
    const { path } = claim;
    this.looking.add(claim);
    return cores.list({ path }).then((found) => {
      this.looking.delete(claim);
      const actor = found.find((a) => a.path === path && a.kind !== STAND_IN_KIND);
      if (actor === undefined) this.found.delete(claim);
      else this.found.set(claim, actor.addr);
      if (actor === undefined || !this.federation.running || this.released.has(claim) || this.settled(claim)) return;
      this.claim(claim, actor.addr);
    }, () => {
      this.looking.delete(claim);
    });
  }
}
