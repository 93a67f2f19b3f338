/**
 * A plan: everything that decides one simulated run besides the scenario's code. The seed
 * decides everything not given explicitly; shrinking a failure makes the rest explicit and
 * small (a smaller workload, fewer faults, no network faults). A plan prints as the exact
 * `npm run sim -- …` command that replays it.
 */
import { ArgumentError } from '@pd/actor';
import type { FaultEvent } from './faults.js';

export interface SimPlan {
  /** The seed (a 32-bit unsigned integer). */
  readonly seed: number;
  /** Workload size; default the scenario's `size`. */
  readonly size?: number;
  /**
   * Explicit workload draws (integers in [0, 1 000 000)) that `sim.workload()` returns
   * instead of `size` draws from the seed: a shrinker can drop and lower them one by one.
   */
  readonly workload?: readonly number[];
  /** An explicit fault schedule replacing the one drawn from the seed ([] for none). */
  readonly faults?: readonly FaultEvent[];
  /** Network faults (latency spread, loss, duplication) when the scenario allows them; default true. */
  readonly netFaults?: boolean;
  /** Buggify fault points when the scenario allows them; default true. */
  readonly buggify?: boolean;
}

/**
 * The command that replays `plan` of `scenario`; with `hash`, it also checks the trace hash;
 * with `module`, it loads the scenario from that file (one the runner does not find itself).
 */
export function replayCommand(scenario: string, plan: SimPlan, hash?: string, module?: string): string {
  const parts = ['npm run sim --'];
  if (module !== undefined) parts.push(`--module ${shellWord(module)}`);
  parts.push(`--scenario ${scenario}`, `--seed ${plan.seed}`);
  if (plan.size !== undefined) parts.push(`--size ${plan.size}`);
  if (plan.workload !== undefined) parts.push(`--workload '${JSON.stringify(plan.workload)}'`);
  if (plan.faults !== undefined) parts.push(`--faults '${JSON.stringify(plan.faults)}'`);
  if (plan.netFaults === false) parts.push('--no-net-faults');
  if (plan.buggify === false) parts.push('--no-buggify');
  if (hash !== undefined) parts.push(`--expect-hash ${hash}`);
  return parts.join(' ');
}

/** A path as one shell word: bare when it is plain, single-quoted otherwise. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** Workload draws are integers in [0, WORKLOAD_RANGE). */
export const WORKLOAD_RANGE = 1_000_000;

/** Check a workload read from a command line. */
export function validateWorkload(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0 && v < WORKLOAD_RANGE)) {
    throw new ArgumentError(`a workload is a JSON array of integers in [0, ${WORKLOAD_RANGE}), got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

/** Check a seed given by a person or a command line. */
export function parseSeed(text: string | number): number {
  const n = typeof text === 'number' ? text : Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ArgumentError(`a seed is an integer in [0, 4294967295], got ${String(text)}`);
  return n;
}
