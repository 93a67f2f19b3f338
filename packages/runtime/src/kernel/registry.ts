/**
 * The registry: unique names and hierarchical paths bound to live actors.
 *
 * Names: `register(name, addr)`; a name held by another live actor is an error, never a
 * silent overwrite; a name vanishes when its actor exits. Paths (`/svc/payment/processor`)
 * live in a trie, so `children` (all below) and `directChildren` (one level below) are
 * cheap, and `watch(prefix)` reports every bind and unbind under a prefix. The engine
 * calls {@link Registry._removeCell} on exit; nothing here holds a dead actor.
 */
import { type Addr, type AnyAddr, RegistryError, isUnderPath, pathSegments, validateName, validatePath } from '@pd/actor';
import type { ActorCell } from './cell.js';

export interface RegistryChange {
  readonly type: 'registered' | 'unregistered';
  readonly path: string;
  readonly addr: AnyAddr;
}

export type PathWatcher = (change: RegistryChange) => void;

/** How the registry reaches live cells without knowing the engine. */
export interface CellResolver {
  /** The live cell for `addr`, or null when it is dead or unknown. Throws for a non-address. */
  liveCell(addr: AnyAddr, operation: string): ActorCell | null;
}

class PathNode {
  children: Map<string, PathNode> | null = null;
  cell: ActorCell | null = null;
  constructor(readonly path: string, readonly parent: PathNode | null, readonly segment: string) {}
}

export class Registry {
  private readonly names = new Map<string, ActorCell>();
  private readonly root = new PathNode('/', null, '');
  private watchers: { prefix: string; fn: PathWatcher }[] = [];

  constructor(private readonly cells: CellResolver) {}

  // --- names ---

  /** Bind `name` to `addr`. Idempotent for the same actor; an error if another live actor holds it. */
  register(name: string, addr: AnyAddr): void {
    validateName(name);
    const cell = this.requireLive(addr, 'register');
    const holder = this.names.get(name);
    if (holder !== undefined) {
      if (holder === cell) return;
      throw new RegistryError('registry/name-taken', `the name "${name}" is already registered to ${holder.self} (${holder.path})`, { name });
    }
    this.names.set(name, cell);
    const x = cell.extras();
    (x.names ??= []).push(name);
  }

  /** Remove `name`; with `addr`, only if it is bound to that actor. Returns whether it was removed. */
  unregister(name: string, addr?: AnyAddr): boolean {
    const holder = this.names.get(name);
    if (holder === undefined || (addr !== undefined && !holder.self.equals(addr))) return false;
    this.names.delete(name);
    const names = holder.x?.names;
    if (names) names.splice(names.indexOf(name), 1);
    return true;
  }

  /** The actor registered as `name`. `T` (its messages) and `R` (its reply type) are claims nothing checks: state them next to the kind. */
  whereis<T = unknown, R = unknown>(name: string): Addr<T, R> | undefined {
    return this.names.get(name)?.self as Addr<T, R> | undefined;
  }

  /** Every registered name with its address, sorted by name. */
  registered(): { name: string; addr: AnyAddr; path: string }[] {
    return [...this.names].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, cell]) => ({ name, addr: cell.self, path: cell.path }));
  }

  // --- paths ---

  /** Bind `path` to `addr`; an error if another live actor holds it. */
  registerPath(path: string, addr: AnyAddr): void {
    validatePath(path);
    if (path === '/') throw new RegistryError('registry/invalid-name', 'the root path "/" cannot be registered');
    const cell = this.requireLive(addr, 'registerPath');
    let node = this.root;
    for (const segment of pathSegments(path)) {
      const children = (node.children ??= new Map());
      let next = children.get(segment);
      if (next === undefined) {
        next = new PathNode(node === this.root ? `/${segment}` : `${node.path}/${segment}`, node, segment);
        children.set(segment, next);
      }
      node = next;
    }
    if (node.cell !== null) {
      if (node.cell === cell) return;
      throw new RegistryError('registry/path-taken', `the path "${path}" is already registered to ${node.cell.self}`, { path });
    }
    node.cell = cell;
    (cell.extras().paths ??= []).push(path);
    this.notify('registered', path, cell.self);
  }

  /** Unbind `path`; with `addr`, only if bound to that actor. */
  unregisterPath(path: string, addr?: AnyAddr): boolean {
    const node = this.find(path);
    if (node === null || node.cell === null || (addr !== undefined && !node.cell.self.equals(addr))) return false;
    const cell = node.cell;
    node.cell = null;
    const paths = cell.x?.paths;
    if (paths) paths.splice(paths.indexOf(path), 1);
    this.prune(node);
    this.notify('unregistered', path, cell.self);
    return true;
  }

  /** The actor bound to `path`. `T` and `R` are claims, as for {@link Registry.whereis}. */
  whereisPath<T = unknown, R = unknown>(path: string): Addr<T, R> | undefined {
    return this.find(path)?.cell?.self as Addr<T, R> | undefined;
  }

  /** Every bound path strictly below `prefix`, depth-first, siblings sorted. */
  children(prefix: string): { path: string; addr: AnyAddr }[] {
    const start = this.find(validatePath(prefix));
    const out: { path: string; addr: AnyAddr }[] = [];
    if (start !== null) this.collect(start, out, Infinity);
    return out;
  }

  /** Bound paths exactly one segment below `prefix`. */
  directChildren(prefix: string): { path: string; addr: AnyAddr }[] {
    const start = this.find(validatePath(prefix));
    const out: { path: string; addr: AnyAddr }[] = [];
    if (start !== null) this.collect(start, out, 1);
    return out;
  }

  /** Call `watcher` for every bind and unbind at or below `prefix`. Returns the unsubscribe function. */
  watch(prefix: string, watcher: PathWatcher): () => void {
    validatePath(prefix);
    const entry = { prefix, fn: watcher };
    this.watchers = [...this.watchers, entry];
    return () => {
      this.watchers = this.watchers.filter((w) => w !== entry);
    };
  }

  /** @internal Forget everything bound to an exiting actor. */
  _removeCell(cell: ActorCell): void {
    const x = cell.x;
    if (x === null) return;
    if (x.names !== null) {
      for (const name of x.names) if (this.names.get(name) === cell) this.names.delete(name);
      x.names = null;
    }
    if (x.paths !== null) {
      const paths = x.paths;
      x.paths = null;
      for (const path of paths) {
        const node = this.find(path);
        if (node !== null && node.cell === cell) {
          node.cell = null;
          this.prune(node);
          this.notify('unregistered', path, cell.self);
        }
      }
    }
  }

  // --- internal ---

  private requireLive(addr: AnyAddr, operation: string): ActorCell {
    const cell = this.cells.liveCell(addr, operation);
    if (cell === null) throw new RegistryError('actor/invalid-state', `${operation}: ${String(addr)} is not a live actor`, { addr: String(addr) });
    return cell;
  }

  private find(path: string): PathNode | null {
    if (path === '/') return this.root;
    let node: PathNode | undefined = this.root;
    let start = 1;
    while (node !== undefined) {
      const end = path.indexOf('/', start);
      const segment = end === -1 ? path.slice(start) : path.slice(start, end);
      node = node.children?.get(segment);
      if (end === -1) return node ?? null;
      start = end + 1;
    }
    return null;
  }

  private prune(node: PathNode): void {
    let n: PathNode | null = node;
    while (n !== null && n.parent !== null && n.cell === null && (n.children === null || n.children.size === 0)) {
      n.parent.children!.delete(n.segment);
      n = n.parent;
    }
  }

  private collect(node: PathNode, out: { path: string; addr: AnyAddr }[], depth: number): void {
    if (node.children === null || depth === 0) return;
    const segments = [...node.children.keys()].sort();
    for (const segment of segments) {
      const child = node.children.get(segment)!;
      if (child.cell !== null) out.push({ path: child.path, addr: child.cell.self });
      this.collect(child, out, depth - 1);
    }
  }

  private notify(type: RegistryChange['type'], path: string, addr: AnyAddr): void {
    for (const w of this.watchers) {
      if (!isUnderPath(path, w.prefix)) continue;
      try {
        w.fn({ type, path, addr });
      } catch {
        this.watchers = this.watchers.filter((x) => x !== w);
      }
    }
  }
}
