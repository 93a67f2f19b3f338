/**
 * Writes one envelope frame as a wire record straight into a lane: length prefix, type,
 * envelope header in place, payload copied once. Owns: the frame ceiling check at send.
 * Must not: leave a partial record behind when the header is refused.
 */
import type { Codec } from '../codec.js';
import { EnvelopeFlags, envelopeHeaderLength, writeEnvelopeWith } from '../envelope.js';
import { TransportError } from '../errors.js';
import type { FrameInit } from '../frame.js';
import type { Lane } from './lane.js';
import { RECORD_PREFIX_BYTES, RECORD_TYPE_BYTES, RecordType } from './wire.js';

const BODY_FLAGS = EnvelopeFlags.raw | EnvelopeFlags.batch;
const RECORD_OVERHEAD = RECORD_PREFIX_BYTES + RECORD_TYPE_BYTES;

/**
 * Encodes `body` and appends it to `lane` as one frame record; false when the lane is full.
 * A message is encoded into the codec's slab and copied from there into the lane at once
 * ({@link Codec.encodeScratch}): no view of the encoding is made, and the slab's space is
 * used again by the next frame. A batch (`batch`, its messages checked when `plain`) and raw
 * bytes (a `Uint8Array` body) go as they are.
 */
export function writeFrame(lane: Lane, codec: Codec, init: FrameInit, body: unknown, batch: boolean, plain: boolean, maxFrameBytes: number): boolean {
  if (batch) {
    const payload = codec.encodeBatch(body as unknown[], plain);
    return writeFrameRecord(lane, init, payload, 0, payload.length, EnvelopeFlags.batch, maxFrameBytes);
  }
  if (body instanceof Uint8Array) return writeFrameRecord(lane, init, body, 0, body.length, EnvelopeFlags.raw, maxFrameBytes);
  const scratch = codec.encodeScratch(body);
  return writeFrameRecord(lane, init, scratch.bytes, scratch.start, scratch.end, 0, maxFrameBytes);
}

/** Bytes a frame of this header and payload occupies on the wire (record overhead included). */
export function recordBytes(init: FrameInit, payloadLength: number): number {
  return RECORD_OVERHEAD + envelopeHeaderLength(init) + payloadLength;
}

/** Payloads up to this size are copied byte by byte: cheaper than making a view to `set` from. */
const COPY_LOOP_MAX = 64;

/**
 * Appends the frame of payload `payload[start, end)` to `lane`; false when the lane is full.
 * Throws `net/frame-too-large` when header + payload pass `maxFrameBytes`, and
 * `envelope/invalid` for a bad header.
 */
export function writeFrameRecord(lane: Lane, init: FrameInit, payload: Uint8Array, start: number, end: number, bodyFlags: number, maxFrameBytes: number): boolean {
  const payloadLength = end - start;
  const headerLength = envelopeHeaderLength(init);
  const frameBytes = headerLength + payloadLength;
  if (frameBytes > maxFrameBytes) {
    throw new TransportError('net/frame-too-large', `a frame of ${frameBytes} bytes is above the frame ceiling of ${maxFrameBytes} bytes`,
      { frameBytes, maxFrameBytes, kind: init.kind });
  }
  const total = RECORD_OVERHEAD + frameBytes;
  const at = lane.reserve(total);
  if (at < 0) return false;
  writeEnvelopeWith(lane.view, at + RECORD_OVERHEAD, init, (init.flags & ~BODY_FLAGS) | bodyFlags, payloadLength);
  lane.view.setUint32(at, RECORD_TYPE_BYTES + frameBytes, true);
  const bytes = lane.bytes;
  bytes[at + RECORD_PREFIX_BYTES] = RecordType.frame;
  const to = at + RECORD_OVERHEAD + headerLength;
  if (payloadLength <= COPY_LOOP_MAX) {
    for (let i = 0; i < payloadLength; i++) bytes[to + i] = payload[start + i]!;
  } else {
    bytes.set(start === 0 && end === payload.length ? payload : payload.subarray(start, end), to);
  }
  lane.commit(total, true);
  return true;
}
