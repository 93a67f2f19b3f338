/**
 * SimWorld: one simulated universe in one thread. It owns virtual time, the event queue
 * (ordered by time, a seeded tie-break and sequence), the hosts (simulated machines, each
 * with its own clock skew and incarnation), the network, buggify and the trace; every
 * source of randomness is a stream derived from its one seed.
 *
 * A step is one event run to completion plus the microtasks it caused (the world waits for
 * a host macrotask between steps, so `await` in test and actor code settles exactly as it
 * would between two real events). Driven either step by step (`run`) by a scenario
 * runner, or self-driven (`autoRun`) so ordinary async tests work unchanged: it then jumps
 * virtual time whenever only timers remain, and rests when nothing referenced is pending.
 *
 * Must not: read real time or use real timers (the pump's macrotask lives in sim-reactor.ts).
 */
import { ArgumentError } from '@pd/actor';
import { createEngine, type EngineOptions } from '../create.js';
import type { Engine } from '../kernel/engine.js';
import { deriveStream } from '../random.js';
import type { RandomStream } from '../reactor.js';
import { Buggify, type BuggifyOptions } from './buggify.js';
import { EVENT_KIND_NAMES, EventKind, EventQueue, type EventOwner, SimEvent } from './event-queue.js';
import { type SimFailure, type SimFailureKind, SimError, describeError } from './failure.js';
import { SimNetwork } from './network.js';
import { drawSchedulePolicy, type SchedulePolicy } from './schedule.js';
import { nextMacrotask, SimReactor } from './sim-reactor.js';
import { Trace } from './trace.js';

export interface SimWorldOptions {
  /** The one seed everything derives from (a 32-bit unsigned integer). */
  readonly seed: number;
  /** Override parts of the scheduling policy drawn from the seed. */
  readonly schedule?: Partial<SchedulePolicy>;
  /** Buggify settings, or false to switch every fault point off (the default). */
  readonly buggify?: BuggifyOptions | false;
  /** Keep a label per step (needed to name a divergence); `detailed` adds picks and packets. */
  readonly trace?: { readonly labels?: boolean; readonly detailed?: boolean };
  /** Wall-clock time (ms since the epoch) at virtual time 0. */
  readonly wallStartMs?: number;
  /** Drive itself from host macrotasks (for ordinary async tests). */
  readonly autoRun?: boolean;
  /** Steps after which a run stops with a liveness failure; default 10 million. */
  readonly maxSteps?: number;
  /** Shortest timer delay, ms; default 1 (as Node's timers). */
  readonly minTimerMs?: number;
}

export interface RunOptions {
  /** Stop before the first event due after this virtual time (the clock is set to it). */
  readonly untilMs?: number;
  /** Stop as soon as this holds (checked after each step). */
  readonly until?: () => boolean;
  /** Stop when only unreferenced events (parked timers) remain. */
  readonly stopWhenUnreferenced?: boolean;
  /** Keep going after a failure is recorded (self-driven tests report it afterwards). */
  readonly continueAfterFailure?: boolean;
}

/** Why `run` returned. */
export type RunStop = 'idle' | 'time' | 'condition' | 'failed' | 'disposed';

/** A simulated machine: owns events and engines, can crash, restart and have its clock jump. */
export class SimHost implements EventOwner {
  /** Bumped on crash: events of an older epoch are dropped. */
  epoch = 0;
  up = true;
  /** How far this host's monotonic clock is ahead of world time, ms (forward jumps). */
  monoOffsetMs = 0;
  /** How far this host's wall clock is off world wall time, ms (either way). */
  wallOffsetMs = 0;
  /** While its event loop is stalled (see SimWorld.stall): from when, until when, world ms. */
  stalledFromMs = 0;
  stalledUntilMs = 0;
  constructor(readonly name: string, readonly index: number) {}
}

/** Where an event of a stalled host due at `time` runs: just after the stall, in due order. */
function stalledTime(host: SimHost, time: number): number {
  return host.stalledUntilMs + Math.max(0, time - host.stalledFromMs) * 1e-6;
}

/** Default wall-clock origin: 2026-01-01T00:00:00Z. */
export const SIM_WALL_START_MS = 1_767_225_600_000;

export class SimWorld {
  readonly seed: number;
  readonly policy: SchedulePolicy;
  readonly trace: Trace;
  readonly buggify: Buggify;
  readonly net: SimNetwork;
  readonly wallStartMs: number;
  readonly minTimerMs: number;
  /** Virtual time, ms. */
  now = 0;
  /** Steps run so far. */
  steps = 0;
  /** The first failure, once one happened. */
  failure: SimFailure | null = null;

  private readonly queue = new EventQueue();
  private readonly hosts: SimHost[] = [];
  private readonly streams = new Map<string, RandomStream>();
  private readonly tieBreak: RandomStream;
  private readonly stepHooks: (() => void)[] = [];
  private readonly maxSteps: number;
  private seq = 0;
  private running = false;
  private kicked = false;
  private pump: Promise<RunStop> | null = null;
  /** Self-driven worlds: virtual time does not pass this (Infinity unless held). */
  private horizonMs = Infinity;
  private autoRun: boolean;
  private disposed = false;
  private current: SimEvent | null = null;

  constructor(options: SimWorldOptions) {
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new ArgumentError(`sim seed must be an integer in [0, 2^32), got ${String(options.seed)}`);
    }
    this.seed = options.seed;
    this.policy = { ...drawSchedulePolicy(this.random('schedule')), ...options.schedule };
    this.tieBreak = this.random('tie-break');
    this.trace = new Trace(options.trace);
    this.buggify = new Buggify(this.seed, options.buggify ?? false, (point) => {
      this.trace.foldString(point);
      this.trace.note(`buggify:${point}`);
    });
    this.wallStartMs = options.wallStartMs ?? SIM_WALL_START_MS;
    this.minTimerMs = options.minTimerMs ?? 1;
    this.autoRun = options.autoRun === true;
    this.maxSteps = options.maxSteps ?? 10_000_000;
    this.net = new SimNetwork(this);
  }

  /** The world's random stream `name` (hosts have their own, see SimReactor.random). */
  random(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = deriveStream(this.seed, `world/${name}`);
      this.streams.set(name, s);
    }
    return s;
  }

  /** The host named `name`, created on first use. */
  host(name: string): SimHost {
    const found = this.hosts.find((h) => h.name === name);
    if (found !== undefined) return found;
    const host = new SimHost(name, this.hosts.length);
    this.hosts.push(host);
    return host;
  }

  /** A reactor for `core` of `host`, bound to the host's current incarnation. */
  reactor(host: SimHost | string, core = 0): SimReactor {
    return new SimReactor(this, typeof host === 'string' ? this.host(host) : host, core);
  }

  /** An engine on a fresh host of its own (what a test's `make()` needs). */
  engine(options: EngineOptions & { readonly host?: string } = {}): Engine {
    const { host: name, ...engineOptions } = options;
    const host = name ?? `e${this.hosts.length}`;
    return createEngine({ id: host, ...engineOptions, reactor: this.reactor(host, options.core ?? 0) });
  }

  /** Schedule `fn` after `delayMs` of virtual time. Events of a crashed host are dropped. */
  schedule(delayMs: number, kind: EventKind, owner: EventOwner | null, epoch: number, fn: () => void, label = ''): SimEvent {
    if (this.disposed) throw new SimError('sim/disposed', 'schedule: the world was disposed');
    const order = this.policy.shuffle ? this.tieBreak.nextU32() : 0;
    let time = this.now + (delayMs > 0 ? delayMs : 0);
    if (owner instanceof SimHost && time < owner.stalledUntilMs) time = stalledTime(owner, time);
    const e = new SimEvent(time, order, this.seq++, kind, owner, epoch, fn, label);
    this.queue.push(e);
    if (this.autoRun && !this.running && !this.kicked) this.kick();
    return e;
  }

  /** A world-level callback (scenario workloads, faults): runs even when every host is down. */
  at(delayMs: number, fn: () => void, label = '', kind: EventKind = EventKind.Call): SimEvent {
    return this.schedule(delayMs, kind, null, 0, fn, label);
  }

  cancel(e: SimEvent): boolean {
    return this.queue.cancel(e);
  }

  /** Whether a pending event keeps a self-driven world going (Node's ref/unref). */
  setRef(e: SimEvent, ref: boolean): void {
    this.queue.setRef(e, ref);
  }

  /** Charge virtual time inside a step (actor turns cost time). */
  advance(ms: number): void {
    this.now += ms;
  }

  /**
   * Jump `host`'s clock by `deltaMs`. Forward: a pause (its timers come due early in world
   * time, as after a stalled process). Backward: only the wall clock moves; monotonic
   * time never goes back.
   */
  jumpClock(host: SimHost, deltaMs: number): void {
    host.wallOffsetMs += deltaMs;
    if (deltaMs <= 0) return;
    host.monoOffsetMs += deltaMs;
    const now = this.now;
    this.queue.retime((e) => e.owner === host && e.kind === EventKind.Timer, (e) => Math.max(now, e.time - deltaMs));
  }

  /**
   * Stall `host`'s event loop for `ms` of virtual time (a long GC pause, a blocking call):
   * none of its events runs before the stall ends, and packets for it wait (as in a socket
   * buffer). Then its due timers run first, in their due order, then the packets that
   * waited, in arrival order (Node runs due timers before it reads sockets). Its clock keeps
   * running, so its timers see how late they are; unlike `jumpClock`, the others meanwhile
   * see it silent.
   */
  stall(host: SimHost, ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now + ms;
    if (until <= host.stalledUntilMs) return;
    if (host.stalledUntilMs <= this.now) host.stalledFromMs = this.now;
    host.stalledUntilMs = until;
    this.queue.retime((e) => e.owner === host && e.time < until, (e) => stalledTime(host, e.time));
    this.trace.foldString(`stall ${host.name}`);
    this.trace.foldNumber(ms);
  }

  /** When a packet arriving now for `host` is read: now, or after its stall (see `stall`). */
  readTime(host: SimHost): number {
    if (this.now >= host.stalledUntilMs) return this.now;
    // After its timers (within a microsecond-scale spread of the end), in arrival order.
    return host.stalledUntilMs + 0.01 + (this.now - host.stalledFromMs) * 1e-6;
  }

  /** Call `hook` after every step (its microtasks settled): invariants live here. */
  onStep(hook: () => void): () => void {
    this.stepHooks.push(hook);
    return () => {
      const i = this.stepHooks.indexOf(hook);
      if (i >= 0) this.stepHooks.splice(i, 1);
    };
  }

  /** Record a failure (the first one wins); the run stops after the current step. */
  fail(kind: SimFailureKind, message: string, error?: unknown): void {
    if (this.failure !== null) return;
    this.failure = { kind, message, step: this.steps, timeMs: this.now, ...(error === undefined ? {} : { error }) };
  }

  /** Pending events (live, not cancelled). */
  get pending(): number {
    return this.queue.size;
  }

  /** Pending events that keep a self-driven world going. */
  get referenced(): number {
    return this.queue.refs;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Drive the world until a stop condition; resolves with why it stopped. */
  async run(options: RunOptions = {}): Promise<RunStop> {
    if (this.running) throw new SimError('sim/busy', 'run: the world is already being driven');
    this.running = true;
    try {
      return await this.loop(options);
    } finally {
      this.running = false;
    }
  }

  /**
   * Self-driven worlds: stop virtual time where it is; from now on it moves only with
   * {@link advanceTime} (for tests that control time by hand). Events due now still run.
   */
  holdTime(): void {
    this.horizonMs = this.now;
  }

  /** Held time: move it forward by `ms`, running everything due on the way, in order. */
  async advanceTime(ms: number): Promise<void> {
    this.horizonMs = Math.max(this.horizonMs, this.now) + ms;
    await this.settle();
    if (this.now < this.horizonMs) this.now = this.horizonMs;
  }

  /**
   * Self-driven worlds: resolves once nothing is left to run: nothing referenced (as the
   * pump), or, with time held, nothing due before the horizon.
   */
  async settle(): Promise<void> {
    await nextMacrotask();
    while (!this.disposed) {
      if (this.pump !== null) {
        await this.pump;
        continue;
      }
      const next = this.queue.peek();
      const held = this.horizonMs !== Infinity;
      if (next === undefined || next.time > this.horizonMs || this.failure !== null || (!held && this.queue.refs === 0)) return;
      this.startPump(!held);
    }
  }

  /** Switch self-driving on or off. */
  setAutoRun(on: boolean): void {
    this.autoRun = on;
    if (on && !this.running && !this.kicked && this.queue.refs > 0) this.kick();
  }

  /** Drop every pending event and stop driving; the world cannot be used afterwards. */
  dispose(): void {
    this.disposed = true;
    this.autoRun = false;
    this.queue.clear();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // --- internal ---

  private async loop(options: RunOptions): Promise<RunStop> {
    const untilMs = options.untilMs ?? Infinity;
    while (true) {
      if (this.disposed) return 'disposed';
      if (this.failure !== null && options.continueAfterFailure !== true) return 'failed';
      if (options.until !== undefined && options.until()) return 'condition';
      const next = this.queue.peek();
      if (next === undefined || (options.stopWhenUnreferenced === true && this.queue.refs === 0)) return 'idle';
      if (next.time > untilMs) {
        if (this.now < untilMs) this.now = untilMs;
        return 'time';
      }
      if (this.steps >= this.maxSteps) {
        if (this.failure !== null) return 'failed';
        this.fail('liveness', `the run passed ${this.maxSteps} steps (maxSteps) at ${this.now.toFixed(3)} ms of virtual time: something loops forever`);
        return 'failed';
      }
      if (!this.dispatch(this.queue.pop()!)) continue;
      await nextMacrotask();
      this.endStep();
    }
  }

  /** Run one event synchronously; false when its host died (then it is not a step). */
  private dispatch(e: SimEvent): boolean {
    const owner = e.owner;
    if (owner !== null && owner.epoch !== e.epoch) return false;
    if (e.time > this.now) this.now = e.time;
    this.current = e;
    const trace = this.trace;
    trace.fold(e.kind);
    trace.fold(owner === null ? 0xffff : owner.index);
    trace.foldNumber(this.now);
    try {
      e.fn();
    } catch (error) {
      this.fail('crash', `a ${EVENT_KIND_NAMES[e.kind]} event${owner === null ? '' : ` on ${owner.name}`} threw: ${describeError(error)}`, error);
    }
    return true;
  }

  private endStep(): void {
    const e = this.current!;
    this.current = null;
    this.trace.endStep(this.stepLabel(e));
    this.steps++;
    for (const hook of this.stepHooks) {
      try {
        hook();
      } catch (error) {
        this.fail('crash', `a step hook threw: ${describeError(error)}`, error);
      }
    }
  }

  private stepLabel(e: SimEvent): string {
    if (!this.trace.keepsLabels) return '';
    const where = e.owner === null ? 'world' : `${e.owner.name}#${e.epoch}`;
    return `#${this.steps} t=${this.now.toFixed(4)} ${where} ${EVENT_KIND_NAMES[e.kind]}${e.label === '' ? '' : ` ${e.label}`}`;
  }

  private kick(): void {
    this.kicked = true;
    void nextMacrotask().then(() => {
      this.kicked = false;
      if (this.running || !this.autoRun || this.disposed || this.queue.refs === 0) return;
      this.startPump(true);
    });
  }

  private startPump(stopWhenUnreferenced: boolean): void {
    const untilMs = this.horizonMs;
    this.pump = this.run({ stopWhenUnreferenced, continueAfterFailure: true, untilMs }).finally(() => {
      this.pump = null;
    });
  }
}
