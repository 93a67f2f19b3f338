/**
 * msgpackr extensions for the runtime's own messages, so an actor can forward them: `Down`
 * (ext 0x44), `ExitSignal` (ext 0x58) and `MonitorRef` (ext 0x52), with the exit reason
 * inside as tagged plain data. Owns: those formats. Must not: fail to encode whatever a
 * reason holds (a thrown value that cannot cross goes as its name, message and stack), or
 * trust what it reads (a wrong shape throws, which the codec reports as malformed).
 */
import {
  ArgumentError, AskError, Down, EngineError, Exit, ExitSignal, MonitorRef, PdError, RegistryError, SendError, SpawnError,
  isAddr, type AnyAddr, type ErrorCode, type ExitReason,
} from '@pd/actor';
import { addExtension } from 'msgpackr';
import { DEFAULT_MAX_DEPTH, Scan, scanValue } from './serializable.js';

/** Extension type of an encoded `Down`: `[ref id, addr, reason]`. */
export const DOWN_EXT_TYPE = 0x44;
/** Extension type of an encoded `ExitSignal`: `[from, reason]`. */
export const EXIT_SIGNAL_EXT_TYPE = 0x58;
/** Extension type of an encoded `MonitorRef`: its id. */
export const MONITOR_REF_EXT_TYPE = 0x52;

/**
 * Registers the three extensions (called once by `ensureExtensions`). `box` turns a value
 * that passed the scan into what msgpackr writes (Maps boxed).
 */
export function registerSignalExtensions(box: (value: unknown) => unknown): void {
  boxValue = box;
  addExtension({ Class: MonitorRef, type: MONITOR_REF_EXT_TYPE, write: (ref: MonitorRef) => ref.id, read: readRef });
  addExtension({
    Class: ExitSignal, type: EXIT_SIGNAL_EXT_TYPE,
    write: (s: ExitSignal) => [s.from, wireReason(s.reason)],
    read: (data: unknown) => {
      const [from, reason] = tuple(data, 2, 'an ExitSignal');
      return new ExitSignal(addrOf(from), readReason(reason));
    },
  });
  addExtension({
    Class: Down, type: DOWN_EXT_TYPE,
    write: (d: Down) => [d.ref.id, d.addr, wireReason(d.reason)],
    read: (data: unknown) => {
      const [ref, addr, reason] = tuple(data, 3, 'a Down');
      return new Down(readRef(ref), addrOf(addr), readReason(reason));
    },
  });
}

/**
 * An exit reason as data that always encodes: `[type]`, `['shutdown', detail]` or
 * `['error', error, metadata?]`, where error is `[0, value]` (it encodes as it is),
 * `[1, name, message, stack]` (an Error, or a description of a value that cannot cross) or
 * `[2, class, code, message, details]` (a PdError: class and code survive).
 */
export function wireReason(reason: ExitReason): unknown[] {
  switch (reason.type) {
    case 'error':
      return reason.metadata === undefined ? ['error', wireError(reason.error)] : ['error', wireError(reason.error), safe(reason.metadata)];
    case 'shutdown':
      return reason.detail === undefined ? ['shutdown'] : ['shutdown', safe(reason.detail)];
    default:
      return [reason.type];
  }
}

/** The exit reason {@link wireReason} wrote; frozen, like the ones made locally. */
export function readReason(data: unknown): ExitReason {
  if (!Array.isArray(data) || typeof data[0] !== 'string') throw new Error('an exit reason must be a [type, ...] array');
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
      if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error('exit metadata must be an object');
      return Exit.error(error, metadata as Record<string, unknown>);
    }
    default: throw new Error(`unknown exit reason type ${JSON.stringify(data[0])}`);
  }
}

// --- internal ---

let boxValue: (value: unknown) => unknown = (v) => v;

const PD_CLASSES: Record<string, typeof PdError | typeof ArgumentError> = {
  PdError, SendError, AskError, SpawnError, RegistryError, EngineError, ArgumentError,
};

function wireError(error: unknown): unknown[] {
  if (error instanceof PdError) {
    const raw = error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
    return [2, error.name, error.code, raw, error.details === undefined ? null : safe(error.details)];
  }
  if (error instanceof Error) return [1, error.name, error.message, error.stack ?? null];
  if (scanValue(error, DEFAULT_MAX_DEPTH) !== Scan.refused) return [0, boxValue(error)];
  return [1, nameOf(error), describe(error), null];
}

function readError(data: unknown): unknown {
  if (!Array.isArray(data)) throw new Error('an exit error must be a tagged array');
  switch (data[0]) {
    case 0: return data[1];
    case 1: {
      const error = new Error(String(data[2]));
      error.name = String(data[1]);
      if (typeof data[3] === 'string') error.stack = data[3];
      return error;
    }
    case 2: {
      const Cls = PD_CLASSES[String(data[1])] ?? PdError;
      const details = typeof data[4] === 'object' && data[4] !== null ? data[4] as Record<string, unknown> : undefined;
      if (Cls === ArgumentError) return new ArgumentError(String(data[3]), details);
      return new (Cls as typeof PdError)(String(data[2]) as ErrorCode, String(data[3]), details);
    }
    default: throw new Error('unknown exit error tag');
  }
}

/** `value` as msgpackr should write it if it can cross, else a description `{ $unserializable }`. */
function safe(value: unknown): unknown {
  if (scanValue(value, DEFAULT_MAX_DEPTH) !== Scan.refused) return boxValue(value);
  return { $unserializable: describe(value) };
}

function readRef(data: unknown): MonitorRef {
  if (!Number.isSafeInteger(data) || (data as number) < 0) throw new Error('a MonitorRef id must be a non-negative safe integer');
  return new MonitorRef(data as number);
}

function tuple(data: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(data) || data.length !== length) throw new Error(`${what} must be a ${length}-item array`);
  return data;
}

function addrOf(value: unknown): AnyAddr {
  if (!isAddr(value)) throw new Error('expected an address');
  return value;
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
