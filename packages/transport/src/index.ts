/**
 * @pd/transport: how messages cross a core or a node. The envelope header (envelope.ts),
 * the msgpack codec (codec.ts), frames that join them (frame.ts) and the shared-memory
 * SPSC ring between cores (ring*.ts). No clock, no timers, no randomness: the engine's
 * reactor drives every wait and passes time in.
 */
export {
  ENVELOPE_VERSION, ENVELOPE_FIXED_BYTES, ENVELOPE_TRACE_BYTES, ENVELOPE_MAX_HEADER_BYTES,
  MessageKind, EnvelopeFlags, envelopeHeaderLength, isSystemKind, writeEnvelope, readEnvelope, readEnvelopeInto,
  type EnvelopeHeader, type EnvelopeInit, type Priority, type TraceContext,
} from './envelope.js';
export { Codec, type CodecOptions, type AddrResolver, type ScratchBytes } from './codec.js';
export { DEFAULT_MAX_DEPTH } from './serializable.js';
export { BatchWriter } from './batch-writer.js';
export { BATCH_OVERHEAD_BYTES, maxPayloadBytes, tooLarge } from './frame-limit.js';
export { DOWN_EXT_TYPE, EXIT_SIGNAL_EXT_TYPE, MONITOR_REF_EXT_TYPE } from './signal-extensions.js';
export { wireReason, readReason, wireError, readError, describeValue, type WireBox } from './reasons.js';
export {
  encodeFrame, encodeBatchFrame, encodeBatchFrames, stageFrame, stageBatchFrame, batchPayloadFrame, stageBatchPayload, decodeFrame, byteSource,
  type FrameInit, type ByteSource, type DecodedFrame,
} from './frame.js';
export {
  createRing, maxFrameBytes, RingLayout, RING_MIN_CAPACITY, RING_MAX_CAPACITY, RING_LAYOUT_VERSION, RingEnd,
  type RingWaitResult,
} from './ring.js';
export { RingProducer } from './ring-producer.js';
export { RingConsumer, type FrameHandler } from './ring-consumer.js';
export type { FrameOut, FrameIn, FrameSink, PeerChannel } from './channel.js';
export { TransportError, TransportErrorCodes, isTransportError, type TransportErrorCode } from './errors.js';
export * from './net/index.js';
