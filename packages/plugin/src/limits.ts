/**
 * Per-plugin limits: what they mean, their defaults in one object, and their validation.
 * Must not: enforce anything (the meter, the loader and the instance do). Every bad value is
 * a `PluginError` 'plugin/invalid-options' naming the option.
 */
import { PluginError } from './errors.js';

/** Limits of every actor of one plugin. */
export interface PluginLimits {
  /**
   * Fuel per message (and for `pd_on_start`): operators executed at Wasmtime's costs.
   * Running out ends the actor with `fuel-exhausted`. `false`: no fuel limit.
   */
  readonly fuel?: number | false;
  /**
   * Wall time per message, ms: a handler still running past it is interrupted and the actor
   * ends with `timeout`. Checked every `checkEveryFuel` units of fuel, counted from the
   * handler's first check (so a handler may run past it by up to two such slices' time).
   * `false`: no limit.
   */
  readonly timeoutMs?: number | false;
  /** How much fuel runs between two wall-clock checks (the granularity of `timeoutMs`). */
  readonly checkEveryFuel?: number;
  /** Highest memory size, in 64 KiB pages (default 256 = 16 MiB). `memory.grow` past it fails. */
  readonly memoryPages?: number;
  /** Highest table size, in entries. */
  readonly tableEntries?: number;
  /** Largest message in either direction, bytes. */
  readonly maxMessageBytes?: number;
  /** Host calls one message (or `pd_on_start`) may make; past it calls return LIMIT. */
  readonly hostCallsPerMessage?: number;
  /** Kinds the plugin may spawn: `'*'` for any registered kind. Default none. */
  readonly spawnKinds?: readonly string[] | '*';
  /** Children alive at once. */
  readonly maxChildren?: number;
  /** Largest log line kept, bytes (longer lines are cut). */
  readonly maxLogBytes?: number;
  /**
   * Run without instrumentation: no fuel and no wall-time limit, so a runaway handler holds
   * its engine's thread. For trusted plugins and benchmarks only; needs `fuel: false` and
   * `timeoutMs: false`.
   */
  readonly unmetered?: boolean;
}

/** Defaults, in one place. */
export const PLUGIN_DEFAULTS = {
  fuel: 10_000_000,
  timeoutMs: 1000,
  checkEveryFuel: 1_000_000,
  memoryPages: 256,
  tableEntries: 65_536,
  maxMessageBytes: 1 << 20,
  hostCallsPerMessage: 10_000,
  maxChildren: 64,
  maxLogBytes: 4096,
  /** Most bytes a plugin module may have. */
  maxModuleBytes: 64 << 20,
} as const;

/** Limits with every default applied. */
export interface ResolvedLimits {
  readonly fuel: number;
  readonly timeoutMs: number;
  readonly checkEveryFuel: number;
  readonly memoryPages: number;
  readonly tableEntries: number;
  readonly maxMessageBytes: number;
  readonly hostCallsPerMessage: number;
  readonly spawnKinds: readonly string[] | '*';
  readonly maxChildren: number;
  readonly maxLogBytes: number;
  /** Whether the module is instrumented. */
  readonly metered: boolean;
}

/** Applies defaults and checks every value. */
export function resolveLimits(limits: PluginLimits = {}): ResolvedLimits {
  if (typeof limits !== 'object' || limits === null) throw invalid(`limits must be an object, got ${String(limits)}`);
  const fuel = limits.fuel === false ? Infinity : int(limits.fuel, 'fuel', PLUGIN_DEFAULTS.fuel, 1, 2 ** 53);
  const timeoutMs = limits.timeoutMs === false ? Infinity : num(limits.timeoutMs, 'timeoutMs', PLUGIN_DEFAULTS.timeoutMs);
  const unmetered = limits.unmetered === true;
  if (unmetered && (fuel !== Infinity || timeoutMs !== Infinity)) {
    throw invalid('unmetered needs fuel: false and timeoutMs: false (an unmetered plugin cannot be stopped)');
  }
  if (!unmetered && fuel === Infinity && timeoutMs === Infinity) {
    throw invalid('fuel: false with timeoutMs: false leaves a runaway plugin unstoppable; set one, or unmetered: true for a trusted plugin');
  }
  const spawnKinds = limits.spawnKinds ?? [];
  if (spawnKinds !== '*' && (!Array.isArray(spawnKinds) || spawnKinds.some((k) => typeof k !== 'string'))) {
    throw invalid(`spawnKinds must be '*' or an array of kind names, got ${String(spawnKinds)}`);
  }
  return {
    fuel, timeoutMs, metered: !unmetered, spawnKinds,
    checkEveryFuel: int(limits.checkEveryFuel, 'checkEveryFuel', PLUGIN_DEFAULTS.checkEveryFuel, 1000, 2 ** 30),
    memoryPages: int(limits.memoryPages, 'memoryPages', PLUGIN_DEFAULTS.memoryPages, 1, 65_536),
    tableEntries: int(limits.tableEntries, 'tableEntries', PLUGIN_DEFAULTS.tableEntries, 0, 10_000_000),
    maxMessageBytes: int(limits.maxMessageBytes, 'maxMessageBytes', PLUGIN_DEFAULTS.maxMessageBytes, 1, 1 << 30),
    hostCallsPerMessage: int(limits.hostCallsPerMessage, 'hostCallsPerMessage', PLUGIN_DEFAULTS.hostCallsPerMessage, 0, 2 ** 31),
    maxChildren: int(limits.maxChildren, 'maxChildren', PLUGIN_DEFAULTS.maxChildren, 0, 1_000_000),
    maxLogBytes: int(limits.maxLogBytes, 'maxLogBytes', PLUGIN_DEFAULTS.maxLogBytes, 0, 1 << 20),
  };
}

/** Limits as plain data for `info` and the control plane (Infinity shown as false). */
export function describeLimits(limits: ResolvedLimits): Record<string, unknown> {
  return {
    ...limits,
    fuel: limits.fuel === Infinity ? false : limits.fuel,
    timeoutMs: limits.timeoutMs === Infinity ? false : limits.timeoutMs,
  };
}

// --- internal ---

function int(value: number | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function num(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) throw invalid(`${name} must be a positive number of ms or false, got ${String(value)}`);
  return value;
}

function invalid(message: string): PluginError {
  return new PluginError('plugin/invalid-options', message);
}
