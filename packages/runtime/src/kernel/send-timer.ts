/**
 * A `sendAfter` / `sendEvery` timer: its own slot in the engine's timer heap and its own
 * {@link TimerRef}, so a timer costs one object — no timer entry, no closure over the target
 * and message, no handle (the way a pending ask is its own timeout, ./ask.ts). When due it
 * sends through its engine, which it reaches through {@link SendTimerHost}.
 *
 * A million pending timers are a million live objects that every young-generation GC copies,
 * so a one-shot timer carries only what it needs: its interval (0) and its id (its sequence
 * number plus one, which a one-shot timer keeps; see `TimerService.scheduleOwn`) are read
 * from the class, and only {@link PeriodicSendTimer}, whose sequence number moves on at
 * every firing, stores them.
 */
import type { AnyAddr, TimerRef } from '@pd/actor';
import type { TimerSlot } from './timers.js';

/** What a send timer asks of its engine when it fires. */
export interface SendTimerHost {
  _sendTimerFired(timer: SendTimer): void;
}

/** A one-shot send timer (`sendAfter`). */
export class SendTimer implements TimerSlot, TimerRef {
  /** @internal Set by the timer service (`cancelled` while not in the heap). */ cancelled = true;
  /** @internal */ seq = 0;

  constructor(
    /** @internal The engine that sends (and the only one that may cancel it). */ readonly host: SendTimerHost,
    /** @internal */ readonly to: AnyAddr,
    /** @internal */ readonly message: unknown,
    /** @internal The actor that set it (its timers die with it), or null. */ readonly owner: unknown,
  ) {}

  /** The timer's id, unique within its engine (valid once it is scheduled). */
  get id(): number {
    return this.seq + 1;
  }

  /** @internal 0: a one-shot timer. */
  get repeatMs(): number {
    return 0;
  }

  /** @internal The timer heap calls this when it is due. */
  fire(): void {
    this.host._sendTimerFired(this);
  }
}

/** A periodic send timer (`sendEvery`): it keeps its interval, and its id across firings. */
export class PeriodicSendTimer extends SendTimer {
  /** @internal Its id, set by the engine when it is scheduled. */ timerId = 0;

  constructor(host: SendTimerHost, to: AnyAddr, message: unknown, owner: unknown, private readonly intervalMs: number) {
    super(host, to, message, owner);
  }

  override get id(): number {
    return this.timerId;
  }

  /** @internal */
  override get repeatMs(): number {
    return this.intervalMs;
  }
}
