/**
 * fast-check integration (subpath `@pd/runtime/sim/fast-check`; bring your own fast-check):
 * arbitraries for plans (seed, workload size, an explicit fault schedule, network faults,
 * buggify), a property that runs a scenario under generated plans, and a shrinker that
 * turns one failing plan (as the runner found it) into a small plan that still fails the
 * same way, replayable with the command `replayCommand` prints.
 *
 * Must not: import fast-check at run time; callers pass it in, so @pd/runtime has no
 * dependency on it.
 */
import type * as FastCheck from 'fast-check';
import { SIM_EXIT_CODES, SimError, type SimFailure } from './failure.js';
import type { FaultEvent } from './faults.js';
import { replayCommand, type SimPlan, WORKLOAD_RANGE } from './plan.js';
import { runScenario, SCENARIO_DEFAULTS, type Scenario } from './scenario.js';
import { shrinkGreedy } from './shrink.js';

/** The parts of fast-check used here (pass `fc` from `import fc from 'fast-check'`). */
export type FastCheckApi = Pick<typeof FastCheck, 'record' | 'integer' | 'double' | 'constant' | 'constantFrom' | 'oneof' | 'array' | 'boolean' | 'asyncProperty' | 'check'>;

export interface PlanLimits {
  /** Largest workload size generated; default twice the scenario's. */
  readonly maxSize?: number;
  /** Most fault events in a schedule; default 8. */
  readonly maxFaults?: number;
  /** Generate explicit workloads (for scenarios that use `sim.workload()`); default true. */
  readonly workload?: boolean;
}

/** Fault events of the kinds `scenario` allows, within its safety phase. */
export function faultEventArbitrary(fc: FastCheckApi, scenario: Scenario): FastCheck.Arbitrary<FaultEvent> {
  const allowed = scenario.faults ?? {};
  const at = fc.integer({ min: 0, max: scenario.durationMs ?? SCENARIO_DEFAULTS.durationMs });
  const ms = fc.integer({ min: 1, max: 1000 });
  const index = fc.integer({ min: 0, max: 0xffffffff });
  const options: FastCheck.Arbitrary<FaultEvent>[] = [];
  if (allowed.partition === true) options.push(fc.record({ at, kind: fc.constant('partition' as const), mode: fc.constantFrom('symmetric' as const, 'one-way' as const, 'isolate' as const), pick: index, ms }));
  if (allowed.clog === true) options.push(fc.record({ at, kind: fc.constant('clog' as const), from: index, to: index, ms }));
  if (allowed.actorCrash === true) options.push(fc.record({ at, kind: fc.constant('crash-actor' as const), node: index, pick: index, how: fc.constantFrom('kill' as const, 'exit' as const) }));
  if (allowed.nodeCrash === true) options.push(fc.record({ at, kind: fc.constant('crash-node' as const), node: index, ms }));
  if (allowed.clockJump === true) options.push(fc.record({ at, kind: fc.constant('clock-jump' as const), node: index, ms: fc.integer({ min: -1000, max: 1000 }) }));
  return options.length === 0 ? (fc.constant(null) as unknown as FastCheck.Arbitrary<FaultEvent>) : fc.oneof(...options);
}

/** Plans for `scenario`: every field explicit, so a shrunk plan replays exactly. */
export function simPlanArbitrary(fc: FastCheckApi, scenario: Scenario, limits: PlanLimits = {}): FastCheck.Arbitrary<SimPlan> {
  const size = scenario.size ?? SCENARIO_DEFAULTS.size;
  const maxFaults = limits.maxFaults ?? 8;
  const hasFaults = Object.entries(scenario.faults ?? {}).some(([k, on]) => on === true && !['network', 'reorder', 'buggify'].includes(k));
  // Fields shrink in this order: faults first (the most telling), the seed last.
  return fc.record({
    faults: fc.array(faultEventArbitrary(fc, scenario), { maxLength: hasFaults ? maxFaults : 0 }),
    workload: fc.array(fc.integer({ min: 0, max: WORKLOAD_RANGE - 1 }), { maxLength: limits.workload === false ? 0 : limits.maxSize ?? size * 2 }),
    size: fc.integer({ min: 1, max: limits.maxSize ?? size * 2 }),
    netFaults: fc.boolean(),
    buggify: fc.boolean(),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
  });
}

/** A property: `scenario` passes under every generated plan; a failure names its replay command. */
export function simProperty(fc: FastCheckApi, scenario: Scenario, limits?: PlanLimits): FastCheck.IAsyncPropertyWithHooks<[SimPlan]> {
  return fc.asyncProperty(simPlanArbitrary(fc, scenario, limits), async (plan) => {
    const r = await runScenario(scenario, plan);
    if (r.failure !== null) {
      throw new SimError('sim/failed', `${r.failure.kind} (exit ${SIM_EXIT_CODES[r.failure.kind]}): ${r.failure.message}\n  replay: ${replayCommand(scenario.name, plan, r.hash)}`);
    }
  });
}

/**
 * Shrink `failing` (a plan whose run failed with `failure`) to a small plan that fails with
 * the same kind: first greedily (drop faults and workload draws, switch network faults and
 * buggify off, halve the size), then with fast-check (smaller values, a smaller seed where
 * one also fails). At most `maxRuns` runs in all (default 500).
 */
export async function shrinkPlan(fc: FastCheckApi, scenario: Scenario, failing: SimPlan, failure: SimFailure, maxRuns = 500): Promise<{ plan: SimPlan; runs: number }> {
  const greedy = await shrinkGreedy(scenario, failing, failure, Math.floor(maxRuns / 2));
  const explicit: SimPlan = { netFaults: true, buggify: true, faults: [], size: scenario.size ?? SCENARIO_DEFAULTS.size, workload: [], ...greedy.plan };
  const maxSize = Math.max(explicit.size!, explicit.workload!.length, (scenario.size ?? SCENARIO_DEFAULTS.size) * 2);
  const limits = { maxSize, maxFaults: Math.max(8, explicit.faults!.length) };
  let runs = greedy.runs;
  const property = fc.asyncProperty(simPlanArbitrary(fc, scenario, limits), async (plan) => {
    if (++runs > maxRuns) return true;
    const r = await runScenario(scenario, plan);
    return r.failure === null || r.failure.kind !== failure.kind;
  });
  const out = await fc.check(property, { examples: [[explicit]], numRuns: 1, seed: 1 });
  const shrunk = out.failed && out.counterexample !== null ? out.counterexample[0] : undefined;
  return { plan: shrunk ?? explicit, runs: Math.min(runs, maxRuns) };
}
