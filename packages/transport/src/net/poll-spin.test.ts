/**
 * The poll spin: on a hand-driven clock, a write starts a spin that polls until the window
 * after the last write has passed; writes during it extend it (a hit, full window kept); a
 * spin that saw nothing halves the window for the next, never below a sixteenth; `stop`
 * ends it. `limits.pollSpinUs` is checked. Over real loopback TCP, two nodes with the spin
 * on carry frames both ways, spin, and leave nothing polling once traffic stops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Codec } from '../codec.js';
import { decodeFrame } from '../frame.js';
import type { NetClock } from './clock.js';
import { resolveLimits } from './limits.js';
import type { NetNode } from './node.js';
import { PollSpin } from './poll-spin.js';
import { initTo, startNode, waitFor } from './test/support.js';

/** A clock whose time moves only when told, and whose polls run only when drained. */
function handClock(): { clock: NetClock & { pollThen(cb: () => void): void }; polls: (() => void)[]; at(ms: number): void; drain(): number } {
  let now = 0;
  const polls: (() => void)[] = [];
  const clock = {
    now: () => now,
    setTimer: () => ({}),
    clearTimer: () => {},
    soon: (cb: () => void) => cb(),
    random: () => ({ next: () => 0, nextU32: () => 0 }),
    pollThen: (cb: () => void) => void polls.push(cb),
  };
  return {
    clock, polls,
    at: (ms) => void (now = ms),
    /** Runs the polls queued now (one round of the event loop); returns how many ran. */
    drain: () => {
      const round = polls.splice(0);
      for (const cb of round) cb();
      return round.length;
    },
  };
}

describe('PollSpin on a hand-driven clock', () => {
  it('polls until the window after the last write has passed, then stops', () => {
    const h = handClock();
    const spin = new PollSpin(h.clock, 200); // 0.2 ms
    spin.touch();
    expect(h.polls.length).toBe(1);
    h.at(0.1);
    expect(h.drain()).toBe(1);
    expect(h.polls.length).toBe(1); // still within the window: polls again
    h.at(0.15);
    spin.touch(); // a write during the spin: the window runs from now
    h.at(0.3);
    expect(h.drain()).toBe(1);
    expect(h.polls.length).toBe(1); // 0.3 < 0.15 + 0.2
    h.at(0.36);
    h.drain();
    expect(h.polls.length).toBe(0); // ran out
    expect(spin.spins).toBe(1);
    expect(spin.hits).toBe(1);
    expect(spin.windowMs).toBeCloseTo(0.2);
  });

  it('halves the window after a spin that saw no I/O, down to a sixteenth, and takes it all back on a hit', () => {
    const h = handClock();
    const spin = new PollSpin(h.clock, 160);
    let t = 0;
    const missedSpin = (): void => {
      spin.touch();
      t += 1; // far past any window
      h.at(t);
      while (h.drain() > 0) { /* until it stops */ }
    };
    const windows: number[] = [];
    for (let i = 0; i < 6; i++) {
      missedSpin();
      windows.push(spin.windowMs);
    }
    expect(windows.map((w) => Number((w * 1000).toFixed(3)))).toEqual([80, 40, 20, 10, 10, 10]);
    expect(spin.hits).toBe(0);
    // A spin in which a second write comes: the full window again.
    spin.touch();
    spin.touch();
    h.at(t + 1);
    while (h.drain() > 0) { /* until it stops */ }
    expect(spin.windowMs).toBeCloseTo(0.16);
    expect(spin.hits).toBe(1);
  });

  it('stops for good: the spin under way ends at its next poll, and writes start none', () => {
    const h = handClock();
    const spin = new PollSpin(h.clock, 1000);
    spin.touch();
    spin.stop();
    expect(h.drain()).toBe(1);
    expect(h.polls.length).toBe(0);
    spin.touch();
    expect(h.polls.length).toBe(0);
  });
});

describe('limits.pollSpinUs', () => {
  it('is 0 (off) by default and takes 0 to 10 000 µs', () => {
    expect(resolveLimits().pollSpinUs).toBe(0);
    for (const ok of [0, 1, 200, 10_000]) expect(resolveLimits({ pollSpinUs: ok }).pollSpinUs).toBe(ok);
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of [-1, 10_001, Number.NaN, Infinity, '50' as unknown as number]) {
      expect(() => resolveLimits({ pollSpinUs: bad })).toThrow(/limits\.pollSpinUs must be a number of microseconds from 0 to 10000/);
    }
  });
});

describe('the poll spin over loopback TCP', () => {
  const open: NetNode[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((n) => n.close()));
  });

  it('carries request and reply with the spin on at both ends, spins, and leaves nothing polling afterwards', async () => {
    const limits = { pollSpinUs: 2000 };
    const a = await startNode('tcp', 'a', { limits });
    const b = await startNode('tcp', 'b', { limits });
    open.push(a.node, b.node);
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 10_000, 'both ends up');
    const codec = new Codec();
    /** `from` sends `body` to `to`, and `to` reads it back: one frame, one way. */
    const oneWay = async (from: NetNode, to: NetNode, body: unknown, what: string): Promise<unknown[]> => {
      const out = from.channel(to.nodeId).out;
      out.stage(initTo(1), body, false);
      out.publish();
      const got: unknown[] = [];
      await waitFor(() => (to.channel(from.nodeId).in.read(10, (s, o, l) => got.push(decodeFrame(codec, s, o, l).body)), got.length === 1), 10_000, what);
      return got;
    };
    for (let i = 0; i < 20; i++) {
      expect(await oneWay(a.node, b.node, { n: i }, `request ${i}`)).toEqual([{ n: i }]);
      expect(await oneWay(b.node, a.node, { r: i }, `reply ${i}`)).toEqual([{ r: i }]);
    }
    expect(a.node.spin).not.toBeNull();
    expect(a.node.spin!.spins).toBeGreaterThan(0);
    expect(b.node.spin!.spins).toBeGreaterThan(0);
    // Quiet now: within a few windows (2 ms each) nothing is left polling.
    await waitFor(() => !process.getActiveResourcesInfo().includes('Immediate'), 10_000, 'the spins to end');
  });

  it('is off by default: a node has no spin', async () => {
    const a = await startNode('tcp', 'a');
    open.push(a.node);
    expect(a.node.spin).toBeNull();
  });
});
