#!/usr/bin/env node
/**
 * `pnpm bench`: runs every workload on every implementation, each implementation in its
 * own child process (`node --expose-gc`, or `erl` for BEAM), warm-up first, then several
 * measured runs; prints one table per workload with the median rate, min and max, and the
 * ratios to the bare-V8 ceiling and to BEAM; `--json FILE` writes the medians.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseArgs, type Options } from './args.js';
import { prepareBeam, runBeam, runProcess, type Beam, type ProcessOutput } from './beam.js';
import { summarize, targetsTable, toJson, workloadTable, type Outcome } from './report.js';
import { SPECS, paramsFor, scaleParams, type WorkloadSpec } from './workloads.js';
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

function machine(beam: Beam | string): string {
  const c = cpus();
  return [
    `- CPU: ${c[0]?.model ?? 'unknown'} × ${c.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${platform()} ${release()}`,
    `- Node ${process.version} (V8 ${process.versions.v8}); BEAM: ${typeof beam === 'string' ? `absent (${beam})` : `OTP ${beam.otp}`}`,
    `- peers: xstate ${pkgVersion('xstate')}, comedy ${pkgVersion('comedy')}`,
  ].join('\n');
}

async function runNode(spec: WorkloadSpec, impl: ImplName, params: Params, opts: Options): Promise<ProcessOutput> {
  const timeoutMs = opts.timeoutSec * 1000;
  const args = (runs: number): string[] => [
    '--expose-gc',
    '--max-old-space-size=8192',
    CHILD,
    spec.name,
    impl,
    String(runs),
    String(opts.warmups),
    JSON.stringify(params),
  ];
  if (!spec.freshProcess) return runProcess(process.execPath, args(opts.runs), timeoutMs);
  const results: RunResult[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const out = await runProcess(process.execPath, args(1), timeoutMs);
    results.push(...out.results);
    if (out.skip || out.error) return { ...out, results };
  }
  return { results };
}

async function runBeamWorkload(spec: WorkloadSpec, beam: Beam, params: Params, opts: Options): Promise<ProcessOutput> {
  const warm = scaleParams(spec, params, 0.1);
  const timeoutMs = opts.timeoutSec * 1000;
  if (!spec.freshProcess) return runBeam(beam, spec.name, params, warm, opts.runs, opts.warmups, timeoutMs);
  const results: RunResult[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const out = await runBeam(beam, spec.name, params, warm, 1, opts.warmups, timeoutMs);
    results.push(...out.results);
    if (out.error) return { ...out, results };
  }
  return { results };
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
  console.log(`## Palladium benchmarks${opts.quick ? ' (--quick)' : ''}\n`);
  console.log(machine(beam));
  console.log(`- ${opts.runs} measured runs per implementation after ${opts.warmups} warm-up run(s); median, min and max of the rate\n`);

  const all: Outcome[] = [];
  try {
    for (const spec of SPECS) {
      if (!opts.only.includes(spec.name)) continue;
      const outcomes: Outcome[] = [];
      for (const impl of spec.impls) {
        if (!opts.impls.includes(impl)) continue;
        const params = paramsFor(spec, impl, opts.quick);
        const t0 = performance.now();
        let out: ProcessOutput;
        if (impl === 'beam') {
          out = typeof beam === 'string' ? { results: [], skip: beam } : await runBeamWorkload(spec, beam, params, opts);
        } else {
          out = await runNode(spec, impl, params, opts);
        }
        const o: Outcome = {
          workload: spec.name, impl, params, runs: out.results,
          ...(out.skip ? { skip: out.skip } : {}),
          ...(out.error ? { error: out.error } : {}),
        };
        const s = summarize(o);
        const took = ((performance.now() - t0) / 1000).toFixed(1);
        log(`  ${spec.name} ${impl}: ${s ? `${Math.round(s.rate)} ${spec.unit} (${s.runs} runs)` : (out.error ?? `skipped: ${out.skip}`)} [${took}s]`);
        outcomes.push(o);
        all.push(o);
      }
      if (outcomes.length) console.log(`${workloadTable(spec, outcomes)}\n`);
    }
  } finally {
    if (typeof beam !== 'string') beam.cleanup();
  }

  const targets = targetsTable(all);
  if (targets) console.log(`### targets (pd, ratios within this run)\n\n${targets}\n`);
  console.log(`total time ${((performance.now() - started) / 1000).toFixed(0)} s`);

  if (opts.json) {
    const records: JsonRecord[] = all.map(summarize).filter((s) => s !== null).map(toJson);
    // pnpm runs the script in apps/bench; a relative path means the caller's directory.
    const file = resolve(process.env['INIT_CWD'] ?? process.cwd(), opts.json);
    writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
    log(`wrote ${records.length} records to ${file}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
