/**
 * Writes one envelope frame as a wire record straight into a lane: length prefix, type,
 * envelope header in place, payload copied once. Owns: the frame ceiling check at send.
 * Must not: leave a partial record behind when the header is refused.
 */
import type { Codec } from '../codec.js';
import { EnvelopeFlags, envelopeHeaderLength, writeEnvelope, type EnvelopeInit } from '../envelope.js';
import { TransportError } from '../errors.js';
import type { FrameInit } from '../frame.js';
import type { Lane } from './lane.js';
import { RECORD_PREFIX_BYTES, RECORD_TYPE_BYTES, RecordType } from './wire.js';

const BODY_FLAGS = EnvelopeFlags.raw | EnvelopeFlags.batch;
const RECORD_OVERHEAD = RECORD_PREFIX_BYTES + RECORD_TYPE_BYTES;

/** The encoded payload of a frame and its body flags. */
export function framePayload(codec: Codec, body: unknown, batch: boolean, plain: boolean): { payload: Uint8Array; bodyFlags: number } {
  if (batch) return { payload: codec.encodeBatch(body as unknown[], plain), bodyFlags: EnvelopeFlags.batch };
  if (body instanceof Uint8Array) return { payload: body, bodyFlags: EnvelopeFlags.raw };
  return { payload: codec.encode(body), bodyFlags: 0 };
}

/** Bytes a frame of this header and payload occupies on the wire (record overhead included). */
export function recordBytes(init: FrameInit, payloadLength: number): number {
  return RECORD_OVERHEAD + envelopeHeaderLength(init) + payloadLength;
}

/**
 * Appends the frame to `lane`; false when the lane is full. Throws `net/frame-too-large`
 * when header + payload pass `maxFrameBytes`, and `envelope/invalid` for a bad header.
 */
export function writeFrameRecord(lane: Lane, init: FrameInit, payload: Uint8Array, bodyFlags: number, maxFrameBytes: number): boolean {
  const headerLength = envelopeHeaderLength(init);
  const frameBytes = headerLength + payload.length;
  if (frameBytes > maxFrameBytes) {
    throw new TransportError('net/frame-too-large', `a frame of ${frameBytes} bytes is above the frame ceiling of ${maxFrameBytes} bytes`,
      { frameBytes, maxFrameBytes, kind: init.kind });
  }
  const total = RECORD_OVERHEAD + frameBytes;
  const at = lane.reserve(total);
  if (at < 0) return false;
  const header: EnvelopeInit = {
    flags: (init.flags & ~BODY_FLAGS) | bodyFlags, kind: init.kind, priority: init.priority, source: init.source,
    destination: init.destination, correlationId: init.correlationId, deadlineMs: init.deadlineMs, trace: init.trace,
    payloadLength: payload.length,
  };
  writeEnvelope(lane.view, at + RECORD_OVERHEAD, header);
  lane.view.setUint32(at, RECORD_TYPE_BYTES + frameBytes, true);
  lane.bytes[at + RECORD_PREFIX_BYTES] = RecordType.frame;
  lane.bytes.set(payload, at + RECORD_OVERHEAD + headerLength);
  lane.commit(total, true);
  return true;
}
