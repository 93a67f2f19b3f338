/**
 * Control commands: `pd send`, `pd call`, `pd kill`, `pd restart`, `pd spawn`, and the
 * escape hatch `pd rpc METHOD [PARAMS]`. Messages and args are JSON on the command line;
 * `{"$addr": TARGET}` inside a message stands for that actor's address.
 */
import type { Command } from '../command.js';
import { describeEscalation, type Escalation } from '@pd/control';
import { EXIT, UsageError } from '../exit.js';

/** What an operation set off beyond the exit it asked for (a supervisor that gave up). */
export function escalationLines(result: { escalations?: readonly Escalation[] }): string[] {
  return (result.escalations ?? []).map((e) => `escalation: ${describeEscalation(e)}`);
}

/** `--node`: the target is a name or path on that node of the engine's cluster. */
const NODE_OPTION = { type: 'string', value: 'NODE', help: 'the target is a registered name or path on this node of the engine\'s cluster (federation)' } as const;

export const sendCommand: Command = {
  name: 'send',
  args: 'TARGET JSON',
  summary: 'Send a JSON message to an actor; prints what happened to it (queued, dropped, rejected, dead).',
  needsEngine: true,
  options: {
    priority: { type: 'string', value: 'LANE', help: 'mailbox lane: high, normal (default) or low' },
    node: NODE_OPTION,
  },
  run: async (ctx) => {
    ctx.noMoreArgs(2);
    const target = ctx.arg(0, 'TARGET');
    const message = ctx.jsonArg(1, 'JSON');
    const priority = ctx.string('priority');
    const node = ctx.string('node');
    const result = await ctx.call('msg.send', { target, message, ...(priority !== undefined ? { priority } : {}), ...(node !== undefined ? { node } : {}) });
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text(`${result.result} (${target} ${result.addr})`);
    return result.result === 'queued' ? EXIT.ok : EXIT.failed;
  },
};

export const callCommand: Command = {
  name: 'call',
  args: 'TARGET JSON',
  summary: 'Ask an actor with a JSON message and print its reply.',
  needsEngine: true,
  options: {
    timeout: { type: 'string', short: 't', value: 'MS', help: 'how long to wait for the reply (default 5000)' },
    node: NODE_OPTION,
  },
  run: async (ctx) => {
    ctx.noMoreArgs(2);
    const target = ctx.arg(0, 'TARGET');
    const message = ctx.jsonArg(1, 'JSON');
    const timeoutMs = ctx.integer('timeout', 5000, 1);
    const node = ctx.string('node');
    const result = await ctx.call('msg.call', { target, message, timeoutMs, ...(node !== undefined ? { node } : {}) }, timeoutMs + 10_000);
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text(typeof result.reply === 'string' ? result.reply : JSON.stringify(result.reply, null, 2));
  },
};

export const killCommand: Command = {
  name: 'kill',
  args: 'TARGET',
  summary: 'Kill an actor at once (no stop hook; linked actors get the exit).',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const result = await ctx.call('actor.kill', { target: ctx.arg(0, 'TARGET') }, 120_000);
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text([`killed ${result.path} ${result.addr}`, ...escalationLines(result)].join('\n'));
  },
};

export const restartCommand: Command = {
  name: 'restart',
  args: 'TARGET',
  summary: 'Restart an actor: a supervised one through its supervisor, a `pd spawn` one from its kind and args.',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const result = await ctx.call('actor.restart', { target: ctx.arg(0, 'TARGET') }, 120_000);
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text(`restarted ${result.path} ${result.addr} (restarts: ${result.restarts}${result.previous ? `; previous exit: ${result.previous.text}` : ''})`);
  },
};

export const spawnCommand: Command = {
  name: 'spawn',
  args: 'KIND [ARGS]',
  summary: 'Spawn a top-level actor of a kind the engine knows, with JSON args.',
  needsEngine: true,
  options: {
    name: { type: 'string', short: 'n', value: 'NAME', help: 'its path segment under /user (default $<id>)' },
    register: { type: 'string', short: 'r', value: 'NAME', help: 'register it under this unique name' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(2);
    const kind = ctx.arg(0, 'KIND');
    const params: Record<string, unknown> = { kind };
    if (ctx.positionals[1] !== undefined) params.args = ctx.jsonArg(1, 'ARGS');
    for (const key of ['name', 'register']) if (ctx.string(key) !== undefined) params[key] = ctx.string(key);
    const result = await ctx.call('actor.spawn', params, 60_000);
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text(`spawned ${result.path} ${result.addr} (${result.kind}, ${result.status})`);
  },
};

export const rpcCommand: Command = {
  name: 'rpc',
  args: 'METHOD [PARAMS]',
  summary: 'Call any control method with JSON params and print the raw result (`pd rpc rpc.methods` lists them).',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(2);
    const method = ctx.arg(0, 'METHOD');
    const params = ctx.positionals[1] === undefined ? undefined : ctx.jsonArg(1, 'PARAMS');
    if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) throw new UsageError('pd rpc: PARAMS must be a JSON object');
    ctx.output.data(await ctx.call(method, params as Record<string, unknown> | undefined));
  },
};
