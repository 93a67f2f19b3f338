/**
 * The host side of fuel metering for a component: one budget and one deadline per call,
 * shared by every core module of the component instance (a component holds several: its
 * own code, and the shims jco generates), each with its own injected counter. Owns: the
 * fuel arithmetic across counters. Must not: touch the component or the actor.
 *
 * Each core module is rewritten as a plugin module is (src/wasm/meter.ts): a counter
 * global exported as `__pd_fuel`, tested at function entry and loop headers, and a
 * `pd_meter.refill` import called when it goes negative. Here every module gets its own
 * refill closure; a refill counts what every counter has used, and hands out at most what
 * the budget has left beyond the fuel the other counters still hold, so the modules
 * together never run past the budget by more than one run each. Fuel used is exact and the
 * same on every run of the same calls; only the deadline reads a clock.
 */
import { MeterStop } from './fuel-meter.js';
import type { WasmGlobal } from './wasm/api.js';

/** Largest slice handed at once: keeps the guest's i32 counter far from overflow. */
const MAX_SLICE = 2 ** 30;

interface Slot {
  granted: number;
  counter: WasmGlobal | null;
}

export class ComponentMeter {
  /** Fuel used by the latest call. */
  last = 0;
  private readonly slots: Slot[] = [];
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

  /** A new core module is about to be instantiated: its refill import. */
  slot(): (counter: number) => number {
    const slot: Slot = { granted: 0, counter: null };
    this.slots.push(slot);
    return (counter) => this.refill(slot, counter);
  }

  /** The core instance of the latest `slot()` exists: its counter. */
  attach(counter: WasmGlobal | undefined): void {
    const slot = this.slots[this.slots.length - 1];
    if (slot !== undefined && counter !== undefined) slot.counter = counter;
  }

  /**
   * Starts a call: a fresh budget and deadline. Each counter starts with an equal share of
   * a slice (never more than the budget in all), so a short call makes no refill at all.
   */
  begin(): void {
    this.deadline = this.timeoutMs === Infinity ? Infinity : this.clock() + this.timeoutMs;
    let attached = 0;
    for (const slot of this.slots) if (slot.counter !== null) attached++;
    const share = attached === 0 ? 0 : Math.floor(Math.min(this.slice, this.budget / attached));
    for (const slot of this.slots) {
      slot.granted = slot.counter === null ? 0 : share;
      if (slot.counter !== null) slot.counter.value = share;
    }
  }

  /** Ends a call; returns the fuel it used. */
  end(): number {
    let used = 0;
    for (const slot of this.slots) used += slot.granted - (slot.counter?.value ?? 0);
    this.last = used;
    return used;
  }

  // --- internal ---

  private refill(self: Slot, counter: number): number {
    let used = self.granted - counter;
    let held = 0;
    for (const slot of this.slots) {
      if (slot === self || slot.counter === null) continue;
      const value = slot.counter.value;
      used += slot.granted - value;
      if (value > 0) held += value;
    }
    if (used > this.budget) throw new MeterStop('fuel', used);
    if (this.deadline !== Infinity && this.clock() > this.deadline) throw new MeterStop('timeout', used);
    const next = Math.max(0, Math.min(this.slice, this.budget - used - held));
    const add = next - counter;
    self.granted += add;
    return add | 0;
  }
}
