/**
 * `pd events`: follow the engine's event stream (spawned, exited, crashed, restarted,
 * dead letters, overflows, supervisor actions; on a node of a cluster, members changing
 * state, connections up and down, registry conflicts lost, downing decisions) until Ctrl-C, `--count` events, or the
 * engine stops. NDJSON with --json; one line per event otherwise. Dropped events (a slow
 * terminal) are reported, never hidden.
 */
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';
import { clock } from '../output.js';

export const eventsCommand: Command = {
  name: 'events',
  args: '',
  summary: 'Follow the event stream (NDJSON with --json) until Ctrl-C or --count events.',
  needsEngine: true,
  options: {
    type: {
      type: 'string', short: 't', multiple: true, value: 'TYPE',
      help: 'only this event type (repeatable): spawned, exited, crashed, restarted, swapped, dead-letter, mailbox-overflow, supervisor; on a node of a cluster also member, peer, name-conflict, prefix-conflict, downing',
    },
    path: { type: 'string', short: 'p', value: 'PATH', help: 'only events of actors at or under this path (cluster events have none)' },
    count: { type: 'string', short: 'n', value: 'N', help: 'stop after N events' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const count = ctx.integer('count', 0, 1);
    const types = ctx.options.type as string[] | undefined;
    const path = ctx.string('path');
    const { client, state } = await ctx.connect();
    let seen = 0;
    let ended = false;
    let settle!: (code: number) => void;
    const done = new Promise<number>((resolve) => (settle = resolve));
    const finish = (code: number) => {
      ended = true;
      settle(code);
    };
    client.on('events.event', ({ event }) => {
      if (count > 0 && seen >= count) return;
      seen++;
      if (ctx.json) ctx.output.line(event);
      else ctx.output.text(formatEvent(event));
      if (count > 0 && seen >= count) finish(EXIT.ok);
    });
    client.on('events.dropped', ({ count: n }) => {
      if (ctx.json) ctx.output.line({ type: 'dropped', count: n });
      else ctx.output.note(`pd: ${n} events dropped (the terminal could not keep up)`);
    });
    client.onClose(() => {
      if (ended) return;
      ctx.output.note(`pd: the connection to engine ${state.id} closed`);
      finish(count > 0 ? EXIT.noEngine : EXIT.ok);
    });
    const sub = await client.call('events.subscribe', { ...(types !== undefined ? { types } : {}), ...(path !== undefined ? { path } : {}) });
    ctx.output.note(`following events of engine ${state.id} (${(sub.types as string[]).join(', ')}); Ctrl-C to stop`);
    void ctx.interrupted.then(() => finish(EXIT.ok));
    return done;
  },
};

/** One event as a line: time, type, where, and what. */
export function formatEvent(e: Record<string, any>): string {
  const head = `${clock(e.at)}  ${String(e.type).padEnd(16)}`;
  switch (e.type) {
    case 'spawned':
      return `${head} ${e.path}  (${e.kind})  ${e.addr}`;
    case 'exited':
      return `${head} ${e.path}  (${e.kind})  ${e.reason?.text ?? JSON.stringify(e.reason)}`;
    case 'crashed':
      return `${head} ${e.path}  (${e.kind})  in ${e.phase}: ${e.error?.name ?? 'Error'}: ${e.error?.message ?? JSON.stringify(e.error)}`;
    case 'restarted':
      return `${head} ${e.path}  (${e.kind})  restart ${e.restarts} after ${e.reason?.text ?? ''}`;
    case 'dead-letter':
      return `${head} ${e.to}  ${e.reason}  ${JSON.stringify(e.message) ?? 'undefined'}`;
    case 'mailbox-overflow':
      return `${head} ${e.path}  full at ${e.capacity} (${e.policy})`;
    case 'supervisor':
      return `${head} ${e.supervisor}  ${e.action} ${e.child}${e.detail === undefined ? '' : `  ${JSON.stringify(e.detail)}`}`;
    case 'member':
      return `${head} node ${e.node}  ${e.status} (incarnation ${e.incarnation})${e.by === e.node ? '' : `  by ${e.by}`}`;
    case 'peer':
      return `${head} node ${e.node}  connection ${e.state}${e.state === 'up' ? ` (incarnation ${e.incarnation})` : `  ${e.reason}${e.text ? `: ${e.text}` : ''}`}`;
    case 'name-conflict':
      return `${head} ${e.name}  lost to node ${e.winner?.node} (clock ${e.winner?.clock} against ${e.loser?.clock})`;
    case 'prefix-conflict':
      return `${head} path prefix ${e.prefix}  lost to node ${e.winner?.node} (clock ${e.winner?.clock} against ${e.loser?.clock})`;
    case 'downing':
      return `${head} ${e.decision === 'down' ? 'this node stops' : 'keep'} (${e.strategy})  unreachable: ${(e.unreachable ?? []).join(', ') || 'none'}  ${e.reason}`;
    default:
      return `${head} ${JSON.stringify(e)}`;
  }
}
