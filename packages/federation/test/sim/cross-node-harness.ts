/**
 * A simulated cluster of three nodes for the cross-node suites: three engines, each with its
 * federation over `simNetCarrier`, in one SimWorld (one thread, virtual time, the world's
 * seeded network). `makeCluster` is synchronous, so a behaviour suite's `make()` can build one
 * per engine it asks for: the nodes start with `Federation.startInSim`, the simulator's test
 * aid that takes the other nodes' incarnations as known, so addresses route at once and the
 * connections are made (handshake and all) on first use.
 *
 * `clusterEngine` is what a suite drives: node a's engine, except that its top-level spawns
 * run on the OTHER nodes (b, c, b, ... in turn) — closures included, which only works
 * because all nodes share the thread (as multi-core's `moveClosures`; a real remote spawn is
 * `federation.spawn` of a registered kind) — so the suite's sends, asks, signals, links and
 * monitors cross the simulated network. Its `idle()` waits for the whole cluster: every
 * engine idle and every frame staged by a router decoded by its peer; its `shutdown()` shuts
 * the three engines down, then closes the federations.
 *
 * Seeds: PD_SIM_SEEDS=N runs seeds 1..N, PD_SIM_SEED=S only S (as the runtime's sim suites).
 */
import { afterEach, beforeEach } from 'vitest';
import type { EngineOptions, ShutdownReport } from '@pd/runtime';
import { createEngine, type Engine } from '@pd/runtime';
import { HostGuard, SimError, SimWorld, describeViolations, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, createFederation } from '../../src/index.js';

export const SECRET = 'cross-node-suites-secret-0123456789';
/** Short heartbeats and backoff: a cut is noticed within `idleTimeoutMs` of virtual time. */
export const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
export const NODE_IDS = ['a', 'b', 'c'] as const;
export type NodeId = (typeof NODE_IDS)[number];

export function simSeeds(defaultCount: number): number[] {
  const one = process.env.PD_SIM_SEED;
  if (one !== undefined && one !== '') return [Number(one)];
  const count = Number(process.env.PD_SIM_SEEDS ?? defaultCount);
  return Array.from({ length: count }, (_, i) => i + 1);
}

export interface ClusterNode {
  readonly id: NodeId;
  /** The simulated host it runs on (for partitions). */
  readonly host: string;
  readonly engine: Engine;
  readonly federation: Federation;
}

export interface Cluster {
  readonly nodes: Readonly<Record<NodeId, ClusterNode>>;
  /** Frames routers decoded (across nodes: they crossed the simulated network). */
  framesIn(): number;
  /** Every engine idle and every frame a router staged decoded by its peer (polled each ms of virtual time, up to `maxMs`). */
  idle(maxMs?: number): Promise<void>;
  /** Shut the engines down (deadline `deadlineMs`), then close the federations; resolves with node a's report. */
  shutdown(deadlineMs?: number): Promise<ShutdownReport>;
}

let clusters = 0;

/**
 * Three nodes a, b, c on hosts `<prefix>a`, ... (`options` go to every engine), started with
 * the test aid `startInSim`: usable at once. See {@link startCluster} for the ordinary start.
 */
export function makeCluster(world: SimWorld, options: EngineOptions = {}, prefix = `k${clusters++}-`): Cluster {
  return buildCluster(world, options, prefix, true);
}

/**
 * Three nodes started as a real cluster is — `await federation.start(engine)` on each, no
 * test aid — and connected (every node dialed every other): for tests that use only what
 * users have (`federation.spawn` of registered kinds, partitions, heals).
 */
export async function startCluster(world: SimWorld, options: EngineOptions = {}, prefix = `k${clusters++}-`): Promise<Cluster> {
  const cluster = buildCluster(world, options, prefix, false);
  const list = Object.values(cluster.nodes);
  for (const node of list) await node.federation.start(node.engine);
  for (const node of list) for (const peer of list) if (peer !== node) await node.federation.connect(peer.id);
  return cluster;
}

function buildCluster(world: SimWorld, options: EngineOptions, prefix: string, aid: boolean): Cluster {
  const list: ClusterNode[] = NODE_IDS.map((id) => {
    const host = `${prefix}${id}`;
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      peers: NODE_IDS.filter((p) => p !== id).map((p) => ({ id: p, host: `${prefix}${p}`, port: 7000 })), requestTimeoutMs: 5000,
    });
    const engine = createEngine({ ...options, id, reactor: world.reactor(host), routers: [...(options.routers ?? []), federation.router] });
    return { id, host, engine, federation };
  });
  const nodes = Object.fromEntries(list.map((n) => [n.id, n])) as Record<NodeId, ClusterNode>;
  for (const node of aid ? list : []) {
    const peers = Object.fromEntries(list.filter((p) => p !== node).map((p) => [p.id, p.engine.incarnation]));
    node.federation.startInSim(node.engine, peers).catch(() => {});
  }
  const balanced = (): boolean => {
    for (const from of list) {
      for (const peer of from.federation.stats().peers) {
        const to = nodes[peer.id as NodeId].federation.stats().peers.find((p) => p.id === from.id);
        if (peer.sent !== (to?.received ?? 0)) return false;
      }
    }
    return true;
  };
  let closing: Promise<ShutdownReport> | null = null;
  return {
    nodes,
    framesIn: () => list.reduce((n, node) => n + node.federation.stats().router.framesIn, 0),
    async idle(maxMs = 200) {
      const a = nodes.a.engine;
      const start = a.reactor.now();
      for (;;) {
        await Promise.all(list.map((n) => n.engine.idle()));
        if (balanced() || a.reactor.now() - start > maxMs) return;
        await new Promise<void>((resolve) => a.reactor.setTimer(1, resolve));
      }
    },
    shutdown(deadlineMs = 1000) {
      closing ??= (async () => {
        const [report] = await Promise.all(list.map((n) => n.engine.shutdown({ deadlineMs })));
        await Promise.all(list.map((n) => n.federation.close()));
        return report!;
      })();
      return closing;
    },
  };
}

/**
 * Node a's engine as a suite sees it: top-level spawns go to b and c in turn (closures by
 * reference: a test aid of one thread), `idle()` and `shutdown()` are the cluster's.
 */
export function clusterEngine(cluster: Cluster): Engine {
  const a = cluster.nodes.a.engine;
  const elsewhere = [cluster.nodes.b.engine, cluster.nodes.c.engine];
  let next = 0;
  const overrides: Partial<Record<keyof Engine, unknown>> = {
    spawn: (definition: unknown, options?: unknown) => (elsewhere[next++ % elsewhere.length]!.spawn as (d: unknown, o?: unknown) => unknown)(definition, options),
    idle: () => cluster.idle(),
    shutdown: (options?: { deadlineMs?: number }) => cluster.shutdown(options?.deadlineMs),
  };
  return new Proxy(a, {
    get(target, key) {
      if (typeof key === 'string' && key in overrides) return overrides[key as keyof Engine];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** What {@link perTestCluster} gives a test: its world, and its cluster once started. */
export interface PerTestCluster {
  world(): SimWorld;
  /** The cluster {@link start} started (throws before). */
  cluster(): Cluster;
  /** Start the test's cluster as users do (`startCluster`), every engine with `options`. */
  start(options: EngineOptions): Promise<Cluster>;
}

/**
 * For each test of the enclosing `describe`, at `seed`: a fresh world (self-driven, the seed's
 * latency, duplication and reordering) and the host guard. After the test: the network
 * healed, the cluster shut down, `ended` told (for counters), then a simulation failure or a
 * host call that escaped the reactor fails the test. `reset` runs before each test.
 */
export function perTestCluster(seed: number, hooks: { reset?(): void; ended?(cluster: Cluster | null, world: SimWorld): void } = {}): PerTestCluster {
  let world: SimWorld | null = null;
  let guard: HostGuard | null = null;
  let cluster: Cluster | null = null;
  beforeEach(() => {
    hooks.reset?.();
    world = new SimWorld({ seed, autoRun: true });
    world.net.setFaults({ latencyMs: [0.2, 4], duplicate: 0.02, reorder: true });
    guard = HostGuard.install();
  });
  afterEach(async () => {
    const w = world!;
    if (cluster !== null) {
      w.net.heal();
      await cluster.shutdown(100);
    }
    hooks.ended?.(cluster, w);
    cluster = null;
    world = null;
    endWorld(seed, w, guard!);
  });
  return {
    world: () => world!,
    cluster: () => {
      if (cluster === null) throw new Error('perTestCluster: start() the cluster first');
      return cluster;
    },
    start: async (options) => (cluster = await startCluster(world!, options)),
  };
}

/** A test's world is over: the guard uninstalled, the world disposed, then its failure or a host call that escaped the reactor thrown. */
export function endWorld(seed: number, world: SimWorld, guard: HostGuard): void {
  const failure = world.failure;
  const leaks = guard.violations;
  guard.uninstall();
  world.dispose();
  if (failure !== null) throw new Error(`simulation failure at seed ${seed}, step ${failure.step}: ${failure.message}`);
  if (leaks.length > 0) throw new SimError('sim/host-leak', `seed ${seed}: ${describeViolations(leaks)}`);
}
