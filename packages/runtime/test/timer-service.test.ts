/**
 * The timer service alone, on a hand-driven clock: thousands of timers scheduled in bursts,
 * most cancelled (past the compaction threshold), some periodic, fire in (due, sequence)
 * order — whether they went into the heap at once (due before the armed host timer) or
 * waited in the pending list — and `size`, cancel's answer and the armed host timer agree.
 */
import { describe, expect, it } from 'vitest';
import type { Reactor, ReactorTimer } from '../src/reactor.js';
import { type TimerEntry, TimerService } from '../src/kernel/timers.js';

/** A reactor with a clock that moves only when told, and host timers fired in time order. */
class HandClock {
  now = 0;
  private timers: { at: number; seq: number; callback: () => void; live: boolean }[] = [];
  private seq = 0;
  readonly reactor = {
    kind: 'hand', seed: 0,
    now: () => this.now,
    setTimer: (delayMs: number, callback: () => void): ReactorTimer => {
      const t = { at: this.now + delayMs, seq: this.seq++, callback, live: true };
      this.timers.push(t);
      return t;
    },
    clearTimer: (t: ReactorTimer) => void ((t as { live: boolean }).live = false),
    keepAlive: () => {},
  } as unknown as Reactor;

  /** Host timers still set. */
  get hostTimers(): number {
    return this.timers.filter((t) => t.live).length;
  }

  advance(toMs: number): void {
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= toMs).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.live = false;
      this.now = Math.max(this.now, due.at);
      due.callback();
    }
    this.now = toMs;
    this.timers = this.timers.filter((t) => t.live);
  }
}

/** Seeded numbers (mulberry32), so a failure names its seed. */
function rng(seed: number): (bound: number) => number {
  let a = seed >>> 0;
  return (bound) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}

interface Model {
  name: number;
  due: number;
  seq: number;
  repeatMs: number;
  cancelled: boolean;
}

const byDue = (a: Model, b: Model): number => a.due - b.due || a.seq - b.seq;

describe('TimerService', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`fires thousands of timers, most cancelled, in (due, sequence) order (seed ${seed})`, () => {
      const random = rng(seed);
      const clock = new HandClock();
      const service = new TimerService(clock.reactor);
      const fired: number[] = [];
      const entries: TimerEntry[] = [];
      const models: Model[] = [];
      let seq = 0;
      for (let round = 0; round < 6; round++) {
        // A burst: timers of all delays (some 0, some shorter than the armed one), then most cancelled.
        const burst = 1500 + random(1500);
        for (let k = 0; k < burst; k++) {
          const periodic = random(50) === 0;
          const delay = random(4) === 0 ? random(5) : random(300);
          const repeatMs = periodic ? 1 + random(40) : 0;
          const name = models.length;
          entries.push(service.schedule(delay, repeatMs, () => void fired.push(name)));
          models.push({ name, due: clock.now + delay, seq: seq++, repeatMs, cancelled: false });
        }
        // Cancel 60-97% of the burst (past three quarters, the service compacts), and a few older ones.
        const cancels = Math.floor(burst * (0.6 + random(38) / 100));
        const order = Array.from({ length: burst }, (_, k) => models.length - burst + k);
        for (let k = order.length - 1; k > 0; k--) {
          const j = random(k + 1);
          [order[k], order[j]] = [order[j]!, order[k]!];
        }
        for (let k = 0; k < cancels + 20; k++) {
          const i = k < cancels ? order[k]! : random(models.length);
          expect(service.cancel(entries[i]!)).toBe(!models[i]!.cancelled);
          models[i]!.cancelled = true;
        }
        expect(service.size).toBe(models.filter((m) => !m.cancelled).length);
        // Advance in steps; each step fires what is due by then, in (due, seq) order.
        for (let step = 0; step < 4; step++) {
          const to = clock.now + random(120);
          const expectedFires: number[] = [];
          const queue = models.filter((m) => !m.cancelled && m.due <= to).sort(byDue);
          for (let q = 0; q < queue.length; q++) {
            const next = queue[q]!;
            expectedFires.push(next.name);
            if (next.repeatMs > 0) {
              // Due again one interval on, behind every timer set before (a fresh sequence number).
              next.due += next.repeatMs;
              next.seq = seq++;
              if (next.due <= to) {
                let at = q + 1;
                while (at < queue.length && byDue(queue[at]!, next) < 0) at++;
                queue.splice(at, 0, next);
              }
            } else {
              next.cancelled = true;
            }
          }
          fired.length = 0;
          clock.advance(to);
          expect(fired).toEqual(expectedFires);
          expect(service.size).toBe(models.filter((m) => !m.cancelled).length);
        }
        // One more host timer at most: the one armed for the earliest live timer.
        expect(clock.hostTimers).toBeLessThanOrEqual(1);
      }
      // A fired one-shot cancels as false; cancelling everything leaves nothing.
      for (let i = 0; i < entries.length; i++) expect(service.cancel(entries[i]!)).toBe(!models[i]!.cancelled);
      expect(service.size).toBe(0);
      fired.length = 0;
      clock.advance(clock.now + 10_000);
      expect(fired).toEqual([]);
    });
  }
});

/** A one-shot slot, as a pending ask is: its own heap entry. */
class Slot {
  cancelled = true;
  due = 0;
  seq = 0;
  readonly repeatMs = 0;
  fired = -1;
  constructor(private readonly clock: HandClock) {}
  fire(): void {
    this.fired = this.clock.now;
  }
}

describe('TimerService: slots started from one clock reading per burst (lazyTimerStart)', () => {
  /** The hand clock as the Node reactor: lazy starts, `soon` callbacks run when told, clock readings counted. */
  function lazyClock(): { clock: HandClock; service: TimerService; reads: () => number; runSoon: () => number } {
    const clock = new HandClock();
    let reads = 0;
    const soon: (() => void)[] = [];
    const reactor = Object.assign(Object.create(null), clock.reactor, {
      lazyTimerStart: true,
      now: () => (reads++, clock.now),
      soon: (f: () => void) => void soon.push(f),
    }) as Reactor;
    const service = new TimerService(reactor);
    return {
      clock, service, reads: () => reads,
      runSoon: () => {
        const n = soon.length;
        for (const f of soon.splice(0)) f();
        return n;
      },
    };
  }

  it('a burst the caller stamps queues no microtask; its slots run from the stamp, never from before it', () => {
    const { clock, service, runSoon } = lazyClock();
    const a = new Slot(clock), b = new Slot(clock), c = new Slot(clock);
    service.scheduleSlot(a, 10, true);
    service.scheduleSlot(b, 20, true);
    service.scheduleSlot(c, 5, true);
    expect(runSoon()).toBe(0);
    expect(service.size).toBe(3);
    service.cancel(c);
    clock.now = 4; // the caller stamps later than the calls: timeouts start no earlier than them
    service.stamp();
    clock.advance(13);
    expect(a.fired).toBe(-1);
    clock.advance(14);
    expect(a.fired).toBe(14);
    clock.advance(100);
    expect([b.fired, c.fired]).toEqual([24, -1]);
    expect(service.size).toBe(0);
  });

  it('a burst answered before its stamp reads no clock and arms nothing', () => {
    const { clock, service, reads, runSoon } = lazyClock();
    const slots = Array.from({ length: 16 }, () => new Slot(clock));
    for (const s of slots) service.scheduleSlot(s, 50, true);
    for (const s of slots) expect(service.cancel(s)).toBe(true);
    service.stamp();
    expect(runSoon()).toBe(0);
    expect([reads(), clock.hostTimers, service.size]).toEqual([0, 0, 0]);
  });

  it('a burst the caller does not stamp gets one microtask, which stamps it', () => {
    const { clock, service, reads, runSoon } = lazyClock();
    const a = new Slot(clock), b = new Slot(clock);
    service.scheduleSlot(a, 10);
    service.scheduleSlot(b, 10);
    clock.now = 2;
    expect(runSoon()).toBe(1);
    const after = reads();
    // Stamped already: a later stamp() finds nothing to do (reads no clock).
    service.stamp();
    expect(reads()).toBe(after);
    clock.advance(100);
    expect([a.fired, b.fired]).toEqual([12, 12]);
  });
});
