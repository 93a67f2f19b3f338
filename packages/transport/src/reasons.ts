/**
 * The one wire format for exit reasons and errors, used wherever the runtime's own values
 * cross a core or a node: inside `Down` and `ExitSignal` (signal-extensions.ts), and in the
 * multi-core protocol (exits, stops, downs, failed asks, restarts). Owns: that format.
 *
 * Must not: fail to encode whatever a reason holds (a thrown value that cannot cross goes
 * as its name, message and stack), lose what the receiver branches on (`reason.type`, a
 * PdError's class and `code`), or trust what it reads (a wrong shape throws a
 * `TransportError` `codec/malformed`).
 *
 * An exit reason is `[type]`, `['shutdown', detail]` or `['error', error, metadata?]`, where
 * an error is `[0, value]` (it encodes as it is), `[1, name, message, stack]` (an Error, or
 * a description of a value that cannot cross; JavaScript's own classes, TypeError and the
 * like, come back as themselves) or `[2, class, code, message, details]` (a
 * PdError: class and code survive).
 */
import {
  ArgumentError, AskError, EngineError, Exit, PdError, RegistryError, SendError, SpawnError,
  type ErrorCode, type ExitReason,
} from '@pd/actor';
import { TransportError } from './errors.js';
import { DEFAULT_MAX_DEPTH, Scan, scanValue } from './serializable.js';

/**
 * Turns a value that passed the scan into what is written: identity when the result goes
 * through `Codec.encode` (which boxes it), the codec's Map boxing inside an extension.
 */
export type WireBox = (value: unknown) => unknown;

const IDENTITY: WireBox = (value) => value;

/** An exit reason as data that always encodes (see the file doc for the shape). */
export function wireReason(reason: ExitReason, box: WireBox = IDENTITY): unknown[] {
  switch (reason.type) {
    case 'error':
      return reason.metadata === undefined ? ['error', wireError(reason.error, box)] : ['error', wireError(reason.error, box), safe(reason.metadata, box)];
    case 'shutdown':
      return reason.detail === undefined ? ['shutdown'] : ['shutdown', safe(reason.detail, box)];
    default:
      return [reason.type];
  }
}

/** The exit reason {@link wireReason} wrote; frozen, like the ones made locally. */
export function readReason(data: unknown): ExitReason {
  if (!Array.isArray(data) || typeof data[0] !== 'string') throw malformed('an exit reason must be a [type, ...] array');
  switch (data[0]) {
    case 'normal': return Exit.normal;
    case 'killed': return Exit.killed;
    case 'noproc': return Exit.noproc;
    case 'noconnection': return Exit.noconnection;
    case 'shutdown': return Exit.shutdown(data[1]);
    case 'error': {
      const metadata: unknown = data[2];
      const error = readError(data[1]);
      if (metadata === undefined || metadata === null) return Exit.error(error);
      if (typeof metadata !== 'object' || Array.isArray(metadata)) throw malformed('exit metadata must be an object');
      return Exit.error(error, metadata as Record<string, unknown>);
    }
    default: throw malformed(`unknown exit reason type ${JSON.stringify(data[0])}`);
  }
}

/** A thrown value as data that always encodes: `[0, value]`, `[1, name, message, stack]` or `[2, class, code, message, details]`. */
export function wireError(error: unknown, box: WireBox = IDENTITY): unknown[] {
  if (error instanceof PdError) {
    const raw = error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
    return [2, error.name, error.code, raw, error.details === undefined ? null : safe(error.details, box)];
  }
  if (error instanceof Error) return [1, error.name, error.message, error.stack ?? null];
  if (scanValue(error, DEFAULT_MAX_DEPTH) !== Scan.refused) return [0, box(error)];
  return [1, nameOf(error), describe(error), null];
}

/** The error {@link wireError} wrote: a PdError of the same class and code, a standard error class by name, an Error, or the value. */
export function readError(data: unknown): unknown {
  if (!Array.isArray(data)) throw malformed('an error must be a tagged array');
  switch (data[0]) {
    case 0: return data[1];
    case 1: {
      const name = String(data[1]);
      const Cls = Object.hasOwn(STANDARD_ERRORS, name) ? STANDARD_ERRORS[name]! : Error;
      const error = new Cls(String(data[2]));
      if (Cls === Error) error.name = name;
      if (typeof data[3] === 'string') error.stack = data[3];
      return error;
    }
    case 2: {
      const Cls = PD_CLASSES[String(data[1])] ?? PdError;
      const details = typeof data[4] === 'object' && data[4] !== null ? data[4] as Record<string, unknown> : undefined;
      if (typeof data[2] !== 'string') throw malformed('a PdError code must be a string');
      if (Cls === ArgumentError) return new ArgumentError(String(data[3]), details);
      return new (Cls as typeof PdError)(data[2] as ErrorCode, String(data[3]), details);
    }
    default: throw malformed('unknown error tag');
  }
}

/** A description of any value, for messages about values that cannot cross. */
export function describeValue(value: unknown): string {
  return describe(value);
}

// --- internal ---

/** JavaScript's own error classes, revived by name (the program's own classes cross as an Error with their name). */
const STANDARD_ERRORS: Record<string, ErrorConstructor> = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

const PD_CLASSES: Record<string, typeof PdError | typeof ArgumentError> = {
  PdError, SendError, AskError, SpawnError, RegistryError, EngineError, ArgumentError, TransportError,
};

function malformed(what: string): TransportError {
  return new TransportError('codec/malformed', what);
}

/** `value` as it should be written if it can cross, else a description `{ $unserializable }`. */
function safe(value: unknown, box: WireBox): unknown {
  if (scanValue(value, DEFAULT_MAX_DEPTH) !== Scan.refused) return box(value);
  return { $unserializable: describe(value) };
}

function nameOf(value: unknown): string {
  if (typeof value === 'function') return 'Function';
  if (typeof value === 'symbol') return 'Symbol';
  try {
    const name = (value as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : typeof value;
  } catch {
    return typeof value;
  }
}

function describe(value: unknown): string {
  try {
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
    if (typeof value === 'symbol') return String(value);
    return `${nameOf(value)} ${String(value)}`;
  } catch {
    return typeof value;
  }
}
