/**
 * The real core-to-core channel: a pair of SPSC rings in SharedArrayBuffers (one per
 * direction). Staging writes the envelope in place and copies the payload once; publishing
 * is one store plus a notify only when the other core sleeps (and, within a turn, only when
 * the ring is half full: the turn's last publish wakes it); a full ring spills into the
 * producer's ordered overflow queue, drained as the consumer frees space.
 *
 * Must not: block the thread (waits are `Atomics.waitAsync`, which does not keep the
 * thread alive: the core's reactor holds a handle), or be used from two threads per end.
 */
import { type Codec, type FrameInit, RingConsumer, RingProducer, stageBatchFrame, stageBatchPayload, stageFrame } from '@pd/transport';
import type { FrameIn, FrameOut, FrameSink } from '@pd/transport';

/** The sending end over a ring this core produces into. */
export class RingOut implements FrameOut {
  private readonly producer: RingProducer;
  private waiting = false;
  private closed = false;
  /** Frames not sent because the ring was closed (the other core is gone). */
  lost = 0;

  constructor(buffer: SharedArrayBuffer, private readonly codec: Codec) {
    this.producer = new RingProducer(buffer);
  }

  get backlog(): number {
    return this.producer.overflowFrames;
  }

  stage(init: FrameInit, body: unknown, batch: boolean, plain = false): void {
    if (this.closed || this.producer.closed) {
      this.closed = true;
      this.lost++;
      return;
    }
    if (batch) stageBatchFrame(this.producer, this.codec, init, body as unknown[], plain);
    else stageFrame(this.producer, this.codec, init, body, plain);
  }

  stageBatchPayload(init: FrameInit, payload: Uint8Array): void {
    if (this.closed || this.producer.closed) {
      this.closed = true;
      this.lost++;
      return;
    }
    stageBatchPayload(this.producer, init, payload);
  }

  publish(wake = true): void {
    if (this.closed || this.producer.closed) return;
    if (!this.producer.flush(wake)) this.awaitSpace();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.producer.close();
  }

  // --- internal ---

  /** Overflow is pending: move it into the ring as the consumer frees space, in order. */
  private awaitSpace(): void {
    if (this.waiting) return;
    this.waiting = true;
    void this.producer.waitForSpace().then((result) => {
      this.waiting = false;
      if (result === 'closed' || this.closed) return;
      this.publish();
    });
  }
}

/** The receiving end over a ring this core consumes. */
export class RingIn implements FrameIn {
  private readonly consumer: RingConsumer;
  private armed = false;
  private closed = false;
  /** The other end closed the ring: wake once more to read what is left, then never again. */
  private ended = false;

  constructor(buffer: SharedArrayBuffer) {
    this.consumer = new RingConsumer(buffer);
  }

  read(max: number, sink: FrameSink): number {
    if (this.closed) return 0;
    const consumer = this.consumer;
    return consumer.read(max, (_bytes, offset, length) => sink(consumer, offset, length));
  }

  arm(wake: () => void): void {
    if (this.armed || this.closed || this.ended) return;
    this.armed = true;
    void this.consumer.waitAsync().then((result) => {
      this.armed = false;
      if (result === 'closed') this.ended = true;
      if (!this.closed) wake();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.consumer.close();
  }
}
