/**
 * Supervision: supervisors with OTP's semantics (strategies, restart policies, intensity,
 * ordered shutdown), restart backoff, stable addresses, worker pools and path supervisors.
 * This barrel is what `@pd/runtime` re-exports; internals stay in their files.
 */
export { SUPERVISOR_DEFAULTS, type BackoffSpec, type ChildSpec, type RestartPolicy, type RestartWindowPolicy, type ShutdownSpec, type StableSpec, type StrategyName, type SupervisorSpec } from './spec.js';
export { SupervisorError, SupervisorErrorReasons, type SupervisorErrorReason } from './errors.js';
export { supervisor, startSupervisor, supervisorHandle, inspectSupervisor, SupervisorHandle, type SupervisorCallOptions, type SupervisorDefinition, type StartSupervisorOptions } from './start.js';
export { INTENSITY_EXCEEDED, type SupervisorInfo } from './supervisor.js';
export type { ChildInfo, ChildStatus } from './child.js';
export type { ChildCounts } from './protocol.js';
export type { SupervisorAction } from './events.js';
export { createStableAddr, isStableAddr, stableAddrInfo, type StableAddr, type StableAddrInfo, type StableAddrOptions, type StableState } from './stable-addr.js';
export { backoffDelay } from './backoff.js';
export { workerPool, startPool, type PoolSpec, type PoolRouting, type WorkerPool } from './pool.js';
export { pathSupervisor, startPathSupervisor, PathSupervisorHandle, type PathSupervisorSpec, type PathRecipe, type WatchedInfo } from './path-supervisor.js';
