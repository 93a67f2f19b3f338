/**
 * The simulation runner behind `npm run sim`: runs scenarios over many seeds, one line per
 * seed with its trace hash; on failure prints the seed, the scenario, the Node version and
 * the exact command that replays it, shrinks the failure when a shrinker is given, and
 * exits non-zero with the failure's code (see SIM_EXIT_CODES).
 *
 * Must not: read the real clock itself (the entry point passes one in for durations).
 */
import { checkDeterminism } from './determinism.js';
import { SIM_EXIT_CODES, type SimFailure } from './failure.js';
import { summarizeFaults, validateFaults } from './faults.js';
import { parseSeed, replayCommand, type SimPlan, validateWorkload } from './plan.js';
import { runScenario, type Scenario, type SimResult } from './scenario.js';

export interface SimCliOptions {
  readonly scenarios: readonly Scenario[];
  /** Where lines go; default console.log. */
  readonly print?: (line: string) => void;
  /** Shrink a failing plan to a small one that still fails (tools/sim.mjs passes fast-check's). */
  readonly shrink?: (scenario: Scenario, plan: SimPlan, failure: SimFailure) => Promise<{ readonly plan: SimPlan; readonly runs: number }>;
  /** A start seed when none is given (default 1). */
  readonly randomSeed?: () => number;
  /** Wall-clock milliseconds, for printing durations only. */
  readonly clock?: () => number;
  /**
   * The `--module FILE` a scenario was loaded from, when the runner would not find it by
   * itself: its replay commands must load the file again.
   */
  readonly moduleOf?: (scenario: Scenario) => string | undefined;
}

interface Args {
  seeds: number[];
  scenarios: string[];
  size?: number;
  workload?: SimPlan['workload'];
  faults?: SimPlan['faults'];
  netFaults: boolean;
  buggify: boolean;
  expectHash?: string;
  checkDeterminism: boolean;
  json: boolean;
  shrink: boolean;
  keepGoing: boolean;
  list: boolean;
  help: boolean;
}

export const SIM_USAGE = `usage: npm run sim -- [--seeds N] [--from S] [--seed S]... [--scenario NAME]... [--module FILE]...
       [--check-determinism] [--size K] [--workload JSON] [--faults JSON] [--no-net-faults] [--no-buggify]
       [--expect-hash H] [--json] [--no-shrink] [--keep-going] [--list]
  --seeds N            N runs (default 20), seeds counting up from --from (default: random);
                       the scenarios take the seeds in turn (seed mod the number of scenarios)
  --seed S             run exactly seed S (repeatable)
  --scenario NAME      only this scenario (repeatable; default: every scenario not tagged planted)
  --module FILE        also load the scenarios FILE exports (repeatable; a .ts or .js file)
  --check-determinism  run every seed twice and compare traces step by step
  --size, --workload, --faults, --no-net-faults, --no-buggify   replay a shrunk plan exactly
  --expect-hash H      fail with exit 130 unless the run's trace hash is H (whatever else happened)
exit codes: 0 ok, 2 usage, ${Object.entries(SIM_EXIT_CODES).map(([k, v]) => `${v} ${k}`).join(', ')}`;

/** Run the CLI; resolves with the process exit code. */
export async function runSimCli(argv: readonly string[], options: SimCliOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const clock = options.clock ?? (() => 0);
  let args: Args;
  try {
    args = parseArgs(argv, options.randomSeed ?? (() => 1));
  } catch (error) {
    print(`sim: ${(error as Error).message}\n${SIM_USAGE}`);
    return 2;
  }
  if (args.help) return print(SIM_USAGE), 0;
  if (args.list) {
    for (const s of options.scenarios) print(`${s.name.padEnd(24)} ${s.tags?.includes('planted') ? '[planted] ' : ''}${s.description}`);
    return 0;
  }
  const chosen = chooseScenarios(options.scenarios, args.scenarios);
  if (typeof chosen === 'string') return print(`sim: ${chosen}`), 2;
  if (!args.json) print(`sim: node ${process.version}, ${args.seeds.length} seed(s) from ${args.seeds[0]}, scenarios: ${chosen.map((s) => s.name).join(', ')}`);
  const started = clock();
  const tally = new Map<string, number>();
  const never = new Map<string, Set<string>>();
  let failures = 0;
  let exitCode = 0;
  for (const seed of args.seeds) {
    const scenario = chosen[seed % chosen.length]!;
    const plan = planFor(seed, args);
    const t0 = clock();
    const { result, failure } = await runOne(scenario, plan, args);
    const moduleFile = options.moduleOf?.(scenario);
    tally.set(scenario.name, (tally.get(scenario.name) ?? 0) + 1);
    noteCoverage(never, scenario.name, result.sometimes);
    if (args.json) print(JSON.stringify(jsonLine(result, failure, plan, moduleFile)));
    else print(seedLine(result, failure, clock() - t0));
    if (failure === null) continue;
    failures++;
    if (exitCode === 0) exitCode = SIM_EXIT_CODES[failure.kind];
    if (!args.json) await reportFailure(print, scenario, plan, result, failure, args.shrink ? options.shrink : undefined, moduleFile);
    if (!args.keepGoing) break;
  }
  if (!args.json) printSummary(print, args.seeds.length, failures, tally, never, clock() - started);
  return exitCode;
}

// --- internal ---

async function runOne(scenario: Scenario, plan: SimPlan, args: Args): Promise<{ result: SimResult; failure: SimFailure | null }> {
  if (args.checkDeterminism) {
    const report = await checkDeterminism(scenario, plan);
    const r = report.first;
    if (!report.ok) return { result: r, failure: { kind: 'nondeterminism', message: report.message, step: report.divergence!.step, timeMs: 0 } };
    return { result: r, failure: r.failure };
  }
  const result = await runScenario(scenario, plan);
  // A replay whose trace differs is not the recorded run, whatever else it did: say so first
  // (exit 130), and name its own failure too, which may be a different one.
  if (args.expectHash !== undefined && result.hash !== args.expectHash) {
    const also = result.failure === null ? '' : `\nthis run also failed (${result.failure.kind}): ${result.failure.message}`;
    const message = `expected trace hash ${args.expectHash}, got ${result.hash} (same Node version as the recording? this is ${process.version})${also}`;
    return { result, failure: { kind: 'nondeterminism', message, step: result.failure?.step ?? result.steps, timeMs: result.failure?.timeMs ?? result.virtualMs } };
  }
  return { result, failure: result.failure };
}

function planFor(seed: number, args: Args): SimPlan {
  return {
    seed,
    ...(args.size === undefined ? {} : { size: args.size }),
    ...(args.workload === undefined ? {} : { workload: args.workload }),
    ...(args.faults === undefined ? {} : { faults: args.faults }),
    ...(args.netFaults ? {} : { netFaults: false }),
    ...(args.buggify ? {} : { buggify: false }),
  };
}

function seedLine(r: SimResult, failure: SimFailure | null, wallMs: number): string {
  const verdict = failure === null ? 'ok  ' : `FAIL ${failure.kind}`;
  return `seed ${String(r.seed).padEnd(10)} ${r.scenario.padEnd(22)} ${verdict.padEnd(5)} hash ${r.hash}  steps ${String(r.steps).padStart(7)}  vt ${r.virtualMs.toFixed(0).padStart(6)}ms  faults ${summarizeFaults(r.applied)}  ${(wallMs / 1000).toFixed(2)}s`;
}

function jsonLine(r: SimResult, failure: SimFailure | null, plan: SimPlan, moduleFile: string | undefined): object {
  return {
    seed: r.seed, scenario: r.scenario, ok: failure === null, hash: r.hash, steps: r.steps, virtualMs: r.virtualMs, node: r.nodeVersion,
    failure: failure === null ? null : { kind: failure.kind, code: SIM_EXIT_CODES[failure.kind], message: failure.message, step: failure.step },
    replay: replayCommand(r.scenario, plan, r.hash, moduleFile),
  };
}

async function reportFailure(print: (l: string) => void, scenario: Scenario, plan: SimPlan, r: SimResult, f: SimFailure, shrink: SimCliOptions['shrink'], moduleFile: string | undefined): Promise<void> {
  print(`\nFAIL seed ${r.seed}, scenario ${r.scenario}: ${f.kind} (exit ${SIM_EXIT_CODES[f.kind]}) at step ${f.step}, t=${f.timeMs.toFixed(3)} ms`);
  for (const line of f.message.split('\n').slice(0, 30)) print(`  ${line}`);
  print(`  node ${r.nodeVersion} · trace hash ${r.hash} · faults applied: ${summarizeFaults(r.applied)}`);
  print(`  replay: ${replayCommand(r.scenario, plan, f.kind === 'nondeterminism' ? undefined : r.hash, moduleFile)}`);
  if (shrink === undefined || f.kind === 'nondeterminism' || f.kind === 'host') return;
  print('  shrinking...');
  const explicit: SimPlan = {
    seed: plan.seed, size: r.size, faults: r.faults, netFaults: plan.netFaults ?? true, buggify: plan.buggify ?? true,
    ...(r.workload === undefined ? {} : { workload: r.workload }),
  };
  const shrunk = await shrink(scenario, explicit, f);
  const again = await runScenario(scenario, shrunk.plan);
  const still = again.failure === null ? 'NOT reproduced' : `${again.failure.kind}: ${again.failure.message.split('\n')[0]}`;
  print(`  shrunk in ${shrunk.runs} runs (${still})`);
  print(`  replay: ${replayCommand(r.scenario, shrunk.plan, again.failure === null ? undefined : again.hash, moduleFile)}`);
}

function printSummary(print: (l: string) => void, seeds: number, failures: number, tally: Map<string, number>, never: Map<string, Set<string>>, wallMs: number): void {
  const per = [...tally].map(([name, n]) => `${name} ${n}`).join(', ');
  print(`\nsim: ${seeds} seed(s) planned, ${[...tally.values()].reduce((a, b) => a + b, 0)} run, ${failures} failed (${per}) · node ${process.version} · ${(wallMs / 1000).toFixed(1)}s`);
  for (const [scenario, names] of never) if (names.size > 0) print(`  ${scenario}: never reached: ${[...names].map((n) => `"${n}"`).join(', ')}`);
}

function noteCoverage(never: Map<string, Set<string>>, scenario: string, sometimes: Readonly<Record<string, number>>): void {
  let set = never.get(scenario);
  if (set === undefined) {
    set = new Set(Object.keys(sometimes).filter((k) => sometimes[k] === 0));
    never.set(scenario, set);
    return;
  }
  for (const [name, hits] of Object.entries(sometimes)) if (hits > 0) set.delete(name);
}

function chooseScenarios(all: readonly Scenario[], names: readonly string[]): Scenario[] | string {
  if (names.length === 0) {
    const defaults = all.filter((s) => !(s.tags ?? []).includes('planted'));
    return defaults.length > 0 ? defaults : 'no scenarios found';
  }
  const out: Scenario[] = [];
  for (const name of names) {
    const s = all.find((x) => x.name === name);
    if (s === undefined) return `unknown scenario "${name}"; known: ${all.map((x) => x.name).join(', ')}`;
    out.push(s);
  }
  return out;
}

function parseArgs(argv: readonly string[], randomSeed: () => number): Args {
  const a: Args = { seeds: [], scenarios: [], netFaults: true, buggify: true, checkDeterminism: false, json: false, shrink: true, keepGoing: false, list: false, help: false };
  let count: number | undefined;
  let from: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--seeds': count = positive(value(), '--seeds'); break;
      case '--from': from = parseSeed(value()); break;
      case '--seed': a.seeds.push(parseSeed(value())); break;
      case '--scenario': a.scenarios.push(value()); break;
      case '--size': a.size = positive(value(), '--size'); break;
      case '--faults': a.faults = validateFaults(JSON.parse(value())); break;
      case '--workload': a.workload = validateWorkload(JSON.parse(value())); break;
      case '--expect-hash': a.expectHash = value(); break;
      case '--no-net-faults': a.netFaults = false; break;
      case '--no-buggify': a.buggify = false; break;
      case '--check-determinism': a.checkDeterminism = true; break;
      case '--json': a.json = true; break;
      case '--no-shrink': a.shrink = false; break;
      case '--keep-going': a.keepGoing = true; break;
      case '--list': a.list = true; break;
      case '--module': value(); break; // loaded by the entry point (tools/sim.mjs) before the run
      case '--help': case '-h': a.help = true; break;
      case '--': break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (a.seeds.length === 0 || count !== undefined) {
    const start = from ?? randomSeed();
    for (let k = 0; k < (count ?? 20); k++) a.seeds.push((start + k) >>> 0);
  }
  return a;
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${text}`);
  return n;
}
