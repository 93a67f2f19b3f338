/**
 * Message methods: `msg.send` (fire and forget, reports what happened to the message) and
 * `msg.call` (an ask with a bounded timeout). Messages are JSON; an object
 * `{ "$addr": TARGET }` anywhere inside becomes the address of that live actor, so an
 * operator can hand one actor another's address. With `node`, the target is a registered
 * name or a path on that node of the engine's cluster, looked up there through the
 * federation (`federation.whereis`); the message then crosses the network as any send does.
 * Without `node`, a target that names no actor of this engine may be a name of the cluster
 * registry (`federation.registry.whereis`): its holder, on whichever node, gets the message.
 */
import { AskError, PdError, type Priority } from '@pd/actor';
import type { AnyAddr } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { ControlError } from '../errors.js';
import { resolveTargetInfo } from '../targets.js';
import { toWire } from '../wire.js';
import type { ControlHost, MethodTable } from './types.js';
import type { Params } from '../params.js';

const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];
/** Longest `msg.call` may wait, ms. */
export const CALL_TIMEOUT_MAX_MS = 300_000;

export const messageMethods: MethodTable = {
  'msg.send': {
    params: ['target', 'message', 'priority', 'node'],
    summary: 'Send a JSON message; returns queued, dropped, rejected or dead. With `node`: to a name or path on that node of the cluster.',
    run: async (p, host) => {
      const { engine } = host;
      const addr = await messageTarget(p, host);
      const message = await withAddresses(engine, p.require('message'), 0);
      const priority = p.oneOf('priority', PRIORITIES);
      const result = engine.send(addr, message, priority === undefined ? undefined : { priority });
      return { addr: addr.toString(), result };
    },
  },
  'msg.call': {
    params: ['target', 'message', 'timeoutMs', 'node'],
    summary: 'Ask with a JSON message and wait for the reply (default timeout 5000 ms). With `node`: a name or path on that node of the cluster.',
    run: async (p, host) => {
      const { engine } = host;
      const addr = await messageTarget(p, host);
      const message = await withAddresses(engine, p.require('message'), 0);
      const timeoutMs = p.number('timeoutMs', { min: 1, max: CALL_TIMEOUT_MAX_MS }) ?? 5000;
      try {
        const reply = await engine.ask(addr, message, { timeoutMs });
        return { addr: addr.toString(), reply: toWire(reply) };
      } catch (error) {
        throw callFailed(error, String(addr), timeoutMs);
      }
    },
  },
};

// --- internal ---

/** The actor `target` names: here, or with `node` on that node of the cluster. */
async function messageTarget(p: Params, host: ControlHost): Promise<AnyAddr> {
  const target = p.string('target');
  const node = p.string('node', true);
  if (node === undefined) {
    try {
      return (await resolveTargetInfo(host.engine, target)).addr;
    } catch (error) {
      // Not an actor of this engine: a name of the cluster registry (held here or on another node).
      const named = clusterNamed(host, target);
      if (named === undefined || !(error instanceof ControlError) || error.code !== 'target/unknown') throw error;
      return named;
    }
  }
  const federation = host.federation;
  if (federation === undefined) {
    throw new ControlError('cluster/unavailable', `this engine is not a node of a cluster, so it cannot reach node "${node}"`, {
      hint: 'give its config a "federation" section (docs/config.md), or leave out --node',
    });
  }
  if (target.length === 0 || target.length > 1024) throw new ControlError('rpc/invalid-params', 'target: a name or path of at most 1024 characters');
  let addr: AnyAddr | undefined;
  try {
    addr = await federation.whereis(target, { node });
  } catch (error) {
    const code = error instanceof PdError ? error.code : undefined;
    throw new ControlError('cluster/failed', `cannot look "${target}" up on node "${node}": ${(error as Error).message}`, {
      ...(code === undefined ? {} : { data: { cause: code } }), hint: 'see the node\'s connection with `pd cluster peers`',
    });
  }
  if (addr === undefined) {
    throw new ControlError('target/unknown', `no live actor has the ${target.startsWith('/') ? 'path' : 'registered name'} "${target}" on node "${node}"`, {
      hint: "list that node's names with `pd registry` against its engine", data: { target, node },
    });
  }
  return addr;
}

/** The holder of the cluster name `target` (a plain name: no "/", not an address), if the engine is a node that knows one. */
function clusterNamed(host: ControlHost, target: string): AnyAddr | undefined {
  const federation = host.federation;
  if (federation === undefined || !federation.running || target === '' || target.length > 1024 || target.startsWith('/') || target.startsWith('<')) return undefined;
  return federation.registry.whereis(target);
}

/** Replace `{ "$addr": TARGET }` objects with live addresses, on any core (bounded depth). */
async function withAddresses(engine: Engine, value: unknown, depth: number): Promise<unknown> {
  if (typeof value !== 'object' || value === null || depth > 32) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await withAddresses(engine, v, depth + 1)); // One at a time: each may ask every core.
    return out;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$addr' && typeof (value as { $addr: unknown }).$addr === 'string') {
    return (await resolveTargetInfo(engine, (value as { $addr: string }).$addr)).addr;
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = await withAddresses(engine, (value as Record<string, unknown>)[key], depth + 1);
  return out;
}

function callFailed(error: unknown, target: string, timeoutMs: number): ControlError {
  if (error instanceof AskError && error.details?.phase !== undefined) {
    return new ControlError('call/crashed', error.message, { data: { cause: error.code }, hint: 'see `pd dead` for the exit reason' });
  }
  if (error instanceof PdError) {
    const hint = error.code === 'ask/timeout' ? `the actor did not reply within ${timeoutMs} ms; raise --timeout, or check it handles this message with \`pd inspect ${target}\`` : undefined;
    return new ControlError('call/failed', error.message, { data: { cause: error.code }, ...(hint !== undefined ? { hint } : {}) });
  }
  const e = error as Error;
  return new ControlError('call/crashed', `the actor answered with an error: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`, { data: { error: toWire(error) } });
}
