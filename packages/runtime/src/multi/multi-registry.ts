/**
 * The engine-wide registry of a multi-core engine, with no lock shared between threads.
 * Each name (and each path) has a home core, chosen by hash; the home core alone decides
 * who holds it, in the order claims reach it. Every core keeps a replica of the bindings of
 * actors on other cores, updated by the home cores' broadcasts, and answers `whereis` from
 * it synchronously. The consistency model (docs/multi-core.md):
 * - a binding is visible at once on the registering core and one ring hop later elsewhere;
 * - two cores claiming one name at once: the first claim to reach the home core wins; the
 *   loser's binding is withdrawn and the losing actor exits with a `registry/name-taken`
 *   error (as if its `register` had thrown);
 * - a binding ends when its actor exits (or its core crashes), everywhere, one hop later;
 *   until then a lookup may return the address of an actor that just exited (a send to it
 *   is a dead letter, as for any dead address).
 *
 * Must not: hold a remote actor in the local tables (the base class keeps local actors).
 */
import {
  type Addr, type AddrIdentity, type AnyAddr, Exit, RegistryError, isUnderPath, pathSegments, validateName, validatePath,
} from '@pd/actor';
import { addrIdentity } from '@pd/actor/internal';
import type { ActorCell } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import { hashName } from '../random.js';
import { type PathWatcher, Registry } from '../kernel/registry.js';
import type { CorePort } from './port.js';
import type { Control, Space } from './protocol.js';

type Bindings = Map<string, AnyAddr>;

export class MultiRegistry extends Registry {
  /** Bindings of actors on other cores, as last broadcast. */
  private readonly replica: Record<Space, Bindings> = { name: new Map(), path: new Map() };
  /** Bindings whose home is this core (of actors anywhere): the authoritative table. */
  private readonly home: Record<Space, Bindings> = { name: new Map(), path: new Map() };
  private remoteWatchers: { prefix: string; fn: PathWatcher }[] = [];

  constructor(private readonly engine: Engine, private readonly router: CorePort) {
    super(engine);
  }

  // --- names ---

  override register(name: string, addr: AnyAddr): void {
    validateName(name);
    this.refuseTaken('name', name, addr);
    if (this.isLocal(addr)) super.register(name, addr);
    else this.bindRemote('name', name, addr);
    this.claim('name', name, addr);
  }

  /** Throws unless `name` is valid and free as far as this core knows (a remote spawn's `register`). */
  checkFree(name: string): void {
    validateName(name);
    const holder = this.whereis(name);
    if (holder !== undefined) throw new RegistryError('registry/name-taken', `the name "${name}" is already registered to ${holder}`, { name });
  }

  override unregister(name: string, addr?: AnyAddr): boolean {
    const holder = super.whereis(name);
    if (holder !== undefined && super.unregister(name, addr)) {
      this.release('name', name, holder);
      return true;
    }
    const remote = this.replica.name.get(name);
    if (remote === undefined || (addr !== undefined && !remote.equals(addr))) return false;
    this.replica.name.delete(name);
    this.release('name', name, remote);
    return true;
  }

  override whereis<T = unknown, R = unknown>(name: string): Addr<T, R> | undefined {
    return (super.whereis<T, R>(name) ?? this.replica.name.get(name)) as Addr<T, R> | undefined;
  }

  override registered(): { name: string; addr: AnyAddr; path: string }[] {
    const out = super.registered();
    for (const [name, addr] of this.replica.name) if (super.whereis(name) === undefined) out.push({ name, addr, path: `(core ${addr.core})` });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // --- paths ---

  override registerPath(path: string, addr: AnyAddr): void {
    validatePath(path);
    if (path === '/') throw new RegistryError('registry/invalid-name', 'the root path "/" cannot be registered');
    this.refuseTaken('path', path, addr);
    if (this.isLocal(addr)) {
      super.registerPath(path, addr);
    } else {
      this.bindRemote('path', path, addr);
      this.notifyRemote('registered', path, addr);
    }
    this.claim('path', path, addr);
  }

  override unregisterPath(path: string, addr?: AnyAddr): boolean {
    const holder = super.whereisPath(path);
    if (holder !== undefined && super.unregisterPath(path, addr)) {
      this.release('path', path, holder);
      return true;
    }
    const remote = this.replica.path.get(path);
    if (remote === undefined || (addr !== undefined && !remote.equals(addr))) return false;
    this.replica.path.delete(path);
    this.notifyRemote('unregistered', path, remote);
    this.release('path', path, remote);
    return true;
  }

  override whereisPath<T = unknown, R = unknown>(path: string): Addr<T, R> | undefined {
    return (super.whereisPath<T, R>(path) ?? this.replica.path.get(path)) as Addr<T, R> | undefined;
  }

  override children(prefix: string): { path: string; addr: AnyAddr }[] {
    return this.merged(super.children(prefix), prefix, Infinity);
  }

  override directChildren(prefix: string): { path: string; addr: AnyAddr }[] {
    return this.merged(super.directChildren(prefix), prefix, 1);
  }

  override watch(prefix: string, watcher: PathWatcher): () => void {
    const stopLocal = super.watch(prefix, watcher);
    const entry = { prefix, fn: watcher };
    this.remoteWatchers = [...this.remoteWatchers, entry];
    return () => {
      stopLocal();
      this.remoteWatchers = this.remoteWatchers.filter((w) => w !== entry);
    };
  }

  override _removeCell(cell: ActorCell): void {
    const names = cell.x?.names === null || cell.x?.names === undefined ? [] : [...cell.x.names];
    const paths = cell.x?.paths === null || cell.x?.paths === undefined ? [] : [...cell.x.paths];
    super._removeCell(cell);
    for (const name of names) this.release('name', name, cell.self);
    for (const path of paths) this.release('path', path, cell.self);
  }

  // --- boundary: the router ---

  /** A registry control message from core `from`. */
  onControl(from: number, m: Extract<Control, { space: Space }>): void {
    const addr = this.router.resolveAddr(m.addr);
    switch (m.op) {
      case 'claim':
        return this.decide(from, m.space, m.key, addr);
      case 'release':
        return this.decideRelease(m.space, m.key, addr);
      case 'bind':
        return this.applyBind(m.space, m.key, addr);
      case 'unbind':
        return this.applyUnbind(m.space, m.key, addr);
      case 'refused':
        return this.refused(m.space, m.key, addr, this.router.resolveAddr(m.holder));
    }
  }

  /** `core` crashed: every binding of its actors ends, here and in this core's home table. */
  dropCore(core: number): void {
    for (const space of SPACES) {
      for (const [key, addr] of [...this.replica[space]]) {
        if (addr.core !== core) continue;
        this.replica[space].delete(key);
        if (space === 'path') this.notifyRemote('unregistered', key, addr);
      }
      for (const [key, addr] of [...this.home[space]]) if (addr.core === core) this.home[space].delete(key);
    }
  }

  /** `core` restarted with empty tables: claim our actors' bindings homed there, tell it the rest. */
  announceTo(core: number): void {
    const local: [Space, string, AnyAddr][] = [
      ...super.registered().map(({ name, addr }) => ['name', name, addr] as [Space, string, AnyAddr]),
      ...super.children('/').map(({ path, addr }) => ['path', path, addr] as [Space, string, AnyAddr]),
    ];
    for (const [space, key, addr] of local) this.router.control(core, { op: this.homeOf(key) === core ? 'claim' : 'bind', space, key, addr: addrIdentity(addr) });
    for (const space of SPACES) for (const [key, addr] of this.home[space]) this.router.control(core, { op: 'bind', space, key, addr: addrIdentity(addr) });
  }

  // --- internal ---

  /**
   * This core registers an actor of another core: bound here at once, and released when
   * that actor exits (watched, since its own core does not know it holds the binding).
   */
  private bindRemote(space: Space, key: string, addr: AnyAddr): void {
    this.replica[space].set(key, addr);
    this.router.watch(this.router.endpoint, addr, this.router.internalRef(), () => {
      if (!this.replica[space].get(key)?.equals(addr)) return;
      this.replica[space].delete(key);
      if (space === 'path') this.notifyRemote('unregistered', key, addr);
      this.release(space, key, addr);
    });
  }

  private isLocal(addr: AnyAddr): boolean {
    return addr.node === this.engine.incarnation && addr.core === this.engine.core;
  }

  private refuseTaken(space: Space, key: string, addr: AnyAddr): void {
    const holder = space === 'name' ? this.whereis(key) : this.whereisPath(key);
    if (holder === undefined || holder.equals(addr)) return;
    if (space === 'name') throw new RegistryError('registry/name-taken', `the name "${key}" is already registered to ${holder}`, { name: key });
    throw new RegistryError('registry/path-taken', `the path "${key}" is already registered to ${holder}`, { path: key });
  }

  /** The core whose table decides `key`: by hash, skipping cores that are gone. */
  private homeOf(key: string): number {
    const router = this.router;
    const start = hashName(key) % router.cores;
    for (let i = 0; i < router.cores; i++) {
      const core = (start + i) % router.cores;
      if (core === router.self || router.peers[core]?.state !== 'gone') return core;
    }
    return router.self;
  }

  private claim(space: Space, key: string, addr: AnyAddr): void {
    const home = this.homeOf(key);
    if (home === this.router.self) this.decide(home, space, key, addr);
    else this.router.control(home, { op: 'claim', space, key, addr: addrIdentity(addr) });
  }

  private release(space: Space, key: string, addr: AnyAddr): void {
    const home = this.homeOf(key);
    if (home === this.router.self) this.decideRelease(space, key, addr);
    else this.router.control(home, { op: 'release', space, key, addr: addrIdentity(addr) });
  }

  /** At the home core: the first live claim wins; later ones are refused. */
  private decide(from: number, space: Space, key: string, addr: AnyAddr): void {
    const table = this.home[space];
    const current = table.get(key);
    if (current !== undefined && !current.equals(addr)) {
      if (from === this.router.self) this.refused(space, key, addr, current);
      else this.router.control(from, { op: 'refused', space, key, addr: addrIdentity(addr), holder: addrIdentity(current) });
      return;
    }
    table.set(key, addr);
    this.broadcast('bind', space, key, addr);
  }

  private decideRelease(space: Space, key: string, addr: AnyAddr): void {
    const table = this.home[space];
    const current = table.get(key);
    if (current === undefined || !current.equals(addr)) return;
    table.delete(key);
    this.broadcast('unbind', space, key, addr);
  }

  private broadcast(op: 'bind' | 'unbind', space: Space, key: string, addr: AnyAddr): void {
    const id: AddrIdentity = addrIdentity(addr);
    for (const peer of this.router.peers) if (peer !== null && peer.state !== 'gone') this.router.control(peer.core, { op, space, key, addr: id });
    if (op === 'bind') this.applyBind(space, key, addr);
    else this.applyUnbind(space, key, addr);
  }

  private applyBind(space: Space, key: string, addr: AnyAddr): void {
    if (this.isLocal(addr)) return;
    const previous = this.replica[space].get(key);
    this.replica[space].set(key, addr);
    if (space === 'path' && (previous === undefined || !previous.equals(addr))) this.notifyRemote('registered', key, addr);
  }

  private applyUnbind(space: Space, key: string, addr: AnyAddr): void {
    const current = this.replica[space].get(key);
    if (current === undefined || !current.equals(addr)) return;
    this.replica[space].delete(key);
    if (space === 'path') this.notifyRemote('unregistered', key, addr);
  }

  /** Our claim lost the race at the home core: withdraw it; a local claimant exits (its register "threw"). */
  private refused(space: Space, key: string, addr: AnyAddr, holder: AnyAddr): void {
    const error = space === 'name'
      ? new RegistryError('registry/name-taken', `the name "${key}" was registered to ${holder} on another core first`, { name: key })
      : new RegistryError('registry/path-taken', `the path "${key}" was registered to ${holder} on another core first`, { path: key });
    const reason = Exit.error(error, { phase: 'register' });
    if (!this.isLocal(addr)) {
      if (!this.replica[space].get(key)?.equals(addr)) return;
      this.replica[space].delete(key);
      if (space === 'path') this.notifyRemote('unregistered', key, addr);
      this.router.exit(addr, reason, null);
    } else {
      const removed = space === 'name' ? super.unregister(key, addr) : super.unregisterPath(key, addr);
      if (!removed) return;
      this.engine._remote.signal(addr, 'exit', null, reason);
    }
    this.applyBind(space, key, holder);
  }

  private merged(local: { path: string; addr: AnyAddr }[], prefix: string, depth: number): { path: string; addr: AnyAddr }[] {
    validatePath(prefix);
    const base = prefix === '/' ? 0 : pathSegments(prefix).length;
    const out = [...local];
    for (const [path, addr] of this.replica.path) {
      if (path === prefix || !isUnderPath(path, prefix)) continue;
      if (depth !== Infinity && pathSegments(path).length - base > depth) continue;
      if (super.whereisPath(path) === undefined) out.push({ path, addr });
    }
    if (out.length === local.length) return local;
    return out.sort((a, b) => compareSegments(pathSegments(a.path), pathSegments(b.path)));
  }

  private notifyRemote(type: 'registered' | 'unregistered', path: string, addr: AnyAddr): void {
    for (const w of this.remoteWatchers) {
      if (!isUnderPath(path, w.prefix)) continue;
      try {
        w.fn({ type, path, addr });
      } catch {
        this.remoteWatchers = this.remoteWatchers.filter((x) => x !== w);
      }
    }
  }
}

const SPACES: readonly Space[] = ['name', 'path'];

function compareSegments(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}
