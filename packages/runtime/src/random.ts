/**
 * Seeded pseudo-random streams (sfc32), derived per name from one 32-bit seed, so that
 * each subsystem has its own reproducible stream. Not cryptographic: address secrets
 * come from a stream seeded from the OS entropy pool by the node reactor.
 */
import type { RandomStream } from './reactor.js';

/** A small fast PRNG with a 128-bit state (sfc32). */
export class Sfc32 implements RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, salt = 0) {
    this.a = 0x9e3779b9 ^ salt;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}

/** FNV-1a hash of a stream name: the salt that makes streams independent. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The stream `name` under root `seed`. */
export function deriveStream(seed: number, name: string): RandomStream {
  return new Sfc32(seed, hashName(name));
}
