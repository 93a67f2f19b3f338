/**
 * Cluster methods: what the engine's federation (@pd/federation) says about this node and
 * its peers, from `federation.stats()`, `members()` and `recentEvents()`, and those that
 * act: `cluster.join` (through seeds, SWIM only), `cluster.leave`, `cluster.setSecrets` (a
 * step of rotating the cluster secret, from files), `cluster.register` /
 * `cluster.unregister` (names in the cluster registry), `cluster.joinGroup` /
 * `cluster.leaveGroup` (process groups) and `cluster.registerPrefix` /
 * `cluster.unregisterPrefix` (path prefixes), beside those the config's `clusterName`s and
 * `clusterPrefix`es keep (cluster-names.ts; one code path for both kinds of claim).
 * `cluster.registry` lists the path prefixes claimed in the cluster registry too. An engine
 * that is not a node of a cluster answers `cluster/unavailable`.
 */
import { isAbsolute } from 'node:path';
import { pathProblem } from '@pd/actor';
import type { Federation, PeerStats } from '@pd/federation';
import { CLAIMS, type ClaimHolder, type ClaimKind } from '../cluster-names.js';
import { ControlError } from '../errors.js';
import type { Params } from '../params.js';
import { resolveTargetInfo } from '../targets.js';
import { toWire } from '../wire.js';
import type { ControlHost, MethodTable } from './types.js';

export const clusterMethods: MethodTable = {
  'cluster.status': {
    params: [],
    summary: 'This node: id, incarnation, listen address, peers by state, policy refusals, links and monitors across nodes, network counters, recent network events.',
    run: (_p, host) => {
      const federation = federationOf(host);
      const stats = federation.stats();
      const byState: Record<string, number> = {};
      for (const peer of stats.peers) byState[peer.state] = (byState[peer.state] ?? 0) + 1;
      const address = federation.address;
      return {
        nodeId: stats.nodeId, incarnation: stats.incarnation,
        cluster: federation.options.cluster ?? 'pd', transport: federation.options.transport ?? 'tcp',
        listen: address === null ? null : { host: address.host, port: address.port },
        peers: { total: stats.peers.length, byState },
        refused: stats.refused, router: stats.router, books: stats.books, net: stats.net,
        events: federation.recentEvents(),
      };
    },
  },
  'cluster.peers': {
    params: [],
    summary: 'Each peer: connection state, incarnation, membership, frames (messages and signals) each way, frames and bytes queued to it, bytes, frames and heartbeats each way on the wire, milliseconds since it was last heard and since its connection came up.',
    run: (_p, host) => ({ nodeId: federationOf(host).nodeId, peers: federationOf(host).stats().peers.map(peerToWire) }),
  },
  'cluster.registry': {
    params: [],
    summary: 'The cluster registry: every name spanning the nodes with its winning holder (node, hybrid logical clock stamp, address), every path prefix claimed likewise, the conflicts this node lost (names, then prefixes), the process groups with their members (node, address) as this node sees them, and the replication\'s counters (repairs asked by anti-entropy, notices unsent, stale and malformed), for the registry and the groups.',
    run: (_p, host) => {
      const federation = federationOf(host);
      const registry = federation.registry;
      return toWire({
        nodeId: federation.nodeId,
        names: registry.list().map((n) => ({ name: n.name, node: n.node, clock: n.clock, addr: n.addr })),
        conflicts: registry.conflicts().map((c) => ({
          name: c.name, loser: { node: c.loser.node, clock: c.loser.clock, addr: c.loser.addr }, winner: { node: c.winner.node, clock: c.winner.clock, addr: c.winner.addr },
        })),
        configured: host.clusterNames?.status() ?? [],
        groups: federation.groups.list().map((g) => ({ group: g.group, members: g.members.map((m) => ({ node: m.node, addr: m.addr })) })),
        // Added after the fields above (which keep their shape): path prefix claims and their lost conflicts.
        prefixes: registry.prefixes().map((c) => ({ prefix: c.prefix, node: c.node, clock: c.clock, addr: c.addr })),
        prefixConflicts: registry.prefixConflicts().map((c) => ({
          prefix: c.prefix, loser: { node: c.loser.node, clock: c.loser.clock, addr: c.loser.addr }, winner: { node: c.winner.node, clock: c.winner.clock, addr: c.winner.addr },
        })),
        replication: {
          registry: { repairs: registry.repairs, unsent: registry.unsent, stale: registry.staleNotices, malformed: registry.badNotices },
          groups: { repairs: federation.groups.repairs, unsent: federation.groups.unsent, stale: federation.groups.staleNotices, malformed: federation.groups.badNotices },
        },
      });
    },
  },
  'cluster.register': {
    params: ['name', 'target'],
    summary: 'Register a cluster name for a live actor of this node, on any of its cores (address, path or local name): every node resolves it. Refused (cluster/name-taken, data.node the holder\'s node) when a node already holds it.',
    run: (p, host) => registerClaim(host, 'name', p.string('name'), p.string('target')),
  },
  'cluster.unregister': {
    params: ['name'],
    summary: 'Drop a cluster name this node holds (a config clusterName is also released: no longer kept). Refused (cluster/name-taken) for a name another node holds; target/unknown for a name nobody holds.',
    run: (p, host) => unregisterClaim(host, 'name', p.string('name')),
  },
  'cluster.joinGroup': {
    params: ['group', 'target'],
    summary: 'Add a live actor of this node, on any of its cores (address, path or local name), to a process group (created on first join): every node sees it among the group\'s members, and group sends and publishes reach it. It leaves when it exits (a restarted actor is a new one: join it again).',
    run: async (p, host) => {
      const { federation, group, addr, info } = await groupAndTarget(p, host, 'cluster.joinGroup', 'join a process group');
      const already = federation.groups.members(group).some((m) => m.equals(addr));
      groupCall(() => federation.groups.join(group, addr), 'cluster.joinGroup', group);
      // A config clusterGroups membership of this actor, released by leave-group: kept again.
      host.clusterNames?.rearm(group, addr, 'group', info.path);
      return toWire({ nodeId: federation.nodeId, group, addr, path: info.path, already, members: federation.groups.members(group).length });
    },
  },
  'cluster.leaveGroup': {
    params: ['group', 'target'],
    summary: 'Take a live actor of this node (address, path or local name) out of a process group; left is false when it was not a member. A config clusterGroups membership of that actor is released too (released: true): not joined again until cluster.joinGroup or a restart.',
    run: async (p, host) => {
      const { federation, group, addr, info } = await groupAndTarget(p, host, 'cluster.leaveGroup', 'leave a process group');
      const left = groupCall(() => federation.groups.leave(group, addr), 'cluster.leaveGroup', group);
      // A config clusterGroups membership is no longer kept (until join-group or a restart).
      const released = host.clusterNames?.release(group, 'group', info.path) ?? false;
      return toWire({ nodeId: federation.nodeId, group, addr, path: info.path, left, released, members: federation.groups.members(group).length });
    },
  },
  'cluster.registerPrefix': {
    params: ['prefix', 'target'],
    summary: 'Claim a path prefix (an absolute actor path such as /user/app/orders) in the cluster registry for a live actor of this node (address, path or local name; default: the actor at the prefix itself): every node resolves paths at and below it to this node. Refused (cluster/prefix-taken, data.node the holder\'s node) when a node already holds that prefix.',
    run: (p, host) => {
      const prefix = p.string('prefix');
      return registerClaim(host, 'prefix', prefix, p.string('target', true) ?? prefix);
    },
  },
  'cluster.unregisterPrefix': {
    params: ['prefix'],
    summary: 'Drop a path prefix claim this node holds (a config clusterPrefix is also released: no longer kept). Refused (cluster/prefix-taken) for a prefix another node holds; target/unknown for one nobody holds.',
    run: (p, host) => unregisterClaim(host, 'prefix', p.string('prefix')),
  },
  'cluster.join': {
    params: ['seeds'],
    summary: 'Join (or re-join) the cluster through seeds, membership endpoints ("host:port" of their gossip) of nodes in it; SWIM membership only. Members appear as the answers arrive.',
    run: (p, host) => {
      const federation = runningFederation(host, 'join');
      const seeds = (p.strings('seeds', 64) ?? []).map((s, i) => parseHostPort(s, `seeds[${i}]`));
      if (seeds.length === 0) throw new ControlError('rpc/invalid-params', 'cluster.join: seeds must name at least one "host:port"');
      try {
        return { nodeId: federation.nodeId, asked: federation.join(seeds) };
      } catch (error) {
        if ((error as { details?: { field?: unknown } }).details?.field === 'membership') {
          throw new ControlError('cluster/unavailable', (error as Error).message.replace(/^[a-z-]+\/[a-z-]+: /, ''), {
            hint: 'a static membership lists its peers in the config\'s federation.peers; give it federation.membership { "kind": "swim" } to join through seeds',
          });
        }
        throw error;
      }
    },
  },
  'cluster.setSecrets': {
    params: ['secretFile', 'acceptFiles'],
    summary: 'A step of rotating the cluster secret (docs/federation.md#rotating-the-cluster-secret): from the next handshake and membership message on, this node proves and sends with the secret in secretFile and takes peers and messages under it or any secret in acceptFiles (absolute paths of files of mode 0600). Connections up stay up. The config is not changed: a restart reads its secretFile and acceptSecretFiles again.',
    run: async (p, host) => {
      const federation = runningFederation(host, 'setSecrets');
      const secretFile = p.string('secretFile');
      const acceptFiles = p.strings('acceptFiles', 8) ?? [];
      [secretFile, ...acceptFiles].forEach((file, i) => {
        if (!isAbsolute(file)) throw new ControlError('rpc/invalid-params', `cluster.setSecrets: ${i === 0 ? 'secretFile' : `acceptFiles[${i - 1}]`} must be an absolute path (the engine's working folder is not the caller's), got "${file}"`);
      });
      try {
        await federation.setSecrets({ file: secretFile }, acceptFiles.map((file) => ({ file })));
      } catch (error) {
        const field = (error as { details?: { field?: unknown } }).details?.field;
        if (typeof field !== 'string') throw error;
        const name = field === 'secret' ? 'secretFile' : field.replace(/^acceptSecrets/, 'acceptFiles');
        throw new ControlError('rpc/invalid-params', `cluster.setSecrets: ${name}: ${(error as Error).message.replace(/^[a-z-]+\/[a-z-]+: /, '').replace(/^[a-zA-Z]+(\[\d+\])?: /, '')}`);
      }
      return { nodeId: federation.nodeId, secretFile, acceptFiles };
    },
  },
  'cluster.leave': {
    params: [],
    summary: 'Leave the cluster gracefully: the members are told this node left, links and monitors across nodes fire noconnection, its cluster names go; the engine keeps running alone.',
    run: async (_p, host) => {
      const federation = runningFederation(host, 'leave');
      await federation.close();
      return { nodeId: federation.nodeId, left: true };
    },
  },
  'cluster.members': {
    params: [],
    summary: 'The membership: each member (this node first) with its state (alive, suspect, dead, left), incarnation, federation and gossip addresses; with SWIM, suspicions, local health and downing (strategy, members downed, decisions).',
    run: (_p, host) => {
      const federation = federationOf(host);
      const view = federation.members();
      const swim = federation.stats().swim;
      return {
        nodeId: federation.nodeId, kind: view.kind,
        ...(swim === null ? {} : { healthScore: swim.healthScore, swim }),
        ...(view.downing === undefined ? {} : { downing: view.downing }),
        members: view.members.map((m) => ({
          id: m.id, status: m.status, incarnation: m.incarnation,
          address: { host: m.address.host, port: m.address.port }, gossip: { host: m.gossip.host, port: m.gossip.port },
          accusers: m.accusers, suspicionDeadlineMs: m.deadlineMs,
        })),
      };
    },
  },
};

// --- internal ---

function federationOf(host: ControlHost): Federation {
  if (host.federation === undefined) {
    throw new ControlError('cluster/unavailable', 'this engine is not a node of a cluster', {
      hint: 'give its config a "federation" section (docs/config.md) and start it again with `pd start`',
    });
  }
  return host.federation;
}

/** How the methods speak of each kind of claim, and check its key. */
const CLAIM_WORDS: Record<ClaimKind, {
  readonly param: 'name' | 'prefix';
  readonly what: string;
  readonly taken: 'cluster/name-taken' | 'cluster/prefix-taken';
  /** The registry's code for a key this node knows a holder of. */
  readonly registryTaken: string;
  /** The register method, for its messages. */
  readonly method: string;
  /** The `pd cluster` subcommand that drops one, for hints. */
  readonly unregister: string;
  /** Why the key cannot be claimed, or null. */
  readonly problem: (key: string) => string | null;
}> = {
  name: {
    param: 'name', what: 'cluster name', taken: 'cluster/name-taken', registryTaken: 'registry/name-taken',
    method: 'cluster.register', unregister: 'unregister',
    problem: (name) => (name === '' || name.length > 1024 ? 'a cluster name is a non-empty string of at most 1024 characters' : null),
  },
  prefix: {
    param: 'prefix', what: 'cluster path prefix', taken: 'cluster/prefix-taken', registryTaken: 'registry/path-taken',
    method: 'cluster.registerPrefix', unregister: 'unregister-prefix',
    problem: (prefix) => {
      const problem = pathProblem(prefix);
      if (problem !== null) return `a path prefix is an absolute actor path such as "/user/app/orders": ${problem}`;
      return prefix === '/' ? 'the root "/" is every node\'s; claim a subtree such as "/user/app/orders"' : null;
    },
  },
};

/** `cluster.register` / `cluster.registerPrefix`: claim `key` for the actor `target` of this node. */
async function registerClaim(host: ControlHost, kind: ClaimKind, key: string, target: string): Promise<unknown> {
  const words = CLAIM_WORDS[kind];
  const federation = runningFederation(host, `register a ${words.what}`);
  checkKey(kind, key);
  // Any core's actor (a stand-in's address or path gives the actor it stands for).
  const { addr, info } = await resolveTargetInfo(host.engine, target);
  const registry = federation.registry;
  const ops = CLAIMS[kind];
  const result = (entry: ClaimHolder, already: boolean) => toWire({ nodeId: federation.nodeId, [words.param]: key, node: entry.node, clock: entry.clock, addr, path: info.path, already });
  const held = ops.holder(registry, key);
  if (held !== undefined && held.node === federation.nodeId && held.addr.equals(addr)) return result(held, true);
  if (held !== undefined) throw claimTaken(federation, kind, key, held);
  try {
    ops.claim(registry, key, addr);
  } catch (error) {
    const now = ops.holder(registry, key);
    if ((error as { code?: string }).code === words.registryTaken && now !== undefined) throw claimTaken(federation, kind, key, now);
    throw new ControlError('rpc/invalid-params', `${words.method}: ${(error as Error).message.replace(/^[a-z-]+\/[a-z-]+: /, '')}`, { data: { [words.param]: key } });
  }
  // A configured claim made again for its configured actor: kept again.
  if (host.clusterNames?.configured(key, kind)?.path === info.path) host.clusterNames.rearm(key, addr, kind);
  return result(ops.holder(registry, key)!, false);
}

/** `cluster.unregister` / `cluster.unregisterPrefix`: drop this node's claim of `key`, and stop keeping a configured one. */
function unregisterClaim(host: ControlHost, kind: ClaimKind, key: string): unknown {
  const words = CLAIM_WORDS[kind];
  const federation = runningFederation(host, `unregister a ${words.what}`);
  checkKey(kind, key);
  const registry = federation.registry;
  const held = CLAIMS[kind].holder(registry, key);
  if (held !== undefined && held.node !== federation.nodeId) throw claimTaken(federation, kind, key, held, 'unregister');
  const released = host.clusterNames?.release(key, kind) ?? false;
  const unregistered = CLAIMS[kind].drop(registry, key);
  if (!unregistered && !released) {
    throw new ControlError('target/unknown', `no node holds the ${words.what} "${key}"`, { hint: 'list the cluster registry with `pd cluster names`', data: { [words.param]: key } });
  }
  return { nodeId: federation.nodeId, [words.param]: key, unregistered, released };
}

/** Runs a groups call; its argument errors become `rpc/invalid-params` naming the method and group. */
/** A group method's running federation, its `group` param (checked by the groups first), then its `target` resolved. */
async function groupAndTarget(p: Params, host: ControlHost, method: string, what: string) {
  const federation = runningFederation(host, what);
  const group = p.string('group');
  groupCall(() => federation.groups.members(group), method, group);
  const { addr, info } = await resolveTargetInfo(host.engine, p.string('target'));
  return { federation, group, addr, info };
}

function groupCall<T>(call: () => T, method: string, group: string): T {
  try {
    return call();
  } catch (error) {
    throw new ControlError('rpc/invalid-params', `${method}: ${(error as Error).message.replace(/^[a-z-]+\/[a-z-]+: /, '').replace(/^groups: /, '')}`, { data: { group } });
  }
}

/** A key as the registry takes it, or `rpc/invalid-params` naming the param. */
function checkKey(kind: ClaimKind, key: string): void {
  const { param, problem } = CLAIM_WORDS[kind];
  const why = problem(key);
  if (why !== null) throw new ControlError('rpc/invalid-params', `${param}: ${why}`);
}

/** `cluster/name-taken` (`cluster/prefix-taken`) naming the holder: another node's, or another actor's here. */
function claimTaken(federation: Federation, kind: ClaimKind, key: string, held: ClaimHolder, op: 'register' | 'unregister' = 'register'): ControlError {
  const { what, taken, param, unregister: command } = CLAIM_WORDS[kind];
  const here = held.node === federation.nodeId;
  const message = op === 'unregister'
    ? `the ${what} "${key}" is held by node ${held.node} (${String(held.addr)}), not this node (${federation.nodeId})`
    : `the ${what} "${key}" is taken: node ${held.node}${here ? ' (this node)' : ''} holds it for ${String(held.addr)}`;
  const unregister = `pd cluster ${command} ${key}`;
  return new ControlError(taken, message, {
    hint: here ? `unregister it first: ${unregister}` : `unregister it on node ${held.node} (${unregister} against its engine), or wait until that node is gone`,
    data: { [param]: key, node: held.node, clock: held.clock, addr: String(held.addr) },
  });
}

function runningFederation(host: ControlHost, what: string): Federation {
  const federation = federationOf(host);
  if (!federation.running) {
    throw new ControlError('cluster/unavailable', `cannot ${what}: node ${federation.nodeId} has left the cluster`, {
      hint: 'restart the engine (pd stop, then pd start) to make it a member again',
    });
  }
  return federation;
}

/** "host:port" (an IPv6 host in brackets) as { host, port }; a clear `rpc/invalid-params` otherwise. */
function parseHostPort(text: string, field: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw new ControlError('rpc/invalid-params', `cluster.join: ${field} "${text}" is not host:port (a port in 1..65535; an IPv6 host in brackets)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

function peerToWire(p: PeerStats): Record<string, unknown> {
  return {
    id: p.id, state: p.state, incarnation: p.incarnation, member: p.member, sent: p.sent, received: p.received, queuedFrames: p.queuedFrames, queuedBytes: p.queuedBytes,
    bytesOut: p.bytesOut, bytesIn: p.bytesIn, framesOut: p.framesOut, framesIn: p.framesIn, heartbeatsOut: p.heartbeatsOut, heartbeatsIn: p.heartbeatsIn,
    lastHeardAgoMs: p.lastHeardAgoMs, connectedForMs: p.connectedForMs,
  };
}
