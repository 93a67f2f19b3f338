/** Shared vocabulary of the suite: workload and implementation names, parameters, results. */

export const WORKLOADS = [
  'ring',
  'spawn',
  'pingpong',
  'ask',
  'fanin',
  'hotswap',
  'timers',
  'cross-core',
  'cross-core-rtt',
  'multi-scale',
  'wire',
  'telemetry-overhead',
  'plugin-msg',
  'remote',
  'remote-rtt',
] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const IMPLS = ['pd', 'pd-multi', 'bare-v8', 'bare-v8-workers', 'beam', 'xstate', 'comedy', 'postMessage', 'postMessage-batch', 'pd-tcp', 'pd-tls', 'pd-ws', 'bare-tcp', 'pd-otel-api', 'pd-otel-metrics', 'pd-wasm-fuel', 'pd-wasm', 'pd-remote', 'pd-remote-spin'] as const;
export type ImplName = (typeof IMPLS)[number];

/** Numeric knobs of one workload run (actors, hops, senders, ...). */
export type Params = Readonly<Record<string, number>>;

/** What one measured run of one workload on one implementation produced. */
export interface RunResult {
  /** Operations counted by the workload (hops, actors spawned, round trips, ...). */
  readonly ops: number;
  /** Wall time of the measured part, in seconds. */
  readonly seconds: number;
  /** Spawn workload: retained heap per idle actor after a full GC. */
  readonly bytesPerActor?: number;
  /** Latency workloads: median and 99th percentile, in microseconds. */
  readonly p50Us?: number;
  readonly p99Us?: number;
  /** The machine's 1-minute load average when the run ended (the child process adds it). */
  readonly load1?: number;
}

/** A workload as one implementation runs it. Resolves when the last operation is done. */
export type WorkloadFn = (params: Params) => Promise<RunResult>;

/** One implementation: the workloads it can run, and whether it can run here at all. */
export interface Impl {
  readonly name: ImplName;
  /** Null when usable, otherwise why it is skipped (missing package, feature not built yet). */
  available(): Promise<string | null>;
  readonly workloads: Partial<Record<WorkloadName, WorkloadFn>>;
}

/** One line of `--json` output (extra fields beyond the required ones are informative). */
export interface JsonRecord {
  workload: WorkloadName;
  impl: ImplName;
  ops: number;
  seconds: number;
  ratePerSec: number;
  bytesPerActor?: number;
  p50Us?: number;
  p99Us?: number;
  minRatePerSec: number;
  maxRatePerSec: number;
  runs: number;
  params: Params;
  /** Every measured run, in order (rate, and the load average when it ended). */
  all: JsonRun[];
}

/** One measured run in the `--json` record. */
export interface JsonRun {
  ops: number;
  seconds: number;
  ratePerSec: number;
  load1?: number;
  p50Us?: number;
  p99Us?: number;
  bytesPerActor?: number;
}

/** The `--json` file: the machine, the load, the options, then one record per workload and implementation. */
export interface JsonReport {
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    v8: string;
    otp: string | null;
  };
  /** 1-, 5- and 15-minute load averages at the start and at the end of the invocation. */
  loadAtStart: number[];
  loadAtEnd: number[];
  startedAt: string;
  options: { quick: boolean; runs: number; procs: number; warmups: number; cores: number[] | null };
  records: JsonRecord[];
}
