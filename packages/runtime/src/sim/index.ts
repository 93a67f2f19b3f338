/**
 * @pd/runtime/sim: deterministic simulation. Run engines ("nodes", cores) in one thread
 * under virtual time, seeded scheduling choices and injected faults; check invariants,
 * `always`/`sometimes` assertions and convergence; replay any failure from its seed.
 * See docs/simulation.md. fast-check helpers live in `@pd/runtime/sim/fast-check`.
 */
export { SimWorld, SimHost, SIM_WALL_START_MS, type SimWorldOptions, type RunOptions, type RunStop } from './world.js';
export { SimReactor } from './sim-reactor.js';
export { SimNetwork, CALM_NETWORK, type NetFaults, type NetStats, type PacketHandler } from './network.js';
export { simNetCarrier } from './net-carrier.js';
export { SimNode } from './node.js';
export { FIFO_POLICY, drawSchedulePolicy, type SchedulePolicy } from './schedule.js';
export { Buggify, type BuggifyOptions, type BuggifyPointReport } from './buggify.js';
export { Trace, type Divergence } from './trace.js';
export { HostGuard, describeViolations, type HostViolation } from './guard-reactor.js';
export { SIM_EXIT_CODES, SimErrorCodes, SimError, type SimErrorCode, type SimFailure, type SimFailureKind } from './failure.js';
export { drawFaultMix, drawFaultSchedule, summarizeFaults, validateFaults, type FaultEvent, type FaultEventKind, type FaultKinds, type FaultMix } from './faults.js';
export { InjectedCrash } from './nemesis.js';
export type { Invariant } from './checks.js';
export { replayCommand, parseSeed, type SimPlan } from './plan.js';
export {
  defineScenario, runScenario, SCENARIO_DEFAULTS, type Scenario, type SimContext, type SimResult, type RunScenarioOptions,
} from './scenario.js';
export { shrinkGreedy } from './shrink.js';
export { checkDeterminism, describeDivergence, type DeterminismReport } from './determinism.js';
export { runSimCli, SIM_USAGE, type SimCliOptions } from './cli.js';
