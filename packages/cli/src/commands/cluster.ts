/**
 * `pd cluster status`, `pd cluster peers` and `pd cluster members`: the engine's federation
 * through the `cluster.*` control methods — this node (id, incarnation, listen address,
 * refusals, network counters), each peer (connection state, frames and bytes each way, queue
 * depth, when it was last heard) and each member as the membership sees it (state,
 * incarnation, addresses). `pd cluster join HOST:PORT...` joins through seeds and waits
 * until one answers; `pd cluster leave` leaves gracefully (the engine runs on alone). `pd
 * cluster names` lists the cluster registry (every name with its holder's node, the config's
 * `clusterName`s and `clusterPrefix`es and what became of them, the conflicts this node
 * lost); `pd cluster register NAME TARGET` and `pd cluster unregister NAME` change its names
 * (a name another node holds: `cluster/name-taken`, exit 1), `pd cluster register-prefix
 * PREFIX [TARGET]` and `pd cluster unregister-prefix PREFIX` its path prefixes
 * (`cluster/prefix-taken`).
 */
import { resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { EXIT, UsageError } from '../exit.js';
import { bytes, duration, keyValues, table } from '../output.js';
import { printClusterNames } from './inspect.js';

const SUBCOMMANDS = ['status', 'peers', 'members', 'join', 'leave', 'set-secret', 'names', 'register', 'unregister', 'register-prefix', 'unregister-prefix', 'join-group', 'leave-group'] as const;
/** How many positionals each subcommand takes at most (join: any number of seeds). */
const MAX_ARGS: Partial<Record<Subcommand, number>> = { register: 3, unregister: 2, 'register-prefix': 3, 'unregister-prefix': 2, 'join-group': 3, 'leave-group': 3 };
type Subcommand = (typeof SUBCOMMANDS)[number];
const JOIN_WAIT_MS = 10_000;
const JOIN_POLL_MS = 200;

export const clusterCommand: Command = {
  name: 'cluster',
  args: 'status | peers | members | join HOST:PORT... | leave | set-secret SECRET_FILE [ACCEPT_FILE...] | names | register NAME TARGET | unregister NAME | register-prefix PREFIX [TARGET] | unregister-prefix PREFIX | join-group GROUP TARGET | leave-group GROUP TARGET',
  summary: 'Show the engine\'s cluster (federation): this node and its counters, each peer\'s connection, frames and bytes each way, queue depth and when it was last heard, or each member\'s state (alive, suspect, dead, left) and incarnation; join it through seeds (their gossip HOST:PORT, SWIM only) or leave it; take a step of rotating the cluster secret (set-secret: prove and send with SECRET_FILE, accept ACCEPT_FILEs too); list, register and unregister cluster names (names every node resolves) and path prefixes (subtrees every node resolves to this one); add an actor of this engine to a process group, or take it out (join-group, leave-group).',
  needsEngine: true,
  options: {
    wait: { type: 'string', value: 'MS', help: `join: how long to wait for a seed's answer (default ${JOIN_WAIT_MS})` },
  },
  run: async (ctx) => {
    const sub = ctx.arg(0, 'SUBCOMMAND: status, peers, members, join, leave, set-secret, names, register, unregister, register-prefix, unregister-prefix, join-group or leave-group');
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`pd cluster: unknown subcommand "${sub}" (${SUBCOMMANDS.join(', ')})`, `usage: pd cluster ${clusterCommand.args}`);
    }
    if (sub !== 'join' && sub !== 'set-secret') ctx.noMoreArgs(MAX_ARGS[sub as Subcommand] ?? 1);
    if (sub !== 'join' && ctx.options.wait !== undefined) throw new UsageError('pd cluster: --wait is for join only', `usage: pd cluster ${clusterCommand.args}`);
    return RUN[sub as Subcommand](ctx);
  },
};

// --- internal ---

interface Peer {
  readonly id: string;
  readonly state: string;
  readonly incarnation: number;
  readonly member: boolean;
  readonly sent: number;
  readonly received: number;
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  /** Absent from an engine older than these counts. */
  readonly bytesOut?: number;
  readonly bytesIn?: number;
  readonly lastHeardAgoMs?: number | null;
}

interface Member {
  readonly id: string;
  readonly status: string;
  readonly incarnation: number;
  readonly address: { readonly host: string; readonly port: number };
  readonly gossip: { readonly host: string; readonly port: number };
  readonly accusers: number;
}

const RUN: Record<Subcommand, (ctx: CommandContext) => Promise<void | number>> = {
  join: async (ctx) => {
    const seeds = ctx.positionals.slice(1);
    if (seeds.length === 0) throw new UsageError('pd cluster join: name at least one seed, HOST:PORT of a member\'s gossip endpoint (`pd cluster members` on it shows GOSSIP)', `usage: pd cluster ${clusterCommand.args}`);
    const wait = ctx.integer('wait', JOIN_WAIT_MS, 1);
    const known = (view: { members: Member[] }): Set<string> => new Set(view.members.filter((m) => m.status === 'alive').map((m) => m.id));
    const before = known(await ctx.call('cluster.members'));
    const { asked } = await ctx.call('cluster.join', { seeds });
    const deadline = Date.now() + wait;
    for (;;) {
      const view = await ctx.call('cluster.members');
      const alive = known(view);
      const fromSeed = (view.members as Member[]).some((m) => m.status === 'alive' && m.id !== view.nodeId && seeds.includes(`${m.gossip.host}:${m.gossip.port}`));
      const joined = [...alive].filter((id) => !before.has(id));
      if (fromSeed || joined.length > 0) {
        if (ctx.json) return ctx.output.data({ nodeId: view.nodeId, asked, joined, members: view.members });
        ctx.output.text(`${view.nodeId} joined through ${seeds.join(', ')}: ${alive.size} members alive (${[...alive].sort().join(', ')})${joined.length === 0 ? '' : `, new: ${joined.sort().join(', ')}`}`);
        return;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, JOIN_POLL_MS));
    }
    ctx.output.report({
      code: 'cluster/join-timeout', message: `no member answered through ${seeds.join(', ')} in ${wait} ms`,
      hint: 'a seed is a member\'s gossip endpoint (GOSSIP in `pd cluster members` on it), not its federation port; check it runs and shares this cluster\'s name and secret',
    });
    return EXIT.failed;
  },
  names: async (ctx) => {
    const result = await ctx.call('cluster.registry');
    if (ctx.json) return ctx.output.data(result);
    printClusterNames(ctx, result);
  },
  register: registerClaim('name'),
  unregister: unregisterClaim('name'),
  'register-prefix': registerClaim('prefix'),
  'unregister-prefix': unregisterClaim('prefix'),
  'join-group': async (ctx) => {
    const group = ctx.arg(1, 'GROUP');
    const r = await ctx.call('cluster.joinGroup', { group, target: ctx.arg(2, 'TARGET (an address, path or name of an actor of this engine)') });
    if (ctx.json) return ctx.output.data(r);
    ctx.output.text(`${r.already ? `${r.addr} (${r.path}) is already in` : `${r.addr} (${r.path}) joined`} ${group} on node ${r.nodeId}: ${r.members} member${r.members === 1 ? '' : 's'} as this node sees it (it leaves when it exits; a restart is a new actor)`);
  },
  'leave-group': async (ctx) => {
    const group = ctx.arg(1, 'GROUP');
    const r = await ctx.call('cluster.leaveGroup', { group, target: ctx.arg(2, 'TARGET (an address, path or name of an actor of this engine)') });
    if (ctx.json) return ctx.output.data(r);
    const released = r.released === true ? `; the config's clusterGroups membership is released (not joined again until \`pd cluster join-group\` or a restart)` : '';
    ctx.output.text(`${r.left ? `${r.addr} (${r.path}) left ${group} on node ${r.nodeId}: ${r.members} member${r.members === 1 ? '' : 's'} left as this node sees it` : `${r.addr} (${r.path}) was not in ${group}`}${released}`);
  },
  'set-secret': async (ctx) => {
    const files = ctx.positionals.slice(1);
    if (files.length === 0) throw new UsageError('pd cluster set-secret: name the file of the secret to prove with, then any files of secrets to accept too', `usage: pd cluster ${clusterCommand.args}`);
    if (files.length > 9) throw new UsageError('pd cluster set-secret: at most 8 accepted secrets', `usage: pd cluster ${clusterCommand.args}`);
    // The engine reads the files: its working folder is not necessarily this one.
    const [secretFile, ...acceptFiles] = files.map((file) => resolve(file));
    const result = await ctx.call('cluster.setSecrets', { secretFile, acceptFiles });
    if (ctx.json) return ctx.output.data(result);
    const accepting = acceptFiles.length === 0 ? 'no other secret' : `${acceptFiles.length} other secret${acceptFiles.length === 1 ? '' : 's'}`;
    ctx.output.text(`${result.nodeId} proves and sends with ${secretFile} and accepts ${accepting}, from the next handshake and membership message on (connections up stay up). Change the config's secretFile and acceptSecretFiles too: a restart reads them.`);
  },
  leave: async (ctx) => {
    const result = await ctx.call('cluster.leave');
    if (ctx.json) return ctx.output.data(result);
    ctx.output.text(`${result.nodeId} left the cluster; the engine runs on alone (pd stop ends it, pd start makes it a member again)`);
  },
  status: async (ctx) => {
    const s = await ctx.call('cluster.status');
    if (ctx.json) return ctx.output.data(s);
    const states = Object.entries(s.peers.byState as Record<string, number>).map(([k, v]) => `${v} ${k}`).join(', ');
    const refused = Object.entries(s.refused as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
    ctx.output.text(keyValues([
      ['node', `${s.nodeId} (incarnation ${s.incarnation})`],
      ['cluster', `${s.cluster}, ${s.transport}`],
      ['listen', s.listen === null ? '(dials only)' : `${s.listen.host}:${s.listen.port}`],
      ['peers', `${s.peers.total}${states === '' ? '' : ` (${states})`}`],
      ['refused', refused || 'none'],
      ['across nodes', `${s.books.links} links, ${s.books.watching} monitoring, ${s.books.watchedBy} monitored by, ${s.books.pending} requests pending`],
      ...(s.net === null ? [] : [['network', `${s.net.frames.sent} frames sent, ${s.net.frames.received} received, ${bytes(s.net.bytesWritten)} written, ${s.net.handshakes.ok} handshakes`] as const]),
    ]));
  },
  peers: async (ctx) => {
    const { nodeId, peers } = await ctx.call('cluster.peers');
    if (ctx.json) return ctx.output.data({ nodeId, peers });
    if (peers.length === 0) return ctx.output.text(`node ${nodeId} knows no peers (list them in the config's federation.peers)`);
    ctx.output.text(table(['PEER', 'STATE', 'INCARNATION', 'MEMBER', 'SENT', 'RECEIVED', 'QUEUED', 'QUEUED BYTES', 'BYTES OUT', 'BYTES IN', 'LAST HEARD'], peers.map((p: Peer) => [
      p.id, p.state, p.incarnation, p.member ? 'yes' : 'no', p.sent, p.received, p.queuedFrames, bytes(p.queuedBytes),
      p.bytesOut === undefined ? '-' : bytes(p.bytesOut), p.bytesIn === undefined ? '-' : bytes(p.bytesIn),
      p.lastHeardAgoMs === null || p.lastHeardAgoMs === undefined ? '-' : `${duration(p.lastHeardAgoMs)} ago`,
    ])));
  },
  members: async (ctx) => {
    const view = await ctx.call('cluster.members');
    if (ctx.json) return ctx.output.data(view);
    const swim = view.kind === 'swim';
    const rows = (view.members as Member[]).map((m) => [
      m.id === view.nodeId ? `${m.id} (this node)` : m.id, m.status, m.incarnation, `${m.address.host}:${m.address.port}`,
      ...(swim ? [`${m.gossip.host}:${m.gossip.port}`, m.status === 'suspect' ? m.accusers : '-'] : []),
    ]);
    const head = ['MEMBER', 'STATE', 'INCARNATION', 'ADDRESS', ...(swim ? ['GOSSIP', 'ACCUSERS'] : [])];
    const downing = view.downing === undefined ? '' : `, downing ${view.downing.strategy}${view.downing.downed.length === 0 ? '' : ` (downed: ${view.downing.downed.join(', ')})`}`;
    // Dropped: not sealed or signed with the secret, or malformed; unsealed: readable on the way (docs/membership.md#privacy).
    const counts = view.swim === undefined ? '' : `; messages: ${view.swim.badMessages} dropped${view.swim.unsealed === undefined ? '' : `, ${view.swim.unsealed} arrived unsealed`}`;
    const note = swim ? `membership: swim, local health ${view.healthScore}${downing}${counts}` : 'membership: static (the config\'s federation.peers)';
    ctx.output.text(`${note}\n${table(head, rows)}`);
  },
};

/** How `register` / `unregister` and their `-prefix` twins differ: the words, the method and param names. */
const CLAIM = {
  name: {
    param: 'name', arg: 'NAME', methods: ['cluster.register', 'cluster.unregister'], registered: 'registered', held: 'registration',
    field: 'clusterName', again: 'pd cluster register', targetOptional: false,
  },
  prefix: {
    param: 'prefix', arg: 'PREFIX', methods: ['cluster.registerPrefix', 'cluster.unregisterPrefix'], registered: 'claimed', held: 'claim',
    // TARGET defaults to the actor at PREFIX: the subtree's owner, typically.
    field: 'clusterPrefix', again: 'pd cluster register-prefix', targetOptional: true,
  },
} as const;

/** `pd cluster register NAME TARGET` / `register-prefix PREFIX [TARGET]` (default: the actor at PREFIX). */
function registerClaim(kind: keyof typeof CLAIM): (ctx: CommandContext) => Promise<void> {
  return async (ctx) => {
    const w = CLAIM[kind]; // Looked up at run time: RUN, which calls this, is built before CLAIM.
    const key = ctx.arg(1, w.arg);
    const target = w.targetOptional ? ctx.positionals[2] ?? key : ctx.arg(2, 'TARGET (an address, path or name of an actor of this engine)');
    const r = await ctx.call(w.methods[0], { [w.param]: key, target });
    if (ctx.json) return ctx.output.data(r);
    ctx.output.text(r.already ? `${key} is already ${w.registered} for ${r.addr} (${r.path}) on node ${r.node}` : `${w.registered} ${key} for ${r.addr} (${r.path}) on node ${r.node}, clock ${r.clock}`);
  };
}

/** `pd cluster unregister NAME` / `unregister-prefix PREFIX`: a config claim is released too. */
function unregisterClaim(kind: keyof typeof CLAIM): (ctx: CommandContext) => Promise<void> {
  return async (ctx) => {
    const w = CLAIM[kind]; // Looked up at run time: RUN, which calls this, is built before CLAIM.
    const key = ctx.arg(1, w.arg);
    const r = await ctx.call(w.methods[1], { [w.param]: key });
    if (ctx.json) return ctx.output.data(r);
    const parts = [r.unregistered ? `unregistered ${key} on node ${r.nodeId}` : `node ${r.nodeId} held no ${w.held} of ${key}`];
    if (r.released) parts.push(`the config's ${w.field} is released (not kept again until \`${w.again}\` or a restart)`);
    ctx.output.text(parts.join('; '));
  };
}
