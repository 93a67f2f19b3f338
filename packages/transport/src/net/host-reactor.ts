/**
 * A {@link NetClock} over the host's real timers, microtasks and entropy, for using the
 * network transports without an engine (benchmarks, tools, transport tests). An engine
 * passes its own reactor instead. This file is a reactor implementation: the only place in
 * @pd/transport allowed to touch the real clock and timers (invariant 1).
 */
import { randomBytes } from 'node:crypto';
import type { NetClock, NetRandom, NetTimer } from './clock.js';

const RESOLVED = Promise.resolve();

/** A NetClock on the real host: performance.now, setTimeout, promise reactions, setImmediate, OS entropy. */
export function hostNetClock(seed = randomBytes(4).readUInt32LE(0)): NetClock {
  const streams = new Map<string, NetRandom>();
  const entropy = new EntropyRandom();
  return {
    now: () => performance.now(),
    setTimer(delayMs: number, callback: () => void): NetTimer {
      const t = setTimeout(callback, Math.max(0, delayMs));
      t.unref();
      return t;
    },
    clearTimer: (timer: NetTimer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    // A promise reaction: cheaper than queueMicrotask's AsyncResource (see @pd/runtime's NodeReactor.soon).
    soon: (callback: () => void) => void RESOLVED.then(callback),
    pollThen: (callback: () => void) => void setImmediate(callback),
    random(stream: string): NetRandom {
      let s = streams.get(stream);
      if (s === undefined) streams.set(stream, (s = new SeededRandom(seed ^ hash(stream))));
      return s;
    },
    entropy: () => entropy,
  };
}

// --- internal ---

class EntropyRandom implements NetRandom {
  private pool = randomBytes(4096);
  private at = 0;
  nextU32(): number {
    if (this.at + 4 > this.pool.length) {
      this.pool = randomBytes(4096);
      this.at = 0;
    }
    const v = this.pool.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }
}

/** mulberry32: small and good enough for jitter. */
class SeededRandom implements NetRandom {
  constructor(private state: number) {}
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
