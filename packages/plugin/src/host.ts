/**
 * The plugin lifecycle on one engine: load, list, info, unload, reload. Owns: the plugins
 * loaded on that engine by name, each registered as an actor kind of the same name. Must
 * not: reach into the runtime: actors are found with `engine.list`, stopped with
 * `engine.stop` and hot-swapped with `engine.swap`, so mailboxes, links and monitors
 * survive a reload exactly as for any hot swap.
 *
 * In a multi-core engine this host manages the plugins of the engine it is given (core 0);
 * kinds that every core runs come from the entry module (`pluginKind`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Exit, type Kind, type SpawnOptions, type Addr, nameProblem } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { PluginBehavior } from './behavior.js';
import { PluginError } from './errors.js';
import { kindOf } from './kind.js';
import { type PluginLimits, describeLimits } from './limits.js';
import { type CompiledPlugin, compilePlugin } from './loader.js';
import { type PluginHooks, PluginSource } from './source.js';

/** What `info` and `list` tell about a loaded plugin. */
export interface PluginInfo {
  readonly name: string;
  readonly abiVersion: number;
  /** Host functions it imports. */
  readonly imports: readonly string[];
  readonly limits: Readonly<Record<string, unknown>>;
  /** 1, plus one per reload. */
  readonly version: number;
  readonly sourceBytes: number;
  readonly instrumentedBytes: number;
  /** Live actors of this plugin on this engine. */
  readonly actors: number;
  /** Fuel used by all its instances so far (0 when unmetered). */
  readonly fuelUsed: number;
  readonly messages: number;
  /** Guest memory of the live instances, bytes. */
  readonly memoryBytes: number;
  /** Instances ended by their plugin, by reason. */
  readonly failures: Readonly<Record<string, number>>;
}

export interface LoadOptions {
  /** The plugin's name and kind name; default the file name without `.wasm`. */
  readonly name?: string;
  readonly limits?: PluginLimits;
}

/** Reason given to the actors of an unloaded plugin. */
export const PLUGIN_UNLOADED = 'plugin-unloaded';

export class PluginHost {
  private readonly sources = new Map<string, PluginSource>();
  private readonly kinds = new Map<string, Kind>();

  constructor(readonly engine: Engine, private readonly hooks: PluginHooks = {}) {}

  /**
   * Loads a plugin from bytes, a `.wasm` path, or a plugin already checked by
   * {@link compilePlugin} (its own name and limits then apply), and registers its kind.
   * Throws `PluginError` when refused; nothing changes then.
   */
  load(wasm: Uint8Array | string | CompiledPlugin, options: LoadOptions = {}): PluginInfo {
    const name = options.name ?? (isCompiled(wasm) ? wasm.name : typeof wasm === 'string' ? basename(wasm).replace(/\.wasm$/, '') : undefined);
    if (name === undefined) throw new PluginError('plugin/invalid-options', 'load: a plugin given as bytes needs a name');
    const problem = nameProblem(name);
    if (problem !== null) throw new PluginError('plugin/invalid-options', `load: invalid plugin name: ${problem}`, { name });
    if (this.sources.has(name)) throw new PluginError('plugin/name-taken', `a plugin named "${name}" is already loaded (unload or reload it)`, { plugin: name });
    if (!this.kinds.has(name) && this.engine.kinds.has(name)) {
      throw new PluginError('plugin/name-taken', `"${name}" is already the name of a kind that is not a plugin`, { plugin: name });
    }
    const source = new PluginSource(compiledFrom(name, wasm, options.limits), this.hooks);
    this.sources.set(name, source);
    let kind = this.kinds.get(name);
    if (kind === undefined) {
      kind = kindOf(() => this.sources.get(name) ?? unloadedSource(source));
      this.kinds.set(name, kind);
      this.engine.kinds.register(kind);
    }
    return this.describe(source);
  }

  /** Spawns an actor of a loaded plugin (same as `engine.spawn(name, options)`). */
  spawn<M = unknown>(name: string, options?: SpawnOptions): Addr<M> {
    this.source(name);
    return this.engine.spawn<M>(name, options);
  }

  list(): PluginInfo[] {
    return [...this.sources.values()].map((s) => this.describe(s));
  }

  info(name: string): PluginInfo {
    return this.describe(this.source(name));
  }

  /** Unloads: its actors stop with `shutdown` / `plugin-unloaded`; its kind no longer spawns. */
  unload(name: string): { stopped: number } {
    const source = this.source(name);
    source.unloaded = true;
    this.sources.delete(name);
    const actors = this.engine.list({ kind: name });
    for (const actor of actors) this.engine.stop(actor.addr, Exit.shutdown(PLUGIN_UNLOADED));
    source.stats.live.clear();
    return { stopped: actors.length };
  }

  /**
   * Replaces a plugin with a new version. Running actors switch through hot swap from their
   * next message on (mailbox, links, monitors, children and spawn arguments kept; a fresh
   * guest instance, which gets `pd_on_start` again). A refused module changes nothing.
   */
  reload(name: string, wasm: Uint8Array | string | CompiledPlugin, options: { limits?: PluginLimits } = {}): PluginInfo & { swapped: number } {
    const old = this.source(name);
    const compiled = compiledFrom(name, wasm, options.limits ?? (isCompiled(wasm) ? undefined : limitsOf(old)));
    old.compiled = compiled;
    old.version++;
    const actors = this.engine.list({ kind: name });
    for (const actor of actors) this.engine.swap(actor.addr, PluginBehavior.replacing(old));
    return { ...this.describe(old), swapped: actors.length };
  }

  // --- internal ---

  private source(name: string): PluginSource {
    const source = this.sources.get(name);
    if (source === undefined) {
      const loaded = [...this.sources.keys()];
      throw new PluginError('plugin/not-loaded', `no plugin named "${name}" is loaded${loaded.length ? ` (loaded: ${loaded.join(', ')})` : ''}`, { plugin: name });
    }
    return source;
  }

  private describe(source: PluginSource): PluginInfo {
    const actors = this.engine.list({ kind: source.name });
    const alive = new Set(actors.map((a) => a.addr));
    let memoryBytes = 0;
    for (const instance of source.stats.live) {
      const self = instance.self;
      if (self === null || !alive.has(self)) source.stats.live.delete(instance); // killed: no hook told us
      else memoryBytes += instance.memoryBytes;
    }
    const { compiled, stats } = source;
    return {
      name: source.name, abiVersion: compiled.abi.abiVersion, imports: compiled.abi.imports, limits: describeLimits(compiled.limits),
      version: source.version, sourceBytes: compiled.sourceBytes, instrumentedBytes: compiled.instrumentedBytes, actors: actors.length,
      fuelUsed: stats.fuelUsed, messages: stats.messages, memoryBytes, failures: { ...stats.failures },
    };
  }
}

function isCompiled(wasm: Uint8Array | string | CompiledPlugin): wasm is CompiledPlugin {
  return typeof wasm === 'object' && !(wasm instanceof Uint8Array) && wasm !== null && 'abi' in wasm && 'module' in wasm;
}

/** The compiled plugin for `wasm` under `name`: compiled now, or checked to fit. */
function compiledFrom(name: string, wasm: Uint8Array | string | CompiledPlugin, limits: PluginLimits | undefined): CompiledPlugin {
  if (!isCompiled(wasm)) return compilePlugin(name, bytesOf(wasm), limits);
  if (wasm.name !== name) throw new PluginError('plugin/invalid-options', `plugin compiled as "${wasm.name}" cannot be loaded as "${name}" (its fuel and log entries name it)`, { plugin: name });
  if (limits !== undefined) throw new PluginError('plugin/invalid-options', `plugin "${name}" is already compiled with its limits; give limits to compilePlugin instead`, { plugin: name });
  return wasm;
}

function bytesOf(wasm: Uint8Array | string): Uint8Array {
  if (typeof wasm === 'string') {
    const data = readFileSync(wasm);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return wasm;
}

function limitsOf(source: PluginSource): PluginLimits {
  const l = source.compiled.limits;
  return {
    fuel: l.fuel === Infinity ? false : l.fuel, timeoutMs: l.timeoutMs === Infinity ? false : l.timeoutMs, checkEveryFuel: l.checkEveryFuel,
    memoryPages: l.memoryPages, tableEntries: l.tableEntries, maxMessageBytes: l.maxMessageBytes, hostCallsPerMessage: l.hostCallsPerMessage,
    spawnKinds: l.spawnKinds, maxChildren: l.maxChildren, maxLogBytes: l.maxLogBytes, unmetered: !l.metered,
  };
}

/** After unload, spawning the kind fails at the actor's first turn, naming the plugin. */
function unloadedSource(previous: PluginSource): PluginSource {
  previous.unloaded = true;
  return previous;
}
