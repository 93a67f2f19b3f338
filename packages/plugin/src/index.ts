/**
 * @pd/plugin: third-party actors as sandboxed WebAssembly. A plugin is a core module
 * speaking ABI v1 (docs/plugin-abi.md): it is checked and instrumented at load (fuel at
 * Wasmtime's costs, memory and table caps), then runs as an actor kind whose every
 * incarnation is a fresh instance. Out of fuel, past its wall-time limit, trapping or
 * returning an error status, a plugin actor ends with a `PluginError`; the engine and every
 * other actor keep running. WebAssembly components run through jco (`loadComponent`,
 * `componentKind`: an optional peer, imported only when used). See docs/plugins.md.
 */
export { ABI_VERSION, ABI_MARKER_PREFIX, HOST_MODULE, HOST_IMPORTS, REQUIRED_EXPORTS, OPTIONAL_EXPORTS, Status, LogLevel, statusName, type Signature, type StatusCode } from './abi.js';
export { PluginError, PluginErrorCodes, isPluginError, pluginExitReason, type PluginErrorCode, type PluginExitReason } from './errors.js';
export { PLUGIN_DEFAULTS, resolveLimits, type PluginLimits, type ResolvedLimits } from './limits.js';
export { compilePlugin, type CompiledPlugin } from './loader.js';
export { pluginKind, type PluginKindOptions } from './kind.js';
export { PluginHost, PLUGIN_UNLOADED, type PluginInfo, type LoadOptions } from './host.js';
export type { PluginHooks } from './source.js';
export type { PluginLogEntry } from './host-calls.js';
export type { AbiSummary } from './abi-check.js';
export {
  COMPONENT_HOST_IMPORTS, COMPONENT_HOST_PACKAGE, COMPONENT_HOST_WIT, componentCall, componentKind, loadComponent,
  type ComponentCall, type ComponentLimits, type ComponentOptions, type ComponentStats, type LoadedComponent,
} from './component.js';
