/**
 * Dead letters: messages that reached nobody — sent to a dead or unknown address, dropped
 * or refused by a full mailbox, expired, or sent by an actor that had already exited.
 * Every one is counted by reason and the latest are kept for inspection (invariant 5:
 * what is lost is visible, never silent). Must not: throw, or hold more than its bound.
 */
import type { AnyAddr } from '@pd/actor';
import type { DeadLetterReason, EventStream } from './events.js';
import { type DeadLetter, type DeadLetterReport, BoundedRing } from './introspection.js';
import { printableTarget } from './route.js';
import type { Reactor } from '../reactor.js';

export class DeadLetters {
  private readonly counts: Record<DeadLetterReason, number> = { dead: 0, unknown: 0, expired: 0, dropped: 0, rejected: 0, 'sender-exited': 0 };
  private readonly ring: BoundedRing<DeadLetter>;

  constructor(history: number, private readonly reactor: Reactor, private readonly events: EventStream) {
    this.ring = new BoundedRing(history);
  }

  /** Count and keep one; always `dead`, so a send path can return it. */
  record(to: AnyAddr, message: unknown, reason: DeadLetterReason): 'dead' {
    this.counts[reason]++;
    const entry = { to: printableTarget(to), reason, message, at: this.reactor.wallTime() };
    this.ring.push(entry);
    if (this.events.active) this.events.emit({ type: 'dead-letter', ...entry });
    return 'dead';
  }

  /** All dead letters so far. */
  get total(): number {
    let n = 0;
    for (const reason in this.counts) n += this.counts[reason as DeadLetterReason];
    return n;
  }

  report(): DeadLetterReport {
    const byReason = { ...this.counts };
    return { total: this.total, byReason, recent: this.ring.toArray() };
  }
}
