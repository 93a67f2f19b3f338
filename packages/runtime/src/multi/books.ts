/**
 * The router's books: what one core remembers about actors on other cores — links between
 * a local and a remote actor, monitors in both directions (local watchers of remote
 * targets, remote watchers of local targets), and asks awaiting a reply from another core.
 *
 * Owns: those maps and the queries a core exit or crash needs. Must not: send frames or
 * touch cells (the router does both). Keys are address keys (`node.core.slot.gen`), so a
 * monitor can be recorded for an actor whose spawn has not run yet.
 */
import type { AnyAddr, ExitReason, MonitorRef } from '@pd/actor';
import type { RemoteAskHandle } from '../remote.js';

/** A monitor this core's actor holds on a remote actor. */
export interface Watching {
  readonly watcher: AnyAddr;
  readonly target: AnyAddr;
  readonly ref: MonitorRef;
  /** Router-internal watches (stand-ins) get a callback instead of a Down message. */
  readonly onDown: ((reason: ExitReason) => void) | null;
}

/** A monitor a remote actor holds on one of ours. */
export interface WatchedBy {
  readonly watcher: AnyAddr;
  readonly refId: number;
}

export class Books {
  /** Local actor key → the actor and the remote actors linked to it (by key). */
  readonly links = new Map<string, { readonly local: AnyAddr; readonly remotes: Map<string, AnyAddr> }>();
  /** Monitors held by local actors on remote ones, by ref id. */
  private readonly watching = new Map<number, Watching>();
  /** Local watcher key → ref ids of its monitors on remote actors. */
  private readonly watchingBy = new Map<string, Set<number>>();
  /** Local actor key → remote monitors on it (by `watcherKey#refId`). */
  readonly watchedBy = new Map<string, Map<string, WatchedBy>>();
  /** Asks sent to another core, by correlation id, with the core they went to. */
  readonly pending = new Map<number, { readonly ask: RemoteAskHandle; readonly core: number }>();
  /** Size at which settled asks (timed out, never answered) are swept from `pending`. */
  private sweepAt = 1024;

  /** Remember an ask sent to `core`; asks that settled without a reply are dropped now and then. */
  addPending(ask: RemoteAskHandle, core: number): void {
    const pending = this.pending;
    if (pending.size >= this.sweepAt) {
      for (const [id, p] of pending) if (p.ask.settled) pending.delete(id);
      this.sweepAt = Math.max(1024, pending.size * 2);
    }
    pending.set(ask.id, { ask, core });
  }

  /** Whether any local actor monitors a remote one. */
  get hasWatching(): boolean {
    return this.watching.size > 0;
  }

  addLink(local: AnyAddr, remote: AnyAddr): void {
    let entry = this.links.get(local.key);
    if (entry === undefined) this.links.set(local.key, (entry = { local, remotes: new Map() }));
    entry.remotes.set(remote.key, remote);
  }

  /** True when the link existed. */
  removeLink(local: AnyAddr, remote: AnyAddr): boolean {
    const entry = this.links.get(local.key);
    if (entry === undefined || !entry.remotes.delete(remote.key)) return false;
    if (entry.remotes.size === 0) this.links.delete(local.key);
    return true;
  }

  hasLink(local: AnyAddr, remote: AnyAddr): boolean {
    return this.links.get(local.key)?.remotes.has(remote.key) ?? false;
  }

  addWatching(w: Watching): void {
    this.watching.set(w.ref.id, w);
    let ids = this.watchingBy.get(w.watcher.key);
    if (ids === undefined) this.watchingBy.set(w.watcher.key, (ids = new Set()));
    ids.add(w.ref.id);
  }

  /** The monitor `refId`, removed; undefined when unknown (already fired or cancelled). */
  takeWatching(refId: number): Watching | undefined {
    const w = this.watching.get(refId);
    if (w === undefined) return undefined;
    this.watching.delete(refId);
    const ids = this.watchingBy.get(w.watcher.key);
    ids?.delete(refId);
    if (ids !== undefined && ids.size === 0) this.watchingBy.delete(w.watcher.key);
    return w;
  }

  addWatchedBy(targetKey: string, watcher: AnyAddr, refId: number): void {
    let map = this.watchedBy.get(targetKey);
    if (map === undefined) this.watchedBy.set(targetKey, (map = new Map()));
    map.set(`${watcher.key}#${refId}`, { watcher, refId });
  }

  removeWatchedBy(targetKey: string, watcher: AnyAddr, refId: number): void {
    const map = this.watchedBy.get(targetKey);
    if (map === undefined) return;
    map.delete(`${watcher.key}#${refId}`);
    if (map.size === 0) this.watchedBy.delete(targetKey);
  }

  /** Everything that concerned the local actor `key`, removed: its links, its watchers, its own monitors. */
  takeLocal(key: string): { links: AnyAddr[]; watchers: WatchedBy[]; watching: Watching[] } {
    const links = this.links.get(key);
    const watchers = this.watchedBy.get(key);
    this.links.delete(key);
    this.watchedBy.delete(key);
    const watching: Watching[] = [];
    for (const id of [...(this.watchingBy.get(key) ?? [])]) watching.push(this.takeWatching(id)!);
    return { links: links === undefined ? [] : [...links.remotes.values()], watchers: watchers === undefined ? [] : [...watchers.values()], watching };
  }

  /**
   * Everything that pointed at actors of `core`, removed: links (local, remote) pairs,
   * monitors our actors hold there, and asks waiting for it. Monitors its actors held on
   * ours are dropped too (nobody is left to tell).
   */
  takeCore(core: number, node: number): { links: [AnyAddr, AnyAddr][]; watching: Watching[]; asks: RemoteAskHandle[] } {
    const links: [AnyAddr, AnyAddr][] = [];
    for (const [localKey, entry] of this.links) {
      for (const [key, remote] of entry.remotes) {
        if (remote.core !== core || remote.node !== node) continue;
        links.push([entry.local, remote]);
        entry.remotes.delete(key);
      }
      if (entry.remotes.size === 0) this.links.delete(localKey);
    }
    const watching: Watching[] = [];
    for (const [id, w] of [...this.watching]) if (w.target.core === core && w.target.node === node) watching.push(this.takeWatching(id)!);
    for (const [target, map] of this.watchedBy) {
      for (const [key, w] of map) if (w.watcher.core === core && w.watcher.node === node) map.delete(key);
      if (map.size === 0) this.watchedBy.delete(target);
    }
    const asks: RemoteAskHandle[] = [];
    for (const [id, p] of this.pending) {
      if (p.core !== core) continue;
      asks.push(p.ask);
      this.pending.delete(id);
    }
    return { links, watching, asks };
  }
}
