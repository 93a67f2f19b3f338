/**
 * @pd/control: the control plane of a Palladium engine. A JSON-RPC 2.0 server over
 * WebSocket (loopback, token, bounded), its client, the state file that lets `pd` find an
 * engine, and the versioned config contract (`version: 1`, with a JSON Schema) that
 * `pd start` boots an engine from.
 */
export { ControlServer, CONTROL_DEFAULTS, BUILTIN_METHODS, type ControlServerOptions } from './server.js';
export { ControlClient, type ConnectOptions, type NotificationHandler } from './client.js';
export { ControlError, ControlErrorCodes, type ControlErrorCode, type RpcErrorObject } from './errors.js';
export type { ControlHost, Method, MethodTable, Session } from './methods/types.js';
export { eventToWire } from './methods/events.js';
export { Params } from './params.js';
export { toWire, exitToWire, WIRE_LIMITS } from './wire.js';
export { resolveTarget, findTarget, isAddressTarget } from './targets.js';
export { isLoopbackHost } from './loopback.js';
export { closestName, editDistance } from './suggest.js';
export {
  type EngineState, stateDir, stateFile, newToken, tokensEqual, writeState, readState, listStates, removeState, processAlive,
  prepareStateDir, stateDirProblem, openPrivate,
} from './state.js';
export { withEscalations, describeEscalation, type Escalation } from './escalations.js';
export { locateEngine, connectToEngine, type LocateOptions } from './locate.js';
export { startTree, awaitExit, stopAndWait, type TreeHost, type TreeChild } from './tree.js';
export { bootEngine, assertNotRunning, type BootOptions, type RunningEngine } from './boot.js';
export {
  CLAIMS, ClusterNameKeeper, KEEP_INTERVAL_MS, claimKind, configuredClaims, configuredNames,
  type ClaimHolder, type ClaimKind, type ConfiguredClaim, type ConfiguredGroup, type ConfiguredKind, type ConfiguredName, type ConfiguredPrefix,
  type ConfiguredState, type ConfiguredStatus,
} from './cluster-names.js';
export type { Instrument, Instrumentation } from './instrument.js';
export { OBSERVER_PATH, observerUrl } from './observer/http.js';
export { CONFIG_SCHEMA, CONFIG_VERSION } from './config/schema.js';
export { PLUGINS_MAX, type PluginSpec, type PluginLimitsSpec } from './config/plugins.js';
export type { ConfigDiscovery, ConfigDowning, EtcdSecurityConfig, FederationSection, PrefixPolicySpec, MembershipSpec } from './config/federation.js';
export { CONFIG_DEFAULTS, type PdConfig, type EngineSection, type ControlSection, type TreeSection, type TelemetrySection, type ChildSpec, type Strategy, type Restart, type Shutdown, type Backoff } from './config/types.js';
export { validateConfig, pointerToPath, ConfigError, CONFIG_MAX_NESTING, type ConfigIssue } from './config/validate.js';
export { parseConfig, loadConfig, loadKinds, CONFIG_MAX_BYTES } from './config/load.js';
