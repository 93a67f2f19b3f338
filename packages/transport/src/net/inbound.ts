/**
 * Received frames waiting for the router: views into the chunks the socket delivered (no
 * copy), in arrival order, bounded in bytes by the caller pausing the connection. Owns:
 * order and the byte count. Must not: copy frames or hold chunks after they are read.
 */
import type { ByteSource } from '../frame.js';
import type { FrameSink } from '../channel.js';

export class InboundQueue {
  /** Bytes of frames waiting. */
  bytes = 0;
  // Slots [head, tail) wait. The arrays are kept and reused once emptied: under request/response
  // traffic the queue empties after every frame, and three fresh arrays per frame were garbage.
  private sources: ByteSource[] = [];
  private offsets: number[] = [];
  private lengths: number[] = [];
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(source: ByteSource, offset: number, length: number): void {
    const i = this.tail++;
    if (i === this.sources.length) {
      this.sources.push(source);
      this.offsets.push(offset);
      this.lengths.push(length);
    } else {
      this.sources[i] = source;
      this.offsets[i] = offset;
      this.lengths[i] = length;
    }
    this.bytes += length;
  }

  /** Hands up to `max` frames to `sink`, in order; returns how many. */
  read(max: number, sink: FrameSink): number {
    let n = 0;
    const sources = this.sources;
    while (n < max && this.head < this.tail) {
      const i = this.head++;
      const source = sources[i]!;
      const length = this.lengths[i]!;
      sources[i] = EMPTY;
      this.bytes -= length;
      n++;
      sink(source, this.offsets[i]!, length);
    }
    if (this.head === this.tail) this.empty();
    else if (this.head > 1024 && this.head * 2 > this.tail) this.compact();
    return n;
  }

  clear(): void {
    this.sources = [];
    this.offsets = [];
    this.lengths = [];
    this.head = 0;
    this.tail = 0;
    this.bytes = 0;
  }

  // --- internal ---

  /** Nothing waits: start again at slot 0, keeping the arrays unless a backlog grew them. */
  private empty(): void {
    if (this.sources.length > KEEP_SLOTS) {
      this.clear();
      return;
    }
    this.head = 0;
    this.tail = 0;
    this.bytes = 0;
  }

  private compact(): void {
    const { head, tail } = this;
    this.sources = this.sources.slice(head, tail);
    this.offsets = this.offsets.slice(head, tail);
    this.lengths = this.lengths.slice(head, tail);
    this.head = 0;
    this.tail = tail - head;
  }
}

/** Slots an emptied queue keeps for reuse; a queue grown past them by a backlog is let go. */
const KEEP_SLOTS = 1024;

const EMPTY: ByteSource = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)) };
