/** Command-line options of `npm run bench -- …`. */
import { IMPLS, WORKLOADS, type ImplName, type WorkloadName } from './types.js';

export interface Options {
  readonly quick: boolean;
  readonly json: string | null;
  readonly only: readonly WorkloadName[];
  readonly impls: readonly ImplName[];
  readonly runs: number;
  /** Fresh processes per implementation that the measured runs are spread over. */
  readonly procs: number;
  readonly warmups: number;
  /** Core counts of the multi-core workloads (`multi-scale`); null: the workload's own. */
  readonly cores: readonly number[] | null;
  readonly timeoutSec: number;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick              short run (smaller sizes, 3 runs): about 2 minutes
  --json FILE          also write the results as a JSON array to FILE
  --only a,b           workloads to run (${WORKLOADS.join(', ')})
  --impl a,b           implementations to run (${IMPLS.join(', ')})
  --runs N             measured runs per implementation, median reported (default 5, quick 3)
  --procs P            fresh processes per implementation the runs are spread over, in rounds
                       over the implementations (default 2, quick 1)
  --warmup N           unmeasured full-size warm-up runs per process, after one at a tenth of the
                       size, before its measured runs (default 1)
  --cores K[,K…]       core counts for multi-scale (one table per K; default 2)
  --timeout SEC        per-process time limit (default 300, quick 120)
  --help               this text`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const out: T[] = [];
  for (const raw of value.split(',')) {
    const v = raw.trim();
    if (!v) continue;
    const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!hit) throw new Error(`unknown ${what} "${v}" (expected one of: ${allowed.join(', ')})`);
    out.push(hit);
  }
  return out;
}

function count(value: string | undefined, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}`);
  return n;
}

function coreList(value: string): number[] {
  const out: number[] = [];
  for (const raw of value.split(',')) {
    if (!raw.trim()) continue;
    const k = count(raw.trim(), '--cores', 1);
    if (!out.includes(k)) out.push(k);
  }
  if (out.length === 0) throw new Error('--cores needs an integer >= 1');
  return out;
}

export function parseArgs(argv: readonly string[]): Options {
  let quick = false, help = false;
  let json: string | null = null;
  let only: WorkloadName[] = [...WORKLOADS];
  let impls: ImplName[] = [...IMPLS];
  let runs: number | null = null, procs: number | null = null, warmups = 1, timeoutSec: number | null = null;
  let cores: number[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--': break;
      case '--quick': quick = true; break;
      case '--help': case '-h': help = true; break;
      case '--json': json = value(); break;
      case '--only': only = list(value(), WORKLOADS, 'workload'); break;
      case '--impl': case '--impls': impls = list(value(), IMPLS, 'implementation'); break;
      case '--runs': runs = count(value(), flag, 1); break;
      case '--procs': procs = count(value(), flag, 1); break;
      case '--cores': cores = coreList(value()); break;
      case '--warmup': warmups = count(value(), flag, 0); break;
      case '--timeout': timeoutSec = count(value(), flag, 1); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return {
    quick, json, only, impls, help, warmups,
    runs: runs ?? (quick ? 3 : 5),
    procs: Math.min(runs ?? (quick ? 3 : 5), procs ?? (quick ? 1 : 2)),
    cores,
    timeoutSec: timeoutSec ?? (quick ? 120 : 300),
  };
}

/** How many measured runs process `i` of `procs` does, `runs` in all. */
export function runsOfProc(runs: number, procs: number, i: number): number {
  return Math.floor(runs / procs) + (i < runs % procs ? 1 : 0);
}
