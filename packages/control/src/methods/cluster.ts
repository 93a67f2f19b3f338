/**
 * Cluster methods: what the engine's federation (@pd/federation) says about this node and
 * its peers, from `federation.stats()`, `members()` and `recentEvents()`, and those that
 * act: `cluster.join` (through seeds, SWIM only), `cluster.leave`, and `cluster.register` /
 * `cluster.unregister` (names in the cluster registry, beside those the config's
 * `clusterName`s keep: cluster-names.ts). `cluster.registry` lists the path prefixes
 * claimed in the cluster registry too. An engine that is not a node of a cluster answers
 * `cluster/unavailable`.
 */
import type { ClusterName, Federation, PeerStats } from '@pd/federation';
import { ControlError } from '../errors.js';
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
    summary: 'The cluster registry: every name spanning the nodes with its winning holder (node, hybrid logical clock stamp, address), every path prefix claimed likewise, the conflicts this node lost (names, then prefixes), and the process groups with their members (node, address) as this node sees them.',
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
      });
    },
  },
  'cluster.register': {
    params: ['name', 'target'],
    summary: 'Register a cluster name for a live actor of this node, on any of its cores (address, path or local name): every node resolves it. Refused (cluster/name-taken, data.node the holder\'s node) when a node already holds it.',
    run: async (p, host) => {
      const federation = runningFederation(host, 'register a cluster name');
      const name = clusterName(p.string('name'));
      // Any core's actor (a stand-in's address or path gives the actor it stands for).
      const { addr, info } = await resolveTargetInfo(host.engine, p.string('target'));
      const registry = federation.registry;
      const held = registry.list().find((n) => n.name === name);
      if (held !== undefined && held.node === federation.nodeId && held.addr.equals(addr)) return toWire({ nodeId: federation.nodeId, name, node: held.node, clock: held.clock, addr, path: info.path, already: true });
      if (held !== undefined) throw nameTaken(federation, held);
      try {
        registry.register(name, addr);
      } catch (error) {
        const now = registry.list().find((n) => n.name === name);
        if ((error as { code?: string }).code === 'registry/name-taken' && now !== undefined) throw nameTaken(federation, now);
        throw new ControlError('rpc/invalid-params', `cluster.register: ${(error as Error).message.replace(/^[a-z-]+\/[a-z-]+: /, '')}`, { data: { name } });
      }
      const configured = host.clusterNames?.configured(name);
      if (configured !== undefined && configured.path === info.path) host.clusterNames!.rearm(name, addr);
      const entry = registry.list().find((n) => n.name === name)!;
      return toWire({ nodeId: federation.nodeId, name, node: entry.node, clock: entry.clock, addr, path: info.path, already: false });
    },
  },
  'cluster.unregister': {
    params: ['name'],
    summary: 'Drop a cluster name this node holds (a config clusterName is also released: no longer kept). Refused (cluster/name-taken) for a name another node holds; target/unknown for a name nobody holds.',
    run: (p, host) => {
      const federation = runningFederation(host, 'unregister a cluster name');
      const name = clusterName(p.string('name'));
      const registry = federation.registry;
      const held = registry.list().find((n) => n.name === name);
      if (held !== undefined && held.node !== federation.nodeId) throw nameTaken(federation, held, 'unregister');
      const released = host.clusterNames?.release(name) ?? false;
      const unregistered = registry.unregister(name);
      if (!unregistered && !released) {
        throw new ControlError('target/unknown', `no node holds the cluster name "${name}"`, { hint: 'list the cluster names with `pd cluster names`', data: { name } });
      }
      return { nodeId: federation.nodeId, name, unregistered, released };
    },
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

/** A cluster name as the registry takes it, or `rpc/invalid-params`. */
function clusterName(name: string): string {
  if (name === '' || name.length > 1024) throw new ControlError('rpc/invalid-params', 'name: a cluster name is a non-empty string of at most 1024 characters');
  return name;
}

/** `cluster/name-taken` naming the holder: another node's, or another actor's here. */
function nameTaken(federation: Federation, held: ClusterName, op: 'register' | 'unregister' = 'register'): ControlError {
  const here = held.node === federation.nodeId;
  const message = op === 'unregister'
    ? `the cluster name "${held.name}" is held by node ${held.node} (${String(held.addr)}), not this node (${federation.nodeId})`
    : `the cluster name "${held.name}" is taken: node ${held.node}${here ? ' (this node)' : ''} holds it for ${String(held.addr)}`;
  return new ControlError('cluster/name-taken', message, {
    hint: here ? `unregister it first: pd cluster unregister ${held.name}` : `unregister it on node ${held.node} (pd cluster unregister ${held.name} against its engine), or wait until that node is gone`,
    data: { name: held.name, node: held.node, clock: held.clock, addr: String(held.addr) },
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
