/**
 * Plugin kinds: a plugin as a named actor kind, spawnable by name like any other, on any
 * core (export it from a multi-core engine's entry module) and in simulations. Owns: the
 * kind's factory. Must not: hold engine state (host.ts does, for lifecycle).
 */
import { Kind } from '@pd/actor';
import { readFileSync } from 'node:fs';
import { PluginBehavior } from './behavior.js';
import type { PluginLimits } from './limits.js';
import { compilePlugin } from './loader.js';
import { type PluginHooks, PluginSource } from './source.js';

/** Options of {@link pluginKind}. */
export interface PluginKindOptions extends PluginHooks {
  readonly limits?: PluginLimits;
}

/**
 * A kind whose actors run the plugin in `wasm` (module bytes, or a path to a `.wasm`
 * file): checked, instrumented and compiled now, instantiated once per actor incarnation.
 * Spawn arguments are encoded and handed to the guest's `pd_on_start`.
 */
export function pluginKind(name: string, wasm: Uint8Array | string, options: PluginKindOptions = {}): Kind<unknown, unknown> {
  const bytes = typeof wasm === 'string' ? readFileSync(wasm) : wasm;
  const source = new PluginSource(compilePlugin(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options.limits), options);
  return kindOf(source);
}

/** @internal The kind of a source (its factory follows reloads). */
export function kindOf(source: PluginSource | (() => PluginSource)): Kind<unknown, unknown> {
  const current = typeof source === 'function' ? source : () => source;
  const name = typeof source === 'function' ? source().name : source.name;
  // An unloaded plugin's actors fail at their first turn, with an error naming the plugin.
  return new Kind<unknown, unknown>(name, (args) => new PluginBehavior(current(), args));
}
