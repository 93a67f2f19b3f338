/**
 * A manual test reactor: real task queues (microtasks, setImmediate), virtual time. Time
 * moves only when a test calls `advance(ms)`, which fires due timers in (due, order) order,
 * letting the engine settle between them. Lets backoff and shutdown-timeout tests run on
 * virtual time with no wall-clock sleeps. Not a simulation: scheduling stays the node one.
 */
import type { RandomStream, Reactor, ReactorTimer } from '@pd/runtime';
import { deriveStream } from '@pd/runtime';

interface ManualTimer {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class ManualReactor implements Reactor {
  readonly kind = 'manual';
  private clock = 0;
  private seq = 0;
  private timers: ManualTimer[] = [];
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed = 1, private readonly epochMs = 1_700_000_000_000) {}

  now(): number {
    return this.clock;
  }

  wallTime(): number {
    return this.epochMs + this.clock;
  }

  setTimer(delayMs: number, callback: () => void): ReactorTimer {
    const timer: ManualTimer = { due: this.clock + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(timer: ReactorTimer): void {
    (timer as ManualTimer).cancelled = true;
  }

  keepAlive(_timer: ReactorTimer, _keepAlive: boolean): void {
    // Virtual timers never hold a process open.
  }

  yieldThen(callback: () => void): void {
    setImmediate(callback);
  }

  soon(callback: () => void): void {
    queueMicrotask(callback);
  }

  random(stream: string): RandomStream {
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = deriveStream(this.seed, stream);
      this.streams.set(stream, s);
    }
    return s;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Fire every timer due at the current time; returns whether any fired. */
  fireDue(): boolean {
    const due = this.nextDue();
    if (due === null || due.due > this.clock) return false;
    due.cancelled = true;
    this.timers = this.timers.filter((t) => !t.cancelled);
    due.callback();
    return true;
  }

  /** The earliest pending timer's due time, or null. */
  nextDueAt(): number | null {
    return this.nextDue()?.due ?? null;
  }

  /** Move the clock to `at` (never backwards). */
  setClock(at: number): void {
    if (at > this.clock) this.clock = at;
  }

  private nextDue(): ManualTimer | null {
    let best: ManualTimer | null = null;
    for (const t of this.timers) {
      if (t.cancelled) continue;
      if (best === null || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
