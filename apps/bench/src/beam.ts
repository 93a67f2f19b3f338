/**
 * The BEAM peer: finds `erl`/`erlc`, compiles ../erlang/pd_bench.erl into a temporary
 * directory once per invocation, and runs one workload per `erl` process. When Erlang is
 * not installed the suite skips BEAM with a note (Debian: `apt-get install -y erlang-base`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Params, RunResult, WorkloadName } from './types.js';

export const BEAM_INSTALL_HINT = 'install Erlang to compare with BEAM: apt-get install -y erlang-base';

export interface Beam {
  readonly otp: string;
  readonly dir: string;
  cleanup(): void;
}

/** Compile the Erlang module; returns why BEAM cannot run when it cannot. */
export function prepareBeam(): Beam | string {
  const probe = spawnSync('erl', ['-noshell', '-eval', 'io:format("~s", [erlang:system_info(otp_release)]), halt().'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.error || probe.status !== 0) return `erl not found; ${BEAM_INSTALL_HINT}`;
  const otp = probe.stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'pd-bench-beam-'));
  const src = fileURLToPath(new URL('../erlang/pd_bench.erl', import.meta.url));
  const c = spawnSync('erlc', ['-o', dir, src], { encoding: 'utf8', timeout: 60_000 });
  if (c.error || c.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `erlc failed: ${(c.stderr || c.stdout || String(c.error)).trim().split('\n')[0]} (${BEAM_INSTALL_HINT})`;
  }
  return { otp, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function paramString(p: Params): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${Math.round(v)}`)
    .join(',');
}

export interface ProcessOutput {
  readonly results: RunResult[];
  readonly error?: string;
  readonly skip?: string;
}

/** Parse `@@RESULT`, `@@SKIP`, `@@ERROR` lines of a benchmark process. */
export function parseOutput(stdout: string, stderr: string, code: number | null, timedOut: boolean): ProcessOutput {
  const results: RunResult[] = [];
  let error: string | undefined;
  let skip: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@RESULT ')) results.push(JSON.parse(line.slice(9)) as RunResult);
    else if (line.startsWith('@@SKIP ')) skip = line.slice(7).trim();
    else if (line.startsWith('@@ERROR ')) error = line.slice(8).trim();
  }
  if (timedOut) error = `timed out${error ? `: ${error}` : ''}`;
  else if (code !== 0 && !error && !skip) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    error = `exited with ${code}${tail ? `: ${tail}` : ''}`;
  }
  return { results, ...(error ? { error } : {}), ...(skip ? { skip } : {}) };
}

/** Run a command, collecting its output, killing it after `timeoutMs`. */
export function runProcess(cmd: string, args: readonly string[], timeoutMs: number): Promise<ProcessOutput> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ results: [], error: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(parseOutput(out, err, code, timedOut));
    });
  });
}

/** Workloads between two Erlang nodes: the `erl` is a distributed node, and starts the far one itself. */
const DISTRIBUTED: ReadonlySet<WorkloadName> = new Set(['remote', 'remote-rtt']);

/**
 * The `erl` flags that make the measuring process a named node on loopback, with a cookie of
 * its own (the far node, started by pd_bench.erl with `peer`, gets the same cookie). `-name`
 * starts epmd if it is not running (Erlang's port mapper, a system daemon that outlives the
 * run, as with any distributed Erlang); the far node halts when the measuring node goes.
 */
export function distributionArgs(workload: WorkloadName): string[] {
  if (!DISTRIBUTED.has(workload)) return [];
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  return ['-name', `pd_bench_${tag}@127.0.0.1`, '-setcookie', `pd_bench_${randomBytes(12).toString('hex')}`];
}

/** Run `runs` measured runs of one workload in one `erl`, after `warmups` at `warmParams`. */
export function runBeam(
  beam: Beam,
  workload: WorkloadName,
  params: Params,
  warmParams: Params,
  runs: number,
  warmups: number,
  timeoutMs: number,
): Promise<ProcessOutput> {
  const args = [
    '+P', '4000000',
    '-noshell',
    ...distributionArgs(workload),
    '-pa', beam.dir,
    '-run', 'pd_bench', 'main', workload, String(runs), String(warmups), paramString(params), paramString(warmParams),
    '-s', 'init', 'stop',
  ];
  return runProcess('erl', args, timeoutMs);
}
