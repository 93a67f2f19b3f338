/**
 * The plugin ABI, version 1, as data: the version marker, the guest's required and
 * optional exports, the host imports with their exact signatures, and the status codes.
 * docs/plugin-abi.md and include/pd_plugin.h describe the same thing byte for byte; a test
 * checks that the header and this file agree. Must not: implement anything.
 */

/** The ABI version this host speaks. */
export const ABI_VERSION = 1;
/** A guest advertises its ABI with an export of this name plus the version (never called). */
export const ABI_MARKER_PREFIX = 'pd_abi_version_';

/** WebAssembly value types by their binary code. */
const I32 = 0x7f;
const F64 = 0x7c;

export interface Signature {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

/** Host functions a guest may import from module `pd`, with their signatures. */
export const HOST_IMPORTS: Readonly<Record<string, Signature>> = {
  /** send(to_ptr, to_len, msg_ptr, msg_len) -> status */
  send: { params: [I32, I32, I32, I32], results: [I32] },
  /** reply(msg_ptr, msg_len) -> status */
  reply: { params: [I32, I32], results: [I32] },
  /** self(out_ptr_ptr, out_len_ptr) -> status: the actor's own encoded address */
  self: { params: [I32, I32], results: [I32] },
  /** spawn(kind_ptr, kind_len, args_ptr, args_len, out_ptr_ptr, out_len_ptr) -> status */
  spawn: { params: [I32, I32, I32, I32, I32, I32], results: [I32] },
  /** send_after(to_ptr, to_len, msg_ptr, msg_len, delay_ms) -> status */
  send_after: { params: [I32, I32, I32, I32, I32], results: [I32] },
  /** now() -> milliseconds on the engine's clock (virtual under simulation) */
  now: { params: [], results: [F64] },
  /** random() -> 32 random bits from the engine's seeded stream */
  random: { params: [], results: [I32] },
  /** log(level, ptr, len) -> status */
  log: { params: [I32, I32, I32], results: [I32] },
};

/** The import module name of every host function. */
export const HOST_MODULE = 'pd';

/** Exports the guest must provide, with their signatures (`memory` is a memory export). */
export const REQUIRED_EXPORTS: Readonly<Record<string, Signature | 'memory'>> = {
  memory: 'memory',
  /** pd_alloc(size) -> ptr, 0 when it cannot */
  pd_alloc: { params: [I32], results: [I32] },
  /** pd_on_message(ptr, len) -> status */
  pd_on_message: { params: [I32, I32], results: [I32] },
};

/** Exports the guest may provide. */
export const OPTIONAL_EXPORTS: Readonly<Record<string, Signature>> = {
  /** pd_on_start(args_ptr, args_len) -> status: once, before the first message */
  pd_on_start: { params: [I32, I32], results: [I32] },
  /** _initialize(): C runtimes' constructors, called once after instantiation */
  _initialize: { params: [], results: [] },
};

/** Status codes: what host calls return, and what `pd_on_message` may return. */
export const Status = {
  /** Done. */
  OK: 0,
  /** Returned by `pd_on_message`/`pd_on_start`: stop this actor normally. */
  STOP: 1,
  /** A pointer/length pair runs outside guest memory. */
  BAD_POINTER: -1,
  /** Bytes that do not decode as a message (or as an address where one is expected). */
  BAD_ENCODING: -2,
  /** The target is not alive; the message became a dead letter. */
  DEAD: -3,
  /** The target's mailbox refused the message (full). */
  MAILBOX_FULL: -4,
  /** `reply` outside an ask, or a second reply. */
  NO_ASK: -5,
  /** A message larger than `maxMessageBytes`. */
  TOO_LARGE: -6,
  /** `spawn` of a kind nobody registered. */
  UNKNOWN_KIND: -7,
  /** The guest's `pd_alloc` returned 0 or a block outside its memory. */
  ALLOC_FAILED: -8,
  /** A per-message quota of host calls, spawns or timers is used up. */
  LIMIT: -9,
  /** An argument out of range (log level, delay). */
  BAD_ARGUMENT: -10,
  /** The plugin was not granted this capability (spawn of a kind not in `spawnKinds`). */
  DENIED: -11,
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

/** Log levels accepted by `log`. */
export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 } as const;
export const LOG_LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** The name of a status code, e.g. `BAD_POINTER`, for messages. */
export function statusName(code: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === code) return name;
  return `status ${code}`;
}
