/**
 * Read-only control methods run on another node of the cluster: `actor.list`, `actor.info`,
 * `actor.tree`, `actor.terminated`, `supervisor.children` and `deadletters.list` take a `node` param, and the
 * control plane forwards such a call through the federation (a query to that node's
 * `pd/control` service) instead of running it here — what `pd ps`, `pd tree`, `pd inspect`,
 * `pd dead` and `pd children` with `--node` use. Each node serves its own methods to the others; only
 * these read-only ones, so a peer can look but never steer (stop, kill, spawn and send
 * stay with the node's own control plane and its token).
 *
 * Owns: the list of remote methods, the service and the forwarding. Must not: run a method
 * that changes anything for a remote caller; trust the query's shape.
 */
import type { Federation } from '@pd/federation';
import { ControlError, ControlErrorCodes, type ControlErrorCode } from './errors.js';
import type { ControlHost, MethodTable, Session } from './methods/types.js';
import { Params } from './params.js';

/** The control methods another node may run here (all read-only). */
export const REMOTE_METHODS: ReadonlySet<string> = new Set(['actor.list', 'actor.info', 'actor.tree', 'actor.terminated', 'supervisor.children', 'deadletters.list']);
/** The node service the control plane answers on. */
export const CONTROL_SERVICE = 'pd/control';

/** What a forwarded call answers: the result, or the control error as it was raised there. */
type RemoteAnswer = { readonly ok: unknown } | { readonly error: { readonly code: string; readonly message: string; readonly hint?: string; readonly data?: unknown } };

/** A session for calls from another node: they get no notifications and leave nothing to clean up. */
const REMOTE_SESSION: Session = { id: 0, notify: () => false, cleanups: new Map() };

/** Serve {@link REMOTE_METHODS} of `methods` to the other nodes of `federation`; returns the function that stops. */
export function serveRemoteMethods(federation: Federation, host: ControlHost, methods: MethodTable): () => void {
  return federation.serve(CONTROL_SERVICE, async (query): Promise<RemoteAnswer> => {
    try {
      const { method, params } = (query ?? {}) as { method?: unknown; params?: unknown };
      if (typeof method !== 'string' || !REMOTE_METHODS.has(method) || !Object.hasOwn(methods, method)) {
        throw new ControlError('rpc/unknown-method', `node ${federation.nodeId} runs no method ${JSON.stringify(method)} for other nodes`, {
          hint: `remote methods: ${[...REMOTE_METHODS].join(', ')}`,
        });
      }
      const m = methods[method]!;
      return { ok: await m.run(Params.from(method, params, m.params), host, REMOTE_SESSION) };
    } catch (error) {
      const e = error instanceof ControlError ? error : new ControlError('rpc/internal', (error as Error)?.message ?? String(error));
      return { error: { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }), ...(e.data === undefined ? {} : { data: e.data }) } };
    }
  });
}

/**
 * Run `method` with `params` (less `node`) on node `node` of the host's cluster; the
 * node's own id runs it here. Its control errors come back as they were raised there;
 * a node that cannot be asked is `cluster/failed` (`data.cause` the runtime code).
 */
export async function forwardToNode(host: ControlHost, methods: MethodTable, method: string, params: Record<string, unknown>, node: unknown): Promise<unknown> {
  if (typeof node !== 'string' || node === '') throw new ControlError('rpc/invalid-params', `${method}: node must be a node id (a non-empty string)`);
  const { node: _node, ...rest } = params;
  const federation = host.federation;
  if (federation === undefined) {
    throw new ControlError('cluster/unavailable', `this engine is not a node of a cluster, so it cannot reach node "${node}"`, {
      hint: 'give its config a "federation" section (docs/config.md), or leave out --node',
    });
  }
  if (node === federation.nodeId) {
    const m = methods[method]!;
    return m.run(Params.from(method, rest, m.params), host, REMOTE_SESSION);
  }
  let answer: RemoteAnswer;
  try {
    answer = (await federation.query(node, CONTROL_SERVICE, { method, params: rest })) as RemoteAnswer;
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ControlError('cluster/failed', `cannot ask node "${node}": ${(error as Error).message}`, {
      ...(code === undefined ? {} : { data: { cause: code } }), hint: 'see the node\'s connection with `pd cluster peers`',
    });
  }
  if (typeof answer !== 'object' || answer === null) throw new ControlError('cluster/failed', `node "${node}" answered ${method} with ${typeof answer}`);
  if ('ok' in answer) return answer.ok;
  const e = answer.error;
  // A peer's word only: a code this side does not know is a failure to ask, not a crash here.
  if (typeof e?.code !== 'string' || !Object.hasOwn(ControlErrorCodes, e.code) || typeof e.message !== 'string') {
    throw new ControlError('cluster/failed', `node "${node}" answered ${method} with an error this node cannot read`);
  }
  throw new ControlError(e.code as ControlErrorCode, `node ${node}: ${e.message}`, {
    ...(typeof e.hint === 'string' ? { hint: e.hint } : {}), ...(typeof e.data === 'object' && e.data !== null ? { data: e.data as Record<string, unknown> } : {}),
  });
}
