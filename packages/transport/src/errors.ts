/**
 * Typed errors for broken bytes and transport misuse. Owns: the closed map of transport
 * error codes and `TransportError`. Must not: stand in for a value refused at send (that
 * is `SendError` 'send/not-serializable' from `@pd/actor`). Every decoding failure of peer
 * input surfaces as a `TransportError`, never as a crash or a bare `RangeError`.
 */

/** Every transport error code, with what it means. */
export const TransportErrorCodes = {
  /** Fewer bytes than the header or its declared payload needs. */
  'envelope/truncated': 'the envelope header or its payload runs past the end of the bytes',
  /** A header written by a version this reader does not speak. */
  'envelope/version': 'the envelope version is not supported by this reader',
  /** A header field out of range (unknown kind, reserved bits set, bad identity...). */
  'envelope/invalid': 'an envelope header field is out of range',
  /** Payload bytes that are not a valid encoded message. */
  'codec/malformed': 'the payload is not a valid encoded message',
  /** A frame larger than the ring can ever hold (more than half its capacity). */
  'ring/frame-too-large': 'the frame is larger than the ring can carry',
  /** A ring used after either side closed it. */
  'ring/closed': 'the ring is closed',
  /** A buffer that is not a ring of this layout, or a ring whose contents are corrupt. */
  'ring/invalid': 'not a ring of this layout, or its contents are corrupt',
  /** A frame larger than the network frame ceiling (`limits.maxFrameBytes`), refused at send. */
  'net/frame-too-large': 'the frame is larger than the network frame ceiling',
  /** The peer's outbound queue is full and its policy is `error`. */
  'net/queue-full': 'the outbound queue to this peer is full',
  /** A network channel or node used after it was closed. */
  'net/closed': 'the network transport is closed',
  /** A network transport configuration that cannot work (names the field). */
  'net/config': 'the network transport configuration is invalid',
  /** A secret, key or certificate that cannot be loaded or is exposed (file permissions). */
  'net/secret': 'a secret, key or certificate could not be loaded safely',
} as const;

/** A transport error code ("subsystem/what"). */
export type TransportErrorCode = keyof typeof TransportErrorCodes;

/**
 * A failure of the transport layer: a header or payload that does not decode, or a ring
 * used outside its contract. `message` starts with the code; `details` names the field,
 * offset or sizes involved.
 */
export class TransportError extends Error {
  readonly code: TransportErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: TransportErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'TransportError';
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link TransportError}, optionally with the given code. */
export function isTransportError(error: unknown, code?: TransportErrorCode): error is TransportError {
  return error instanceof TransportError && (code === undefined || error.code === code);
}
