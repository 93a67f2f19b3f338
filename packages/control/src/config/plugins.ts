/**
 * The `plugins` section of a version-1 config: WebAssembly plugins (@pd/plugin) that
 * `pd start` loads before the tree starts, so the tree's children may name them as kinds.
 * Owns: the section's JSON Schema fragment, its TypeScript shape and defaults, the rules a
 * schema cannot say (unique names, a usable default name, fuel and time limits that leave
 * the plugin stoppable), and making `file` absolute. Must not: read or compile the modules
 * (../plugins.ts does, at boot) or import @pd/plugin (commands that never start an engine
 * should not load it). The limits mirror @pd/plugin's `PluginLimits`; its `resolveLimits`
 * checks them again at load.
 */

/** Plugin limits as written in a config (see docs/plugins.md, "Limiting"). */
export interface PluginLimitsSpec {
  readonly fuel?: number | false;
  readonly timeoutMs?: number | false;
  readonly checkEveryFuel?: number;
  readonly memoryPages?: number;
  readonly tableEntries?: number;
  readonly maxMessageBytes?: number;
  readonly hostCallsPerMessage?: number;
  readonly spawnKinds?: readonly string[] | '*';
  readonly maxChildren?: number;
  readonly maxLogBytes?: number;
  readonly unmetered?: boolean;
}

/** One plugin to load at start. */
export interface PluginSpec {
  /** The plugin's name and the kind its actors are spawned by; default: the file name without `.wasm`. */
  readonly name: string;
  /** The `.wasm` file; absolute once loaded from a config file (relative to its folder). */
  readonly file: string;
  readonly limits?: PluginLimitsSpec;
}

/** Plugins a config may list. */
export const PLUGINS_MAX = 256;

const NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_\\-.:@+]*$';
const NAME = { type: 'string', pattern: NAME_PATTERN, minLength: 1, maxLength: 128 } as const;

/** The schema of the top-level `plugins` field. */
export const PLUGINS_PROPERTY = {
  type: 'array',
  description: 'WebAssembly plugins (ABI v1, docs/plugins.md) loaded before the tree starts; each is a kind the tree and `pd spawn` can name.',
  maxItems: PLUGINS_MAX,
  items: { $ref: '#/definitions/plugin' },
} as const;

/** Definitions the `plugins` field refers to, merged into the config schema's `definitions`. */
export const PLUGIN_DEFINITIONS = {
  plugin: {
    type: 'object',
    description: 'A plugin: its module file, its name (the kind name) and the limits of each of its actors.',
    additionalProperties: false,
    required: ['file'],
    properties: {
      name: { ...NAME, description: 'The plugin and kind name; default: the file name without `.wasm`.' },
      file: { type: 'string', minLength: 1, maxLength: 4096, description: 'The `.wasm` module; relative to the config file.' },
      limits: { $ref: '#/definitions/pluginLimits' },
    },
  },
  pluginLimits: {
    type: 'object',
    description: 'Limits of every actor of the plugin (defaults: @pd/plugin PLUGIN_DEFAULTS).',
    additionalProperties: false,
    properties: {
      fuel: { type: ['integer', 'boolean'], minimum: 1, maximum: 2 ** 53, description: 'Fuel per message at Wasmtime\'s costs (default 10 000 000); out of fuel ends the actor with `fuel-exhausted`. false: no fuel limit.' },
      timeoutMs: { type: ['number', 'boolean'], exclusiveMinimum: 0, maximum: 86_400_000, description: 'Wall time per message, ms (default 1000); past it the actor ends with `timeout`. false: no limit.' },
      checkEveryFuel: { type: 'integer', minimum: 1000, maximum: 2 ** 30, description: 'Fuel between two wall-clock checks (default 1 000 000).' },
      memoryPages: { type: 'integer', minimum: 1, maximum: 65_536, description: 'Highest guest memory, 64 KiB pages (default 256 = 16 MiB).' },
      tableEntries: { type: 'integer', minimum: 0, maximum: 10_000_000, description: 'Highest table size, entries (default 65 536).' },
      maxMessageBytes: { type: 'integer', minimum: 1, maximum: 2 ** 30, description: 'Largest message either way, bytes (default 1 MiB).' },
      hostCallsPerMessage: { type: 'integer', minimum: 0, maximum: 2 ** 31, description: 'Host calls per message (default 10 000).' },
      spawnKinds: { type: ['array', 'string'], maxItems: 1024, items: NAME, description: 'Kinds the plugin may spawn, or "*" for any (default none).' },
      maxChildren: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Children alive at once (default 64).' },
      maxLogBytes: { type: 'integer', minimum: 0, maximum: 1_048_576, description: 'Longest log line kept, bytes (default 4096).' },
      unmetered: { type: 'boolean', description: 'Trusted plugins only: no instrumentation; needs fuel: false and timeoutMs: false.' },
    },
  },
} as const;

/** The section with defaults applied (a schema-valid raw value). */
export function pluginsWithDefaults(raw: readonly Record<string, any>[] | undefined): PluginSpec[] {
  return (raw ?? []).map((p) => ({ ...p, name: p.name ?? defaultName(p.file) }) as PluginSpec);
}

/** Rules beyond the schema, for a schema-valid raw section. */
export function pluginIssues(raw: readonly Record<string, any>[] | undefined): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const names = new Map<string, number>();
  (raw ?? []).forEach((p, i) => {
    const at = `plugins[${i}]`;
    const name: string = p.name ?? defaultName(p.file);
    if (p.name === undefined && !new RegExp(NAME_PATTERN).test(name)) {
      out.push({ path: `${at}.name`, message: `the file name ${JSON.stringify(name)} is not a valid plugin name; give "name" (letters, digits and _ - . : @ +)` });
    } else if (names.has(name)) {
      out.push({ path: `${at}.name`, message: `duplicate plugin name "${name}" (also plugins[${names.get(name)}]); plugin names must be unique` });
    } else names.set(name, i);
    out.push(...limitIssues(p.limits, `${at}.limits`));
  });
  return out;
}

/** Plugin names of a raw section that may not be schema-valid (for reports on other fields). */
export function loosePluginNames(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p: unknown) => {
    if (typeof p !== 'object' || p === null) return [];
    const { name, file } = p as { name?: unknown; file?: unknown };
    if (typeof name === 'string') return [name];
    return typeof file === 'string' ? [defaultName(file)] : [];
  });
}

/** The section with every `file` made absolute by `absolute` (relative to the config file). */
export function resolvePluginFiles(plugins: readonly PluginSpec[], absolute: (file: string) => string): PluginSpec[] {
  return plugins.map((p) => ({ ...p, file: absolute(p.file) }));
}

// --- internal ---

function defaultName(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.wasm$/, '');
}

function limitIssues(limits: Record<string, any> | undefined, at: string): { path: string; message: string }[] {
  if (limits === undefined) return [];
  const out: { path: string; message: string }[] = [];
  for (const key of ['fuel', 'timeoutMs'] as const) {
    if (limits[key] === true) out.push({ path: `${at}.${key}`, message: `true is not a limit: give ${key === 'fuel' ? 'a whole number of fuel' : 'a number of ms'}, or false for none` });
  }
  if (typeof limits.spawnKinds === 'string' && limits.spawnKinds !== '*') {
    out.push({ path: `${at}.spawnKinds`, message: `must be "*" (any kind) or an array of kind names; got the string ${JSON.stringify(limits.spawnKinds)}` });
  }
  const noFuel = limits.fuel === false;
  const noTime = limits.timeoutMs === false;
  if (limits.unmetered === true && !(noFuel && noTime)) {
    out.push({ path: `${at}.unmetered`, message: 'an unmetered plugin cannot be stopped, so it needs "fuel": false and "timeoutMs": false too' });
  } else if (limits.unmetered !== true && noFuel && noTime) {
    out.push({ path: at, message: '"fuel": false with "timeoutMs": false leaves a runaway plugin unstoppable; set one, or "unmetered": true for a trusted plugin' });
  }
  return out;
}
