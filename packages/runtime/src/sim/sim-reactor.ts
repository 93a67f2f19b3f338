/**
 * The simulation reactor: one core of one simulated host, seen through the {@link Reactor}
 * interface. Time is the world's virtual time plus the host's clock skew; timers, `soon`
 * and `yieldThen` become world events; random streams derive from the world seed, the
 * host, its incarnation and the core; every scheduling choice among ready actors comes
 * from the world's seeded policy (`pickNext`), and fault points from buggify.
 *
 * Also the world's one real dependency: {@link nextMacrotask}, the host macrotask the world
 * waits for between steps so that microtasks settle. This file is exempt from the
 * no-real-timers lint rule for that reason; nothing else here touches the host.
 */
import { deriveStream } from '../random.js';
import type { RandomStream, Reactor, ReactorTimer } from '../reactor.js';
import { EventKind, type SimEvent } from './event-queue.js';
import { withHostAccess } from './guard-reactor.js';
import { Picker } from './schedule.js';
import type { SimHost, SimWorld } from './world.js';

export class SimReactor implements Reactor {
  readonly kind = 'sim';
  readonly seed: number;
  /** Deterministic and unique per (host, incarnation): part of every address minted here. */
  readonly incarnation: number;
  /** The host incarnation this reactor belongs to; its events die with it. */
  readonly epoch: number;
  private readonly streams = new Map<string, RandomStream>();
  private readonly picker: Picker;

  constructor(readonly world: SimWorld, readonly host: SimHost, readonly core = 0) {
    this.seed = world.seed;
    this.epoch = host.epoch;
    const salt = deriveStream(world.seed, `incarnation/${host.name}#${host.epoch}`).nextU32();
    this.incarnation = ((salt & 0x7ff00000) | ((host.index & 0xff) << 12) | (host.epoch & 0xfff)) >>> 0 || 1;
    this.picker = new Picker(world.policy, this.random('$schedule'));
  }

  now(): number {
    return this.world.now + this.host.monoOffsetMs;
  }

  wallTime(): number {
    return this.world.wallStartMs + this.world.now + this.host.wallOffsetMs;
  }

  setTimer(delayMs: number, callback: () => void): ReactorTimer {
    // As Node's setTimeout: under 1 ms (or not a number) means 1 ms (minTimerMs).
    const min = this.world.minTimerMs;
    let delay = delayMs >= min ? delayMs : min;
    // Timers may fire late, never early: a host under load does exactly this.
    if (this.world.buggify.fire('reactor.timer-late')) delay += 1 + this.random('$late').nextInt(50);
    return this.world.schedule(delay, EventKind.Timer, this.host, this.epoch, callback);
  }

  clearTimer(timer: ReactorTimer): void {
    this.world.cancel(timer as SimEvent);
  }

  keepAlive(timer: ReactorTimer, keepAlive: boolean): void {
    this.world.setRef(timer as SimEvent, keepAlive);
  }

  yieldThen(callback: () => void): void {
    this.world.schedule(0, EventKind.Yield, this.host, this.epoch, callback);
  }

  soon(callback: () => void): void {
    // "Soon" is a promise about latency, not order: it may land after other due events.
    const delay = this.world.buggify.fire('reactor.soon-late') ? 0.01 * (1 + this.random('$late').nextInt(100)) : 0;
    this.world.schedule(delay, EventKind.Soon, this.host, this.epoch, callback);
  }

  random(stream: string): RandomStream {
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = deriveStream(this.seed, `${this.host.name}#${this.epoch}/${this.core}/${stream}`);
      this.streams.set(stream, s);
    }
    return s;
  }

  pickNext(ready: number): number {
    const world = this.world;
    world.advance(world.policy.turnCostMs);
    const i = this.picker.pick(ready, world.buggify.fire('scheduler.preempt'));
    const trace = world.trace;
    trace.fold((ready << 8) ^ (i + 1));
    if (trace.detailed) trace.note(`pick ${i}/${ready}`);
    return i;
  }

  buggify(point: string): boolean {
    return this.world.buggify.fire(point);
  }
}

/** Resolves on the next host macrotask (after every pending microtask has run). */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => withHostAccess(() => setImmediate(resolve)));
}
