/**
 * pd: Palladium's single-core engine (`@pd/runtime`), used the way an application would:
 * actors are behaviour objects or `Actor` classes, messages go through `ctx.send` /
 * `engine.send`, request-response through `engine.ask`, hot swap through a swap message the
 * worker applies to itself with `ctx.become` (in mailbox order, as BEAM's), timers through
 * `engine.sendAfter` / `engine.cancelTimer`. Scheduling is asynchronous (the
 * engine drains its run queue in slices), so each workload ends when a handler resolves a
 * promise the bench awaits. Each run has its own engine, shut down after the measurement.
 */
import { Actor, type Addr, type Behavior, type Context } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { Latencies, gcMemoryUsed, nowSec } from '../stats.js';
import { multiScaleOn } from './pd-multi.js';
import { telemetryOverhead } from './pd-telemetry.js';
import { pluginMsg } from './plugin-msg.js';
import type { Impl, Params, RunResult } from '../types.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function withEngine<T>(body: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = createEngine({ id: 'bench' });
  try {
    return await body(engine);
  } finally {
    await engine.shutdown();
  }
}

const ring = (p: Params): Promise<RunResult> => withEngine((engine) => ringIn(engine, p));

/**
 * The workloads' actor classes are defined once, as a program defines its classes: a class
 * per run would give each run's instances a new shape, and the handlers' own property loads
 * (`this.next`) would turn megamorphic after a few runs — a cost of the bench's code, not of
 * the runtime (bare-v8 defines its classes once too).
 */
class RingNode extends Actor<number> {
  next!: Addr<number>;
  constructor(private readonly done: () => void) {
    super();
  }
  receive(k: number, ctx: Context<number>): void {
    if (k === 0) this.done();
    else ctx.send(this.next, k - 1);
  }
}

/** The ring workload on a given engine (telemetry-overhead runs it on instrumented ones). */
export async function ringIn(engine: Engine, p: Params): Promise<RunResult> {
  const n = p.actors!, hops = p.hops!;
  const done = deferred();
  const nodes: RingNode[] = [];
  const addrs: Addr<number>[] = [];
  for (let i = 0; i < n; i++) {
    const b = new RingNode(done.resolve);
    nodes.push(b);
    addrs.push(engine.spawn(b));
  }
  for (let i = 0; i < n; i++) nodes[i]!.next = addrs[(i + 1) % n]!;
  const t0 = nowSec();
  engine.send(addrs[0]!, hops);
  await done.promise;
  return { ops: hops, seconds: nowSec() - t0 };
}

class Idle extends Actor<unknown> {
  receive(): void {}
}

const spawn = (p: Params): Promise<RunResult> =>
  withEngine(async (engine) => {
    const n = p.actors!;
    const h0 = gcMemoryUsed();
    // Allocated after the first reading: the array holding the addresses is counted.
    const keep: Addr<unknown>[] = new Array(n);
    const t0 = nowSec();
    for (let i = 0; i < n; i++) keep[i] = engine.spawn(Idle);
    await engine.idle();
    const seconds = nowSec() - t0;
    const h1 = gcMemoryUsed();
    // Read after the second reading, so the array is still alive there (else V8 may free it
    // first, and the addresses' 8 bytes an actor go uncounted; bare-v8 reads its own alike).
    if (keep.length !== n || engine.stats().live < n) throw new Error('actors missing');
    return { ops: n, seconds, bytesPerActor: (h1 - h0) / n };
  });

/** Ping-pong's two actors (defined once: see RingNode). */
class Ping extends Actor<number> {
  peer!: Addr<number>;
  constructor(private readonly done: () => void) {
    super();
  }
  receive(k: number, ctx: Context<number>): void {
    if (k === 0) this.done();
    else ctx.send(this.peer, k - 1);
  }
}
class Pong extends Actor<number> {
  peer!: Addr<number>;
  receive(k: number, ctx: Context<number>): void {
    ctx.send(this.peer, k);
  }
}

const pingpong = (p: Params): Promise<RunResult> =>
  withEngine(async (engine) => {
    const rounds = p.rounds!;
    const done = deferred();
    const ping = new Ping(done.resolve), pong = new Pong();
    const pingA = engine.spawn(ping), pongA = engine.spawn(pong);
    ping.peer = pongA;
    pong.peer = pingA;
    const t0 = nowSec();
    engine.send(pongA, rounds);
    await done.promise;
    return { ops: rounds, seconds: nowSec() - t0 };
  });

const ask = (p: Params): Promise<RunResult> => withEngine((engine) => askIn(engine, p));

/** The ask workload on a given engine. */
export async function askIn(engine: Engine, p: Params): Promise<RunResult> {
  {
    const total = p.asks!, askers = p.askers!;
    const server = engine.spawn<number>({ receive: (m: number) => m });
    const per = Math.floor(total / askers);
    const lat = new Latencies(per * askers);
    const client = async (): Promise<void> => {
      for (let i = 0; i < per; i++) {
        const s = performance.now();
        const r = await engine.ask<number, number>(server, i);
        lat.add((performance.now() - s) * 1000);
        if (r !== i) throw new Error('bad reply');
      }
    };
    const t0 = nowSec();
    await Promise.all(Array.from({ length: askers }, client));
    return { ops: per * askers, seconds: nowSec() - t0, ...lat.summary() };
  }
}

/** Sends its share to the sink, `chunk` per turn (it re-queues itself to go on; defined once: see RingNode). */
class Sender extends Actor<number> {
  constructor(private readonly sink: Addr<number>, private left: number, private readonly chunk: number) {
    super();
  }
  receive(_m: number, ctx: Context<number>): void {
    const k = Math.min(this.chunk, this.left);
    for (let i = 0; i < k; i++) ctx.send(this.sink, i);
    this.left -= k;
    if (this.left > 0) ctx.send(ctx.self, 0);
  }
}

const fanin = (p: Params): Promise<RunResult> =>
  withEngine(async (engine) => {
    const senders = p.senders!, per = p.perSender!, chunk = p.chunk!;
    const total = senders * per;
    const done = deferred();
    let got = 0;
    const sink = engine.spawn<number>({
      receive: () => {
        if (++got === total) done.resolve();
      },
    });
    const ss: Addr<number>[] = [];
    for (let i = 0; i < senders; i++) ss.push(engine.spawn(new Sender(sink, per, chunk)));
    const t0 = nowSec();
    for (const s of ss) engine.send(s, 0);
    await done.promise;
    return { ops: total, seconds: nowSec() - t0 };
  });

/**
 * A worker message: a number to add, a swap to the behaviour it carries, or the final check.
 * The swap is a message like the others, handled in mailbox order: the worker takes it from
 * its mailbox and changes its own behaviour with `ctx.become` (the new one's `migrate` carries
 * the state over), as the BEAM worker does on `{swap, Fun}`. `engine.swap` would not be the
 * same work: it is a system signal that overtakes the messages already queued.
 */
type WorkerMsg = number | { readonly swap: WorkerV1 } | 'check';
interface Checked {
  readonly count: number;
  readonly swaps: number;
  readonly version: number;
}

/** Two versions of the worker's code; `migrate` carries the state across a swap. */
class WorkerV1 implements Behavior<WorkerMsg> {
  count = 0;
  swaps = 0;
  get version(): number {
    return 1;
  }
  migrate(prev: unknown): void {
    const w = prev as WorkerV1;
    this.count = w.count;
    this.swaps = w.swaps + 1;
  }
  receive(m: WorkerMsg, ctx: Context<WorkerMsg>): unknown {
    if (typeof m === 'number') this.count += m;
    else if (m === 'check') return { count: this.count, swaps: this.swaps, version: this.version } satisfies Checked;
    else ctx.become(m.swap);
    return undefined;
  }
}
class WorkerV2 extends WorkerV1 {
  override get version(): number {
    return 2;
  }
  override receive(m: WorkerMsg, ctx: Context<WorkerMsg>): unknown {
    if (typeof m === 'number') this.count = m + this.count;
    else if (m === 'check') return { count: this.count, swaps: this.swaps, version: this.version } satisfies Checked;
    else ctx.become(m.swap);
    return undefined;
  }
}

/** Throws unless the worker handled every message and every swap, and runs the version it should. */
export function checkHotswap(got: Checked, swaps: number, perSwap: number): void {
  if (got.count !== swaps * perSwap) throw new Error(`worker counted ${got.count}, expected ${swaps * perSwap}`);
  if (got.swaps !== swaps) throw new Error(`worker saw ${got.swaps} swaps, expected ${swaps}`);
  const version = swaps % 2 === 0 ? 1 : 2;
  if (got.version !== version) throw new Error(`worker runs version ${got.version} after ${swaps} swaps, expected ${version}`);
}

const hotswap = (p: Params): Promise<RunResult> =>
  withEngine(async (engine) => {
    const swaps = p.swaps!, perSwap = p.msgsPerSwap!, batch = p.batch!;
    const driven = deferred();
    const worker = engine.spawn<WorkerMsg>(new WorkerV1());
    let left = swaps;
    let version = 0;
    const driver = engine.spawn<number>({
      receive: (_m: number, ctx: Context<number>) => {
        const k = Math.min(batch, left);
        for (let s = 0; s < k; s++) {
          for (let i = 0; i < perSwap; i++) ctx.send(worker, 1);
          ctx.send(worker, { swap: ++version & 1 ? new WorkerV2() : new WorkerV1() });
        }
        left -= k;
        if (left > 0) ctx.send(ctx.self, 0);
        else driven.resolve();
      },
    });
    const t0 = nowSec();
    engine.send(driver, 0);
    await driven.promise;
    // FIFO mailbox: this reply comes after every message and swap the driver sent.
    const got = await engine.ask<WorkerMsg, Checked>(worker, 'check');
    const seconds = nowSec() - t0;
    checkHotswap(got, swaps, perSwap);
    return { ops: swaps, seconds };
  });

const timers = (p: Params): Promise<RunResult> =>
  withEngine(async (engine) => {
    const n = p.timers!;
    let fired = 0;
    const target = engine.spawn<number>({ receive: () => void fired++ });
    const refs = new Array<ReturnType<Engine['sendAfter']>>(n);
    const t0 = nowSec();
    for (let i = 0; i < n; i++) refs[i] = engine.sendAfter(target, i, 60_000 + (i % 1000));
    for (let i = 0; i < n; i++) engine.cancelTimer(refs[i]!);
    const seconds = nowSec() - t0;
    if (engine.stats().timers !== 0 || fired !== 0) throw new Error('timers left after cancelling');
    return { ops: n, seconds };
  });

export const impl: Impl = {
  name: 'pd',
  available: async () => null,
  // multi-scale: the one-core baseline of pd-multi's scaling (same work, ./pd-multi.ts).
  workloads: { ring, spawn, pingpong, ask, fanin, hotswap, timers, 'multi-scale': (p) => multiScaleOn(1, p), 'telemetry-overhead': (p) => telemetryOverhead('off', p), 'plugin-msg': (p) => pluginMsg('ts', p) },
};
