/**
 * Scenarios and their runs. A scenario names a topology (nodes × cores), how each node
 * boots its actors, a workload, the faults it tolerates, invariants and a convergence
 * condition. A run has two phases, after TigerBeetle's VOPR: a safety phase with faults
 * (the fault mix and schedule drawn from the seed, or given by the plan), invariants
 * checked after every step; then a liveness phase with every fault healed and switched
 * off, in which the scenario must converge within `quietMs` of virtual time.
 *
 * Must not: let a run touch the real host (the host guard is on for the whole run), or
 * leave anything behind: the world is disposed at the end, pass or fail.
 */
import type { ActorInfo } from '../kernel/introspection.js';
import type { EngineOptions } from '../create.js';
import type { RandomStream } from '../reactor.js';
import type { BuggifyPointReport } from './buggify.js';
import { Checks, type Invariant } from './checks.js';
import { type SimFailure, describeError } from './failure.js';
import { drawFaultMix, drawFaultSchedule, type FaultEvent, type FaultKinds, type FaultMix } from './faults.js';
import { describeViolations, HostGuard } from './guard-reactor.js';
import { Nemesis } from './nemesis.js';
import { CALM_NETWORK, type NetStats, type SimNetwork } from './network.js';
import { SimNode } from './node.js';
import { parseSeed, type SimPlan, WORKLOAD_RANGE } from './plan.js';
import type { SchedulePolicy } from './schedule.js';
import type { Trace } from './trace.js';
import { SimWorld } from './world.js';

/** Defaults, in one place. */
export const SCENARIO_DEFAULTS = {
  nodes: 1,
  cores: 1,
  /** Workload size when the plan gives none. */
  size: 10,
  /** Safety phase (faults on), virtual ms. */
  durationMs: 1000,
  /** Liveness phase bound (faults off), virtual ms. */
  quietMs: 5000,
} as const;

export interface Scenario {
  /** Unique, kebab-case: what `--scenario` takes. */
  readonly name: string;
  readonly description: string;
  readonly nodes?: number;
  readonly cores?: number;
  readonly size?: number;
  readonly durationMs?: number;
  readonly quietMs?: number;
  /** Faults this scenario's semantics tolerate; each seed switches on a subset. */
  readonly faults?: FaultKinds;
  /** Options for every engine (the reactor, id and core are the simulator's). */
  readonly engine?: Omit<EngineOptions, 'reactor' | 'id' | 'core'>;
  /** `planted`: a deliberately broken scenario, run only when named. */
  readonly tags?: readonly string[];
  /** Spawn the actors of `node` (at start and after every restart). */
  boot?(node: SimNode, sim: SimContext): void;
  /** Start the workload once every node has booted. */
  start?(sim: SimContext): void | Promise<void>;
  /** In the liveness phase: true once the system has converged, else false or why not. */
  converged?(sim: SimContext): boolean | string;
  /** At the end: false or a string (why) fails the run. */
  check?(sim: SimContext): boolean | string | void;
  /** Which actors the nemesis may crash (default: none). */
  crashable?(actor: ActorInfo, node: SimNode): boolean;
}

/** What a scenario's code sees of its run. */
export interface SimContext {
  readonly world: SimWorld;
  readonly seed: number;
  readonly size: number;
  readonly nodes: readonly SimNode[];
  readonly net: SimNetwork;
  /** `safety` while faults are injected, `liveness` once they are off. */
  readonly phase: 'safety' | 'liveness';
  node(nameOrIndex: string | number): SimNode;
  /** A seeded stream for scenario code (workload choices). */
  random(name: string): RandomStream;
  /**
   * The workload: `size` integers in [0, 1 000 000) drawn from the seed, or the plan's
   * explicit list. Shape a workload from these (not from `random`) and a shrunk failure
   * can drop and simplify its parts one by one.
   */
  workload(): readonly number[];
  invariant(name: string, check: Invariant): void;
  always(condition: boolean, name: string, details?: unknown): void;
  sometimes(condition: boolean, name: string): void;
  /** Fold an application-level fact into the trace hash. */
  trace(label: string, value?: number | string): void;
  /** Run `fn` after `delayMs` of virtual time (a world event, independent of any node). */
  at(delayMs: number, fn: () => void): void;
  buggify(point: string): boolean;
}

/** The outcome of one run. */
export interface SimResult {
  readonly scenario: string;
  readonly plan: SimPlan;
  readonly seed: number;
  readonly size: number;
  readonly ok: boolean;
  readonly failure: SimFailure | null;
  /** The trace hash: equal for equal runs. */
  readonly hash: string;
  readonly steps: number;
  readonly virtualMs: number;
  /** The workload of the run (explicit, or drawn if the scenario asked for one). */
  readonly workload: readonly number[] | undefined;
  /** The fault schedule of the run (explicit or drawn from the seed). */
  readonly faults: readonly FaultEvent[];
  /** Faults that took effect. */
  readonly applied: readonly FaultEvent[];
  readonly mix: FaultMix;
  readonly policy: SchedulePolicy;
  readonly buggify: readonly BuggifyPointReport[];
  readonly sometimes: Readonly<Record<string, number>>;
  readonly net: NetStats;
  /** The Node.js version: replays are exact on the same one. */
  readonly nodeVersion: string;
  readonly trace: Trace;
}

export interface RunScenarioOptions {
  /** Keep step labels (to name a divergence); `detailed` adds picks, packets and faults. */
  readonly trace?: { readonly labels?: boolean; readonly detailed?: boolean };
}

/** Check a scenario's shape and return it (typed). */
export function defineScenario<S extends Scenario>(scenario: S): S {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(scenario.name)) throw new TypeError(`scenario name must be kebab-case, got "${scenario.name}"`);
  for (const key of ['nodes', 'cores', 'size'] as const) {
    const v = scenario[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new TypeError(`scenario ${scenario.name}: ${key} must be a positive integer, got ${v}`);
  }
  return scenario;
}

/** Run `scenario` under `plan` (or a bare seed). Never throws for a failing run: see `ok`. */
export async function runScenario(scenario: Scenario, plan: SimPlan | number, options: RunScenarioOptions = {}): Promise<SimResult> {
  const p: SimPlan = typeof plan === 'number' ? { seed: plan } : plan;
  parseSeed(p.seed);
  const guard = HostGuard.install();
  const run = new ScenarioRun(scenario, p, options);
  try {
    await run.execute();
  } catch (error) {
    run.world.fail('crash', `the scenario threw: ${describeError(error)}`, error);
  } finally {
    guard.uninstall();
    run.world.dispose();
  }
  const leaks = guard.violations;
  if (leaks.length > 0) run.world.failure = { kind: 'host', message: describeViolations(leaks), step: run.world.steps, timeMs: run.world.now };
  return run.result();
}

// --- internal ---

class ScenarioRun implements SimContext {
  readonly world: SimWorld;
  readonly seed: number;
  readonly size: number;
  readonly nodes: SimNode[] = [];
  phase: 'safety' | 'liveness' = 'safety';
  private readonly checks: Checks;
  private readonly mix: FaultMix;
  private readonly schedule: readonly FaultEvent[];
  private readonly nemesis: Nemesis;
  private readonly durationMs: number;
  private readonly quietMs: number;
  private drawn: readonly number[] | undefined;

  constructor(private readonly scenario: Scenario, private readonly plan: SimPlan, options: RunScenarioOptions) {
    this.seed = plan.seed;
    this.size = plan.size ?? scenario.size ?? SCENARIO_DEFAULTS.size;
    this.world = new SimWorld({ seed: plan.seed, buggify: {}, ...(options.trace === undefined ? {} : { trace: options.trace }) });
    this.durationMs = scenario.durationMs ?? SCENARIO_DEFAULTS.durationMs;
    this.quietMs = scenario.quietMs ?? SCENARIO_DEFAULTS.quietMs;
    const count = scenario.nodes ?? SCENARIO_DEFAULTS.nodes;
    this.mix = drawFaultMix(this.world.random('faults/mix'), scenario.faults ?? {}, this.durationMs);
    this.schedule = plan.faults ?? drawFaultSchedule(this.world.random('faults/schedule'), this.mix, this.durationMs, count);
    this.world.buggify.active = this.mix.buggify && plan.buggify !== false;
    if (plan.netFaults !== false) this.world.net.setFaults(this.mix.net);
    this.checks = new Checks(this.world);
    this.world.onStep(() => this.checks.evaluate());
    for (let i = 0; i < count; i++) {
      this.nodes.push(new SimNode(this.world, `n${i}`, i, scenario.cores ?? SCENARIO_DEFAULTS.cores, scenario.engine ?? {}, (node) => scenario.boot?.(node, this)));
    }
    this.nemesis = new Nemesis(this.world, this.nodes, scenario.crashable ?? (() => false));
  }

  get net(): SimNetwork {
    return this.world.net;
  }

  async execute(): Promise<void> {
    const world = this.world;
    for (const node of this.nodes) node.start();
    if (this.scenario.start !== undefined) {
      Promise.resolve(this.scenario.start(this)).catch((error: unknown) => world.fail('crash', `start() rejected: ${describeError(error)}`, error));
    }
    this.nemesis.start(this.schedule);
    await world.run({ untilMs: this.durationMs });
    if (world.failure !== null) return;
    this.phase = 'liveness';
    this.nemesis.stop();
    world.net.setFaults(CALM_NETWORK);
    world.buggify.active = false;
    await this.converge();
    if (world.failure !== null || this.scenario.check === undefined) return;
    const verdict = this.scenario.check(this);
    if (verdict === false || typeof verdict === 'string') world.fail('correctness', `final check failed${typeof verdict === 'string' ? `: ${verdict}` : ''}`);
  }

  result(): SimResult {
    const w = this.world;
    return {
      scenario: this.scenario.name, plan: this.plan, seed: this.seed, size: this.size, ok: w.failure === null, failure: w.failure,
      hash: w.trace.hash, steps: w.steps, virtualMs: w.now, workload: this.drawn, faults: this.schedule, applied: this.nemesis.applied, mix: this.mix,
      policy: w.policy, buggify: w.buggify.report(), sometimes: this.checks.sometimesReport(), net: w.net.stats,
      nodeVersion: process.version, trace: w.trace,
    };
  }

  node(nameOrIndex: string | number): SimNode {
    const node = typeof nameOrIndex === 'number' ? this.nodes[nameOrIndex] : this.nodes.find((n) => n.name === nameOrIndex);
    if (node === undefined) throw new RangeError(`no sim node ${String(nameOrIndex)} (nodes: ${this.nodes.map((n) => n.name).join(', ')})`);
    return node;
  }

  random(name: string): RandomStream {
    return this.world.random(`scenario/${name}`);
  }

  workload(): readonly number[] {
    if (this.drawn === undefined) {
      const rng = this.world.random('scenario/$workload');
      this.drawn = this.plan.workload ?? Array.from({ length: this.size }, () => rng.nextInt(WORKLOAD_RANGE));
    }
    return this.drawn;
  }

  invariant(name: string, check: Invariant): void {
    this.checks.invariant(name, check);
  }

  always(condition: boolean, name: string, details?: unknown): void {
    this.checks.always(condition, name, details);
  }

  sometimes(condition: boolean, name: string): void {
    this.checks.sometimes(condition, name);
  }

  trace(label: string, value?: number | string): void {
    const t = this.world.trace;
    t.foldString(label);
    if (typeof value === 'number') t.foldNumber(value);
    else if (value !== undefined) t.foldString(value);
    if (t.detailed) t.note(value === undefined ? label : `${label}=${value}`);
  }

  at(delayMs: number, fn: () => void): void {
    this.world.at(delayMs, fn, 'scenario');
  }

  buggify(point: string): boolean {
    return this.world.buggify.fire(point);
  }

  /** The liveness phase: run until converged (checked at most once per virtual ms) or out of time. */
  private async converge(): Promise<void> {
    const world = this.world;
    const converged = this.scenario.converged;
    const deadline = world.now + this.quietMs;
    if (converged === undefined) {
      await world.run({ untilMs: deadline, stopWhenUnreferenced: true });
      return;
    }
    let verdict: boolean | string = false;
    let checkedAt = -Infinity;
    const check = (): boolean => {
      checkedAt = world.now;
      verdict = converged(this);
      return verdict === true;
    };
    const stop = await world.run({ untilMs: deadline, until: () => (world.now - checkedAt >= 1 || world.pending === 0) && check() });
    if (stop === 'condition' || world.failure !== null || check()) return;
    const why = typeof verdict === 'string' ? `: ${verdict}` : '';
    world.fail('liveness', `did not converge within ${this.quietMs} ms of virtual time with every fault off${why}`);
  }
}
