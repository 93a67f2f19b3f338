/**
 * Typed errors for broken bytes and transport misuse. Owns: the closed map of transport
 * error codes and `TransportError` (a `PdError`). Must not: stand in for a value refused at send (that
 * is `SendError` 'send/not-serializable' from `@pd/actor`). Every decoding failure of peer
 * input surfaces as a `TransportError`, never as a crash or a bare `RangeError`.
 */
import { type ErrorCode, ErrorCodes, PdError } from '@pd/actor';

/** The transport's error codes, with what they mean (a part of `@pd/actor`'s one {@link ErrorCodes} map). */
export const TransportErrorCodes = {
  'envelope/truncated': ErrorCodes['envelope/truncated'],
  'envelope/version': ErrorCodes['envelope/version'],
  'envelope/invalid': ErrorCodes['envelope/invalid'],
  'codec/malformed': ErrorCodes['codec/malformed'],
  'ring/frame-too-large': ErrorCodes['ring/frame-too-large'],
  'ring/closed': ErrorCodes['ring/closed'],
  'ring/invalid': ErrorCodes['ring/invalid'],
  'net/frame-too-large': ErrorCodes['net/frame-too-large'],
  'net/queue-full': ErrorCodes['net/queue-full'],
  'net/closed': ErrorCodes['net/closed'],
  'net/config': ErrorCodes['net/config'],
  'net/secret': ErrorCodes['net/secret'],
} as const satisfies Partial<Record<ErrorCode, string>>;

/** A transport error code ("subsystem/what"). */
export type TransportErrorCode = keyof typeof TransportErrorCodes;

/**
 * A failure of the transport layer: a header or payload that does not decode, or a ring
 * used outside its contract. A {@link PdError}: `message` starts with the code; `details`
 * names the field, offset or sizes involved.
 */
export class TransportError extends PdError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** True when `error` is a {@link TransportError}, optionally with the given code. */
export function isTransportError(error: unknown, code?: TransportErrorCode): error is TransportError {
  return error instanceof TransportError && (code === undefined || error.code === code);
}
