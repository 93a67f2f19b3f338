/**
 * What the network protocol needs from the engine's reactor: timers, task scheduling and
 * random streams (invariant 1). A structural subset of `@pd/runtime`'s `Reactor`, declared
 * here because transport must not import the runtime: pass the engine's reactor (node or
 * sim) and the same protocol runs on real sockets or under virtual time.
 * Must not: grow beyond what the protocol uses; real sockets are the carriers' business.
 */

/** An opaque timer handle. */
export type NetTimer = object;

/** A stream of random numbers (seeded under simulation). */
export interface NetRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
}

/** The reactor surface the protocol uses. The runtime's `Reactor` satisfies it. */
export interface NetClock {
  /** Monotonic milliseconds (virtual under simulation). */
  now(): number;
  /** Call `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): NetTimer;
  clearTimer(timer: NetTimer): void;
  /** Run `callback` soon, before any I/O: batches every publish of one turn into one write. */
  soon(callback: () => void): void;
  /**
   * Run `callback` once the host has polled its I/O without blocking (Node: `setImmediate`):
   * what the poll spin (`limits.pollSpinUs`) turns on. Absent under simulation, where
   * nothing spins.
   */
  pollThen?(callback: () => void): void;
  /** A seeded stream (backoff jitter). */
  random(stream: string): NetRandom;
  /** Unpredictable numbers for handshake nonces; absent under simulation (then the seeded stream `net-nonce`). */
  entropy?(): NetRandom;
}

/** 32 bytes for a handshake nonce: from `entropy` when the clock has it, else seeded. */
export function nonceFrom(clock: NetClock): Uint8Array {
  const source = clock.entropy?.() ?? clock.random('net-nonce');
  const nonce = new Uint8Array(32);
  const view = new DataView(nonce.buffer);
  for (let i = 0; i < 32; i += 4) view.setUint32(i, source.nextU32(), true);
  return nonce;
}
