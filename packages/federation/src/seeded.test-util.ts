/**
 * Seeded randomness for property tests, and addresses with no actor behind them. Not part of
 * the package: tsconfig.build.json leaves *.test-util.ts out of dist.
 */
import type { AnyAddr } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** `items` shuffled in place (Fisher–Yates) with `random`; returns it. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** An address of incarnation `node`, slot `slot`, with no actor behind it (what a registry reads of it: its node, its key). */
export function fakeAddr(node: number, slot: number): AnyAddr {
  return mintAddr({ node, core: 0, slot, generation: 1, secret: 1 }, null);
}
