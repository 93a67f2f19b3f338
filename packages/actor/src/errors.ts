/**
 * Expected failures as typed errors. Every error carries a `code` from {@link ErrorCode}
 * ("subsystem/what") and a message that names the problem, so callers can branch on the
 * code and people can read the message. Actor crashes are not errors thrown at callers:
 * they become exit reasons (see exit.ts).
 *
 * This is the one map of codes for every package of the runtime: the transport's
 * (`envelope/*`, `codec/*`, `ring/*`, `net/*`) and the simulator's (`sim/*`) codes live here too,
 * and their error classes (`TransportError`, `SimError`, `SupervisorError`) extend
 * {@link PdError}, so one `err instanceof PdError && err.code === ...` branch serves all.
 */
import { brandAcrossCopies } from './brand.js';

/** Every error code, with what it means. */
export const ErrorCodes = {
  /** `send`/`ask` was given something that is not an address minted by a runtime. */
  'send/not-an-address': 'the target is not an Addr minted by a runtime',
  /** A bounded mailbox with policy `reject` was full; nothing was queued. */
  'send/mailbox-full': 'the target mailbox is full',
  /** A value that cannot cross a core or node boundary. */
  'send/not-serializable': 'the message cannot be encoded to cross a boundary',
  /**
   * A message whose encoding is larger than one frame carries (for rings, about half the
   * ring: `ringBytes / 2` less the envelope). `details`: `path`, `bytes`, `limit`.
   */
  'send/too-large': 'the encoded message is larger than a frame can carry',
  /** No reply within the ask timeout. */
  'ask/timeout': 'no reply before the timeout',
  /** The asked actor was dead, or died before replying. */
  'ask/target-exited': 'the target exited before replying',
  /** The asked actor's mailbox refused the request. */
  'ask/rejected': 'the target mailbox refused the request',
  /** Spawning a kind name nobody registered. */
  'spawn/unknown-kind': 'no kind is registered under that name',
  /** A spawn definition the runtime cannot use. */
  'spawn/invalid-definition': 'not an actor class, kind, behaviour or kind name',
  /** A spawn placed on a node (`placement: { node }`) on an engine no federation is attached to. */
  'spawn/no-federation': 'no federation is attached: the engine cannot place a spawn on another node',
  /** A child name already used by a live sibling. */
  'spawn/name-taken': 'a live sibling already has that name',
  /** A kind registered twice under one name with different definitions. */
  'kind/duplicate': 'a different kind is already registered under that name',
  /** A registry name held by another live actor. */
  'registry/name-taken': 'the name is registered to another live actor',
  /** A name or path that breaks the naming rules. */
  'registry/invalid-name': 'the name or path is malformed',
  /** A path already bound to another live actor. */
  'registry/path-taken': 'the path is registered to another live actor',
  /** The engine was shut down or is shutting down. */
  'engine/stopped': 'the engine is stopped',
  /** An argument out of its documented range. */
  'arg/invalid': 'an argument is out of range or of the wrong type',
  /** `ctx.receive` called on an actor that is not a pull actor, or twice at once. */
  'receive/invalid': 'receive used outside a pull actor or concurrently',
  /** `ctx.receive` timed out. */
  'receive/timeout': 'no matching message before the timeout',
  /** The operation is not possible in the actor's current state. */
  'actor/invalid-state': 'the actor is not in a state that allows this',
  /** A broken internal invariant (a failed `assert`): a bug in the runtime, never bad input. */
  'internal/invariant': 'an internal invariant does not hold (a bug)',
  // --- transport (@pd/transport: TransportError) ---
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
  // --- simulation (@pd/runtime/sim: SimError) ---
  /** A simulated run failed (see the failure kind). */
  'sim/failed': 'a simulated run failed (see the failure kind)',
  /** Simulated code reached for a real timer, socket, file, clock or the global random source. */
  'sim/host-leak': 'simulated code reached for a real timer, socket, file, clock or the global random source',
  /** The world is already being driven. */
  'sim/busy': 'the world is already being driven',
  /** The world was disposed. */
  'sim/disposed': 'the world was disposed',
  /** No scenario has that name. */
  'sim/unknown-scenario': 'no scenario has that name',
  /** A plan or replay argument is malformed. */
  'sim/invalid-plan': 'a plan or replay argument is malformed',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** The base of every error the runtime throws or rejects with. */
export class PdError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A send that could not be made (bad target, full mailbox, unencodable value). */
export class SendError extends PdError {}
/** An ask that did not get a reply. */
export class AskError extends PdError {}
/** A spawn that could not happen. */
export class SpawnError extends PdError {}
/** A registry operation that was refused. */
export class RegistryError extends PdError {}
/** An engine that cannot serve the call (stopped, shutting down). */
export class EngineError extends PdError {}
/** An argument out of range: names the argument and what was expected. */
export class ArgumentError extends PdError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('arg/invalid', message, details);
  }
}

// Errors are thrown by the runtime's copy of @pd/actor and caught with the caller's.
for (const [cls, name] of [
  [PdError, 'PdError'], [SendError, 'SendError'], [AskError, 'AskError'], [SpawnError, 'SpawnError'],
  [RegistryError, 'RegistryError'], [EngineError, 'EngineError'], [ArgumentError, 'ArgumentError'],
] as const) brandAcrossCopies(cls, name);
