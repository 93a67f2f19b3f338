#!/usr/bin/env node
/**
 * `npm run bench`: runs every workload on every implementation. The measured runs of an
 * implementation are spread over `--procs` fresh child processes (`node --expose-gc`, or
 * `erl` for BEAM); each warms up first (a run at a tenth of the size, then `--warmup` runs at
 * the full size), then does its share of the measured runs. The processes of one workload go
 * round by round over the implementations, so a change of load touches them all alike.
 * Prints one table per workload (per core count for `--cores`) with the median rate, min and
 * max, and the ratios to the baselines; `--json FILE` writes the machine, the load and
 * every run.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseArgs, runsOfProc, type Options } from './args.js';
import { prepareBeam, runBeam, runProcess, type Beam, type ProcessOutput } from './beam.js';
import { jsonReport, summarize, targetsTable, toJson, workloadTable, type Outcome } from './report.js';
import { SPECS, isMultiCore, paramsFor, withCores, type WorkloadSpec } from './workloads.js';
import type { ImplName, JsonRecord, Params, RunResult } from './types.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function pkgVersion(name: string): string {
  try {
    const req = createRequire(import.meta.url);
    return (req(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(', ');
}

function machine(beam: Beam | string): string {
  const c = cpus();
  return [
    `- CPU: ${c[0]?.model ?? 'unknown'} × ${c.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${platform()} ${release()}`,
    `- Node ${process.version} (V8 ${process.versions.v8}); BEAM: ${typeof beam === 'string' ? `absent (${beam})` : `OTP ${beam.otp}`}`,
    `- peers: xstate ${pkgVersion('xstate')}, comedy ${pkgVersion('comedy')}`,
    `- load average at start: ${load()} (other work on the machine skews every figure; the ratios less)`,
  ].join('\n');
}

/** `runs` measured runs (after the warm-ups) of one implementation, in one fresh process. */
async function runProc(spec: WorkloadSpec, impl: ImplName, beam: Beam | string, params: Params, runs: number, opts: Options): Promise<ProcessOutput> {
  const timeoutMs = opts.timeoutSec * 1000;
  let out: ProcessOutput;
  if (impl === 'beam') {
    if (typeof beam === 'string') return { results: [], skip: beam };
    // BEAM warms up at the full size too (its JIT compiles at load; the runs warm its allocators).
    out = await runBeam(beam, spec.name, params, params, runs, opts.warmups, timeoutMs);
  } else {
    const args = ['--expose-gc', '--max-old-space-size=8192', CHILD, spec.name, impl, String(runs), String(opts.warmups), JSON.stringify(params)];
    out = await runProcess(process.execPath, args, timeoutMs);
  }
  // Runs that did not say (BEAM's) get the load average as the process ended.
  const l1 = loadavg()[0]!;
  return { ...out, results: out.results.map((r) => (r.load1 === undefined ? { ...r, load1: l1 } : r)) };
}

/**
 * Run one workload: `runs` rounds, each running every implementation once, so a change
 * in machine load during the workload touches all of them alike (the ratios are what the
 * suite is for). An implementation that skips or fails is not retried.
 */
async function runWorkload(spec: WorkloadSpec, impls: readonly ImplName[], beam: Beam | string, opts: Options, cores: number | null): Promise<Outcome[]> {
  const variant = cores === null ? undefined : `cores=${cores}`;
  const state = impls.map((impl) => ({
    impl,
    params: cores === null ? paramsFor(spec, impl, opts.quick) : withCores(spec, paramsFor(spec, impl, opts.quick), cores),
    results: [] as RunResult[],
    skip: undefined as string | undefined,
    error: undefined as string | undefined,
    ms: 0,
  }));
  for (let round = 0; round < opts.procs; round++) {
    const runs = runsOfProc(opts.runs, opts.procs, round);
    if (runs === 0) continue;
    for (const st of state) {
      if (st.skip !== undefined || st.error !== undefined) continue;
      const t0 = performance.now();
      const out = await runProc(spec, st.impl, beam, st.params, runs, opts);
      st.ms += performance.now() - t0;
      st.results.push(...out.results);
      st.skip = out.skip;
      st.error = out.error;
    }
  }
  return state.map((st) => {
    const o: Outcome = {
      workload: spec.name, impl: st.impl, params: st.params, runs: st.results,
      ...(variant !== undefined ? { variant } : {}),
      ...(st.skip !== undefined ? { skip: st.skip } : {}),
      ...(st.error !== undefined ? { error: st.error } : {}),
    };
    const s = summarize(o);
    const took = (st.ms / 1000).toFixed(1);
    log(`  ${spec.name}${variant !== undefined ? ` ${variant}` : ''} ${st.impl}: ${s ? `${Math.round(s.rate)} ${spec.unit} (${s.runs} runs)` : (st.error ?? `skipped: ${st.skip}`)} [${took}s]`);
    return o;
  });
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const wantBeam = opts.impls.includes('beam');
  const beam: Beam | string = wantBeam ? prepareBeam() : 'not selected';
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  console.log(`## Palladium benchmarks${opts.quick ? ' (--quick)' : ''}\n`);
  console.log(machine(beam));
  console.log(
    `- ${opts.runs} measured runs per implementation over ${opts.procs} fresh process(es), in rounds over the implementations; ` +
      `each process warms up with ${opts.warmups > 0 ? `one run at a tenth of the size and ${opts.warmups} at the full size` : 'nothing'}; median, min and max of the rate\n`,
  );

  const all: Outcome[] = [];
  try {
    for (const spec of SPECS) {
      if (!opts.only.includes(spec.name)) continue;
      const impls = spec.impls.filter((i) => opts.impls.includes(i));
      if (impls.length === 0) continue;
      const sweep: (number | null)[] = isMultiCore(spec) && opts.cores !== null ? [...opts.cores] : [null];
      for (const k of sweep) {
        const outcomes = await runWorkload(spec, impls, beam, opts, k);
        all.push(...outcomes);
        console.log(`${workloadTable(spec, outcomes)}\n`);
      }
    }
  } finally {
    if (typeof beam !== 'string') beam.cleanup();
  }

  const targets = targetsTable(all);
  if (targets) console.log(`### targets (pd, ratios within this run)\n\n${targets}\n`);
  console.log(`total time ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${load()}`);

  if (opts.json) {
    const records: JsonRecord[] = all.map(summarize).filter((s) => s !== null).map(toJson);
    const report = jsonReport(beam, opts, startedAt, loadAtStart, records);
    // pnpm runs the script in apps/bench; a relative path means the caller's directory.
    const file = resolve(process.env['INIT_CWD'] ?? process.cwd(), opts.json);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${records.length} records to ${file}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
