/** Command-line options of `npm run bench -- …`. */
import { IMPLS, WORKLOADS, type ImplName, type WorkloadName } from './types.js';

export interface Options {
  readonly quick: boolean;
  readonly json: string | null;
  readonly only: readonly WorkloadName[];
  readonly impls: readonly ImplName[];
  readonly runs: number;
  readonly warmups: number;
  readonly timeoutSec: number;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick              short run (smaller sizes, 3 runs): about 2 minutes
  --json FILE          also write the results as a JSON array to FILE
  --only a,b           workloads to run (${WORKLOADS.join(', ')})
  --impl a,b           implementations to run (${IMPLS.join(', ')})
  --runs N             measured runs (rounds over the implementations; default 5, quick 3)
  --warmup N           unmeasured warm-up runs per process, a tenth of the size (default 1)
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

export function parseArgs(argv: readonly string[]): Options {
  let quick = false, help = false;
  let json: string | null = null;
  let only: WorkloadName[] = [...WORKLOADS];
  let impls: ImplName[] = [...IMPLS];
  let runs: number | null = null, warmups = 1, timeoutSec: number | null = null;
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
      case '--warmup': warmups = count(value(), flag, 0); break;
      case '--timeout': timeoutSec = count(value(), flag, 1); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return {
    quick, json, only, impls, help, warmups,
    runs: runs ?? (quick ? 3 : 5),
    timeoutSec: timeoutSec ?? (quick ? 120 : 300),
  };
}
