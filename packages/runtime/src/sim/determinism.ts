/**
 * The determinism check: run one plan twice and compare the traces step by step. Equal
 * hashes mean equal runs; on a mismatch the report names the first step at which the two
 * runs diverged, what each run did there, and the steps just before. Something that
 * differs between runs of one seed (a real clock, the global random source, a GC-dependent WeakRef,
 * state left in a module between runs) shows up here.
 */
import { type Divergence } from './trace.js';
import type { SimPlan } from './plan.js';
import { runScenario, type Scenario, type SimResult } from './scenario.js';

export interface DeterminismReport {
  readonly ok: boolean;
  readonly first: SimResult;
  readonly second: SimResult;
  /** Where the runs first differ; null when identical. */
  readonly divergence: Divergence | null;
  /** A readable account of the divergence, or '' when identical. */
  readonly message: string;
}

export async function checkDeterminism(scenario: Scenario, plan: SimPlan | number): Promise<DeterminismReport> {
  const options = { trace: { detailed: true } };
  const first = await runScenario(scenario, plan, options);
  const second = await runScenario(scenario, plan, options);
  const divergence = first.trace.divergence(second.trace);
  return { ok: divergence === null, first, second, divergence, message: divergence === null ? '' : describeDivergence(divergence, first, second) };
}

export function describeDivergence(d: Divergence, first: SimResult, second: SimResult): string {
  const lines = [
    `seed ${first.seed} of ${first.scenario} is not deterministic: the runs diverge at step ${d.step} (hashes ${first.hash} and ${second.hash})`,
    ...d.before.map((label) => `    ${label}`),
    `  first run:  ${d.first ?? '(ended)'}`,
    `  second run: ${d.second ?? '(ended)'}`,
  ];
  if (d.first !== undefined && d.first === d.second) lines.push('  (the same event had different effects: an actor or scenario read something outside the simulation)');
  return lines.join('\n');
}
