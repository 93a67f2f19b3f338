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
  private sources: ByteSource[] = [];
  private offsets: number[] = [];
  private lengths: number[] = [];
  private head = 0;

  get length(): number {
    return this.sources.length - this.head;
  }

  push(source: ByteSource, offset: number, length: number): void {
    this.sources.push(source);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.bytes += length;
  }

  /** Hands up to `max` frames to `sink`, in order; returns how many. */
  read(max: number, sink: FrameSink): number {
    let n = 0;
    const sources = this.sources;
    while (n < max && this.head < sources.length) {
      const i = this.head++;
      const source = sources[i]!;
      const length = this.lengths[i]!;
      sources[i] = EMPTY;
      this.bytes -= length;
      n++;
      sink(source, this.offsets[i]!, length);
    }
    if (this.head === sources.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > sources.length) this.compact();
    return n;
  }

  clear(): void {
    this.sources = [];
    this.offsets = [];
    this.lengths = [];
    this.head = 0;
    this.bytes = 0;
  }

  // --- internal ---

  private compact(): void {
    this.sources = this.sources.slice(this.head);
    this.offsets = this.offsets.slice(this.head);
    this.lengths = this.lengths.slice(this.head);
    this.head = 0;
  }
}

const EMPTY: ByteSource = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)) };
