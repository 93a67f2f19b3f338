/**
 * The simulated core-to-core channel: frames encoded exactly as on a ring, carried in
 * memory by events of a {@link SimWorld}, with a seeded latency per publish, so a
 * multi-core topology runs in one thread and cross-core races are explored by seed. A
 * small capacity (in frames) makes the "full ring" path common: frames beyond it wait in
 * order in the sender's overflow and move as the receiver reads.
 *
 * Must not: reorder the frames of one direction, read real time, or deliver into a host
 * incarnation that crashed after the publish.
 */
import { type Codec, type FrameInit, TransportError, batchPayloadFrame, byteSource, encodeBatchFrames, encodeFrame, maxFrameBytes } from '@pd/transport';
import type { RandomStream } from '../reactor.js';
import { EventKind } from '../sim/event-queue.js';
import type { SimHost, SimWorld } from '../sim/world.js';
import type { FrameIn, FrameOut, FrameSink } from '@pd/transport';

export interface SimLinkOptions {
  /** One-way latency range per publish, ms of virtual time. Default [0, 0.2]. */
  readonly latencyMs?: readonly [number, number];
  /** Frames in flight or unread at most; more wait in overflow. Default 8. */
  readonly capacityFrames?: number;
  /**
   * The largest frame, in bytes, as a ring of this many bytes carries (half of it, less a
   * length word): larger batches are split and a larger single frame is refused, as on a
   * ring. Default 1 MiB, the default `ringBytes`.
   */
  readonly ringBytes?: number;
}

/** One direction between two simulated cores: both ends share it. */
export class SimLink {
  /** Frames that arrived and wait to be read. */
  readonly arrived: Uint8Array[] = [];
  private readonly staged: Uint8Array[] = [];
  private readonly overflow: Uint8Array[] = [];
  private inFlight = 0;
  private lastArrivalMs = -1;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly epoch: number;
  private readonly latency: readonly [number, number];
  private readonly capacity: number;
  /** The largest frame this link carries. */
  readonly maxFrameBytes: number;
  /** Frames published so far, and frames that ever waited in overflow. */
  readonly stats = { frames: 0, overflowed: 0 };

  constructor(private readonly world: SimWorld, private readonly host: SimHost, private readonly rng: RandomStream, options: SimLinkOptions = {}) {
    this.epoch = host.epoch;
    this.latency = options.latencyMs ?? [0, 0.2];
    this.capacity = options.capacityFrames ?? 8;
    this.maxFrameBytes = maxFrameBytes(options.ringBytes ?? 1 << 20);
  }

  /** The sending end, encoding with `codec`. */
  sender(codec: Codec): FrameOut {
    return new SimOut(this, codec);
  }

  /** The receiving end. */
  receiver(): FrameIn {
    return new SimIn(this);
  }

  // --- boundary: used by the two ends ---

  /** @internal */
  stageBytes(frame: Uint8Array): void {
    if (!this.closed) this.staged.push(frame);
  }

  /** @internal Staged frames go out (or into overflow, in order, when the link is full). */
  publish(): void {
    for (const frame of this.staged) {
      if (this.overflow.length > 0 || this.inFlight >= this.capacity) {
        this.overflow.push(frame);
        this.stats.overflowed++;
      } else {
        this.launch(frame);
      }
    }
    this.staged.length = 0;
  }

  /** @internal */
  get backlog(): number {
    return this.overflow.length;
  }

  /** @internal The receiver took `n` frames: room for as many from overflow. */
  consumed(n: number): void {
    this.inFlight -= n;
    while (this.overflow.length > 0 && this.inFlight < this.capacity) this.launch(this.overflow.shift()!);
  }

  /** @internal */
  arm(wake: () => void): void {
    if (this.closed) return;
    if (this.arrived.length > 0) {
      this.world.schedule(0, EventKind.Soon, this.host, this.epoch, wake, 'sim-link wake');
      return;
    }
    this.wake = wake;
  }

  /** @internal */
  close(): void {
    this.closed = true;
    this.wake = null;
    this.staged.length = 0;
    this.overflow.length = 0;
  }

  // --- internal ---

  private launch(frame: Uint8Array): void {
    const [min, max] = this.latency;
    const world = this.world;
    const arrival = Math.max(world.now + min + (max - min) * this.rng.next(), this.lastArrivalMs + 1e-6);
    this.lastArrivalMs = arrival;
    this.inFlight++;
    this.stats.frames++;
    world.schedule(arrival - world.now, EventKind.Net, this.host, this.epoch, () => {
      if (this.closed) return;
      this.arrived.push(frame);
      const wake = this.wake;
      this.wake = null;
      wake?.();
    }, 'sim-link frame');
  }
}

class SimOut implements FrameOut {
  constructor(private readonly link: SimLink, private readonly codec: Codec) {}

  get backlog(): number {
    return this.link.backlog;
  }

  stage(init: FrameInit, body: unknown, batch: boolean, plain = false): void {
    const max = this.link.maxFrameBytes;
    if (batch) {
      for (const frame of encodeBatchFrames(this.codec, init, body as unknown[], plain, max)) this.link.stageBytes(frame);
      return;
    }
    const frame = encodeFrame(this.codec, init, body);
    if (frame.length > max) {
      throw new TransportError('ring/frame-too-large', `a ${frame.length}-byte frame is over the ${max}-byte limit`, { length: frame.length, maxFrameBytes: max });
    }
    this.link.stageBytes(frame);
  }

  stageBatchPayload(init: FrameInit, payload: Uint8Array): void {
    const frame = batchPayloadFrame(init, payload);
    if (frame.length > this.link.maxFrameBytes) {
      throw new TransportError('ring/frame-too-large', `a ${frame.length}-byte frame is over the ${this.link.maxFrameBytes}-byte limit`, { length: frame.length, maxFrameBytes: this.link.maxFrameBytes });
    }
    this.link.stageBytes(frame);
  }

  publish(): void {
    this.link.publish();
  }

  close(): void {
    this.link.close();
  }
}

class SimIn implements FrameIn {
  constructor(private readonly link: SimLink) {}

  read(max: number, sink: FrameSink): number {
    const arrived = this.link.arrived;
    let n = 0;
    try {
      while (n < max && arrived.length > 0) {
        const frame = arrived.shift()!;
        n++;
        sink(byteSource(frame), 0, frame.length);
      }
    } finally {
      if (n > 0) this.link.consumed(n);
    }
    return n;
  }

  arm(wake: () => void): void {
    this.link.arm(wake);
  }

  close(): void {
    this.link.close();
  }
}
