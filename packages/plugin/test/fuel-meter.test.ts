// The host side of fuel metering, driven as an instrumented guest drives it: the counter
// (a WebAssembly.Global) is decremented by each run of code, and `refill` is called when a
// check finds it negative. Each call gets exactly its budget, fuel used is exact, and the
// wall-time cap reads the clock only in a call that reaches a check.
import { describe, expect, it } from 'vitest';
import { FuelMeter, MeterStop } from '../src/fuel-meter.js';
import type { WasmGlobal } from '../src/wasm/api.js';

/** A stand-in for the injected global, counting the engine calls a real one costs. */
class Counter implements WasmGlobal {
  reads = 0;
  writes = 0;
  #value = 0;
  get value(): number {
    this.reads++;
    return this.#value;
  }
  set value(v: number) {
    this.writes++;
    this.#value = v;
  }
  /** What the instrumented guest does: subtract a run's cost; at a check, refill when negative. */
  burn(meter: FuelMeter, cost: number): void {
    this.#value -= cost;
    if (this.#value < 0) this.#value += meter.refill(this.#value);
  }
}

function rig(budget: number, timeoutMs: number, checkEvery: number): { meter: FuelMeter; counter: Counter; clock: { now: number; reads: number } } {
  const clock = { now: 1000, reads: 0 };
  const meter = new FuelMeter(budget, timeoutMs, checkEvery, () => {
    clock.reads++;
    return clock.now;
  });
  const counter = new Counter();
  // The instance's first call: it starts before the counter exists, which attach then fills.
  meter.begin(null);
  meter.attach(counter);
  meter.end(counter);
  return { meter, counter, clock };
}

describe('FuelMeter', () => {
  it('a call that ends before its first check asks nothing of the clock, and reads the counter once', () => {
    const { meter, counter, clock } = rig(1_000_000, 1000, 100_000);
    const g = counter;
    const before = { reads: counter.reads, writes: counter.writes };
    for (let i = 0; i < 100; i++) {
      meter.begin(g);
      counter.burn(meter, 120);
      expect(meter.end(g)).toBe(120);
    }
    expect(clock.reads).toBe(0);
    expect(counter.writes - before.writes).toBe(0);
    expect(counter.reads - before.reads).toBe(100);
    expect(meter.total).toBe(12_000);
  });

  it('each call gets exactly its budget, whatever the call before it left in the counter', () => {
    const budget = 10_000;
    const { meter, counter } = rig(budget, Infinity, 4_096);
    const g = counter;
    let total = 0;
    for (const before of [0, 1, 3_333, 9_999]) {
      meter.begin(g);
      counter.burn(meter, before);
      total += meter.end(g);
      // A runaway in the next call stops just past its own budget, in runs of 7.
      meter.begin(g);
      let burned = 0;
      const stop = (() => {
        try {
          for (;;) {
            counter.burn(meter, 7);
            burned += 7;
          }
        } catch (error) {
          return error as MeterStop;
        }
      })();
      expect(stop).toBeInstanceOf(MeterStop);
      expect(stop.why).toBe('fuel');
      expect(stop.used).toBeGreaterThan(budget);
      expect(stop.used).toBeLessThanOrEqual(budget + 7);
      expect(burned).toBeLessThanOrEqual(budget);
      const used = meter.end(g);
      expect(used).toBe(stop.used);
      total += used;
    }
    expect(meter.total).toBe(total);
  });

  it('the wall-time cap starts at a call\'s first check and stops it at a later one past the cap', () => {
    const { meter, counter, clock } = rig(Infinity, 50, 1_000);
    const g = counter;
    meter.begin(g);
    counter.burn(meter, 1_500); // the first check: the cap starts now (clock 1000)
    expect(clock.reads).toBe(1);
    clock.now = 1049;
    counter.burn(meter, 1_000);
    clock.now = 1051;
    expect(() => counter.burn(meter, 1_000)).toThrow(expect.objectContaining({ why: 'timeout' }));
    meter.end(g);
    // The next call starts its cap afresh at its own first check.
    meter.begin(g);
    counter.burn(meter, 2_000);
    clock.now = 1100;
    counter.burn(meter, 1_000);
    expect(meter.end(g)).toBe(3_000);
  });
});
