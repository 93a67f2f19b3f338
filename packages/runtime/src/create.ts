/**
 * Creating an engine, and the choice of mode: the one place that knows the modes. The
 * kernel (kernel/) runs one engine on one reactor; a mode attaches to it from outside —
 * `multi` as a router between cores (multi/), later `cluster` as a router between nodes —
 * so adding a mode edits this file, never the kernel. The only importer of multi/start.
 */
import { ArgumentError } from '@pd/actor';
import { Engine, type KernelOptions } from './kernel/engine.js';
import type { MultiEngineOptions } from './multi/options.js';
import { startMultiCore } from './multi/start.js';

/** Everything `createEngine` accepts: the kernel's options and the modes'. */
export interface EngineOptions extends KernelOptions, MultiEngineOptions {}

/**
 * Create an engine. With `mode: 'multi'` the calling thread becomes core 0 of a
 * thread-per-core engine and the other cores start as worker threads (see docs/multi-core.md);
 * `await engine.ready()` before relying on kinds loaded from `entry`.
 */
export function createEngine(options?: EngineOptions): Engine {
  if (options?.mode === 'multi') return startMultiCore(options, (o) => new Engine(o));
  if (options?.mode !== undefined && options.mode !== 'single') throw new ArgumentError(`mode must be 'single' or 'multi', got ${String(options.mode)}`);
  return new Engine(options);
}
