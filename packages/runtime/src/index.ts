/**
 * @pd/runtime: the Palladium engine. Create one with {@link createEngine}, spawn actors,
 * send and ask, supervise, inspect. Single-core mode runs every actor on the calling
 * thread under one reactor; multi-core mode (`mode: 'multi'`) runs one per worker thread.
 */
export { Engine, ENGINE_DEFAULTS, type KernelOptions, type EngineStatus, type ShutdownOptions, type Target } from './kernel/engine.js';
export { createEngine, type EngineOptions } from './create.js';
export { Client } from './kernel/client.js';
export { EventStream, type EngineEvent, type EngineEventType, type EventListener, type DeadLetterReason } from './kernel/events.js';
export type { ActorInfo, ActorTreeNode, TerminatedSnapshot, DeadLetter, DeadLetterReport, EngineStats } from './kernel/introspection.js';
export type { ActorStatus } from './kernel/cell.js';
export { Registry, type RegistryChange, type PathWatcher } from './kernel/registry.js';
export { KindRegistry } from './kernel/kinds.js';
export { MAILBOX_DEFAULTS } from './kernel/mailbox.js';
export type { Reactor, RandomStream, ReactorTimer } from './reactor.js';
export { NodeReactor, type NodeReactorOptions } from './node-reactor.js';
export { Sfc32, deriveStream, hashName } from './random.js';
export { TimerService, TimerEntry } from './kernel/timers.js';
export * from './supervision/index.js';
export type { CoreRelay, NodePlacer, NodeSpawn, RemoteRouter, RemoteSpawn, RemoteAskHandle, RemoteHost, RemoteRestart, RouterFactory, ShutdownReport } from './remote.js';
export type { RemoteAttachment } from './kernel/remote-host.js';
export { type PathPolicy, pathAllowed, checkPathPolicy } from './path-policy.js';
export { MULTI_DEFAULTS, type MultiEngineOptions, type CoreRestartPolicy, type PlacementPolicy } from './multi/options.js';
export { multiCore, MultiCore, type CoreStats, type CoreStatus } from './multi/view.js';
export { CORE_CRASHED, coreCrashed } from './multi/core-router.js';
export { SimCores, type SimCoresOptions } from './multi/sim-cores.js';
export type { SimLinkOptions } from './multi/sim-channel.js';
export { type EngineLogger, type CrashReport, type LogLevel, silentLogger, stderrCrashLogger, defaultLogger, setDefaultLogger, formatCrash, describeThrown, stackOf } from './logger.js';
export * from './telemetry/index.js';
