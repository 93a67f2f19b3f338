/**
 * The outbox towards one peer core: turns sends into frames, in order. Consecutive plain
 * sends to the same actor coalesce into one batch frame (one header, one codec call);
 * anything else (an ask, a signal, a send with a deadline or another lane) closes the open
 * batch first, so per-pair FIFO holds across kinds. A batch closes before its messages'
 * encoded sizes (as measured at send) add up to more than a frame carries. The router
 * flushes every dirty outbox once per turn of the event loop (and at once when a batch is
 * full). A frame the channel still refuses (a reply or signal over the limit) is handed to
 * `onLost`, never thrown into the turn that flushes.
 *
 * Must not: encode eagerly (the codec runs once per batch at flush), or lose order while the
 * peer restarts: frames then wait in `held` and go out after the peer's hello.
 */
import type { AddrIdentity, AnyAddr } from '@pd/actor';
import { addrIdentity } from '@pd/actor/internal';
import { type FrameInit, MessageKind, type Priority, type TraceContext } from '@pd/transport';
import type { FrameOut } from '@pd/transport';

/** A frame the channel refused (`error`): its header and its messages. */
export type LostFrame = (error: unknown, init: FrameInit, messages: readonly unknown[]) => void;

/** Full batches staged before they are published, at most. */
const PUBLISH_EVERY_BATCHES = 8;

interface Held {
  readonly init: FrameInit;
  readonly body: unknown;
  readonly batch: boolean;
  readonly plain: boolean;
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
  /** Encoded bytes of the open batch, at most (the sum of `Codec.lastBytes` of its messages). */
  private runBytes = 0;
  /** Every message of the open batch passed the codec's check without a Map. */
  private runPlain = true;
  /** Full batches staged since the last publish. */
  private fullBatches = 0;

  /**
   * @param maxBatch messages per batch frame, at most
   * @param maxBatchBytes encoded bytes of messages per batch frame, at most (`maxPayloadBytes`)
   */
  constructor(private readonly maxBatch: number, private readonly maxBatchBytes: number, private readonly onDirty: () => void,
    private readonly onLost: LostFrame) {}

  /** Frames waiting: held for a restarting peer, or in the channel's overflow. */
  get backlog(): number {
    return this.held.length + (this.out?.backlog ?? 0);
  }

  get attached(): boolean {
    return this.out !== null;
  }

  /**
   * A plain send (no deadline): coalesced with the sends before it to the same actor.
   * `plain`: the message passed `codec.checkPlain` with true; `bytes`: its encoded size at
   * most (`codec.lastBytes`, within `maxBatchBytes`).
   */
  user(to: AnyAddr, message: unknown, priority: Priority, plain: boolean, bytes: number): void {
    this.messages++;
    if (this.runTo !== to || this.runPriority !== priority || this.runBytes + bytes > this.maxBatchBytes) {
      this.closeRun();
      this.runTo = to;
      this.runId = addrIdentity(to);
      this.runPriority = priority;
    }
    if (!plain) this.runPlain = false;
    this.runBodies.push(message);
    this.runBytes += bytes;
    if (this.runBodies.length < this.maxBatch) return this.markDirty();
    // A full batch is staged at once; it is published with the next few (a wake-up of a
    // sleeping core costs far more than a store), and at the latest at the end of the turn.
    // Within the turn it is made visible without waking a sleeping peer (a notify costs the
    // sender tens of µs): a polling peer takes it at once, a sleeping one at the turn's end.
    this.closeRun();
    if (++this.fullBatches >= PUBLISH_EVERY_BATCHES) {
      this.fullBatches = 0;
      this.out?.publish(false);
    }
    this.markDirty();
  }

  /**
   * One frame of its own (ask, reply, signal, control, a send with a deadline or a trace
   * context). `plain`: `body` passed `codec.checkPlain` with true, so it is not scanned again.
   */
  frame(kind: MessageKind, source: AddrIdentity | null, destination: AddrIdentity, correlationId: number, body: unknown, priority: Priority = 0, deadlineMs: number | null = null, flags = 0,
    trace: TraceContext | null = null, plain = false): void {
    this.messages++;
    this.closeRun();
    this.emit({ flags, kind, priority, source, destination, correlationId, deadlineMs, trace }, body, false, plain);
    this.markDirty();
  }

  /** Stage the open batch and make everything staged visible to the peer. */
  publish(): void {
    this.closeRun();
    this.dirty = false;
    this.fullBatches = 0;
    this.out?.publish();
  }

  /** Connect to the peer's channel: `first` (a hello), then the held frames, in order. */
  attach(out: FrameOut, first: { kind: MessageKind; destination: AddrIdentity; body: unknown } | null = null): void {
    this.closeRun();
    this.out = out;
    if (first !== null) this.stage({ flags: 0, kind: first.kind, priority: 0, source: null, destination: first.destination, correlationId: 0, deadlineMs: null, trace: null }, first.body, false, false);
    const held = this.held;
    this.held = [];
    for (const h of held) this.stage(h.init, h.body, h.batch, h.plain);
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
      batch ? bodies : bodies[0], batch, this.runPlain);
    this.runPlain = true;
    this.runBytes = 0;
    this.runTo = null;
    this.runId = null;
    this.runBodies = batch ? [] : bodies;
    if (!batch) bodies.length = 0;
  }

  private emit(init: FrameInit, body: unknown, batch: boolean, plain: boolean): void {
    if (this.out === null) this.held.push({ init, body, batch, plain });
    else this.stage(init, body, batch, plain);
  }

  // Runs inside the flush of a turn, outside any handler: a throw here would end the core.
  private stage(init: FrameInit, body: unknown, batch: boolean, plain: boolean): void {
    try {
      this.out!.stage(init, body, batch, plain);
    } catch (error) {
      this.onLost(error, init, batch ? body as unknown[] : [body]);
    }
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.onDirty();
  }
}
