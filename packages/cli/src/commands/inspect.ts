/**
 * Inspection commands: `pd ps`, `pd tree`, `pd inspect`, `pd dead`, `pd registry`,
 * `pd children`. Read-only: each is one or two control calls and a table or a tree; with
 * `--node` (all but `pd registry`) the engine asks that node of its cluster instead.
 */
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../exit.js';
import { clock, drawTree, keyValues, table, type TreeNode } from '../output.js';

const STATUSES = ['starting', 'running', 'suspended', 'waiting', 'stopping'];
/** `--node`: the read-only commands run on another node of the engine's cluster (control's remote.ts). */
const NODE_OPTION = { type: 'string', value: 'NODE', help: 'on this node of the engine\'s cluster (federation), asked through the engine' } as const;

/** `{ node }` when --node was given. */
function onNode(ctx: { string(name: string): string | undefined }): { node?: string } {
  const node = ctx.string('node');
  return node === undefined ? {} : { node };
}

export const psCommand: Command = {
  name: 'ps',
  args: '',
  summary: 'List live actors: path, kind, status, mailbox depth, messages handled, restarts, address.',
  needsEngine: true,
  options: {
    path: { type: 'string', short: 'p', value: 'PATH', help: 'only actors at or under this path' },
    status: { type: 'string', short: 's', value: 'STATUS', help: `only actors in this status (${STATUSES.join(', ')})` },
    kind: { type: 'string', short: 'k', value: 'KIND', help: 'only actors of this kind' },
    limit: { type: 'string', value: 'N', help: 'at most N actors (default 10000)' },
    node: NODE_OPTION,
  },
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const status = ctx.string('status');
    if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`pd ps: --status must be one of ${STATUSES.join(', ')}, got "${status}"`);
    const params: Record<string, unknown> = { limit: ctx.integer('limit', 10_000, 1), ...onNode(ctx) };
    for (const key of ['path', 'status', 'kind']) if (ctx.string(key) !== undefined) params[key] = ctx.string(key);
    const result = await ctx.call('actor.list', params);
    if (ctx.json) return ctx.output.data(result);
    // A multi-core engine says which core each actor runs on.
    const cores = result.actors.some((a: any) => a.core !== undefined);
    const rows = result.actors.map((a: any) => [a.path, a.kind, a.status, ...(cores ? [a.core] : []), a.mailbox.depth, a.handled, a.restarts, a.addr]);
    ctx.output.text(table(['PATH', 'KIND', 'STATUS', ...(cores ? ['CORE'] : []), 'MAILBOX', 'HANDLED', 'RESTARTS', 'ADDR'], rows, ctx.output.streams.out.columns ?? 160));
    if (result.total > result.actors.length) ctx.output.note(`(${result.total - result.actors.length} more; raise --limit)`);
  },
};

export const treeCommand: Command = {
  name: 'tree',
  args: '[PATH]',
  summary: 'Show the actor tree, from the roots or from PATH down.',
  needsEngine: true,
  options: { node: NODE_OPTION },
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const path = ctx.positionals[0];
    const result = await ctx.call('actor.tree', { ...(path === undefined ? {} : { path }), ...onNode(ctx) });
    if (ctx.json) return ctx.output.data(result);
    ctx.output.text(result.roots.length === 0 ? '(no live actors)' : drawTree(result.roots as TreeNode[]));
  },
};

export const inspectCommand: Command = {
  name: 'inspect',
  args: 'TARGET',
  summary: 'Show everything about one live actor (TARGET: address <n.c.s.g>, registered name, or path).',
  needsEngine: true,
  options: { node: NODE_OPTION },
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const info = await ctx.call('actor.info', { target: ctx.arg(0, 'TARGET'), ...onNode(ctx) });
    if (ctx.json) return ctx.output.data(info);
    const list = (xs: string[]) => (xs.length === 0 ? '-' : xs.join(', '));
    ctx.output.text(keyValues([
      ['path', info.path], ['addr', info.addr], ['kind', info.kind], ['status', info.status], ...(info.core !== undefined ? [['core', String(info.core)] as [string, string]] : []),
      ['mailbox', `${info.mailbox.depth} queued${info.mailbox.capacity === null ? ' (unbounded)' : ` of ${info.mailbox.capacity} (${info.mailbox.policy})`}`],
      ['handled', String(info.handled)], ['restarts', String(info.restarts)], ['parent', info.parent ?? '-'],
      ['children', list(info.children)], ['links', list(info.links)],
      ['monitors', `${info.monitoredBy} watching it, it watches ${info.monitoring}`],
      ['names', list(info.names)], ['paths', list(info.paths)], ['topics', list(info.topics)],
      ['timers', String(info.timers)], ['trapExits', String(info.trapExits)],
    ]));
  },
};

export const deadCommand: Command = {
  name: 'dead',
  args: '',
  summary: 'Show terminated actors (with exit reasons) and dead letters (counts and the latest).',
  needsEngine: true,
  options: {
    limit: { type: 'string', value: 'N', help: 'at most N of each (default 20)' },
    path: { type: 'string', short: 'p', value: 'PATH', help: 'only terminated actors at or under this path' },
    stack: { type: 'boolean', short: 's', help: 'print the stack of each crash (--json always carries it)' },
    node: NODE_OPTION,
  },
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const limit = ctx.integer('limit', 20, 1);
    const path = ctx.string('path');
    const terminated = await ctx.call('actor.terminated', { limit, ...(path !== undefined ? { path } : {}), ...onNode(ctx) });
    const dead = await ctx.call('deadletters.list', { limit, ...onNode(ctx) });
    if (ctx.json) return ctx.output.data({ terminated: terminated.terminated, terminatedTotal: terminated.total, deadLetters: dead });
    const cores = terminated.terminated.some((s: any) => s.core !== undefined);
    const t = terminated.terminated.map((s: any) => [clock(s.exitedAt), s.path, s.kind, ...(cores ? [s.core] : []), s.reason.text, s.handled, s.addr]);
    ctx.output.text(`terminated (${terminated.total} remembered):`);
    ctx.output.text(t.length === 0 ? '  (none)' : table(['EXITED', 'PATH', 'KIND', ...(cores ? ['CORE'] : []), 'REASON', 'HANDLED', 'ADDR'], t, ctx.output.streams.out.columns ?? 160));
    if (ctx.options.stack === true) {
      for (const s of terminated.terminated as any[]) {
        const stack = s.reason?.error?.stack;
        if (typeof stack === 'string') ctx.output.text(`\n${clock(s.exitedAt)} ${s.path}:\n${stack.split('\n').map((l: string) => `    ${l.trimStart()}`).join('\n')}`);
      }
    }
    const by = Object.entries(dead.byReason as Record<string, number>).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    ctx.output.text(`\ndead letters: ${dead.total}${by ? ` (${by})` : ''}`);
    if (dead.recent.length > 0) {
      ctx.output.text(table(['AT', 'TO', 'REASON', 'MESSAGE'], dead.recent.map((d: any) => [clock(d.at), d.to, d.reason, JSON.stringify(d.message) ?? 'undefined']), ctx.output.streams.out.columns ?? 160));
    }
  },
};

export const registryCommand: Command = {
  name: 'registry',
  args: '[PREFIX]',
  summary: 'List registered names and the paths bound under PREFIX in the path registry; --cluster: the cluster registry\'s names and path prefixes, the conflicts this node lost, and the process groups\' members.',
  needsEngine: true,
  options: {
    cluster: { type: 'boolean', short: 'c', help: 'the cluster registry (names spanning the nodes of the engine\'s federation)' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    if (ctx.options.cluster === true) {
      if (ctx.positionals[0] !== undefined) throw new UsageError('pd registry --cluster takes no PREFIX', 'usage: pd registry --cluster');
      const result = await ctx.call('cluster.registry');
      if (ctx.json) return ctx.output.data(result);
      printClusterNames(ctx, result);
      return;
    }
    const prefix = ctx.positionals[0];
    const result = await ctx.call('registry.list', prefix === undefined ? {} : { prefix });
    if (ctx.json) return ctx.output.data(result);
    ctx.output.text(result.names.length === 0 ? 'names: (none)' : table(['NAME', 'PATH', 'ADDR'], result.names.map((n: any) => [n.name, n.path, n.addr])));
    if (result.paths.length > 0) ctx.output.text(`\n${table(['REGISTERED PATH', 'ADDR'], result.paths.map((p: any) => [p.path, p.addr]))}`);
  },
};

/** `pd cluster names` / `pd registry --cluster` as text: the names, the path prefixes claimed, the process groups' members, the config's names and path prefixes that are not held here, the conflicts lost. */
export function printClusterNames(ctx: CommandContext, result: any): void {
  ctx.output.text(result.names.length === 0 ? `node ${result.nodeId}: no cluster names` : table(['NAME', 'NODE', 'CLOCK', 'ADDR'], result.names.map((n: any) => [n.name, n.node, n.clock, n.addr])));
  const prefixes = result.prefixes ?? [];
  if (prefixes.length > 0) ctx.output.text(`\npath prefixes:\n${table(['PREFIX', 'NODE', 'CLOCK', 'HOLDER'], prefixes.map((c: any) => [c.prefix, c.node, c.clock, c.addr]))}`);
  const groups = (result.groups ?? []).flatMap((g: any) => g.members.map((m: any) => [g.group, m.node, m.addr]));
  if (groups.length > 0) ctx.output.text(`\nprocess groups:\n${table(['GROUP', 'NODE', 'ADDR'], groups)}`);
  // The config's claims not held here: names (`clusterName`), then path prefixes (`clusterPrefix`, an entry with `prefix`).
  const configured = (result.configured ?? []).filter((c: any) => c.state !== 'held');
  const state = (c: any): string => (c.state === 'elsewhere' ? `held by node ${c.node}` : c.state === 'failed' ? `failed: ${c.error}` : c.state === 'waiting' ? 'waiting (its actor is not running)'
    : `released (pd cluster ${c.prefix !== undefined ? 'unregister-prefix' : c.group !== undefined ? 'leave-group' : 'unregister'})`);
  const names = configured.filter((c: any) => c.prefix === undefined && c.group === undefined);
  if (names.length > 0) ctx.output.text(`\nconfig names not held here:\n${table(['NAME', 'PATH', 'STATE'], names.map((c: any) => [c.name, c.path, state(c)]))}`);
  const claimed = configured.filter((c: any) => c.prefix !== undefined);
  if (claimed.length > 0) ctx.output.text(`\nconfig path prefixes not held here:\n${table(['PREFIX', 'STATE'], claimed.map((c: any) => [c.prefix, state(c)]))}`);
  const memberships = configured.filter((c: any) => c.group !== undefined);
  if (memberships.length > 0) ctx.output.text(`\nconfig group memberships not joined here:\n${table(['GROUP', 'PATH', 'STATE'], memberships.map((c: any) => [c.group, c.path, state(c)]))}`);
  const side = (x: any): string => `${x.node} (clock ${x.clock})`;
  if (result.conflicts.length > 0) {
    ctx.output.text(`\nconflicts lost here:\n${table(['NAME', 'LOSER', 'WINNER'], result.conflicts.map((c: any) => [c.name, side(c.loser), side(c.winner)]))}`);
  }
  const prefixConflicts = result.prefixConflicts ?? [];
  if (prefixConflicts.length > 0) {
    ctx.output.text(`\npath prefix conflicts lost here:\n${table(['PREFIX', 'LOSER', 'WINNER'], prefixConflicts.map((c: any) => [c.prefix, side(c.loser), side(c.winner)]))}`);
  }
  // Shown when something went wrong on the way: a notice lost and asked for again, unsent, stale or malformed.
  const counted = (r: any): string | null => (r === undefined || r.repairs + r.unsent + r.stale + r.malformed === 0 ? null
    : `${r.repairs} repaired by anti-entropy, ${r.unsent} unsent, ${r.stale} stale, ${r.malformed} malformed`);
  const replication = [['names', counted(result.replication?.registry)], ['groups', counted(result.replication?.groups)]].filter(([, line]) => line !== null);
  if (replication.length > 0) ctx.output.text(`\nreplication: ${replication.map(([what, line]) => `${what} ${line}`).join('; ')}`);
}

export const childrenCommand: Command = {
  name: 'children',
  args: 'SUPERVISOR',
  summary: 'List the children of a supervisor: id, type, kind, status, restart policy, restarts, last exit.',
  needsEngine: true,
  options: { node: NODE_OPTION },
  run: async (ctx) => {
    ctx.noMoreArgs(1);
    const result = await ctx.call('supervisor.children', { target: ctx.arg(0, 'SUPERVISOR'), ...onNode(ctx) });
    if (ctx.json) return ctx.output.data(result);
    const rows = result.children.map((c: any) => [c.id, c.type, c.kind, c.status, c.restart, String(c.shutdown), c.restarts, c.lastExit?.text ?? '-', c.path]);
    ctx.output.text(rows.length === 0 ? '(no children)' : table(['ID', 'TYPE', 'KIND', 'STATUS', 'RESTART', 'SHUTDOWN', 'RESTARTS', 'LAST-EXIT', 'PATH'], rows));
  },
};
