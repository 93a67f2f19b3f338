/**
 * bare-v8: the ceiling. The least an in-process actor system on V8 can do per message and
 * still be one: a FIFO mailbox per actor, a run queue of actors with work, one handler call
 * per message, a microtask to start draining when a message comes from outside. No
 * addresses, no supervision, no budgets, no error handling. Every other implementation is
 * read as a fraction of this.
 */
import { Latencies, gcMemoryUsed, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';
import { threadsScale } from './bare-workers.js';

interface Receiver<M> {
  receive(message: M, self: BareActor<M>): void;
}

/** Growable power-of-two ring buffer; the backing array is allocated on first push. */
class Fifo<T> {
  private buf: (T | undefined)[] | null = null;
  private head = 0;
  private tail = 0;
  push(x: T): void {
    let b = this.buf;
    if (b === null) b = this.buf = new Array<T | undefined>(8);
    b[this.tail] = x;
    this.tail = (this.tail + 1) & (b.length - 1);
    if (this.tail === this.head) this.grow(b);
  }
  shift(): T | undefined {
    const b = this.buf;
    if (b === null || this.head === this.tail) return undefined;
    const x = b[this.head];
    b[this.head] = undefined;
    this.head = (this.head + 1) & (b.length - 1);
    return x;
  }
  private grow(b: (T | undefined)[]): void {
    const n = b.length;
    const nb = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) nb[i] = b[(this.head + i) & (n - 1)];
    this.buf = nb;
    this.head = 0;
    this.tail = n;
  }
}

export class BareActor<M> {
  readonly box = new Fifo<M>();
  queued = false;
  constructor(
    readonly sys: BareSystem,
    public beh: Receiver<M>,
  ) {}
}

export class BareSystem {
  private readonly runq = new Fifo<BareActor<any>>();
  private draining = false;
  private scheduled = false;
  private readonly drainFn = (): void => this.drain();

  spawn<M>(beh: Receiver<M>): BareActor<M> {
    return new BareActor<M>(this, beh);
  }

  send<M>(to: BareActor<M>, message: M): void {
    to.box.push(message);
    if (!to.queued) {
      to.queued = true;
      this.runq.push(to);
      if (!this.draining && !this.scheduled) {
        this.scheduled = true;
        queueMicrotask(this.drainFn);
      }
    }
  }

  /** Request-response: the handler answers through `reply`. */
  ask<R>(to: BareActor<AskMsg<R>>, value: R): Promise<R> {
    return new Promise<R>((reply) => this.send(to, { value, reply }));
  }

  private drain(): void {
    this.scheduled = false;
    this.draining = true;
    let a: BareActor<any> | undefined;
    while ((a = this.runq.shift()) !== undefined) {
      a.queued = false;
      let m: unknown;
      while ((m = a.box.shift()) !== undefined) a.beh.receive(m, a);
    }
    this.draining = false;
  }
}

interface AskMsg<R> {
  value: R;
  reply: (v: R) => void;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A ring member (the workloads' classes are defined once, as pd's: see its RingNode). */
class RingNode implements Receiver<number> {
  next!: BareActor<number>;
  constructor(private readonly sys: BareSystem, private readonly done: () => void) {}
  receive(k: number): void {
    if (k === 0) this.done();
    else this.sys.send(this.next, k - 1);
  }
}

async function ring(p: Params): Promise<RunResult> {
  const n = p.actors!, hops = p.hops!;
  const sys = new BareSystem();
  const done = deferred();
  const nodes: RingNode[] = [];
  const actors: BareActor<number>[] = [];
  for (let i = 0; i < n; i++) {
    const b = new RingNode(sys, done.resolve);
    nodes.push(b);
    actors.push(sys.spawn(b));
  }
  for (let i = 0; i < n; i++) nodes[i]!.next = actors[(i + 1) % n]!;
  const t0 = nowSec();
  sys.send(actors[0]!, hops);
  await done.promise;
  return { ops: hops, seconds: nowSec() - t0 };
}

class Idle implements Receiver<unknown> {
  receive(): void {}
}

async function spawn(p: Params): Promise<RunResult> {
  const n = p.actors!;
  const sys = new BareSystem();
  const h0 = gcMemoryUsed();
  // Allocated after the first reading: the array holding the addresses is counted.
  const keep: BareActor<unknown>[] = new Array(n);
  const t0 = nowSec();
  for (let i = 0; i < n; i++) keep[i] = sys.spawn(new Idle());
  const seconds = nowSec() - t0;
  const h1 = gcMemoryUsed();
  if (keep.length !== n) throw new Error('lost actors');
  return { ops: n, seconds, bytesPerActor: (h1 - h0) / n };
}

async function pingpong(p: Params): Promise<RunResult> {
  const rounds = p.rounds!;
  const sys = new BareSystem();
  const done = deferred();
  const pongA = sys.spawn<number>({ receive: (k) => sys.send(pingA, k) });
  const pingA = sys.spawn<number>({
    receive: (k) => {
      if (k === 0) done.resolve();
      else sys.send(pongA, k - 1);
    },
  });
  const t0 = nowSec();
  sys.send(pongA, rounds);
  await done.promise;
  return { ops: rounds, seconds: nowSec() - t0 };
}

async function ask(p: Params): Promise<RunResult> {
  const total = p.asks!, askers = p.askers!;
  const sys = new BareSystem();
  const server = sys.spawn<AskMsg<number>>({ receive: (m) => m.reply(m.value) });
  const lat = new Latencies(total);
  const per = Math.floor(total / askers);
  const client = async (): Promise<void> => {
    for (let i = 0; i < per; i++) {
      const s = performance.now();
      const r = await sys.ask(server, i);
      lat.add((performance.now() - s) * 1000);
      if (r !== i) throw new Error('bad reply');
    }
  };
  const t0 = nowSec();
  const clients: Promise<void>[] = [];
  for (let c = 0; c < askers; c++) clients.push(client());
  await Promise.all(clients);
  return { ops: per * askers, seconds: nowSec() - t0, ...lat.summary() };
}

/** A fan-in sender (defined once: see RingNode). */
class Sender implements Receiver<number> {
  constructor(private readonly sys: BareSystem, private readonly sink: BareActor<number>, private left: number, private readonly chunk: number) {}
  receive(_m: number, self: BareActor<number>): void {
    const k = Math.min(this.chunk, this.left);
    for (let i = 0; i < k; i++) this.sys.send(this.sink, i);
    this.left -= k;
    if (this.left > 0) this.sys.send(self, 0);
  }
}

async function fanin(p: Params): Promise<RunResult> {
  const senders = p.senders!, per = p.perSender!, chunk = p.chunk!;
  const total = senders * per;
  const sys = new BareSystem();
  const done = deferred();
  let got = 0;
  const sink = sys.spawn<number>({
    receive: () => {
      if (++got === total) done.resolve();
    },
  });
  const ss: BareActor<number>[] = [];
  for (let i = 0; i < senders; i++) ss.push(sys.spawn(new Sender(sys, sink, per, chunk)));
  const t0 = nowSec();
  for (const s of ss) sys.send(s, 0);
  await done.promise;
  return { ops: total, seconds: nowSec() - t0 };
}

/** A worker message: a number to add, or a swap to the behaviour it carries (in mailbox order). */
type WorkerMsg = number | { readonly swap: WorkerV1 };

/** Two versions of one behaviour; the new one's `migrate` carries the state over. */
class WorkerV1 implements Receiver<WorkerMsg> {
  count = 0;
  swaps = 0;
  get version(): number {
    return 1;
  }
  migrate(prev: WorkerV1): void {
    this.count = prev.count;
    this.swaps = prev.swaps + 1;
  }
  receive(m: WorkerMsg, self: BareActor<WorkerMsg>): void {
    if (typeof m === 'number') this.count += m;
    else {
      m.swap.migrate(this);
      self.beh = m.swap;
    }
  }
}
class WorkerV2 extends WorkerV1 {
  override get version(): number {
    return 2;
  }
  override receive(m: WorkerMsg, self: BareActor<WorkerMsg>): void {
    if (typeof m === 'number') this.count = m + this.count;
    else {
      m.swap.migrate(this);
      self.beh = m.swap;
    }
  }
}

async function hotswap(p: Params): Promise<RunResult> {
  const swaps = p.swaps!, perSwap = p.msgsPerSwap!, batch = p.batch!;
  const sys = new BareSystem();
  const done = deferred();
  const worker = sys.spawn<WorkerMsg>(new WorkerV1());
  let left = swaps;
  let version = 0;
  const driver = sys.spawn<number>({
    receive: (_m, self) => {
      const k = Math.min(batch, left);
      for (let s = 0; s < k; s++) {
        for (let i = 0; i < perSwap; i++) sys.send(worker, 1);
        sys.send(worker, { swap: ++version & 1 ? new WorkerV2() : new WorkerV1() });
      }
      left -= k;
      if (left > 0) sys.send(self, 0);
      else sys.send(checker, 0);
    },
  });
  // Runs after the worker has handled everything the driver sent (FIFO run queue).
  const checker = sys.spawn<number>({
    receive: () => {
      if (worker.box.shift() !== undefined) throw new Error('worker not drained');
      const w = worker.beh as WorkerV1;
      if (w.count !== swaps * perSwap) throw new Error(`lost messages: ${w.count}, expected ${swaps * perSwap}`);
      if (w.swaps !== swaps) throw new Error(`lost swaps: ${w.swaps}, expected ${swaps}`);
      if (w.version !== (swaps % 2 === 0 ? 1 : 2)) throw new Error(`worker runs version ${w.version} after ${swaps} swaps`);
      done.resolve();
    },
  });
  const t0 = nowSec();
  sys.send(driver, 0);
  await done.promise;
  return { ops: swaps, seconds: nowSec() - t0 };
}

/** Node's own timers: setTimeout + clearTimeout, the floor any engine timer is compared to. */
async function timers(p: Params): Promise<RunResult> {
  const n = p.timers!;
  const refs: NodeJS.Timeout[] = new Array(n);
  const fire = (): void => {
    throw new Error('timer fired during the run');
  };
  const t0 = nowSec();
  for (let i = 0; i < n; i++) refs[i] = setTimeout(fire, 60_000 + (i % 1000));
  for (let i = 0; i < n; i++) clearTimeout(refs[i]);
  return { ops: n, seconds: nowSec() - t0 };
}

export const impl: Impl = {
  name: 'bare-v8',
  available: async () => null,
  // multi-scale: the one-thread baseline of the bare workers' scaling (./bare-workers.ts, one thread).
  workloads: { ring, spawn, pingpong, ask, fanin, hotswap, timers, 'multi-scale': (p) => threadsScale(1, p) },
};
