/**
 * What core 0 and its workers tell each other outside the rings (over the worker's message
 * port): how a worker boots, core lifecycle (down, up, gone), shutdown and reports. Rings
 * carry everything between actors; this channel carries only what must reach a core while
 * its rings are being replaced, and a worker's log records (crash reports) for core 0's
 * logger. Must not: carry actor messages.
 */
import type { KernelOptions } from '../kernel/engine.js';
import type { CoreLogRecord } from './core-logs.js';
import type { NormalizedPlacement } from './options.js';

/** The serializable part of the engine options, as every worker core gets it. */
export type CoreEngineOptions = Pick<KernelOptions,
  'id' | 'budget' | 'sliceMs' | 'askTimeoutMs' | 'maxPendingAsks' | 'stopTimeoutMs' | 'terminatedHistory' | 'deadLetterHistory'>;

/** A worker's `workerData`. */
export interface WorkerBoot {
  readonly core: number;
  readonly cores: number;
  readonly epoch: number;
  readonly epochs: readonly number[];
  readonly gone: readonly number[];
  readonly incarnation: number;
  readonly seed: number;
  readonly originMs: number;
  readonly entry: string | null;
  readonly engine: CoreEngineOptions;
  readonly placement: { readonly default: NormalizedPlacement['default']; readonly kinds: [string, unknown][] };
  readonly idleSpinMs: number;
  /** Whether core 0 is a cluster node's gateway: addresses of other nodes go through it. */
  readonly gateway: boolean;
  /** Rings this core reads, by peer core (null for itself). */
  readonly inRings: readonly (SharedArrayBuffer | null)[];
  /** Rings this core writes, by peer core (null for itself). */
  readonly outRings: readonly (SharedArrayBuffer | null)[];
}

/** Core 0 → worker. */
export type ToWorker =
  | { readonly type: 'core-down'; readonly core: number; readonly detail: string }
  | { readonly type: 'core-up'; readonly core: number; readonly epoch: number; readonly inRing: SharedArrayBuffer; readonly outRing: SharedArrayBuffer }
  | { readonly type: 'core-gone'; readonly core: number }
  | { readonly type: 'shutdown'; readonly deadlineMs: number };

/** Worker → core 0. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'report'; readonly stopped: number; readonly killed: number }
  /** A log record of the worker's engine (a crash report), for core 0's logger. */
  | { readonly type: 'record'; readonly record: CoreLogRecord };
