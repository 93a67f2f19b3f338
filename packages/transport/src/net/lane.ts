/**
 * One outbound lane: records waiting to be written to a peer, in order, in one growable
 * buffer (so a batch leaves as one write), bounded in bytes. Owns: the bytes and their
 * order. Must not: grow past `maxBytes` (the caller applies the full policy), or hand out
 * a buffer it will write again (a taken batch belongs to the socket).
 */
import { RECORD_PREFIX_BYTES, RecordType } from './wire.js';

const MIN_CAPACITY = 16 * 1024;

/**
 * A batch smaller than this is copied out (from Node's pooled slab: `Buffer.allocUnsafe` pools
 * below 4 KiB) and the lane keeps its buffer. Handing the buffer over instead costs a fresh
 * 16 KiB ArrayBuffer per write: under request/response traffic one per message, and that
 * much memory outside the heap drove a full GC every ~100 ms on an echoing node (the tail of
 * the remote round trip).
 */
const COPY_OUT_BELOW = 4096;

export class Lane {
  bytes: Uint8Array;
  view: DataView;
  /** Bytes of whole records waiting. */
  length = 0;
  /** Envelope-frame records waiting (heartbeats and goodbyes are not counted). */
  frames = 0;

  constructor(readonly maxBytes: number) {
    this.bytes = alloc(Math.min(MIN_CAPACITY, maxBytes));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Where `n` more bytes can be written, or -1 when they would pass `maxBytes`. Commit with {@link commit}. */
  reserve(n: number): number {
    const end = this.length + n;
    if (end > this.maxBytes) return -1;
    if (end > this.bytes.length) this.grow(end);
    return this.length;
  }

  /** The `n` reserved bytes hold a whole record now. */
  commit(n: number, isFrame: boolean): void {
    this.length += n;
    if (isFrame) this.frames++;
  }

  /** Appends a whole record (false when it does not fit). */
  push(record: Uint8Array, isFrame: boolean): boolean {
    const at = this.reserve(record.length);
    if (at < 0) return false;
    this.bytes.set(record, at);
    this.commit(record.length, isFrame);
    return true;
  }

  /**
   * Takes whole records from the front, at most `maxBytes` of them (at least one record):
   * the bytes and how many of them are frames. The lane keeps the rest.
   */
  take(maxBytes: number): { bytes: Uint8Array; frames: number } {
    if (this.length < COPY_OUT_BELOW && this.length <= maxBytes) {
      const bytes = Buffer.allocUnsafe(this.length);
      bytes.set(this.bytes.subarray(0, this.length));
      const out = { bytes, frames: this.frames };
      this.length = 0;
      this.frames = 0;
      return out;
    }
    if (this.length <= maxBytes) {
      const out = { bytes: this.bytes.subarray(0, this.length), frames: this.frames };
      // The next batch is probably about this size: do not keep a backlog's capacity.
      this.reset(Math.min(this.bytes.length, Math.max(MIN_CAPACITY, this.length * 2)));
      return out;
    }
    let at = 0;
    let frames = 0;
    while (at < this.length) {
      const size = RECORD_PREFIX_BYTES + this.view.getUint32(at, true);
      if (at > 0 && at + size > maxBytes) break;
      if (this.bytes[at + RECORD_PREFIX_BYTES] === RecordType.frame) frames++;
      at += size;
    }
    // A copy: the rest moves to the front of this buffer, and the socket owns what it was given.
    const out = { bytes: Uint8Array.prototype.slice.call(this.bytes, 0, at), frames };
    this.bytes.copyWithin(0, at, this.length);
    this.length -= at;
    this.frames -= frames;
    return out;
  }

  /**
   * Keeps only the frame records for which `keep(view, headerOffset)` is true (and every
   * other record); returns how many frames were removed.
   */
  filterFrames(keep: (view: DataView, headerOffset: number) => boolean): number {
    let read = 0;
    let write = 0;
    let removed = 0;
    while (read < this.length) {
      const size = RECORD_PREFIX_BYTES + this.view.getUint32(read, true);
      const isFrame = this.bytes[read + RECORD_PREFIX_BYTES] === RecordType.frame;
      if (isFrame && !keep(this.view, read + RECORD_PREFIX_BYTES + 1)) {
        removed++;
      } else {
        if (write !== read) this.bytes.copyWithin(write, read, read + size);
        write += size;
      }
      read += size;
    }
    this.length = write;
    this.frames -= removed;
    return removed;
  }

  /** Forget everything waiting; returns how many frames that was. */
  clear(): number {
    const frames = this.frames;
    this.reset(Math.min(MIN_CAPACITY, this.maxBytes));
    return frames;
  }

  // --- internal ---

  private reset(capacity: number): void {
    this.bytes = alloc(capacity);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.length = 0;
    this.frames = 0;
  }

  private grow(needed: number): void {
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = alloc(Math.min(capacity, Math.max(needed, this.maxBytes)));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/** Uninitialised memory is fine: only bytes below `length`, all written, ever leave. */
function alloc(n: number): Uint8Array {
  return Buffer.allocUnsafeSlow(n);
}
