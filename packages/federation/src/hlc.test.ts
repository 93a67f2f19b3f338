/**
 * The hybrid logical clock's properties, over seeded random runs of wall-clock moves
 * (forward, backward, standing still) and peers' stamps (behind, ahead, far ahead): its
 * stamps only grow; a stamp taken after observing a peer's sorts after it (unless that one
 * was beyond the drift bound, which is refused and counted); its physical part never runs
 * ahead of the wall clock by more than the drift bound (plus the counter's carry); with a
 * still wall clock it counts as a Lamport clock. No real time is read.
 */
import { describe, expect, it } from 'vitest';
import { HLC_LOGICAL, HybridLogicalClock, hlcParts, isHlcStamp } from './index.js';
import { rng } from './seeded.test-util.js';

const START = Date.UTC(2026, 0, 1);

describe('the hybrid logical clock', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: monotone, after every stamp it observed, drift bounded', (seed) => {
    const random = rng(seed);
    let wall = START;
    const maxDriftMs = 5_000;
    const clock = new HybridLogicalClock(() => wall, maxDriftMs);
    let last = 0;
    let refused = 0;
    let mustExceed = 0;
    let maxWall = wall;
    for (let i = 0; i < 5_000; i++) {
      const r = random();
      if (r < 0.3) maxWall = Math.max(maxWall, (wall += Math.floor(random() * 50))); // forward (or still)
      else if (r < 0.4) wall -= Math.floor(random() * 2_000); // backward (an NTP step)
      else if (r < 0.7) {
        // A peer's stamp: behind, a little ahead, or far ahead of this wall clock.
        const offset = random() < 0.1 ? maxDriftMs + 1 + Math.floor(random() * 100_000) : Math.floor((random() - 0.5) * 2 * maxDriftMs);
        const stamp = (wall + offset) * HLC_LOGICAL + Math.floor(random() * HLC_LOGICAL);
        if (clock.observe(stamp)) mustExceed = Math.max(mustExceed, stamp);
        else refused++;
      } else {
        const stamp = clock.now();
        expect(isHlcStamp(stamp)).toBe(true);
        expect(stamp).toBeGreaterThan(last);
        expect(stamp).toBeGreaterThan(mustExceed);
        // Never ahead of the highest wall clock seen plus the drift bound, beyond the counter's carry.
        expect(hlcParts(stamp).wallMs).toBeLessThanOrEqual(maxWall + maxDriftMs + Math.ceil(i / HLC_LOGICAL) + 1);
        last = stamp;
      }
    }
    expect(clock.driftRefused).toBe(refused);
    expect(refused).toBeGreaterThan(0);
  });

  it('follows the wall clock when nothing else happens, counts within a millisecond, and never steps back', () => {
    let wall = START;
    const clock = new HybridLogicalClock(() => wall);
    expect(hlcParts(clock.now())).toEqual({ wallMs: START, logical: 0 });
    expect(hlcParts(clock.now())).toEqual({ wallMs: START, logical: 1 });
    wall += 10;
    expect(hlcParts(clock.now())).toEqual({ wallMs: START + 10, logical: 0 });
    wall -= 1_000;
    expect(hlcParts(clock.now())).toEqual({ wallMs: START + 10, logical: 1 });
  });

  it('a stamp taken after hearing of a peer\'s sorts after it, though this wall clock is behind', () => {
    const clock = new HybridLogicalClock(() => START);
    const peer = (START + 3_000) * HLC_LOGICAL + 7;
    expect(clock.observe(peer)).toBe(true);
    expect(hlcParts(clock.now())).toEqual({ wallMs: START + 3_000, logical: 8 });
  });

  it('a stamp beyond the drift bound is refused and counted; garbage is refused', () => {
    const clock = new HybridLogicalClock(() => START, 1_000);
    expect(clock.observe((START + 1_001) * HLC_LOGICAL)).toBe(false);
    expect(clock.driftRefused).toBe(1);
    for (const bad of [-1, 0, 1.5, Number.NaN, Infinity, 2 ** 60]) expect(clock.observe(bad)).toBe(false);
    expect(hlcParts(clock.now()).wallMs).toBe(START);
  });

  it('with no wall clock it is a Lamport clock', () => {
    const clock = new HybridLogicalClock(() => 0);
    expect([clock.now(), clock.now()]).toEqual([1, 2]);
    clock.observe(10);
    expect(clock.now()).toBe(11);
  });
});
