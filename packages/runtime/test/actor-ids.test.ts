/**
 * Actor ids (kernel/actor-ids.ts): increasing in spawn order; after the largest, from 1
 * again, skipping every id a live actor has — so no two live actors ever share an id (nor
 * a generated path), whatever lives across rounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ActorIds, MAX_ACTOR_ID } from '../src/kernel/actor-ids.js';

describe('actor ids', () => {
  it('count up from 1 to the largest, a small integer', () => {
    const ids = new ActorIds(() => []);
    expect([ids.take(), ids.take(), ids.take()]).toEqual([1, 2, 3]);
    expect(MAX_ACTOR_ID).toBe(2 ** 31 - 1);
  });

  it('start over after the largest, skipping the ids still alive', () => {
    const live = new Set<number>();
    const ids = new ActorIds(() => [...live], 6);
    for (let i = 0; i < 6; i++) live.add(ids.take());
    // Alive across the round: 1, 4 and 6 (the last one taken before the round).
    for (const gone of [2, 3, 5]) live.delete(gone);
    expect([ids.take(), ids.take(), ids.take()]).toEqual([2, 3, 5]);
  });

  it('refuse when every id is taken, rather than repeat one', () => {
    const ids = new ActorIds(() => [1, 2, 3], 3);
    for (let i = 0; i < 3; i++) ids.take();
    expect(() => ids.take()).toThrow(RangeError);
  });

  it('never give a live actor\'s id to another, across many rounds (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.boolean(), { maxLength: 300 }), (max, ops) => {
      const live: number[] = [];
      const ids = new ActorIds(() => [...live], max);
      for (const spawn of ops) {
        if (spawn && live.length < max) {
          const id = ids.take();
          expect(id).toBeGreaterThanOrEqual(1);
          expect(id).toBeLessThanOrEqual(max);
          expect(live).not.toContain(id);
          live.push(id);
        } else if (live.length > 0) {
          live.splice(live.length >> 1, 1);
        }
      }
    }));
  });
});
