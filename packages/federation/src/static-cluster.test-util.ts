/**
 * Test scaffolding for simulator tests of cluster-wide state (the registry, process groups):
 * nodes that know each other statically (no membership protocol) on one SimWorld, and
 * `step`, which runs some work inside the simulation and waits (in virtual time) until a
 * condition holds. Not part of the package: tsconfig.build.json leaves *.test-util.ts out of dist.
 */
import { expect } from 'vitest';
import type { AnyAddr, Kind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { type SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, createFederation } from './index.js';

const SECRET = 'sim-federation-secret-0123456789';
/** Fast heartbeats and idle timeouts: a node that stops is noticed within a second of virtual time. */
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };

export interface StaticNode {
  readonly engine: Engine;
  readonly federation: Federation;
}

/** Node `id` of the static cluster `ids` on host `h<id>`, port 7000, running `kinds`; not started. */
export function staticNode(world: SimWorld, id: string, ids: readonly string[], kinds: readonly Kind[]): StaticNode {
  const host = `h${id}`;
  const federation = createFederation({
    nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
    peers: ids.filter((p) => p !== id).map((p) => ({ id: p, host: `h${p}`, port: 7000 })),
  });
  const engine = createEngine({ id, reactor: world.reactor(host), kinds: [...kinds], routers: [federation.router] });
  return { engine, federation };
}

/** A static cluster of `staticNode`s with what the registry tests ask of it. */
export interface StaticCluster {
  readonly nodes: ReadonlyMap<string, StaticNode>;
  /** Start every node's federation and connect every pair (run it inside a step). */
  connectAll(): Promise<void>;
  /** The node `name` resolves to in `id`'s view of the cluster registry: null when unknown there. */
  holderNode(id: string, name: string): string | null;
  /** Spawn `kind` with `args` on node `id`. */
  spawn<A>(id: string, kind: Kind<any, A>, args: A): AnyAddr;
}

/** The static cluster `ids`, each node running `kinds` (set host clocks before calling it); not started. */
export function staticCluster(world: SimWorld, ids: readonly string[], kinds: readonly Kind[]): StaticCluster {
  const nodes = new Map<string, StaticNode>();
  for (const id of ids) nodes.set(id, staticNode(world, id, ids, kinds));
  const node = (id: string): StaticNode => nodes.get(id)!;
  return {
    nodes,
    connectAll: async () => {
      for (const n of nodes.values()) await n.federation.start(n.engine);
      for (const id of ids) for (const p of ids) if (p !== id) await node(id).federation.connect(p);
    },
    holderNode: (id, name) => {
      const addr = node(id).federation.registry.whereis(name);
      return addr === undefined ? null : node(id).federation.nodeOf(addr) ?? '?';
    },
    spawn: (id, kind, args) => node(id).engine.spawn(kind, { args }),
  };
}

/**
 * `step(what, work, condition)`: runs `work` inside the simulation, then runs the world until
 * it is done and `condition` holds (at most 30 s of virtual time); fails naming `what`
 * otherwise, or with the first error any step's work threw.
 */
export function stepper(world: SimWorld): (what: string, work: () => Promise<void> | void, condition?: () => boolean) => Promise<void> {
  let failure: unknown = null;
  return async (what, work, condition = () => true) => {
    let done = false;
    world.at(0, () => {
      Promise.resolve().then(work).then(() => { done = true; }, (error: unknown) => { failure ??= error; });
    });
    await world.run({ untilMs: world.now + 30_000, until: () => failure !== null || (done && condition()) });
    if (failure !== null) throw failure;
    expect(done && condition(), what).toBe(true);
  };
}
