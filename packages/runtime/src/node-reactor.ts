/**
 * The node reactor: the real clock, timers and task queues of Node.js behind the
 * {@link Reactor} interface. This file (and other *reactor* files) is the only place in the
 * runtime allowed to touch them; an ESLint rule enforces it.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deriveStream } from './random.js';
import type { RandomStream, Reactor, ReactorTimer } from './reactor.js';

export interface NodeReactorOptions {
  /** Seed for every random stream; default: 32 bits from the OS entropy pool. */
  readonly seed?: number;
}

/** The settled promise `soon` queues its reactions on. */
const RESOLVED = Promise.resolve();

export class NodeReactor implements Reactor {
  readonly kind = 'node';
  readonly seed: number;
  private readonly streams = new Map<string, RandomStream>();
  private entropyStream: RandomStream | null = null;

  constructor(options: NodeReactorOptions = {}) {
    this.seed = options.seed === undefined ? randomBytes(4).readUInt32LE(0) : options.seed >>> 0;
  }

  /** Ask timeouts start from one clock reading per synchronous burst (see {@link Reactor.lazyTimerStart}). */
  readonly lazyTimerStart = true;

  now(): number {
    return performance.now();
  }

  wallTime(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): ReactorTimer {
    return setTimeout(callback, delayMs);
  }

  clearTimer(timer: ReactorTimer): void {
    clearTimeout(timer as ReturnType<typeof setTimeout>);
  }

  keepAlive(timer: ReactorTimer, keepAlive: boolean): void {
    const t = timer as ReturnType<typeof setTimeout>;
    if (keepAlive) t.ref();
    else t.unref();
  }

  yieldThen(callback: () => void): void {
    setImmediate(callback);
  }

  pollThen(callback: () => void): void {
    setImmediate(callback);
  }

  soon(callback: () => void): void {
    // A reaction on a settled promise, not `queueMicrotask`: Node wraps each of those in an
    // AsyncResource and a bound function (~0.4 µs; a network round trip queues several). Both
    // run the callback in the caller's async context; a throw (an engine bug: these callbacks
    // catch what actors throw) surfaces as an unhandled rejection.
    void RESOLVED.then(callback);
  }

  entropy(): RandomStream {
    return (this.entropyStream ??= new EntropyStream());
  }

  random(stream: string): RandomStream {
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = deriveStream(this.seed, stream);
      this.streams.set(stream, s);
    }
    return s;
  }
}

/** Numbers from the OS entropy pool, fetched 4 KiB at a time. */
class EntropyStream implements RandomStream {
  private readonly pool = new Uint32Array(1024);
  private cursor = this.pool.length;

  nextU32(): number {
    if (this.cursor === this.pool.length) {
      randomFillSync(this.pool);
      this.cursor = 0;
    }
    return this.pool[this.cursor++]!;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}
