/**
 * The seam through which observability plugs into `bootEngine` without the control plane
 * depending on it: the CLI hands in @pd/telemetry's implementation, an embedding
 * application may hand in its own. Called in order: `logger` is read when the engine is
 * created, `attach` right after, `ready` once the tree is up, `stopping` when shutdown
 * begins, `close` after the engine stopped.
 */
import type { Engine, EngineLogger } from '@pd/runtime';
import type { PdConfig } from './config/types.js';

export interface Instrumentation {
  /** The engine's logger (crash reports). */
  readonly logger?: EngineLogger;
  /** Start recording `engine`. */
  attach?(engine: Engine): void;
  /** The supervision tree is up. */
  ready?(): void;
  /** The engine is shutting down. */
  stopping?(): void;
  /** Fields added to `engine.status` (for example `metrics: { url }`). */
  describe?(): Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Builds the instrumentation for a config (before the engine exists). */
export type Instrument = (config: PdConfig) => Promise<Instrumentation>;
