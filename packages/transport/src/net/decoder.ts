/**
 * The stream decoder: cuts a byte stream (chunks as the socket hands them) into records of
 * `u32 length (LE) | u8 type | body`. A record inside one chunk is handed up as a view into
 * that chunk (no copy); one split across chunks is reassembled in a buffer of exactly its
 * size. Owns: framing and the record ceiling. Must not: trust a length before checking it
 * against the ceiling, or hold more than one record's bytes; after a violation it stops.
 */
import type { ByteSource } from '../frame.js';
import { RECORD_PREFIX_BYTES, RefuseReason } from './wire.js';

/**
 * Receives one record: `type`, and its body at `source.bytes[offset, offset + length)`,
 * valid only during the call. Returns false to stop decoding (the connection closed).
 */
export type RecordHandler = (type: number, source: ByteSource, offset: number, length: number) => boolean;

/** Why decoding stopped: 0 while healthy, else a {@link RefuseReason}. */
export type DecodeFailure = 0 | typeof RefuseReason.malformed | typeof RefuseReason.frameTooLarge;

export class StreamDecoder {
  /** Records (type byte + body) above this many bytes are refused; may change between pushes or in a handler. */
  maxRecordBytes: number;
  /** What a record above the ceiling is: `malformed` during the handshake, `frameTooLarge` after. */
  oversizeReason: DecodeFailure = RefuseReason.malformed;
  /** Set once decoding failed; later pushes are ignored. */
  failure: DecodeFailure = 0;
  /** Length of the record being reassembled (prefix included), -1 while its prefix is incomplete. */
  private need = -1;
  private carry: Uint8Array | null = null;
  private carryView: DataView | null = null;
  private have = 0;
  private readonly prefix = new Uint8Array(RECORD_PREFIX_BYTES);

  constructor(maxRecordBytes: number) {
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Bytes held for a record split across chunks (bounded by the ceiling). */
  get bufferedBytes(): number {
    return this.have;
  }

  /** Feeds one chunk; returns the failure (0 when all is well). */
  push(chunk: Uint8Array, handler: RecordHandler): DecodeFailure {
    if (this.failure !== 0) return this.failure;
    let pos = 0;
    if (this.have > 0) {
      pos = this.continueCarry(chunk, handler);
      if (pos < 0) return this.failure;
    }
    const length = chunk.length;
    if (pos >= length) return 0;
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const source: ByteSource = { bytes: chunk, view };
    while (pos < length) {
      const left = length - pos;
      if (left < RECORD_PREFIX_BYTES) {
        this.prefix.set(chunk.subarray(pos), 0);
        this.have = left;
        this.need = -1;
        return 0;
      }
      const size = view.getUint32(pos, true);
      if (!this.checkSize(size)) return this.failure;
      if (left < RECORD_PREFIX_BYTES + size) {
        this.startCarry(size);
        this.carry!.set(chunk.subarray(pos), 0);
        this.have = left;
        return 0;
      }
      const at = pos + RECORD_PREFIX_BYTES;
      pos = at + size;
      if (!handler(chunk[at]!, source, at + 1, size - 1)) return this.failure;
    }
    return 0;
  }

  // --- internal ---

  /** Completes the carried record with the head of `chunk`; returns where `chunk` continues, or -1 on failure. */
  private continueCarry(chunk: Uint8Array, handler: RecordHandler): number {
    let pos = 0;
    if (this.need < 0) {
      const take = Math.min(RECORD_PREFIX_BYTES - this.have, chunk.length);
      this.prefix.set(chunk.subarray(0, take), this.have);
      this.have += take;
      pos = take;
      if (this.have < RECORD_PREFIX_BYTES) return chunk.length;
      const size = new DataView(this.prefix.buffer).getUint32(0, true);
      if (!this.checkSize(size)) return -1;
      this.startCarry(size);
      this.carry!.set(this.prefix, 0);
    }
    const carry = this.carry!;
    const take = Math.min(this.need - this.have, chunk.length - pos);
    carry.set(chunk.subarray(pos, pos + take), this.have);
    this.have += take;
    pos += take;
    if (this.have < this.need) return chunk.length;
    const size = this.need - RECORD_PREFIX_BYTES;
    const source: ByteSource = { bytes: carry, view: this.carryView! };
    this.carry = null;
    this.carryView = null;
    this.have = 0;
    this.need = -1;
    if (!handler(carry[RECORD_PREFIX_BYTES]!, source, RECORD_PREFIX_BYTES + 1, size - 1)) return -1;
    return pos;
  }

  private startCarry(size: number): void {
    this.need = RECORD_PREFIX_BYTES + size;
    this.carry = new Uint8Array(this.need);
    this.carryView = new DataView(this.carry.buffer);
  }

  private checkSize(size: number): boolean {
    if (size === 0) this.failure = RefuseReason.malformed;
    else if (size > this.maxRecordBytes) this.failure = this.oversizeReason;
    else return true;
    this.carry = null;
    this.carryView = null;
    this.have = 0;
    return false;
  }
}
