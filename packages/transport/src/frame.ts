/**
 * Frames: an envelope header followed by its payload, as a ring or a socket carries them.
 * Owns: joining envelope.ts and codec.ts — a top-level `Uint8Array` body passes through as
 * raw bytes, a list of bodies can share one header (`batch`), anything else is msgpack.
 * A batch whose encoding comes out larger than the frame limit is split in halves (callers
 * size batches with `Codec.lastBytes`; this is the guard behind that), so no frame over the
 * limit is ever built from a batch; a single message over it is the caller's to refuse.
 * Must not: decide where frames go. Decoding requires the payload to fill the frame exactly.
 */
import { assert } from '@pd/actor/internal';
import type { Codec } from './codec.js';
import {
  EnvelopeFlags, envelopeHeaderLength, readEnvelopeInto, writeEnvelope,
  type EnvelopeHeader, type EnvelopeInit,
} from './envelope.js';
import { TransportError } from './errors.js';
import type { RingProducer } from './ring-producer.js';

/** A header to send; the payload length and the `raw`/`batch` flags are filled in here. */
export type FrameInit = Omit<EnvelopeInit, 'payloadLength'>;

/** Bytes with a DataView over the same memory (a ring end is one). */
export interface ByteSource {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** A decoded frame: its header and body (an array of bodies when the `batch` flag is set). */
export interface DecodedFrame {
  header: EnvelopeHeader;
  body: unknown;
}

/** Encodes one message as a standalone frame (header + payload). */
export function encodeFrame(codec: Codec, init: FrameInit, body: unknown): Uint8Array {
  const payload = payloadOf(codec, body);
  const header = headerFor(init, payload.length, body instanceof Uint8Array ? EnvelopeFlags.raw : 0);
  const headerLength = envelopeHeaderLength(header);
  const frame = new Uint8Array(headerLength + payload.length);
  assert(writeEnvelope(new DataView(frame.buffer), 0, header) === headerLength, 'frame: the header takes the length it announced');
  frame.set(payload, headerLength);
  return frame;
}

/** Encodes `bodies` as one frame whose payload is a msgpack array sharing `init`'s header. */
export function encodeBatchFrame(codec: Codec, init: FrameInit, bodies: readonly unknown[], plain = false): Uint8Array {
  return batchPayloadFrame(init, codec.encodeBatch(bodies, plain));
}

/**
 * Like {@link encodeBatchFrame}, split into as many frames as it takes for each to be at most
 * `maxFrameBytes` (in order). A single message too large for a frame throws
 * `ring/frame-too-large`.
 */
export function encodeBatchFrames(codec: Codec, init: FrameInit, bodies: readonly unknown[], plain: boolean, maxFrameBytes: number): Uint8Array[] {
  const frame = encodeBatchFrame(codec, init, bodies, plain);
  if (frame.length <= maxFrameBytes) return [frame];
  if (bodies.length < 2) throw frameTooLarge(frame.length, maxFrameBytes);
  const half = bodies.length >> 1;
  return [...encodeBatchFrames(codec, init, bodies.slice(0, half), plain, maxFrameBytes),
    ...encodeBatchFrames(codec, init, bodies.slice(half), plain, maxFrameBytes)];
}

/**
 * Writes one message into a ring (staged: call `producer.publish()` after a batch). The
 * header is written in place and the payload copied once; when the ring is full the frame
 * goes to the producer's overflow queue. True when it went straight into the ring.
 * `plain`: `body` passed `codec.checkPlain` with true (see `Codec.encode`).
 */
export function stageFrame(producer: RingProducer, codec: Codec, init: FrameInit, body: unknown, plain = false): boolean {
  const payload = payloadOf(codec, body, plain);
  return stagePayload(producer, headerFor(init, payload.length, body instanceof Uint8Array ? EnvelopeFlags.raw : 0), payload);
}

/**
 * Like {@link stageFrame} for a batch of bodies sharing one header. `plain`: every body
 * passed `codec.checkPlain` with true (see `Codec.encodeBatch`).
 */
export function stageBatchFrame(producer: RingProducer, codec: Codec, init: FrameInit, bodies: readonly unknown[], plain = false): boolean {
  const payload = codec.encodeBatch(bodies, plain);
  const header = headerFor(init, payload.length, EnvelopeFlags.batch);
  if (envelopeHeaderLength(header) + payload.length > producer.maxFrameBytes && bodies.length > 1) {
    const half = bodies.length >> 1;
    const first = stageBatchFrame(producer, codec, init, bodies.slice(0, half), plain);
    return stageBatchFrame(producer, codec, init, bodies.slice(half), plain) && first;
  }
  return stagePayload(producer, header, payload);
}

/** A batch frame around a payload already encoded (a `BatchWriter`'s), as one standalone frame. */
export function batchPayloadFrame(init: FrameInit, payload: Uint8Array): Uint8Array {
  const header = headerFor(init, payload.length, EnvelopeFlags.batch);
  const headerLength = envelopeHeaderLength(header);
  const frame = new Uint8Array(headerLength + payload.length);
  assert(writeEnvelope(new DataView(frame.buffer), 0, header) === headerLength, 'frame: the header takes the length it announced');
  frame.set(payload, headerLength);
  return frame;
}

/** Writes a batch frame around a payload already encoded (a `BatchWriter`'s) into a ring, as {@link stageFrame} does. */
export function stageBatchPayload(producer: RingProducer, init: FrameInit, payload: Uint8Array): boolean {
  return stagePayload(producer, headerFor(init, payload.length, EnvelopeFlags.batch), payload);
}

/**
 * Decodes the frame at `source.bytes[offset, offset + length)`. Reuses `into` for the
 * header when given. Raw payloads come back as a copied `Uint8Array`.
 */
export function decodeFrame(codec: Codec, source: ByteSource, offset: number, length: number, into: EnvelopeHeader | null = null): DecodedFrame {
  const header = readEnvelopeInto(source.view, offset, into);
  const headerLength = envelopeHeaderLength(header);
  if (headerLength + header.payloadLength !== length) {
    throw new TransportError(headerLength + header.payloadLength > length ? 'envelope/truncated' : 'envelope/invalid',
      `frame of ${length} bytes holds a ${headerLength}-byte header and a ${header.payloadLength}-byte payload`, { offset, length });
  }
  const start = offset + headerLength;
  const flags = header.flags;
  let body: unknown;
  if ((flags & EnvelopeFlags.raw) !== 0) body = source.bytes.slice(start, start + header.payloadLength);
  else if ((flags & EnvelopeFlags.batch) !== 0) body = codec.decodeBatch(source.bytes, start, header.payloadLength);
  else body = codec.decode(source.bytes, start, header.payloadLength, source.view);
  return { header, body };
}

/** A {@link ByteSource} over a standalone frame. */
export function byteSource(bytes: Uint8Array): ByteSource {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

// --- internal ---

const BODY_FLAGS = EnvelopeFlags.raw | EnvelopeFlags.batch;

function frameTooLarge(length: number, maxFrameBytes: number): TransportError {
  return new TransportError('ring/frame-too-large', `a ${length}-byte frame is over the ${maxFrameBytes}-byte limit`, { length, maxFrameBytes });
}

function payloadOf(codec: Codec, body: unknown, plain = false): Uint8Array {
  return body instanceof Uint8Array ? body : codec.encode(body, plain);
}

// An explicit literal, not a spread: V8 clones spread objects slowly (~0.3M/s measured here).
function headerFor(init: FrameInit, payloadLength: number, bodyFlags: number): EnvelopeInit {
  return {
    flags: (init.flags & ~BODY_FLAGS) | bodyFlags, kind: init.kind, priority: init.priority, source: init.source,
    destination: init.destination, correlationId: init.correlationId, deadlineMs: init.deadlineMs, trace: init.trace, payloadLength,
  };
}

function stagePayload(producer: RingProducer, header: EnvelopeInit, payload: Uint8Array): boolean {
  const headerLength = envelopeHeaderLength(header);
  const total = headerLength + payload.length;
  const at = total <= producer.maxFrameBytes ? producer.reserve(total) : -1;
  if (at < 0) {
    // Full ring, pending overflow, or too large (stage() then throws ring/frame-too-large).
    const frame = new Uint8Array(total);
    writeEnvelope(new DataView(frame.buffer), 0, header);
    frame.set(payload, headerLength);
    return producer.stage(frame);
  }
  try {
    writeEnvelope(producer.view, at, header);
  } catch (error) {
    producer.cancel();
    throw error;
  }
  producer.bytes.set(payload, at + headerLength);
  producer.commit(total);
  return true;
}
