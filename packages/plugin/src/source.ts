/**
 * A plugin source: the compiled plugin that new instances of one plugin kind are made
 * from, with its codec, counters and hooks. Owns: which compiled version is current (a
 * reload replaces it) and whether the plugin is unloaded. Must not: know engines (host.ts
 * attaches sources to one).
 */
import { Codec } from '@pd/transport';
import { PluginError } from './errors.js';
import type { PluginLogEntry } from './host-calls.js';
import { PluginInstance, PluginStats } from './instance.js';
import type { CompiledPlugin } from './loader.js';
import { watchdogClock } from './watchdog-clock.js';

/** Hooks every instance of a plugin shares. */
export interface PluginHooks {
  /** Receives every line the plugin logs (default: dropped, counted in nothing). */
  readonly onLog?: (entry: PluginLogEntry) => void;
  /** The clock of the wall-time limit, ms; default real monotonic time (see watchdog-clock.ts). */
  readonly clock?: () => number;
}

export class PluginSource {
  readonly codec = new Codec();
  readonly stats = new PluginStats();
  /** Bumped by every reload. */
  version = 1;
  unloaded = false;

  constructor(public compiled: CompiledPlugin, readonly hooks: PluginHooks = {}) {}

  get name(): string {
    return this.compiled.name;
  }

  /** A fresh instance of the current version; throws once the plugin is unloaded. */
  newInstance(): PluginInstance {
    if (this.unloaded) throw new PluginError('plugin/unloaded', `plugin "${this.name}" was unloaded`, { plugin: this.name });
    return new PluginInstance(this.compiled, { codec: this.codec, stats: this.stats, clock: this.hooks.clock ?? watchdogClock, onLog: this.hooks.onLog });
  }
}
