/**
 * Loading a plugin: check the bytes against the ABI, rewrite them (memory and table caps,
 * fuel metering unless unmetered), compile once. Owns: turning any problem with the bytes
 * into a `PluginError` that names it. Must not: instantiate (an instance per actor, in
 * instance.ts) or register anything with an engine (host.ts).
 */
import { checkAbi, type AbiSummary } from './abi-check.js';
import { PluginError } from './errors.js';
import { type PluginLimits, PLUGIN_DEFAULTS, type ResolvedLimits, resolveLimits } from './limits.js';
import { Wasm, type WasmModule } from './wasm/api.js';
import { WasmFormatError, WasmLimitError } from './wasm/bytes.js';
import { rewriteModule } from './wasm/meter.js';
import { readModule } from './wasm/module.js';

/** A checked, instrumented and compiled plugin, ready to instantiate per actor. */
export interface CompiledPlugin {
  readonly name: string;
  readonly limits: ResolvedLimits;
  readonly abi: AbiSummary;
  /** Bytes of the module as given, and after instrumentation. */
  readonly sourceBytes: number;
  readonly instrumentedBytes: number;
  /** @internal */
  readonly module: WasmModule;
}

/** Checks, instruments and compiles `bytes`. Throws a `PluginError` naming what is wrong. */
export function compilePlugin(name: string, bytes: Uint8Array, limits?: PluginLimits): CompiledPlugin {
  const resolved = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) throw new PluginError('plugin/invalid-module', `plugin "${name}": expected the module's bytes as a Uint8Array`, { plugin: name });
  if (bytes.length > PLUGIN_DEFAULTS.maxModuleBytes) {
    throw new PluginError('plugin/limit', `plugin "${name}" is ${bytes.length} bytes, above the ${PLUGIN_DEFAULTS.maxModuleBytes}-byte limit`, { plugin: name });
  }
  if (!Wasm.validate(bytes)) compileOrExplain(name, bytes); // throws with the engine's reason
  const info = wrapFormat(name, () => readModule(bytes));
  const abi = checkAbi(info, name);
  const instrumented = wrapFormat(name, () => rewriteModule(info, {
    meter: resolved.metered, memoryMaxPages: resolved.memoryPages, tableMaxEntries: resolved.tableEntries,
  }));
  const module = compileOrExplain(name, instrumented);
  return { name, limits: resolved, abi, module, sourceBytes: bytes.length, instrumentedBytes: instrumented.length };
}

// --- internal ---

function compileOrExplain(name: string, bytes: Uint8Array): WasmModule {
  try {
    return new Wasm.Module(bytes);
  } catch (error) {
    throw new PluginError('plugin/invalid-module', `plugin "${name}" is not a valid WebAssembly module: ${(error as Error).message}`, { plugin: name }, { cause: error });
  }
}

function wrapFormat<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof WasmLimitError) throw new PluginError('plugin/limit', `plugin "${name}": ${error.message}`, { plugin: name });
    if (error instanceof WasmFormatError) throw new PluginError('plugin/invalid-module', `plugin "${name}" cannot be loaded: ${error.message}`, { plugin: name }, { cause: error });
    throw error;
  }
}
