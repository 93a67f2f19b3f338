/**
 * Control-plane errors: every failure a control call can report, as a string code from
 * {@link ControlErrorCodes} ("area/what") mapped to a JSON-RPC 2.0 error number, plus a
 * hint that tells an operator what to do. Server and client share this table, so the CLI
 * turns a code back into the same exit status and advice. Nothing here does I/O.
 */

/** Every control error: its JSON-RPC number and what it means. */
export const ControlErrorCodes = {
  /** The request was not valid JSON. */
  'rpc/parse': { rpc: -32700, text: 'the request is not valid JSON' },
  /** Valid JSON, but not a JSON-RPC 2.0 request object. */
  'rpc/invalid-request': { rpc: -32600, text: 'not a JSON-RPC 2.0 request' },
  /** No method of that name. */
  'rpc/unknown-method': { rpc: -32601, text: 'no such method' },
  /** The params do not fit the method: names the param. */
  'rpc/invalid-params': { rpc: -32602, text: 'invalid params' },
  /** The server failed in an unexpected way; a bug. */
  'rpc/internal': { rpc: -32603, text: 'internal error' },
  /** Too many requests in flight on this connection (or too many in one batch). */
  'rpc/busy': { rpc: -32000, text: 'too many requests in flight' },
  /** No live actor matches the target (address, name or path). */
  'target/unknown': { rpc: -32001, text: 'no live actor matches the target' },
  /** The actor cannot be restarted: nothing knows how to start it again. */
  'target/not-restartable': { rpc: -32002, text: 'the actor cannot be restarted' },
  /** The target is not a supervisor. */
  'target/not-supervisor': { rpc: -32003, text: 'the target is not a supervisor' },
  /** A message call got no reply (timeout, exit, refusal); `data.cause` has the runtime code. */
  'call/failed': { rpc: -32004, text: 'the call got no reply' },
  /** The actor replied by throwing, or its handler crashed while handling the call. */
  'call/crashed': { rpc: -32005, text: 'the call crashed the handler' },
  /** Spawning failed (unknown kind, taken name, bad options); `data.cause` has the runtime code. */
  'spawn/failed': { rpc: -32006, text: 'the actor could not be spawned' },
  /** The engine is stopping or stopped. */
  'engine/stopped': { rpc: -32007, text: 'the engine is not running' },
  /** An engine with that id is already running (its state file names a live process). */
  'engine/already-running': { rpc: -32009, text: 'an engine with that id is already running' },
  /** The state folder is unsafe for a token (not ours, writable by others) or a file is in the way. */
  'state/unsafe-dir': { rpc: -32010, text: 'the state folder is not safe to use' },
  /** A plugin module (or its limits) was refused at load or reload; `data.cause` has the @pd/plugin code. */
  'plugin/refused': { rpc: -32020, text: 'the plugin was refused' },
  /** No plugin is loaded under that name. */
  'plugin/not-loaded': { rpc: -32021, text: 'no plugin is loaded under that name' },
  /** A plugin (or another kind) already has that name. */
  'plugin/name-taken': { rpc: -32022, text: 'a plugin or kind already has that name' },
  /** This engine serves no plugins (its host did not start a plugin host). */
  'plugin/unavailable': { rpc: -32023, text: 'this engine has no plugin host' },
  /** This engine is not a node of a cluster (its config has no `federation` section). */
  'cluster/unavailable': { rpc: -32030, text: 'this engine is not a node of a cluster' },
  /** A remote node could not be asked (unknown node, unreachable, timed out); `data.cause` has the runtime code. */
  'cluster/failed': { rpc: -32031, text: 'the remote node could not be asked' },
  /** The cluster name is held by another actor (`data.node`: its node, `data.addr`: its holder); unregister it there first. */
  'cluster/name-taken': { rpc: -32032, text: 'the cluster name is held elsewhere' },
  /** The cluster path prefix is claimed by another actor (`data.node`: its node, `data.addr`: its holder); unregister it there first. */
  'cluster/prefix-taken': { rpc: -32033, text: 'the cluster path prefix is held elsewhere' },
  /** An operation did not finish within its bound. */
  'op/timeout': { rpc: -32008, text: 'the operation timed out' },
  /** The client could not reach the endpoint (nothing listening, refused). Client side only. */
  'conn/unreachable': { rpc: -32100, text: 'the control endpoint is unreachable' },
  /** The endpoint refused the token. Client side only. */
  'conn/bad-token': { rpc: -32101, text: 'the control endpoint refused the token' },
  /** The connection closed before the reply. Client side only. */
  'conn/closed': { rpc: -32102, text: 'the connection closed' },
  /** The engine answered but refused the connection for now (every slot taken). Client side only. */
  'conn/busy': { rpc: -32105, text: 'the engine is busy' },
  /** No running engine could be found (no state file, stale state file). Client side only. */
  'conn/no-engine': { rpc: -32103, text: 'no running engine found' },
  /** Several engines are running and none was chosen. Client side only. */
  'conn/ambiguous': { rpc: -32104, text: 'several engines are running' },
} as const;

export type ControlErrorCode = keyof typeof ControlErrorCodes;

/** A control failure, on either side of the wire. */
export class ControlError extends Error {
  readonly code: ControlErrorCode;
  /** What an operator can do about it, when there is something to say. */
  readonly hint: string | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ControlErrorCode, message: string, options: { hint?: string; data?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ControlError';
    this.code = code;
    this.hint = options.hint;
    this.data = options.data;
  }

  /** The JSON-RPC error object for this error. */
  toRpc(): RpcErrorObject {
    const data: Record<string, unknown> = { code: this.code, ...this.data };
    if (this.hint !== undefined) data.hint = this.hint;
    return { code: ControlErrorCodes[this.code].rpc, message: this.message, data };
  }

  /** Rebuild an error received over the wire. */
  static fromRpc(error: RpcErrorObject): ControlError {
    const data = (typeof error.data === 'object' && error.data !== null ? error.data : {}) as Record<string, unknown>;
    const { code: named, hint, ...rest } = data;
    const code = typeof named === 'string' && named in ControlErrorCodes ? (named as ControlErrorCode) : codeForRpc(error.code);
    return new ControlError(code, String(error.message), { ...(typeof hint === 'string' ? { hint } : {}), data: rest });
  }
}

/** The `error` member of a JSON-RPC 2.0 response. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

// --- internal ---

function codeForRpc(rpc: number): ControlErrorCode {
  for (const [code, entry] of Object.entries(ControlErrorCodes)) if (entry.rpc === rpc) return code as ControlErrorCode;
  return 'rpc/internal';
}
