/**
 * The workloads: what each measures, its sizes (full and `--quick`), which implementations
 * run it and against which baselines. The implementations live in `impls/`; the BEAM ones
 * in `erlang/pd_bench.erl`. Measured runs happen in fresh processes after warm-ups (see ./cli.ts).
 */
import type { ImplName, Params, WorkloadName } from './types.js';

export interface WorkloadSpec {
  readonly name: WorkloadName;
  /** Unit of the rate column. */
  readonly unit: string;
  /** One line: what the workload measures. */
  readonly measures: string;
  /** Implementations that run it, in table order. */
  readonly impls: readonly ImplName[];
  readonly full: Params;
  readonly quick: Params;
  /** Keys scaled down for warm-up runs and for slow peers (the rest is structure). */
  readonly sizeKeys: readonly string[];
  /** Structure keys also scaled down for the warm-up run (default none). */
  readonly warmKeys?: readonly string[];
  /** Peers too slow for the full size run a fraction of it (the rate stays comparable). */
  readonly peerScale?: Partial<Record<ImplName, number>>;
  /** Ratio columns of the table. */
  readonly baselines: readonly ImplName[];
}

const IN_PROCESS: readonly ImplName[] = ['pd', 'bare-v8', 'beam', 'xstate', 'comedy'];
const CEILING: readonly ImplName[] = ['bare-v8', 'beam'];

export const SPECS: readonly WorkloadSpec[] = [
  {
    name: 'ring',
    unit: 'hops/s',
    measures: 'A ring of actors passes one token around; every hop is one send plus one receive.',
    impls: IN_PROCESS,
    full: { actors: 10_000, hops: 1_000_000 },
    quick: { actors: 10_000, hops: 200_000 },
    sizeKeys: ['hops'],
    warmKeys: ['actors'],
    peerScale: { xstate: 0.5 },
    baselines: CEILING,
  },
  {
    name: 'spawn',
    unit: 'actors/s',
    measures: 'Spawn idle actors that stay alive; rate, and retained heap per actor after a full GC.',
    impls: IN_PROCESS,
    full: { actors: 1_000_000 },
    quick: { actors: 200_000 },
    sizeKeys: ['actors'],
    peerScale: { xstate: 0.1, comedy: 0.01 },
    baselines: CEILING,
  },
  {
    name: 'pingpong',
    unit: 'round trips/s',
    measures: 'Two actors bounce one message with plain sends (tell); one round trip is two messages.',
    impls: IN_PROCESS,
    full: { rounds: 1_000_000 },
    quick: { rounds: 200_000 },
    sizeKeys: ['rounds'],
    peerScale: { xstate: 0.5, comedy: 0.2 },
    baselines: CEILING,
  },
  {
    name: 'ask',
    unit: 'round trips/s',
    measures:
      'Request-response from outside the actor system: `askers` concurrent callers each await one reply at a time; rate and per-request latency.',
    impls: ['pd', 'bare-v8', 'beam', 'comedy'],
    full: { asks: 1_000_000, askers: 16 },
    quick: { asks: 200_000, askers: 16 },
    sizeKeys: ['asks'],
    peerScale: { comedy: 0.05 },
    baselines: CEILING,
  },
  {
    name: 'fanin',
    unit: 'msgs/s',
    measures: 'Many senders, one receiver: each sender sends its share in chunks, the sink counts to the total.',
    impls: IN_PROCESS,
    full: { senders: 100, perSender: 100_000, chunk: 1_000 },
    quick: { senders: 100, perSender: 20_000, chunk: 1_000 },
    sizeKeys: ['perSender'],
    peerScale: { xstate: 0.2, comedy: 0.05 },
    baselines: CEILING,
  },
  {
    name: 'hotswap',
    unit: 'swaps/s',
    measures:
      'A driver actor replaces a worker\'s behaviour while messages flow to it (`msgsPerSwap` messages between swaps); state and mailbox must survive every swap.',
    impls: ['pd', 'bare-v8', 'beam'],
    full: { swaps: 200_000, msgsPerSwap: 4, batch: 100 },
    quick: { swaps: 50_000, msgsPerSwap: 4, batch: 100 },
    sizeKeys: ['swaps'],
    baselines: CEILING,
  },
  {
    name: 'timers',
    unit: 'timers/s',
    measures: 'Schedule `timers` delayed messages (none due during the run), then cancel every one; rate of schedule+cancel pairs.',
    impls: ['pd', 'bare-v8', 'beam'],
    full: { timers: 1_000_000 },
    quick: { timers: 200_000 },
    sizeKeys: ['timers'],
    baselines: CEILING,
  },
  {
    name: 'cross-core',
    unit: 'msgs/s',
    measures:
      'One-way messages from one core (thread) to an actor on another, small objects, until the receiver has counted them all; postMessage sends one object per call, postMessage-batch arrays of up to `batch` objects per call.',
    impls: ['pd-multi', 'postMessage', 'postMessage-batch'],
    full: { messages: 1_000_000, batch: 1024 },
    quick: { messages: 200_000, batch: 1024 },
    sizeKeys: ['messages'],
    baselines: ['postMessage', 'postMessage-batch'],
  },
  {
    name: 'cross-core-rtt',
    unit: 'round trips/s',
    measures: 'One request at a time to an actor on another core (thread) and back; rate and round-trip latency.',
    impls: ['pd-multi', 'postMessage'],
    full: { rounds: 100_000 },
    quick: { rounds: 20_000 },
    sizeKeys: ['rounds'],
    baselines: ['postMessage'],
  },
  {
    name: 'multi-scale',
    unit: 'round trips/s',
    measures:
      'Independent work over `cores` cores: `pairs` ping-pong pairs, `rounds` round trips in all, each pair on one core; bare-v8-workers runs the bare-V8 ping-pong on `cores` worker threads alone (the machine\'s scaling ceiling); the pd row runs it all on one core, so × pd is pd-multi\'s scaling, and the bare-v8 row on one such thread, so × bare-v8 is the ceiling\'s.',
    impls: ['pd-multi', 'bare-v8-workers', 'pd', 'bare-v8'],
    full: { cores: 2, pairs: 64, rounds: 8_000_000 },
    quick: { cores: 2, pairs: 64, rounds: 2_000_000 },
    sizeKeys: ['rounds'],
    baselines: ['bare-v8-workers', 'pd', 'bare-v8'],
  },
  {
    name: 'wire',
    unit: 'msgs/s',
    measures:
      'Envelope frames of a small message, one way between two processes over loopback, `batch` per event-loop turn: pd network transports (TCP, TLS, ws) against a bare node:net loop writing the same bytes in the same batches.',
    impls: ['pd-tcp', 'pd-tls', 'pd-ws', 'bare-tcp'],
    full: { messages: 2_000_000, batch: 256 },
    quick: { messages: 400_000, batch: 256 },
    sizeKeys: ['messages'],
    baselines: ['bare-tcp'],
  },
  {
    name: 'telemetry-overhead',
    unit: 'msgs/s',
    measures:
      'The ring then the ask workload on one engine: uninstrumented (pd), instrumented through @opentelemetry/api with no SDK (pd-otel-api), and with @pd/telemetry\'s SDK metrics and 1 % trace sampling (pd-otel-metrics); × pd is the overhead.',
    impls: ['pd', 'pd-otel-api', 'pd-otel-metrics'],
    full: { actors: 10_000, hops: 1_000_000, asks: 200_000, askers: 16 },
    quick: { actors: 10_000, hops: 200_000, asks: 50_000, askers: 16 },
    sizeKeys: ['hops', 'asks'],
    warmKeys: ['actors'],
    baselines: ['pd'],
  },
  {
    name: 'plugin-msg',
    unit: 'msgs/s',
    measures: 'Messages through one counter actor: a WASM plugin (AssemblyScript) with fuel metering, without, and the same counter in TypeScript.',
    impls: ['pd-wasm-fuel', 'pd-wasm', 'pd'],
    full: { messages: 1_000_000, chunk: 1_000 },
    quick: { messages: 200_000, chunk: 1_000 },
    sizeKeys: ['messages'],
    baselines: ['pd-wasm'],
  },
  {
    name: 'remote',
    unit: 'msgs/s',
    measures:
      'One-way actor-to-actor messages between two engine processes on loopback (pd: two federated nodes over TCP; BEAM: two named nodes over Erlang distribution), until the actor on the far node has counted them all.',
    impls: ['pd-remote', 'pd-remote-spin', 'beam'],
    full: { messages: 1_000_000, window: 65_536, ackEvery: 8_192 },
    quick: { messages: 200_000, window: 65_536, ackEvery: 8_192 },
    sizeKeys: ['messages'],
    baselines: ['beam'],
  },
  {
    name: 'remote-rtt',
    unit: 'round trips/s',
    measures:
      'Sequential ask round trips to an actor in another engine process on loopback, one at a time; rate and round-trip latency. bare-tcp is the floor: a bare node:net echo of an 80-byte record (the size of pd\'s ask frame) between two processes.',
    impls: ['pd-remote', 'pd-remote-spin', 'beam', 'bare-tcp'],
    full: { rounds: 100_000 },
    quick: { rounds: 20_000 },
    sizeKeys: ['rounds'],
    baselines: ['beam', 'bare-tcp'],
  },
];

export function specOf(name: WorkloadName): WorkloadSpec {
  const s = SPECS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown workload ${name}`);
  return s;
}

/** Multiply the size keys of `p` by `factor` (at least 1 each). */
export function scaleParams(spec: WorkloadSpec, p: Params, factor: number): Params {
  return scaleKeys(spec.sizeKeys, p, factor);
}

/** Whether the workload runs over several cores (`--cores` sets its `cores`). */
export function isMultiCore(spec: WorkloadSpec): boolean {
  return spec.full['cores'] !== undefined;
}

/** The parameters with `cores` set to `k` (multi-core workloads; others unchanged). */
export function withCores(spec: WorkloadSpec, p: Params, k: number): Params {
  return isMultiCore(spec) ? { ...p, cores: k } : p;
}

/** The parameters of the first warm-up run (the full-size warm-ups follow): a tenth of the size (and of the warm keys). */
export function warmParams(spec: WorkloadSpec, p: Params): Params {
  return scaleKeys([...spec.sizeKeys, ...(spec.warmKeys ?? [])], p, 0.1);
}

function scaleKeys(keys: readonly string[], p: Params, factor: number): Params {
  if (factor === 1) return p;
  const out: Record<string, number> = { ...p };
  for (const k of keys) {
    const v = p[k];
    if (v !== undefined) out[k] = Math.max(1, Math.round(v * factor));
  }
  return out;
}

/** Parameters one implementation runs a workload with. */
export function paramsFor(spec: WorkloadSpec, impl: ImplName, quick: boolean): Params {
  const base = quick ? spec.quick : spec.full;
  return scaleParams(spec, base, spec.peerScale?.[impl] ?? 1);
}
