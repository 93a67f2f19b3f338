/**
 * An ask that came from another core: it sits in the local target's mailbox like any
 * pending ask, and settling it sends the reply (or the failure) back to the asking core,
 * where the real pending ask lives and its timeout runs. Must not: settle twice, or hold a
 * timer of its own (the asker's timeout governs).
 */
import { PendingAsk } from '../kernel/ask.js';
import type { CorePort } from './port.js';
import { portableError } from './portable.js';

export class ForwardedAsk extends PendingAsk {
  constructor(private readonly router: CorePort, private readonly core: number, correlationId: number) {
    super(correlationId, null, false);
  }

  override answer(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.router.reply(this.core, this.id, [0, value]);
    return true;
  }

  override fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.router.reply(this.core, this.id, [1, portableError(this.router.codec, error)]);
    return true;
  }
}
