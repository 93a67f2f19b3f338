/**
 * Messages the runtime itself puts in an actor's mailbox: an exit from a linked actor
 * (only when the receiver traps exits) and a DOWN from a monitored one. They are classes,
 * so a handler tells them apart with `instanceof` whatever shape its own messages have —
 * also when npm installed two copies of this package (see brand.ts).
 */
import type { Addr } from './addr.js';
import type { ExitReason } from './exit.js';
import { brandAcrossCopies } from './brand.js';

/** Identifies one monitor; `demonitor(ref)` cancels it. */
export class MonitorRef {
  constructor(readonly id: number) {}
  toString(): string {
    return `#Ref<${this.id}>`;
  }
}

/** A linked actor exited, delivered as a message because the receiver traps exits. */
export class ExitSignal {
  constructor(readonly from: Addr<any>, readonly reason: ExitReason) {}
}

/** A monitored actor exited (or was already dead: reason `noproc`). */
export class Down {
  constructor(readonly ref: MonitorRef, readonly addr: Addr<any>, readonly reason: ExitReason) {}
}

// The runtime makes these with its copy of @pd/actor; a handler checks them with its own.
brandAcrossCopies(MonitorRef, 'MonitorRef');
brandAcrossCopies(ExitSignal, 'ExitSignal');
brandAcrossCopies(Down, 'Down');

/** A handle on a scheduled message; `cancelTimer(ref)` cancels it. */
export interface TimerRef {
  readonly id: number;
}
