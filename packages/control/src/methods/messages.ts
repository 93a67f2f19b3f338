/**
 * Message methods: `msg.send` (fire and forget, reports what happened to the message) and
 * `msg.call` (an ask with a bounded timeout). Messages are JSON; an object
 * `{ "$addr": TARGET }` anywhere inside becomes the address of that live actor, so an
 * operator can hand one actor another's address.
 */
import { AskError, PdError, type Priority } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { ControlError } from '../errors.js';
import { resolveTargetInfo } from '../targets.js';
import { toWire } from '../wire.js';
import type { MethodTable } from './types.js';

const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];
/** Longest `msg.call` may wait, ms. */
export const CALL_TIMEOUT_MAX_MS = 300_000;

export const messageMethods: MethodTable = {
  'msg.send': {
    params: ['target', 'message', 'priority'],
    summary: 'Send a JSON message; returns queued, dropped, rejected or dead.',
    run: async (p, host) => {
      const { engine } = host;
      const { addr } = await resolveTargetInfo(engine, p.string('target'));
      const message = await withAddresses(engine, p.require('message'), 0);
      const priority = p.oneOf('priority', PRIORITIES);
      const result = engine.send(addr, message, priority === undefined ? undefined : { priority });
      return { addr: addr.toString(), result };
    },
  },
  'msg.call': {
    params: ['target', 'message', 'timeoutMs'],
    summary: 'Ask with a JSON message and wait for the reply (default timeout 5000 ms).',
    run: async (p, host) => {
      const { engine } = host;
      const { addr } = await resolveTargetInfo(engine, p.string('target'));
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
