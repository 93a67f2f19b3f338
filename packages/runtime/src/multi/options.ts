/**
 * Multi-core options: what `createEngine({ mode: 'multi', ... })` accepts beyond the
 * single-core options, their defaults in one object, and their validation. Must not: start
 * anything (start.ts does). Every bad value is an `ArgumentError` that names the option.
 */
import { availableParallelism } from 'node:os';
import { ArgumentError, type Placement, describeType } from '@pd/actor';

/** When a core's worker dies outside any handler, how often it is started again. */
export interface CoreRestartPolicy {
  /** Restarts allowed within `withinMs`; more and the core stays down. Default 5. */
  readonly maxRestarts?: number;
  /** The window for `maxRestarts`, ms. Default 60 000. */
  readonly withinMs?: number;
}

/** Where spawns go when they name no placement. */
export interface PlacementPolicy {
  /** For every spawn without a placement: `local` (default), `any` or `hash`. */
  readonly default?: 'local' | 'any' | 'hash';
  /** Per kind name, overriding `default` (a supervisor's children follow their kind). */
  readonly kinds?: Readonly<Record<string, 'local' | 'any' | 'hash' | { readonly core: number }>>;
}

/** The options of a multi-core engine (`mode: 'multi'`). */
export interface MultiEngineOptions {
  /** `single` (default): one reactor on this thread. `multi`: one per worker thread. */
  readonly mode?: 'single' | 'multi';
  /** Cores (threads) in multi mode, the calling thread being core 0; default: available parallelism. */
  readonly cores?: number;
  /**
   * The module every core loads (a path or a `file:` URL): its exported kinds (each `Kind`,
   * or arrays of them) are registered on every core, including core 0.
   */
  readonly entry?: string | URL;
  /** Restart policy for crashed cores, or `'never'`. */
  readonly coreRestart?: CoreRestartPolicy | 'never';
  /** Bytes of frame data per ring (one ring per ordered pair of cores); a power of two. Default 1 MiB. */
  readonly ringBytes?: number;
  /** Placement of spawns that name none. */
  readonly placement?: PlacementPolicy;
  /**
   * The longest a core whose rings ran empty keeps polling them before it sleeps, ms (0:
   * sleep at once). It polls only while the recent gaps between running dry and the next
   * frame were short (a reply is imminent), for about twice that gap, and backs off when a
   * poll runs dry, so an idle core sleeps and a core that cannot get a reply in time stops
   * polling (docs/multi-core.md). Sleeping costs the next sender a notify and this core a
   * wake-up; polling costs CPU, which on a machine with fewer free cores than busy threads
   * is taken from the work. Default 0.2 when `cores` is at most the machine's hardware
   * threads (`os.availableParallelism()`), else 0.
   */
  readonly idleSpinMs?: number;
}

export const MULTI_DEFAULTS = {
  ringBytes: 1 << 20,
  maxRestarts: 5,
  restartWithinMs: 60_000,
  /** Messages coalesced into one batch frame at most. */
  maxBatch: 1024,
  /** Frames read from one ring per pump. */
  readFrames: 256,
  /** Most cores a multi engine may have (the slot layout of leased addresses allows 64). */
  maxCores: 64,
  /** Extra time after the shutdown deadline before a core's worker is terminated, ms. */
  shutdownGraceMs: 2000,
  /**
   * The longest an idle core polls before it sleeps, ms, when the engine's cores fit the
   * machine's hardware threads (with more cores than threads the default is 0: never poll).
   */
  idleSpinMs: 0.2,
} as const;

/** Validated multi-core settings. */
export interface MultiSettings {
  readonly cores: number;
  readonly entry: string | null;
  readonly ringBytes: number;
  readonly maxRestarts: number;
  readonly restartWithinMs: number;
  readonly placement: NormalizedPlacement;
  readonly idleSpinMs: number;
}

export interface NormalizedPlacement {
  readonly default: 'local' | 'any' | 'hash';
  readonly kinds: ReadonlyMap<string, Placement>;
}

export function multiSettings(options: MultiEngineOptions): MultiSettings {
  const cores = options.cores ?? availableParallelism();
  if (!Number.isInteger(cores) || cores < 1 || cores > MULTI_DEFAULTS.maxCores) {
    throw new ArgumentError(`cores must be an integer from 1 to ${MULTI_DEFAULTS.maxCores}, got ${String(cores)}`);
  }
  const ringBytes = options.ringBytes ?? MULTI_DEFAULTS.ringBytes;
  if (!Number.isInteger(ringBytes) || ringBytes < 4096 || ringBytes > 1 << 30 || (ringBytes & (ringBytes - 1)) !== 0) {
    throw new ArgumentError(`ringBytes must be a power of two from 4096 to 2^30, got ${String(ringBytes)}`);
  }
  const restart = options.coreRestart ?? {};
  if (restart !== 'never' && (typeof restart !== 'object' || restart === null)) {
    throw new ArgumentError(`coreRestart must be 'never' or { maxRestarts, withinMs }, got ${describeType(restart)}`);
  }
  const maxRestarts = restart === 'never' ? 0 : restart.maxRestarts ?? MULTI_DEFAULTS.maxRestarts;
  const restartWithinMs = restart === 'never' ? 1 : restart.withinMs ?? MULTI_DEFAULTS.restartWithinMs;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new ArgumentError(`coreRestart.maxRestarts must be an integer >= 0, got ${String(maxRestarts)}`);
  if (typeof restartWithinMs !== 'number' || !(restartWithinMs > 0)) throw new ArgumentError(`coreRestart.withinMs must be a positive number, got ${String(restartWithinMs)}`);
  // Polling competes with the other cores for the CPU: by default only when each core can have a hardware thread.
  const idleSpinMs = options.idleSpinMs ?? (cores <= availableParallelism() ? MULTI_DEFAULTS.idleSpinMs : 0);
  if (typeof idleSpinMs !== 'number' || !(idleSpinMs >= 0) || idleSpinMs > 1000) throw new ArgumentError(`idleSpinMs must be a number of ms from 0 to 1000, got ${String(idleSpinMs)}`);
  return { cores, entry: entryHref(options.entry), ringBytes, maxRestarts, restartWithinMs, placement: normalizePlacement(options.placement, cores), idleSpinMs };
}

/** The placement policy with defaults applied; checks explicit cores against `cores`. */
export function normalizePlacement(policy: PlacementPolicy | undefined, cores: number): NormalizedPlacement {
  const def = policy?.default ?? 'local';
  if (def !== 'local' && def !== 'any' && def !== 'hash') throw new ArgumentError(`placement.default must be 'local', 'any' or 'hash', got ${String(def)}`);
  const kinds = new Map<string, Placement>();
  for (const [name, p] of Object.entries(policy?.kinds ?? {})) {
    if (p !== 'local' && p !== 'any' && p !== 'hash' && !(typeof p === 'object' && p !== null && isCore(p.core, cores))) {
      throw new ArgumentError(`placement.kinds["${name}"] must be 'local', 'any', 'hash' or { core } with a core below ${cores}, got ${describeType(p)}`);
    }
    kinds.set(name, p);
  }
  return { default: def, kinds };
}

export function isCore(core: unknown, cores: number): core is number {
  return Number.isInteger(core) && (core as number) >= 0 && (core as number) < cores;
}

// --- internal ---

function entryHref(entry: string | URL | undefined): string | null {
  if (entry === undefined) return null;
  if (entry instanceof URL) return entry.href;
  if (typeof entry !== 'string' || entry.length === 0) throw new ArgumentError(`entry must be a module path or URL, got ${describeType(entry)}`);
  if (/^(file|data):/.test(entry)) return entry;
  if (!entry.startsWith('/')) throw new ArgumentError(`entry must be an absolute path or a file: URL (relative paths are ambiguous across threads), got "${entry}"`);
  return new URL(`file://${entry}`).href;
}
