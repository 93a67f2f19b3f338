/**
 * @pd/runtime: the Palladium engine. Create one with {@link createEngine}, spawn actors,
 * send and ask, supervise, inspect. Single-core mode runs every actor on the calling
 * thread under one reactor; multi-core mode (`mode: 'multi'`) runs one per worker thread.
 */
export { Engine, createEngine, ENGINE_DEFAULTS, type EngineOptions, type EngineStatus, type ShutdownOptions, type ShutdownReport, type Target } from './engine.js';
export { Client } from './client.js';
export { EventStream, type EngineEvent, type EngineEventType, type EventListener, type DeadLetterReason } from './events.js';
export type { ActorInfo, ActorTreeNode, TerminatedSnapshot, DeadLetter, DeadLetterReport, EngineStats } from './introspection.js';
export type { ActorStatus } from './cell.js';
export { Registry, type RegistryChange, type PathWatcher } from './registry.js';
export { KindRegistry } from './kinds.js';
export { MAILBOX_DEFAULTS } from './mailbox.js';
export type { Reactor, RandomStream, ReactorTimer } from './reactor.js';
export { NodeReactor, type NodeReactorOptions } from './node-reactor.js';
export { Sfc32, deriveStream, hashName } from './random.js';
export { TimerService, TimerEntry } from './timers.js';
export * from './supervision/index.js';
export type { RemoteRouter, RemoteAttachment, RemoteSpawn, RemoteAskHandle } from './remote.js';
export { MULTI_DEFAULTS, type MultiEngineOptions, type CoreRestartPolicy, type PlacementPolicy } from './multi/options.js';
export { multiCore, MultiCore, type CoreStats, type CoreStatus } from './multi/view.js';
export { CORE_CRASHED, coreCrashed } from './multi/core-router.js';
export { SimCores, type SimCoresOptions } from './multi/sim-cores.js';
export type { SimLinkOptions } from './multi/sim-channel.js';
export { type EngineLogger, type CrashReport, type LogLevel, silentLogger, stderrCrashLogger, defaultLogger, setDefaultLogger, formatCrash, describeThrown, stackOf } from './logger.js';
export * from './telemetry/index.js';
