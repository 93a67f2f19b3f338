/**
 * Greedy shrinking of a failing plan, without fast-check: switch network faults and
 * buggify off, drop fault events and workload draws one at a time, halve the size; keep
 * each change that still fails the same way. Cheap (about one run per element) and good at
 * removing what does not matter; fast-check (fast-check.ts) then simplifies what is left.
 */
import type { SimFailure } from './failure.js';
import type { SimPlan } from './plan.js';
import { runScenario, type Scenario } from './scenario.js';

/** A plan that still fails like `failure`, no larger than `plan`, after at most `maxRuns` runs. */
export async function shrinkGreedy(scenario: Scenario, plan: SimPlan, failure: SimFailure, maxRuns = 200): Promise<{ plan: SimPlan; runs: number }> {
  let runs = 0;
  let best = plan;
  const fails = async (candidate: SimPlan): Promise<boolean> => {
    if (runs >= maxRuns) return false;
    runs++;
    const r = await runScenario(scenario, candidate);
    return r.failure !== null && r.failure.kind === failure.kind;
  };
  const attempt = async (candidate: SimPlan): Promise<boolean> => {
    if (!(await fails(candidate))) return false;
    best = candidate;
    return true;
  };
  if (best.netFaults !== false) await attempt({ ...best, netFaults: false });
  if (best.buggify !== false) await attempt({ ...best, buggify: false });
  for (const key of ['faults', 'workload'] as const) {
    for (let i = (best[key]?.length ?? 0) - 1; i >= 0; i--) {
      const list = best[key]!;
      await attempt({ ...best, [key]: [...list.slice(0, i), ...list.slice(i + 1)] });
    }
  }
  while (best.size !== undefined && best.size > 1 && (await attempt({ ...best, size: Math.floor(best.size / 2) })));
  return { plan: best, runs };
}
