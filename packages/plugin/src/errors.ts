/**
 * Typed plugin errors. Owns: the closed map of plugin error codes and `PluginError`. A
 * module refused at load throws one; a plugin actor that ends abnormally because of its
 * plugin (fuel, time, trap, a bad status) exits with `Exit.error(PluginError)`, whose
 * metadata carries the same code as `reason`, so supervisors and `pd` can tell them apart.
 */

/** Every plugin error code, with what it means. */
export const PluginErrorCodes = {
  /** The bytes are not a WebAssembly module this host can load (malformed, or a feature it cannot meter). */
  'plugin/invalid-module': 'the bytes are not a loadable WebAssembly module',
  /** The module imports something outside the ABI (another module, another name, or a wrong signature). */
  'plugin/import-refused': 'the module imports something outside the plugin ABI',
  /** The module exports no ABI version marker. */
  'plugin/abi-missing': 'the module has no pd_abi_version_N export',
  /** The module's ABI version marker names a version this host does not speak. */
  'plugin/abi-version': 'the module was built for another ABI version',
  /** A required export is missing or has the wrong type. */
  'plugin/abi-export': 'a required export is missing or has the wrong signature',
  /** The module declares more memory or table than its limits allow. */
  'plugin/limit': 'the module needs more than its limits allow',
  /** Limits or options out of range. */
  'plugin/invalid-options': 'plugin options are out of range',
  /** The actor used more fuel on one message than its limit. */
  'plugin/fuel-exhausted': 'the plugin ran out of fuel',
  /** A handler ran past the wall-time limit and was interrupted. */
  'plugin/timeout': 'the plugin ran past its wall-time limit',
  /** The guest trapped (unreachable, out-of-bounds access, stack overflow...). */
  'plugin/trap': 'the plugin trapped',
  /** `pd_on_message` or `pd_on_start` returned a status that is neither OK nor STOP. */
  'plugin/guest-status': 'the plugin returned an error status',
  /** Load, reload or spawn of a plugin name that is not loaded. */
  'plugin/not-loaded': 'no plugin is loaded under that name',
  /** Load under a name already loaded. */
  'plugin/name-taken': 'a plugin is already loaded under that name',
  /** The plugin was unloaded: its actors stop, its kind no longer spawns. */
  'plugin/unloaded': 'the plugin was unloaded',
  /** Components: the bytes are a core module, not a component (load it with `pluginKind`, or wrap it with jco's `componentNew`). */
  'plugin/not-component': 'the bytes are a core WebAssembly module, not a component',
  /** Components: the optional peer `@bytecodealliance/jco-transpile` is not installed. */
  'plugin/jco-missing': 'components need the optional peer @bytecodealliance/jco-transpile',
  /** Components: a call names a function the component does not export. */
  'plugin/component-export': 'the component exports no such function',
  /** Components: a call message that is not `{ call, args }`, or arguments the function's types refuse. */
  'plugin/component-call': 'the call message or its arguments are invalid',
  /** Components: the function returned the error case of its `result` (payload in `details.payload`). */
  'plugin/component-error': 'the component function returned an error result',
} as const;

export type PluginErrorCode = keyof typeof PluginErrorCodes;

/** Why a plugin actor ended, as the `reason` metadata of its exit. */
export type PluginExitReason = 'fuel-exhausted' | 'timeout' | 'trap' | 'guest-status';

/** A plugin refused at load, or a plugin actor's abnormal end. `message` starts with the code. */
export class PluginError extends Error {
  readonly code: PluginErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: PluginErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'PluginError';
    this.code = code;
    this.details = details;
  }

  /** `fuel-exhausted`, `timeout`, `trap` or `guest-status` for errors that end a plugin actor. */
  get reason(): PluginExitReason | undefined {
    switch (this.code) {
      case 'plugin/fuel-exhausted': return 'fuel-exhausted';
      case 'plugin/timeout': return 'timeout';
      case 'plugin/trap': return 'trap';
      case 'plugin/guest-status': return 'guest-status';
      default: return undefined;
    }
  }
}

/** True when `error` is a {@link PluginError}, optionally with the given code. */
export function isPluginError(error: unknown, code?: PluginErrorCode): error is PluginError {
  return error instanceof PluginError && (code === undefined || error.code === code);
}

/**
 * Why a plugin actor ended, from its exit reason: `fuel-exhausted`, `timeout`, `trap`,
 * `guest-status`, or undefined when the exit was not caused by its plugin.
 */
export function pluginExitReason(reason: { type: string; error?: unknown }): PluginExitReason | undefined {
  return reason.type === 'error' && reason.error instanceof PluginError ? reason.error.reason : undefined;
}
