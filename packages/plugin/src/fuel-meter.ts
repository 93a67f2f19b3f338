/**
 * The host side of fuel metering: hands the guest fuel in slices through the injected
 * `pd_meter.refill` import, stops it by throwing when the per-call budget or the wall-time
 * deadline is passed, and counts what each call used. Owns: the fuel arithmetic. Must not:
 * touch guest memory or the actor. Fuel used is `granted - counter`: exact and the same on
 * every run; only the deadline reads a clock.
 */
import type { WasmGlobal } from './wasm/api.js';

/** Largest slice handed at once: keeps the guest's i32 counter far from overflow. */
const MAX_SLICE = 2 ** 30;

/** Thrown through the guest's frames to stop it; the instance classifies it. */
export class MeterStop extends Error {
  constructor(readonly why: 'fuel' | 'timeout', readonly used: number) {
    super(why === 'fuel' ? 'out of fuel' : 'past the wall-time deadline');
    this.name = 'MeterStop';
  }
}

export class FuelMeter {
  /** Fuel used by every call so far. */
  total = 0;
  /** Fuel used by the latest call. */
  last = 0;
  private granted = 0;
  private deadline = Infinity;
  private readonly slice: number;

  constructor(
    private readonly budget: number,
    private readonly timeoutMs: number,
    checkEveryFuel: number,
    private readonly clock: () => number,
  ) {
    this.slice = timeoutMs === Infinity ? MAX_SLICE : Math.min(checkEveryFuel, MAX_SLICE);
  }

  /** Starts a call: a fresh budget and deadline. `counter` is null before the instance exists. */
  begin(counter: WasmGlobal | null): void {
    this.deadline = this.timeoutMs === Infinity ? Infinity : this.clock() + this.timeoutMs;
    if (counter === null) {
      this.granted = 0; // the injected global starts at 0: the first check refills
      return;
    }
    const first = Math.min(this.slice, this.budget);
    counter.value = first;
    this.granted = first;
  }

  /** The instance now exists: top its counter up to a slice (no refill on the first check). */
  attach(counter: WasmGlobal): void {
    const current = counter.value;
    const used = this.granted - current;
    const next = Math.max(0, Math.min(this.slice, this.budget - used));
    this.granted += next - current;
    counter.value = next;
  }

  /** The injected import: `counter` went negative at a check. Returns fuel to add, or throws. */
  readonly refill = (counter: number): number => {
    const used = this.granted - counter;
    if (used > this.budget) throw new MeterStop('fuel', used);
    if (this.deadline !== Infinity && this.clock() > this.deadline) throw new MeterStop('timeout', used);
    const next = Math.min(this.slice, this.budget - used);
    const add = next - counter;
    this.granted += add;
    return add | 0;
  };

  /** Ends a call; returns the fuel it used. */
  end(counter: WasmGlobal | null): number {
    const used = counter === null ? 0 : this.granted - counter.value;
    this.last = used;
    this.total += used;
    return used;
  }
}
