/**
 * The reactor of a worker core: the node reactor, plus what a core of a multi-core engine
 * needs from the real host — the engine's incarnation (shared by every core), a clock
 * aligned with core 0's (so deadlines carried in frames mean the same on every core), and a
 * handle that keeps the worker thread alive while the core runs (a pending
 * `Atomics.waitAsync` does not). Only *reactor* files may touch real timers and clocks.
 */
import { performance } from 'node:perf_hooks';
import { NodeReactor } from '../node-reactor.js';

export interface CoreReactorOptions {
  readonly seed: number;
  /** The engine's incarnation: every core mints addresses with it. */
  readonly incarnation: number;
  /** `performance.timeOrigin` of core 0's thread: `now()` counts from it. */
  readonly originMs: number;
}

export class CoreReactor extends NodeReactor {
  readonly incarnation: number;
  private readonly offsetMs: number;
  private handle: ReturnType<typeof setInterval> | null = null;

  constructor(options: CoreReactorOptions) {
    super({ seed: options.seed });
    this.incarnation = options.incarnation;
    this.offsetMs = performance.timeOrigin - options.originMs;
  }

  override now(): number {
    return performance.now() + this.offsetMs;
  }

  /** Keep the thread alive (while the core runs). */
  hold(): void {
    this.handle ??= setInterval(noop, 0x3fff_ffff);
  }

  /** Let the thread end once nothing else is pending. */
  release(): void {
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }
}

/** This thread's `performance.timeOrigin` (core 0 hands it to the workers). */
export function threadTimeOrigin(): number {
  return performance.timeOrigin;
}

function noop(): void {}
