/**
 * Engine-level commands: `pd status`, `pd stop [TARGET]` (the engine, or one actor), and
 * `pd schema`. Stopping the engine waits until its process is gone, so a script can start
 * a new one right after.
 */
import { existsSync } from 'node:fs';
import { CONFIG_SCHEMA, processAlive } from '@pd/control';
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';
import { escalationLines } from './control.js';
import { bytes, duration, keyValues } from '../output.js';

export const statusCommand: Command = {
  name: 'status',
  args: '',
  summary: 'Show the engine: id, pid, uptime, actors, messages, dead letters, control endpoint.',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const status = await ctx.call('engine.status');
    if (ctx.json) return ctx.output.data(status);
    const { state } = await ctx.connect();
    const s = status.stats;
    const metrics = await ctx.call('metrics.snapshot');
    ctx.output.text(keyValues([
      ['engine', `${status.id} (${status.status})`],
      ['pid', String(status.pid)],
      ['uptime', duration(status.uptimeMs)],
      ['mode', `${status.mode ?? 'single'}, ${status.cores ?? 1} core(s), reactor ${status.reactor}, seed ${status.seed}`],
      ['actors', `${s.live} live, ${s.spawned} spawned, ${s.exited} exited, ${s.crashed} crashed`],
      ...(Array.isArray(status.coreStats) ? [['cores', status.coreStats.map((c: any) => `${c.core}: ${c.live} live`).join(', ')] as const] : []),
      ['messages', `${s.messagesHandled} handled, ${s.deadLetters} dead letters, ${s.pendingAsks} asks pending`],
      ['memory', `rss ${bytes(metrics.process.rssBytes)}, heap ${bytes(metrics.process.heapUsedBytes)}`],
      ['kinds', status.kinds.join(', ') || '(none)'],
      ['control', state.url],
      ...(status.federation ? [['federation', `node ${status.federation.nodeId} (incarnation ${status.federation.incarnation}), ${status.federation.transport} on ${status.federation.listen === null ? '(dials only)' : `${status.federation.listen.host}:${status.federation.listen.port}`}; see \`pd cluster status\``] as const] : []),
      ['config', status.config ?? '(none)'],
      ...(status.metrics?.url ? [['metrics', `${status.metrics.url} (health: /healthz, /readyz)`] as const] : []),
      ...(status.observer ? [['observer', 'served: `pd observer` prints its URL'] as const] : []),
      ...(status.metadata && Object.keys(status.metadata).length > 0 ? [['metadata', Object.entries(status.metadata).map(([k, v]) => `${k}=${String(v)}`).join(', ')] as const] : []),
    ]));
  },
};

export const stopCommand: Command = {
  name: 'stop',
  args: '[TARGET]',
  summary: 'Stop the engine (graceful, then killed at the deadline), or with TARGET one actor.',
  needsEngine: true,
  options: {
    timeout: { type: 'string', value: 'MS', help: 'engine: graceful shutdown deadline (default: the config\'s shutdownDeadlineMs)' },
    reason: { type: 'string', value: 'TEXT', help: 'actor: the shutdown detail in its exit reason (default "pd stop")' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const target = ctx.positionals[0];
    if (target !== undefined) {
      const reason = ctx.string('reason');
      const result = await ctx.call('actor.stop', { target, ...(reason !== undefined ? { reason } : {}) }, 120_000);
      if (ctx.json) return ctx.output.data(result);
      return ctx.output.text([`stopped ${result.path} ${result.addr}: ${result.reason.text}`, ...escalationLines(result)].join('\n'));
    }
    const deadline = ctx.string('timeout') === undefined ? undefined : ctx.integer('timeout', 0, 1);
    const { state } = await ctx.connect();
    const reply = await ctx.call('engine.stop', deadline === undefined ? {} : { deadlineMs: deadline });
    const waitMs = (deadline ?? 60_000) + 5_000;
    const gone = await waitForExit(reply.pid, waitMs);
    // A clean run's log went with the engine (pd start); one that is still there was kept on purpose.
    const log = gone && state.log !== null && existsSync(state.log) ? state.log : null;
    const result = { stopped: gone, id: state.id, pid: reply.pid, ...(log !== null ? { log } : {}) };
    if (ctx.json) ctx.output.data(result);
    else ctx.output.text(gone ? `engine ${state.id} stopped (pid ${reply.pid})${log !== null ? `; its log is kept: ${log}` : ''}` : `engine ${state.id} is still stopping after ${waitMs} ms (pid ${reply.pid})`);
    return gone ? EXIT.ok : EXIT.failed;
  },
};

export const schemaCommand: Command = {
  name: 'schema',
  args: '',
  summary: 'Print the JSON Schema of the config file (version 1).',
  needsEngine: false,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    ctx.output.data(CONFIG_SCHEMA);
  },
};


/** Poll until process `pid` is gone (or `timeoutMs` passes). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
