/**
 * Values the runtime itself sends between cores — exit reasons, errors of failed asks and
 * crashed actors, introspection answers — in a form the codec always accepts, and back.
 * Exit reasons and errors use the one wire format of @pd/transport (reasons.ts), the same
 * as inside `Down` and `ExitSignal`; this file only adds the core-to-core policy: a value
 * that cannot cross becomes a stand-in, and an unreadable reason becomes an error exit
 * instead of a throw.
 * Must not: lose the structure the receiver branches on (`reason.type`, a PdError's class
 * and `code`), or throw for any input.
 */
import { Exit, type ExitReason } from '@pd/actor';
import { type Codec, describeValue, readError, readReason, wireError, wireReason } from '@pd/transport';

/** `value` if the codec accepts it, else a portable stand-in (an error goes in its wire form). */
export function portableValue(codec: Codec, value: unknown): unknown {
  if (value instanceof Error) return wireError(value);
  try {
    codec.check(value);
    return value;
  } catch {
    return { $error: 'Unserializable', message: describeValue(value) };
  }
}

/** An error in the wire format (see {@link reviveError}). */
export function portableError(_codec: Codec, error: unknown): unknown {
  return wireError(error);
}

/** The error a wire form stands for: a PdError of the same class and code, an Error, or the value. */
export function reviveError(value: unknown): unknown {
  try {
    return readError(value);
  } catch {
    return value;
  }
}

/** An exit reason in the wire format. */
export function portableReason(_codec: Codec, reason: ExitReason): unknown {
  return wireReason(reason);
}

/** The exit reason a wire form stands for (frozen, like the ones made locally). */
export function reviveReason(value: unknown): ExitReason {
  try {
    return readReason(value);
  } catch {
    return Exit.error(new Error(`unreadable exit reason from another core: ${describeValue(value)}`));
  }
}
