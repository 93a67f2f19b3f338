/**
 * Checkers of a simulated run: invariants evaluated after every step, `always` assertions
 * made inline (by scenario or actor code), and `sometimes` assertions that record whether
 * a condition was ever reached (coverage: a scenario that never reaches its interesting
 * states tests little). A failed invariant or `always` is a correctness failure.
 *
 * Must not: throw into simulated code; failures are recorded on the world.
 */
import { describeError } from './failure.js';
import type { SimWorld } from './world.js';

/** An invariant: false or a string (the reason) means violated. */
export type Invariant = () => boolean | string | void;

export class Checks {
  private readonly invariants: { readonly name: string; readonly check: Invariant }[] = [];
  private readonly hits = new Map<string, number>();

  constructor(private readonly world: SimWorld) {}

  invariant(name: string, check: Invariant): void {
    this.invariants.push({ name, check });
  }

  always(condition: boolean, name: string, details?: unknown): void {
    if (condition) return;
    this.world.fail('correctness', `always "${name}" failed${details === undefined ? '' : `: ${describe(details)}`}`);
  }

  sometimes(condition: boolean, name: string): void {
    this.hits.set(name, (this.hits.get(name) ?? 0) + (condition ? 1 : 0));
  }

  /** Evaluate every invariant (after a step). */
  evaluate(): void {
    for (const { name, check } of this.invariants) {
      let result: boolean | string | void;
      try {
        result = check();
      } catch (error) {
        this.world.fail('correctness', `invariant "${name}" threw: ${describeError(error)}`, error);
        return;
      }
      if (result === false || typeof result === 'string') {
        this.world.fail('correctness', `invariant "${name}" violated${typeof result === 'string' ? `: ${result}` : ''}`);
        return;
      }
    }
  }

  /** Times each `sometimes` condition held (0: never reached). */
  sometimesReport(): Record<string, number> {
    return Object.fromEntries(this.hits);
  }
}

function describe(details: unknown): string {
  if (typeof details === 'string') return details;
  try {
    return JSON.stringify(details);
  } catch {
    return String(details);
  }
}
