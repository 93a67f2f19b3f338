/**
 * The cluster scenarios' harness (cluster.scenario.ts): whole federations running SWIM on
 * hosts of the scenario's world, managed here rather than by the runner's nodes (a
 * federation's router must be given to its engine when the engine is made). Each node is
 * one engine + one federation; a restart is a new engine incarnation on a new host address
 * (`a`, `a.1`, `a.2`…), as after a real restart. Every node runs a sink actor that counts
 * what reaches it and checks each message was meant for its own incarnation; the traffic
 * goes to every sink ever made, old incarnations included (those must be dead letters).
 *
 * The harness keeps, per pair of nodes, the last virtual time they could not reach each
 * other (a cut link, either down, stopped or stalled), so "declared dead implies
 * unreachable" can be checked as the declarations appear.
 */
import { type AnyAddr, type Context, defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { simNetCarrier, type SimContext } from '@pd/runtime/sim';
import { type DowningOptions, type Federation, NAME_CONFLICT, type SwimTiming, createFederation } from '../../../src/index.js';

const SECRET = 'sim-cluster-secret-0123456789abc';
/** Heartbeats, and an idle timeout beyond any run: only the membership declares a node gone. */
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };
const GOSSIP_PORT = 7946;
const FED_PORT = 7000;

interface Hit { readonly to: AnyAddr; readonly from: string }

export type NodeState = 'down' | 'starting' | 'up' | 'stopped' | 'left';

export class ClusterNode {
  generation = -1;
  host = '';
  state: NodeState = 'down';
  engine: Engine | null = null;
  federation: Federation | null = null;
  sink: AnyAddr | null = null;
  /** Messages that reached this node's sinks (all incarnations). */
  received = 0;
  constructor(readonly id: string) {}

  /** Up, and neither stopped by downing nor shut down. */
  get live(): boolean {
    return this.state === 'up' && this.engine?.status === 'running';
  }
}

export interface ClusterOptions {
  readonly ids: readonly string[];
  readonly cluster: string;
  readonly timing?: SwimTiming;
  readonly downing?: DowningOptions;
  /** Names each node registers (for its sink) once up; a taken name is skipped. */
  readonly names?: (node: ClusterNode) => readonly string[];
  /** How often each node's driver runs (connect to alive members, send a message), virtual ms. */
  readonly tickMs?: number;
}

export class Cluster {
  readonly nodes: ClusterNode[];
  /** Every sink ever made, with the host incarnation it belonged to. */
  readonly sinks: { readonly node: string; readonly generation: number; readonly addr: AnyAddr }[] = [];
  /** `o>m@incarnation`: observer o saw member m dead at that membership incarnation. */
  readonly deaths = new Map<string, number>();
  staleDeliveries = 0;
  /** `pd/name-conflict` messages the sinks got (a registration that lost). */
  conflictNotices = 0;
  staleSends = 0;
  sent = 0;
  private readonly lastApart = new Map<string, number>();
  private readonly apartNow = new Set<string>();
  private readonly stalledUntil = new Map<string, number>();

  constructor(readonly sim: SimContext, readonly options: ClusterOptions) {
    this.nodes = options.ids.map((id) => new ClusterNode(id));
  }

  node(id: string): ClusterNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  // --- lifecycle ---

  /** Boot `node` (first time or after a crash, a leave or a downing): a new host address and incarnation. */
  start(node: ClusterNode): void {
    if (node.state === 'up' || node.state === 'starting') return;
    const world = this.sim.world;
    node.generation++;
    if (node.generation > 0) this.markGone(node);
    node.host = node.generation === 0 ? `${this.options.cluster}-${node.id}` : `${this.options.cluster}-${node.id}.${node.generation}`;
    node.state = 'starting';
    const seeds = this.nodes.filter((n) => n === node || n.state === 'up' || n.state === 'starting').map((n) => ({ host: n === node ? node.host : n.host, port: GOSSIP_PORT }));
    const federation = createFederation({
      nodeId: node.id, cluster: this.options.cluster, secret: SECRET, carrier: simNetCarrier(world, node.host), listen: { host: node.host, port: FED_PORT },
      limits: LIMITS, requestTimeoutMs: 5000,
      membership: {
        kind: 'swim', gossip: { port: GOSSIP_PORT }, seeds, ...(this.options.timing === undefined ? {} : { timing: this.options.timing }),
        ...(this.options.downing === undefined ? {} : { downing: this.options.downing }),
      },
    });
    const generation = node.generation;
    const Sink = defineKind<Hit>('sink', () => ({
      receive: (m: Hit, ctx: Context<Hit>) => {
        // A registration of this sink that lost a conflict (cluster-registry.ts).
        if ((m as { type?: unknown }).type === NAME_CONFLICT) {
          this.conflictNotices++;
          this.sim.trace(`conflict notice ${node.id}.${generation}`);
          return undefined;
        }
        node.received++;
        const stale = m.to.node !== ctx.self.node || String(m.to) !== String(ctx.self);
        if (stale) this.staleDeliveries++;
        this.sim.always(!stale, 'no message is delivered to a stale incarnation', { at: node.host, to: String(m.to), self: String(ctx.self), from: m.from });
        this.sim.trace(`hit ${node.id}.${generation}`);
        return undefined;
      },
    }));
    const engine = createEngine({ id: node.id, reactor: world.reactor(node.host), kinds: [Sink], routers: [federation.router], askTimeoutMs: 5000 });
    node.engine = engine;
    node.federation = federation;
    node.sink = engine.spawn(Sink);
    this.sinks.push({ node: node.id, generation, addr: node.sink });
    federation.start(engine).then(() => {
      if (node.generation !== generation || node.state !== 'starting') return;
      node.state = 'up';
      this.registerNames(node);
    }, (error: unknown) => this.sim.always(false, 'a node starts', { node: node.host, error: String(error) }));
  }

  /** Lose everything at once (no leave): the host's events and packets are dropped from now on. */
  crash(node: ClusterNode): void {
    if (node.state === 'down') return;
    const host = this.sim.world.host(node.host);
    host.up = false;
    host.epoch++;
    this.sim.world.net.unlisten(node.host);
    node.state = 'down';
    this.markGone(node);
    node.engine = null;
    node.federation = null;
    this.sim.trace(`crash ${node.host}`);
  }

  /** A graceful leave: the federation closes (SWIM gossips `left`), then the engine stops. */
  leave(node: ClusterNode): void {
    if (node.state !== 'up') return;
    node.state = 'left';
    this.markGone(node);
    const { federation, engine } = node;
    this.sim.trace(`leave ${node.host}`);
    void (async () => {
      await federation!.close();
      await engine!.shutdown();
    })().catch((error: unknown) => this.sim.always(false, 'a node leaves', { node: node.host, error: String(error) }));
  }

  /** Boot again every node that is not live (crashed, left, or stopped by downing): the liveness phase. */
  restartAll(): void {
    for (const node of this.nodes) {
      if (node.live || node.state === 'starting') continue;
      if (node.state === 'up') node.state = 'stopped';
      this.start(node);
    }
  }

  /** Stall `node`'s event loop for `ms` (SimWorld.stall). */
  stall(node: ClusterNode, ms: number): void {
    if (node.state !== 'up') return;
    this.sim.world.stall(this.sim.world.host(node.host), ms);
    this.stalledUntil.set(node.id, this.sim.world.now + ms);
  }

  /** Cut the cluster in two, both ways. */
  partition(a: readonly ClusterNode[], b: readonly ClusterNode[]): void {
    this.sim.world.net.partition(a.map((n) => n.host), b.map((n) => n.host));
    for (const x of a) for (const y of b) this.apartNow.add(pairKey(x.id, y.id));
    this.sim.trace('partition', `${a.map((n) => n.id).join('')}|${b.map((n) => n.id).join('')}`);
  }

  heal(): void {
    this.sim.world.net.heal();
    for (const k of this.apartNow) this.lastApart.set(k, this.sim.world.now);
    this.apartNow.clear();
  }

  // --- the driver: connections, traffic ---

  /** Each node: connect to the members it sees alive; send one message to a sink of any incarnation, seeded. */
  drive(): void {
    const rng = this.sim.random(`${this.options.cluster}/drive`);
    const tick = this.options.tickMs ?? 250;
    const loop = (): void => {
      for (const node of this.nodes) {
        if (!node.live) continue;
        const f = node.federation!;
        for (const m of f.members().members) {
          if (m.id !== node.id && m.status === 'alive') f.connect(m.id).catch(() => undefined);
        }
        if (this.sinks.length > 0 && rng.next() < 0.5) {
          const target = this.sinks[rng.nextInt(this.sinks.length)]!;
          const current = this.node(target.node);
          const stale = target.generation !== current.generation || !current.live;
          this.sim.sometimes(stale && target.generation !== current.generation, 'sent to an address of an older incarnation');
          if (stale) this.staleSends++;
          this.sent++;
          node.engine!.send(target.addr, { to: target.addr, from: node.id });
        }
      }
      this.sim.at(tick * (0.5 + rng.next()), loop);
    };
    this.sim.at(tick, loop);
  }

  private registerNames(node: ClusterNode): void {
    for (const name of this.options.names?.(node) ?? []) this.register(node, name);
  }

  /** Register `name` for `node`'s sink; false when taken (as this node sees it) or the node is not live. */
  register(node: ClusterNode, name: string): boolean {
    if (!node.live) return false;
    try {
      node.federation!.registry.register(name, node.sink!);
      this.sim.trace(`register ${name}@${node.id}`);
      return true;
    } catch {
      return false;
    }
  }

  // --- what the checks read ---

  /** Whether some other node could not reach `m` at some time in the last `windowMs` (or now). */
  wasUnreachable(m: ClusterNode, windowMs: number): boolean {
    return this.nodes.some((o) => o !== m && this.wereApart(o, m, windowMs));
  }

  /** Whether `a` and `b` could not reach each other at some time in the last `windowMs` (or now). */
  wereApart(a: ClusterNode, b: ClusterNode, windowMs: number): boolean {
    const now = this.sim.world.now;
    const since = now - windowMs;
    if (this.apartNow.has(pairKey(a.id, b.id))) return true;
    if ((this.lastApart.get(pairKey(a.id, b.id)) ?? -Infinity) >= since) return true;
    for (const n of [a, b]) {
      if (!n.live) return true;
      if ((this.stalledUntil.get(n.id) ?? -Infinity) >= since) return true;
    }
    return false;
  }

  /** Record when `node` stopped being reachable by anyone (crash, leave, downing), for `wereApart`. */
  markGone(node: ClusterNode): void {
    for (const other of this.nodes) if (other !== node) this.lastApart.set(pairKey(node.id, other.id), this.sim.world.now);
  }

  /**
   * New `dead` verdicts since the last call, each `[observer, member, incarnation]`, and
   * remembers them. Only live observers and members this cluster knows.
   */
  newDeaths(): [ClusterNode, ClusterNode, number][] {
    const out: [ClusterNode, ClusterNode, number][] = [];
    for (const o of this.nodes) {
      if (!o.live) continue;
      for (const m of o.federation!.members().members) {
        if (m.status !== 'dead' || m.id === o.id) continue;
        const key = `${o.id}>${m.id}@${m.incarnation}`;
        if (this.deaths.has(key)) continue;
        this.deaths.set(key, this.sim.world.now);
        out.push([o, this.node(m.id), m.incarnation]);
      }
    }
    return out;
  }

  /** Every live node sees exactly the live nodes alive (itself included), or why not. */
  membershipConverged(): true | string {
    const live = this.nodes.filter((n) => n.live);
    const want = live.map((n) => n.id).sort().join(',');
    for (const o of live) {
      const alive = o.federation!.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort().join(',');
      if (alive !== want) return `${o.id} sees alive [${alive}], live are [${want}]`;
    }
    return true;
  }

  /** Every live node resolves every registered name to the same live holder, held by one node only; or why not. */
  registryAgrees(): true | string {
    const live = this.nodes.filter((n) => n.live);
    const names = new Set<string>();
    for (const n of live) for (const e of n.federation!.registry.list()) names.add(e.name);
    for (const name of [...names].sort()) {
      const holders = live.filter((n) => n.federation!.registry.list().some((e) => e.name === name && e.node === n.id));
      if (holders.length > 1) return `${name} is held on ${holders.map((n) => n.id).join(' and ')}`;
      const seen = live.map((n) => n.federation!.registry.whereis(name));
      const first = seen[0];
      if (first === undefined || seen.some((s) => s === undefined || String(s) !== String(first))) {
        return `${name} resolves differently: ${live.map((n, i) => `${n.id}→${seen[i] === undefined ? 'none' : String(seen[i])}`).join(' ')}`;
      }
      const holder = holders[0];
      if (holder === undefined || holder.engine!.info(first) === undefined) return `${name}'s holder ${String(first)} is not a live actor`;
    }
    return true;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
