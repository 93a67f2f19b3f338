/**
 * The outbox towards one peer core: turns sends into frames, in order. Consecutive plain
 * sends to the same actor coalesce into one batch frame (one header, one codec call);
 * anything else (an ask, a signal, a send with a deadline or another lane) closes the open
 * batch first, so per-pair FIFO holds across kinds. The router flushes every dirty outbox
 * once per turn of the event loop (and at once when a batch is full).
 *
 * Must not: encode eagerly (the codec runs once per batch at flush), or lose order while the
 * peer restarts: frames then wait in `held` and go out after the peer's hello.
 */
import type { AddrIdentity, AnyAddr } from '@pd/actor';
import { addrIdentity } from '@pd/actor/internal';
import { type FrameInit, MessageKind, type Priority } from '@pd/transport';
import type { FrameOut } from './channel.js';

interface Held {
  readonly init: FrameInit;
  readonly body: unknown;
  readonly batch: boolean;
}

export class Outbox {
  /** Frames staged and not yet published. */
  dirty = false;
  /** Messages sent through this outbox (a batch counts each message). */
  messages = 0;
  private out: FrameOut | null = null;
  private held: Held[] = [];
  private runTo: AnyAddr | null = null;
  private runId: AddrIdentity | null = null;
  private runPriority: Priority = 0;
  private runBodies: unknown[] = [];

  constructor(private readonly maxBatch: number, private readonly onDirty: () => void) {}

  /** Frames waiting: held for a restarting peer, or in the channel's overflow. */
  get backlog(): number {
    return this.held.length + (this.out?.backlog ?? 0);
  }

  get attached(): boolean {
    return this.out !== null;
  }

  /** A plain send (no deadline): coalesced with the sends before it to the same actor. */
  user(to: AnyAddr, message: unknown, priority: Priority): void {
    this.messages++;
    if (this.runTo !== to || this.runPriority !== priority) {
      this.closeRun();
      this.runTo = to;
      this.runId = addrIdentity(to);
      this.runPriority = priority;
    }
    this.runBodies.push(message);
    if (this.runBodies.length >= this.maxBatch) {
      this.closeRun();
      this.publish();
    } else {
      this.markDirty();
    }
  }

  /** One frame of its own (ask, reply, signal, control, a send with a deadline). */
  frame(kind: MessageKind, source: AddrIdentity | null, destination: AddrIdentity, correlationId: number, body: unknown, priority: Priority = 0, deadlineMs: number | null = null, flags = 0): void {
    this.messages++;
    this.closeRun();
    this.emit({ flags, kind, priority, source, destination, correlationId, deadlineMs, trace: null }, body, false);
    this.markDirty();
  }

  /** Stage the open batch and make everything staged visible to the peer. */
  publish(): void {
    this.closeRun();
    this.dirty = false;
    this.out?.publish();
  }

  /** Connect to the peer's channel: `first` (a hello), then the held frames, in order. */
  attach(out: FrameOut, first: { kind: MessageKind; destination: AddrIdentity; body: unknown } | null = null): void {
    this.closeRun();
    this.out = out;
    if (first !== null) out.stage({ flags: 0, kind: first.kind, priority: 0, source: null, destination: first.destination, correlationId: 0, deadlineMs: null, trace: null }, first.body, false);
    const held = this.held;
    this.held = [];
    for (const h of held) out.stage(h.init, h.body, h.batch);
    this.markDirty();
  }

  /** The peer is gone or restarting: frames wait in `held` until {@link attach}. */
  detach(): void {
    this.closeRun();
    this.out?.close();
    this.out = null;
  }

  /** Drop everything held (the peer will not come back); returns how many frames were dropped. */
  discard(): number {
    this.closeRun();
    const n = this.held.length;
    this.held = [];
    return n;
  }

  // --- internal ---

  private closeRun(): void {
    const to = this.runTo;
    if (to === null) return;
    const bodies = this.runBodies;
    const batch = bodies.length > 1;
    this.emit({ flags: 0, kind: MessageKind.user, priority: this.runPriority, source: null, destination: this.runId!, correlationId: 0, deadlineMs: null, trace: null },
      batch ? bodies : bodies[0], batch);
    this.runTo = null;
    this.runId = null;
    this.runBodies = batch ? [] : bodies;
    if (!batch) bodies.length = 0;
  }

  private emit(init: FrameInit, body: unknown, batch: boolean): void {
    if (this.out === null) this.held.push({ init, body, batch });
    else this.out.stage(init, body, batch);
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.onDirty();
  }
}
