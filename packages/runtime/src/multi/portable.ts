/**
 * Values the runtime itself sends between cores — exit reasons, errors of failed asks and
 * crashed actors — in a form the codec always accepts, and back. A thrown value need not
 * be serializable (a class instance, a function): it crosses as its name and message.
 * Must not: lose the structure the receiver branches on (`reason.type`, a PdError's class
 * and `code`), or throw for any input.
 */
import {
  ArgumentError, AskError, EngineError, Exit, PdError, RegistryError, SendError, SpawnError,
  type ErrorCode, type ExitReason,
} from '@pd/actor';
import type { Codec } from '@pd/transport';

/** A portable error: a PdError with its class and code, or any other error by name and message. */
type PortableError =
  | { readonly $pd: string; readonly code: ErrorCode; readonly message: string; readonly details?: unknown }
  | { readonly $error: string; readonly message: string; readonly stack?: string };

/** `value` if the codec accepts it, else a portable stand-in. */
export function portableValue(codec: Codec, value: unknown): unknown {
  if (value instanceof Error) return portableError(codec, value);
  try {
    codec.check(value);
    return value;
  } catch {
    return { $error: 'Unserializable', message: describe(value) };
  }
}

/** An error as plain data (see {@link reviveError}). */
export function portableError(codec: Codec, error: unknown): PortableError | unknown {
  if (error instanceof PdError) {
    const raw = error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
    const details = error.details === undefined ? undefined : portableValue(codec, error.details);
    return { $pd: error.name, code: error.code, message: raw, ...(details === undefined ? {} : { details }) };
  }
  if (error instanceof Error) return { $error: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  return portableValue(codec, error);
}

/** The error a portable form stands for: a PdError of the same class and code, or an Error. */
export function reviveError(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (typeof v['$pd'] === 'string' && typeof v['code'] === 'string') {
    const Cls = PD_CLASSES[v['$pd']] ?? PdError;
    const details = (v['details'] ?? undefined) as Record<string, unknown> | undefined;
    if (Cls === ArgumentError) return new ArgumentError(String(v['message']), details);
    return new (Cls as typeof PdError)(v['code'] as ErrorCode, String(v['message']), details);
  }
  if (typeof v['$error'] === 'string') {
    const error = new Error(String(v['message']));
    error.name = v['$error'];
    if (typeof v['stack'] === 'string') error.stack = v['stack'];
    return error;
  }
  return value;
}

/** An exit reason in a form that always encodes. */
export function portableReason(codec: Codec, reason: ExitReason): unknown {
  switch (reason.type) {
    case 'error':
      return { type: 'error', error: portableError(codec, reason.error), ...(reason.metadata === undefined ? {} : { metadata: portableValue(codec, reason.metadata) }) };
    case 'shutdown':
      return reason.detail === undefined ? reason : { type: 'shutdown', detail: portableValue(codec, reason.detail) };
    default:
      return { type: reason.type };
  }
}

/** The exit reason a portable form stands for (frozen, like the ones made locally). */
export function reviveReason(value: unknown): ExitReason {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  switch (v['type']) {
    case 'normal': return Exit.normal;
    case 'killed': return Exit.killed;
    case 'noproc': return Exit.noproc;
    case 'noconnection': return Exit.noconnection;
    case 'shutdown': return Exit.shutdown(v['detail']);
    case 'error': {
      const metadata = v['metadata'];
      const error = reviveError(v['error']);
      return typeof metadata === 'object' && metadata !== null ? Exit.error(error, metadata as Record<string, unknown>) : Exit.error(error);
    }
    default: return Exit.error(new Error(`unreadable exit reason from another core: ${describe(value)}`));
  }
}

// --- internal ---

const PD_CLASSES: Record<string, typeof PdError | typeof ArgumentError> = {
  PdError, SendError, AskError, SpawnError, RegistryError, EngineError, ArgumentError,
};

function describe(value: unknown): string {
  try {
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
    if (typeof value === 'object' && value !== null) return `${value.constructor?.name ?? 'object'} ${String(value)}`;
    return String(value);
  } catch {
    return typeof value;
  }
}
