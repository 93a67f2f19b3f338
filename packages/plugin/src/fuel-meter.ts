/**
 * The host side of fuel metering: hands the guest fuel in slices through the injected
 * `pd_meter.refill` import, stops it by throwing when the per-call budget or the wall-time
 * deadline is passed, and counts what each call used. Owns: the fuel arithmetic. Must not:
 * touch guest memory or the actor. Fuel used is `granted - counter`: exact and the same on
 * every run; only the deadline reads a clock, and only in a call that reaches a check.
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

/** `deadline` of a call whose wall-time cap has not started yet (see {@link FuelMeter.begin}). */
const NOT_STARTED = -1;

export class FuelMeter {
  /** Fuel used by every call so far. */
  total = 0;
  /** Fuel used by the latest call. */
  last = 0;
  /** Fuel handed to the counter since it exists; `granted - counter` is the fuel used since. */
  private granted = 0;
  /** `granted - counter` when the current call began: the fuel used before it. */
  private base = 0;
  /** The counter when the latest call ended (0 before the instance exists): what the next call starts with. */
  private left = 0;
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

  /**
   * Starts a call with a fresh budget. Nothing is asked of the engine here: the counter keeps
   * what the last call left (at most a slice, so the first check comes within a slice), and
   * the wall-time cap starts at the call's first check, which reads the clock — a call that
   * never needs one (the common short message) reads none. The cap is so late by the time
   * the first slice took at most, as its checks are every `checkEveryFuel` units anyway.
   * `counter` is null before the instance exists.
   */
  begin(counter: WasmGlobal | null): void {
    this.deadline = this.timeoutMs === Infinity ? Infinity : NOT_STARTED;
    this.base = this.granted - (counter === null ? 0 : this.left);
  }

  /** The instance now exists: top its counter up to a slice (no refill on the first check). */
  attach(counter: WasmGlobal): void {
    const current = counter.value;
    const used = this.granted - current - this.base;
    const next = Math.max(0, Math.min(this.slice, this.budget - used));
    this.granted += next - current;
    counter.value = next;
  }

  /** The injected import: `counter` went negative at a check. Returns fuel to add, or throws. */
  readonly refill = (counter: number): number => {
    const used = this.granted - counter - this.base;
    if (used > this.budget) throw new MeterStop('fuel', used);
    const deadline = this.deadline;
    if (deadline === NOT_STARTED) this.deadline = this.clock() + this.timeoutMs;
    else if (deadline !== Infinity && this.clock() > deadline) throw new MeterStop('timeout', used);
    const next = Math.min(this.slice, this.budget - used);
    const add = next - counter;
    this.granted += add;
    return add | 0;
  };

  /** Ends a call; returns the fuel it used. */
  end(counter: WasmGlobal | null): number {
    // A call that ended before the instance existed (its start failed): nothing to read.
    if (counter === null) {
      this.last = 0;
      return 0;
    }
    const current = counter.value;
    this.left = current;
    const used = this.granted - current - this.base;
    this.last = used;
    this.total += used;
    return used;
  }
}
