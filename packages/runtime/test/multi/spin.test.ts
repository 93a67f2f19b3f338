/**
 * The adaptive spin of an idle core (multi/spin.ts): it polls only after short gaps, never
 * longer than its cap, backs off when a poll runs dry, and never polls when idle or with a
 * cap of 0. Times are ms handed in, as the core router hands in its reactor's clock.
 */
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { MULTI_DEFAULTS, multiSettings } from '../../src/multi/options.js';
import { SpinPolicy } from '../../src/multi/spin.js';

/** Drives one idle period from `t`: returns how long the policy polled (0: parked at once). */
function idle(policy: SpinPolicy, t: number, frameAfter: number, step = 0.001): number {
  let now = t;
  if (!policy.empty(now)) return 0;
  while (now - t < frameAfter) {
    now += step;
    if (now - t >= frameAfter) break;
    if (!policy.empty(now)) return now - t;
  }
  policy.frames(t + frameAfter);
  return frameAfter;
}

/** An idle period that ends (frames arrive) `gap` ms after it began, parked or not. */
function period(policy: SpinPolicy, t: number, gap: number): number {
  const polled = idle(policy, t, gap);
  if (polled < gap) policy.frames(t + gap);
  return polled;
}

describe('adaptive spin', () => {
  it('never polls with a cap of 0', () => {
    const p = new SpinPolicy(0);
    for (let i = 0; i < 10; i++) expect(period(p, i, 0.005)).toBe(0);
  });

  it('polls once the gaps are short, and catches the next frame', () => {
    const p = new SpinPolicy(0.2);
    let t = 0;
    // A fresh core believes gaps are long: it parks until it has seen short ones.
    expect(period(p, t, 0.03)).toBe(0);
    for (let i = 0; i < 5; i++) period(p, (t += 1), 0.03);
    expect(period(p, (t += 1), 0.03)).toBeCloseTo(0.03, 6);
    expect(p.stats.caught).toBeGreaterThan(0);
  });

  it('never polls longer than the cap, nor much longer than twice the recent gap', () => {
    const p = new SpinPolicy(0.2);
    let t = 0;
    for (let i = 0; i < 20; i++) period(p, (t += 1), 0.02);
    // The next frame is late: the poll gives up after about twice the 20 µs gap.
    const polled = idle(p, (t += 1), 5);
    expect(polled).toBeGreaterThan(0);
    expect(polled).toBeLessThanOrEqual(0.045);
    expect(p.stats.missed).toBe(1);
  });

  it('backs off after polls that run dry, 1, 2, 4 … idle periods, up to 64, and recovers after a catch', () => {
    const p = new SpinPolicy(0.2);
    let t = 0;
    for (let i = 0; i < 20; i++) period(p, (t += 1), 0.02);
    const parkedBefore = p.stats.parked;
    // The peer can run only once this core parks (one hardware thread for both): every
    // poll runs dry, and the frame comes 20 µs after the park.
    const polledBefore = p.stats.caught + p.stats.missed;
    for (let i = 0; i < 400; i++) {
      const start = (t += 1);
      let now = start;
      while (p.empty(now)) now += 0.001;
      p.frames(now + 0.02);
    }
    const polls = p.stats.caught + p.stats.missed - polledBefore;
    // 1 + 1 + 2 + 4 + … + 64 + 64 …: about 400 / SKIP_MAX polls once the back-off is at its top.
    expect(polls).toBeLessThan(400 / 16);
    expect(p.stats.parked - parkedBefore).toBeGreaterThan(350);
    // The gaps shorten again (the peer runs): a catch resets the back-off, polling resumes.
    for (let i = 0; i < 200; i++) period(p, (t += 1), 0.01);
    const caught = p.stats.caught;
    for (let i = 0; i < 10; i++) period(p, (t += 1), 0.01);
    expect(p.stats.caught - caught).toBe(10);
  });

  it('an idle core parks at once: a long gap ends polling', () => {
    const p = new SpinPolicy(1);
    let t = 0;
    for (let i = 0; i < 20; i++) period(p, (t += 1), 0.01);
    // Traffic stops for good: the last poll is bounded, then every check says park.
    const polled = idle(p, (t += 1), 1000);
    expect(polled).toBeLessThanOrEqual(1);
    for (let i = 0; i < 10; i++) expect(p.empty(t + 2 + i)).toBe(false);
  });
});

describe('idleSpinMs default', () => {
  it('polls by default only when every core can have a hardware thread', () => {
    const threads = availableParallelism();
    expect(multiSettings({ cores: threads }).idleSpinMs).toBe(MULTI_DEFAULTS.idleSpinMs);
    expect(multiSettings({ cores: threads + 1 }).idleSpinMs).toBe(0);
    expect(multiSettings({ cores: threads + 1, idleSpinMs: 0.5 }).idleSpinMs).toBe(0.5);
    expect(() => multiSettings({ cores: 2, idleSpinMs: -1 })).toThrow(/idleSpinMs/);
  });
});
