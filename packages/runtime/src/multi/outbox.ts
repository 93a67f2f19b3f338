/**
 * The outbox towards one peer core: turns sends into frames, in order. Consecutive plain
 * sends to the same actor coalesce into one batch frame (one header, one codec call);
 * with a `BatchWriter` (see {@link OutboxEncoder}), a message of the common kind is encoded
 * as it is sent, straight into the open batch (`encoded`), and one that is not goes the
 * general way (`user`: kept, checked, encoded at flush);
 * anything else (an ask, a signal, a send with a deadline or another lane) closes the open
 * batch first, so per-pair FIFO holds across kinds. A batch closes before its messages'
 * encoded sizes (as measured at send) add up to more than a frame carries. The router
 * flushes every dirty outbox once per turn of the event loop (and at once when a batch is
 * full). A frame the channel still refuses (a reply or signal over the limit) is handed to
 * `onLost`, never thrown into the turn that flushes.
 *
 * Must not: call the codec per message (it runs once per batch at flush; the writer is the
 * one encoder that works per message), or lose order while the peer restarts: frames then
 * wait in `held` and go out after the peer's hello.
 */
import type { AddrIdentity, AnyAddr } from '@pd/actor';
import { addrIdentity } from '@pd/actor/internal';
import { type BatchWriter, type Codec, type FrameInit, MessageKind, type Priority, type TraceContext } from '@pd/transport';
import type { FrameOut } from '@pd/transport';

/** A frame the channel refused (`error`): its header and its messages. */
export type LostFrame = (error: unknown, init: FrameInit, messages: readonly unknown[]) => void;

/**
 * Encoding sends as they come (trusted channels only: the writer's batches hold records).
 * `codec` checks what the writer leaves to the general way, and decodes an encoded batch
 * back into its messages to dead-letter them if the channel refuses the frame.
 */
export interface OutboxEncoder {
  readonly writer: BatchWriter;
  readonly codec: Codec;
}

interface Held {
  readonly init: FrameInit;
  readonly body: unknown;
  readonly batch: boolean;
  readonly plain: boolean;
  /** An encoded batch's payload (a copy), or null. */
  readonly encoded: Uint8Array | null;
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
  /** The open batch is the writer's (encoded as sent), not `runBodies`. */
  private runEncoded = false;
  /**
   * Calls into this outbox under way. More than none on entry means the call comes from
   * user code run by one of them — a getter (or a proxy's trap) of a message being checked
   * or encoded — while a batch is mid-message or a run mid-close: it is deferred.
   */
  private depth = 0;
  /** Calls deferred (see `depth`): they run, in order, when the outermost call ends. */
  private deferred: (() => void)[] | null = null;

  /**
   * @param maxBatch messages per batch frame, at most
   * @param maxBatchBytes encoded bytes of messages per batch frame, at most (`maxPayloadBytes`)
   */
  constructor(private readonly maxBatch: number, private readonly maxBatchBytes: number, private readonly onDirty: () => void,
    private readonly onLost: LostFrame, private readonly encoder: OutboxEncoder | null = null) {}

  /** Frames waiting: held for a restarting peer, or in the channel's overflow. */
  get backlog(): number {
    return this.held.length + (this.out?.backlog ?? 0);
  }

  get attached(): boolean {
    return this.out !== null;
  }

  /**
   * A plain send (no deadline or trace), through the encoder: encoded now into the open batch
   * when the writer takes it, else checked now and encoded at flush.
   * Throws `SendError` for a message that cannot cross, with nothing queued.
   */
  sendPlain(to: AnyAddr, message: unknown, priority: Priority): void {
    const { writer, codec } = this.encoder!;
    if (this.depth > 0) {
      // Sent by a getter of a message this outbox is encoding or staging: checked now, queued after it.
      const plain = codec.checkPlain(message, 'message', this.maxBatchBytes);
      const bytes = codec.lastBytes;
      return this.defer(() => this.user(to, message, priority, plain, bytes));
    }
    this.depth++;
    try {
      if (this.encode(writer, to, message, priority)) return;
      const plain = codec.checkPlain(message, 'message', this.maxBatchBytes);
      this.queueBody(to, message, priority, plain, codec.lastBytes);
    } finally {
      if (--this.depth === 0 && this.deferred !== null) this.runDeferred();
    }
  }

  private encode(writer: BatchWriter, to: AnyAddr, message: unknown, priority: Priority): boolean {
    if (this.runTo !== to || this.runPriority !== priority || !this.runEncoded) this.openEncodedRun(to, priority);
    let added = this.addWithinBudget(writer, message);
    if (added === null && writer.count > 0) {
      // Over a frame's budget with this message: the batch goes without it, and it opens the next.
      this.openEncodedRun(to, priority);
      added = this.addWithinBudget(writer, message);
    }
    if (added !== true) return this.endIfEmpty();
    this.messages++;
    if (writer.count < this.maxBatch) {
      this.markDirty();
      return true;
    }
    this.fullBatch();
    return true;
  }

  /**
   * A plain send the general way (checked already), coalesced with the sends before it to
   * the same actor: what `sendPlain` defers. `plain`: the message passed `codec.checkPlain`
   * with true; `bytes`: its encoded size at most (`codec.lastBytes`, within `maxBatchBytes`).
   */
  private user(to: AnyAddr, message: unknown, priority: Priority, plain: boolean, bytes: number): void {
    if (this.depth > 0) return this.defer(() => this.user(to, message, priority, plain, bytes));
    this.depth++;
    try {
      this.queueBody(to, message, priority, plain, bytes);
    } finally {
      if (--this.depth === 0 && this.deferred !== null) this.runDeferred();
    }
  }

  private queueBody(to: AnyAddr, message: unknown, priority: Priority, plain: boolean, bytes: number): void {
    this.messages++;
    if (this.runTo !== to || this.runPriority !== priority || this.runEncoded || this.runBytes + bytes > this.maxBatchBytes) {
      this.closeRun();
      this.openRun(to, priority);
    }
    if (!plain) this.runPlain = false;
    this.runBodies.push(message);
    this.runBytes += bytes;
    if (this.runBodies.length < this.maxBatch) return this.markDirty();
    this.fullBatch();
  }

  /**
   * One frame of its own (ask, reply, signal, control, a send with a deadline or a trace
   * context). `plain`: `body` passed `codec.checkPlain` with true, so it is not scanned again.
   */
  frame(kind: MessageKind, source: AddrIdentity | null, destination: AddrIdentity, correlationId: number, body: unknown, priority: Priority = 0, deadlineMs: number | null = null, flags = 0,
    trace: TraceContext | null = null, plain = false): void {
    if (this.depth > 0) return this.defer(() => this.frame(kind, source, destination, correlationId, body, priority, deadlineMs, flags, trace, plain));
    this.depth++;
    try {
      this.messages++;
      this.closeRun();
      this.emit({ flags, kind, priority, source, destination, correlationId, deadlineMs, trace }, body, false, plain);
      this.markDirty();
    } finally {
      if (--this.depth === 0 && this.deferred !== null) this.runDeferred();
    }
  }

  /** Stage the open batch and make everything staged visible to the peer. */
  publish(): void {
    if (this.depth > 0) return this.defer(() => this.publish());
    this.guarded(() => {
      this.closeRun();
      this.dirty = false;
      this.out?.publish();
    });
  }

  /** Connect to the peer's channel: `first` (a hello), then the held frames, in order. */
  attach(out: FrameOut, first: { kind: MessageKind; destination: AddrIdentity; body: unknown } | null = null): void {
    if (this.encoder !== null && out.stageBatchPayload === undefined) throw new Error('outbox: an encoding outbox needs a channel that takes encoded batches');
    if (this.depth > 0) return this.defer(() => this.attach(out, first));
    this.guarded(() => {
      this.closeRun();
      this.out = out;
      if (first !== null) this.stage({ flags: 0, kind: first.kind, priority: 0, source: null, destination: first.destination, correlationId: 0, deadlineMs: null, trace: null }, first.body, false, false);
      const held = this.held;
      this.held = [];
      for (const h of held) {
        if (h.encoded !== null) this.stageEncoded(h.init, h.encoded);
        else this.stage(h.init, h.body, h.batch, h.plain);
      }
      this.markDirty();
    });
  }

  /** The peer is gone or restarting: frames wait in `held` until {@link attach}. */
  detach(): void {
    if (this.depth > 0) return this.defer(() => this.detach());
    this.guarded(() => {
      this.closeRun();
      this.out?.close();
      this.out = null;
    });
  }

  /**
   * Drop everything held (the peer will not come back); returns how many frames were
   * dropped. Called while another call is under way (from a getter of a message this outbox
   * is staging), it drops what is held by then and leaves the open run to that call.
   */
  discard(): number {
    if (this.depth > 0) {
      const n = this.held.length;
      this.held = [];
      return n;
    }
    return this.guarded(() => {
      this.closeRun();
      const n = this.held.length;
      this.held = [];
      return n;
    });
  }

  // --- internal ---

  /** Runs `body` as an outermost call (see `depth`); the calls deferred meanwhile run after it. */
  private guarded<T>(body: () => T): T {
    this.depth++;
    try {
      return body();
    } finally {
      if (--this.depth === 0 && this.deferred !== null) this.runDeferred();
    }
  }

  private defer(send: () => void): void {
    (this.deferred ??= []).push(send);
  }

  private runDeferred(): void {
    const sends = this.deferred!;
    this.deferred = null;
    for (const send of sends) send();
  }

  /** True: added; false: the writer leaves it to the general way; null: it does not fit in the batch with what it holds. */
  private addWithinBudget(writer: BatchWriter, message: unknown): boolean | null {
    if (!writer.add(message)) return false;
    if (writer.bytes <= this.maxBatchBytes) return true;
    writer.dropLast();
    return null;
  }

  private openEncodedRun(to: AnyAddr, priority: Priority): void {
    this.closeRun();
    this.openRun(to, priority);
    this.runEncoded = true;
  }

  private openRun(to: AnyAddr, priority: Priority): void {
    this.runTo = to;
    this.runId = addrIdentity(to);
    this.runPriority = priority;
  }

  /** A full batch is staged and published at once; see the comment inside. */
  private fullBatch(): void {
    // Published without waking a sleeping peer (a notify costs the sender tens of µs; the
    // ring wakes it once half full, and the turn's last publish does): a publish is one
    // store, and a stream published batch by batch keeps a polling peer's gaps within its
    // spin, so it takes each batch as it comes instead of falling asleep between bunches.
    this.closeRun();
    this.out?.publish(false);
    this.markDirty();
  }

  /** The writer took nothing of this send: an encoded run it opened empty is closed unopened. */
  private endIfEmpty(): false {
    if (this.encoder!.writer.count === 0) {
      this.runEncoded = false;
      this.runTo = null;
      this.runId = null;
    }
    return false;
  }

  private closeRun(): void {
    const to = this.runTo;
    if (to === null) return;
    if (this.runEncoded) return this.closeEncodedRun();
    const bodies = this.runBodies;
    const batch = bodies.length > 1;
    const body = batch ? bodies : bodies[0];
    const init: FrameInit = { flags: 0, kind: MessageKind.user, priority: this.runPriority, source: null, destination: this.runId!, correlationId: 0, deadlineMs: null, trace: null };
    const plain = this.runPlain;
    // The run is closed before it is staged: staging runs the encoder, and with it a message's getters.
    this.runPlain = true;
    this.runBytes = 0;
    this.runTo = null;
    this.runId = null;
    this.runBodies = batch ? [] : bodies;
    if (!batch) bodies.length = 0;
    this.emit(init, body, batch, plain);
  }

  private closeEncodedRun(): void {
    const writer = this.encoder!.writer;
    const init: FrameInit = { flags: 0, kind: MessageKind.user, priority: this.runPriority, source: null, destination: this.runId!, correlationId: 0, deadlineMs: null, trace: null };
    this.runEncoded = false;
    this.runTo = null;
    this.runId = null;
    if (writer.count > 0) {
      const payload = writer.payload();
      if (this.out === null) this.held.push({ init, body: null, batch: true, plain: true, encoded: payload.slice() }); // a copy: the writer reuses its buffer
      else this.stageEncoded(init, payload);
    }
    writer.reset();
  }

  private emit(init: FrameInit, body: unknown, batch: boolean, plain: boolean): void {
    if (this.out === null) this.held.push({ init, body, batch, plain, encoded: null });
    else this.stage(init, body, batch, plain);
  }

  // As `stage`, for an encoded batch (read during the call only: the writer reuses it).
  private stageEncoded(init: FrameInit, payload: Uint8Array): void {
    try {
      this.out!.stageBatchPayload!(init, payload);
    } catch (error) {
      let messages: readonly unknown[] = [];
      try {
        messages = this.encoder!.codec.decodeBatch(payload);
      } catch {
        // Nothing to dead-letter by name; the loss is still counted by onLost.
      }
      this.onLost(error, init, messages);
    }
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

