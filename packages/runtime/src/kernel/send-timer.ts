/**
 * A `sendAfter` / `sendEvery` timer: its own slot in the engine's timer heap and its own
 * {@link TimerRef}, so a timer costs one object — no timer entry, no closure over the target
 * and message, no handle (the way a pending ask is its own timeout, ./ask.ts). When due it
 * sends through its engine, which it reaches through {@link SendTimerHost}.
 */
import type { AnyAddr, TimerRef } from '@pd/actor';
import type { TimerSlot } from './timers.js';

/** What a send timer asks of its engine when it fires. */
export interface SendTimerHost {
  _sendTimerFired(timer: SendTimer): void;
}

export class SendTimer implements TimerSlot, TimerRef {
  /** @internal Set by the timer service (`cancelled` while not in the heap). */ cancelled = true;
  /** @internal */ due = 0;
  /** @internal */ seq = 0;
  /** The timer's id, unique within its engine (set when it is scheduled). */
  id = 0;

  constructor(
    /** @internal The engine that sends (and the only one that may cancel it). */ readonly host: SendTimerHost,
    /** @internal */ readonly repeatMs: number,
    /** @internal */ readonly to: AnyAddr,
    /** @internal */ readonly message: unknown,
    /** @internal The actor that set it (its timers die with it), or null. */ readonly owner: unknown,
  ) {}

  /** @internal The timer heap calls this when it is due. */
  fire(): void {
    this.host._sendTimerFired(this);
  }
}
