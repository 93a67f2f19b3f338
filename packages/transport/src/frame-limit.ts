/**
 * How large a message may be: one rule for every channel that carries frames (rings between
 * cores now, network transports later). Owns: the payload budget of a frame of a given size
 * and the `send/too-large` refusal. Must not: encode (the codec measures; see
 * `Codec.check`'s `maxBytes`), or know where frames go. Batching splits by the same budget.
 */
import { SendError } from '@pd/actor';
import { ENVELOPE_MAX_HEADER_BYTES } from './envelope.js';

/** Bytes a batch adds around its messages (the msgpack array header), with room to spare. */
export const BATCH_OVERHEAD_BYTES = 16;

/**
 * The most bytes of encoded messages one frame of `maxFrameBytes` carries, whatever its
 * header holds (a trace context included) and whether it is a batch or a single message.
 */
export function maxPayloadBytes(maxFrameBytes: number): number {
  if (!(maxFrameBytes > ENVELOPE_MAX_HEADER_BYTES + BATCH_OVERHEAD_BYTES)) {
    throw new RangeError(`frame: maxFrameBytes ${maxFrameBytes} leaves no room for a payload`);
  }
  return maxFrameBytes - ENVELOPE_MAX_HEADER_BYTES - BATCH_OVERHEAD_BYTES;
}

/** The refusal of a value whose encoding (`bytes`) exceeds what a frame carries (`limit`). */
export function tooLarge(path: string, bytes: number, limit: number): SendError {
  return new SendError('send/too-large', `${path} takes ${bytes} bytes encoded; a frame carries at most ${limit} bytes`,
    { path, bytes, limit });
}
