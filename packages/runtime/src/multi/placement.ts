/**
 * Placement: which core a spawn runs on. An explicit `placement` option wins, then the
 * engine's per-kind policy, then its default. Only named kinds can leave the spawner's
 * core; a closure or an unregistered class asked explicitly to move is refused with an
 * error that says so, and one that a policy would move simply stays (policies are defaults).
 *
 * Must not: pick a core that is gone (`any` and `hash` skip to the next live core), or
 * depend on anything but its inputs and the round-robin counter.
 */
import { type AnyAddr, ArgumentError, Kind, type Placement, SpawnError, type SpawnOptions, describeType, isAddr } from '@pd/actor';
import { hashName } from '../random.js';
import { type NormalizedPlacement, isCore } from './options.js';

/** What placement needs to know about the cores. */
export interface CoreSet {
  readonly self: number;
  readonly cores: number;
  readonly node: number;
  /** False for a core that is gone for good (its restarts are spent). */
  alive(core: number): boolean;
  /** Whether `name` is a kind this core knows, or null while kinds are still loading. */
  knowsKind(name: string): boolean | null;
  /** Simulation only: closures and classes may move (all cores share one thread). */
  readonly movesClosures?: boolean;
}

export class Placer {
  private next = 0;

  constructor(private readonly set: CoreSet, private readonly policy: NormalizedPlacement) {}

  /** The core to spawn on, or null for this one. */
  place(definition: unknown, options: SpawnOptions | undefined, parentPath: string | null): number | null {
    const explicit = options?.placement;
    const name = kindNameOf(definition);
    const placement: Placement = explicit ?? (name === null ? undefined : this.policy.kinds.get(name)) ?? this.policy.default;
    const core = this.coreFor(placement, options, parentPath);
    if (core === this.set.self) return null;
    if (name === null && this.set.movesClosures === true) return core;
    if (name === null || (typeof definition === 'string' && this.set.knowsKind(name) === false)) {
      if (explicit === undefined) return null;
      if (name !== null) throw new SpawnError('spawn/unknown-kind', `no kind named "${name}" is registered (placement on core ${core})`, { kind: name });
      throw new SpawnError('spawn/invalid-definition',
        `${describeType(definition)} cannot run on core ${core}: only a named kind (defineKind, registered on every core through the engine's entry module) can move; closures and classes stay on their core`);
    }
    return core;
  }

  // --- internal ---

  private coreFor(placement: Placement, options: SpawnOptions | undefined, parentPath: string | null): number {
    const set = this.set;
    if (placement === 'local') return set.self;
    if (placement === 'any') return this.roundRobin();
    if (placement === 'hash') {
      const name = options?.name;
      if (name === undefined) {
        if (options?.placement === 'hash') throw new ArgumentError('placement "hash" places by the actor\'s path, so it needs a name (or use { hash: key })');
        return this.roundRobin();
      }
      return this.hashed(`${parentPath ?? '/user'}/${name}`);
    }
    if (typeof placement !== 'object' || placement === null) throw new ArgumentError(`placement must be 'local', 'any', 'hash', { core }, { hash } or { near }, got ${describeType(placement)}`);
    if ('core' in placement) {
      if (!isCore(placement.core, set.cores)) throw new ArgumentError(`placement core must be an integer from 0 to ${set.cores - 1}, got ${String(placement.core)}`);
      return placement.core;
    }
    if ('hash' in placement) {
      if (typeof placement.hash !== 'string') throw new ArgumentError(`placement { hash } needs a string key, got ${describeType(placement.hash)}`);
      return this.hashed(placement.hash);
    }
    if ('near' in placement) {
      const near: AnyAddr = placement.near;
      if (!isAddr(near)) throw new ArgumentError(`placement { near } needs an Addr, got ${describeType(near)}`);
      return near.node === set.node && isCore(near.core, set.cores) ? near.core : set.self;
    }
    throw new ArgumentError(`placement must be 'local', 'any', 'hash', { core }, { hash } or { near }, got ${describeType(placement)}`);
  }

  private roundRobin(): number {
    const n = this.set.cores;
    for (let i = 0; i < n; i++) {
      const core = this.next++ % n;
      if (this.set.alive(core)) return core;
    }
    return this.set.self;
  }

  private hashed(key: string): number {
    const n = this.set.cores;
    const start = hashName(key) % n;
    for (let i = 0; i < n; i++) {
      const core = (start + i) % n;
      if (this.set.alive(core)) return core;
    }
    return this.set.self;
  }
}

/** The kind name a definition stands for, or null when it is not a named kind. */
export function kindNameOf(definition: unknown): string | null {
  if (typeof definition === 'string') return definition;
  if (definition instanceof Kind) return definition.name;
  return null;
}
