/**
 * The federation of one node: what a user (or `pd start`, later) holds to make an engine a
 * node of a cluster. It validates the options, hands the engine its node router (through
 * the engine's `routers` seam: the runtime never imports this package), opens the network
 * node (@pd/transport) on `start`, and offers what the engine's own API cannot: spawning on
 * a named node and looking a name up there, both asynchronous because the node may not be
 * connected yet. Owns: the lifecycle (create, start, close) and the stats view. Must not:
 * carry traffic itself (node-router.ts does).
 */
import { type Addr, type AnyAddr, ArgumentError, EngineError, type MailboxOptions } from '@pd/actor';
import { type Engine, type EngineOptions, type ReactorTimer, type RouterFactory, createEngine } from '@pd/runtime';
import { Codec, type NetAddress, type NetEvent, NetNode, type NetStats, SECRET_ENV, type SecretSource, createNetNode, loadSecret, loadSecrets, tcpCarrier } from '@pd/transport';
import { type Membership, StaticMembership } from './membership.js';
import { type NodeService, NodeRouter, type PeerState, type RouterCounters, type RouterExtension } from './node-router.js';
import {
  type DiscoverySpec, FEDERATION_DEFAULTS, type FederationOptions, type SwimMembershipSpec, isDiscoveryProvider, isMembershipSpec, validateFederationOptions,
} from './options.js';
import { PolicyGate, type PolicyRefusals } from './policy.js';
import { ClusterRegistry } from './cluster-registry.js';
import { ClusterGroups } from './cluster-groups.js';
import { CoreExits } from './core-exits.js';
import { ClusterEvents } from './cluster-events.js';
import { Downing, type DowningDecision, type DowningStrategy } from './downing.js';
import { type MemberInfo, SwimMembership, type SwimStats } from './swim.js';
import { carrierSwimTransport } from './swim-transport.js';
import type { DiscoveryProvider, LeaseProvider } from './discovery/provider.js';
import { DiscoveryRunner, type DiscoveryStats } from './discovery/runner.js';
import { staticSeeds } from './discovery/static.js';
import { dnsSeeds } from './discovery/dns.js';
import { etcdDiscovery, etcdLease } from './discovery/etcd.js';
import { leaseArbiter } from './discovery/lease-majority.js';

/** How often a node tells its peers its registry's and groups' last versions (anti-entropy), ms. */
const ANTI_ENTROPY_MS = 5000;

/** Options of {@link Federation.spawn}: a registered kind's spawn, on `node`. */
export interface RemoteSpawnOptions<A = unknown> {
  /** The node to spawn on (its id); this node's own id spawns here. */
  readonly node: string;
  /** Arguments for the kind's factory: they cross the network, so plain data and addresses only. */
  readonly args?: A;
  /** A name under `/user` on that node. */
  readonly name?: string;
  /** Register the actor under this name in that node's registry. */
  readonly register?: string;
  readonly trapExits?: boolean;
  readonly mailbox?: MailboxOptions;
}

/** One peer as this node sees it. */
export interface PeerStats {
  readonly id: string;
  /** `idle`: never used; `connecting`: dialed, no handshake yet; `up`; `down`: lost (reconnecting if it is a member). */
  readonly state: PeerState;
  /** The incarnation of its current run (0 before the first handshake). */
  readonly incarnation: number;
  /** Whether the membership lists it. */
  readonly member: boolean;
  /** Frames this node's router sent it (queued ones included) and received from it. */
  readonly sent: number;
  readonly received: number;
  /** Frames and bytes waiting in its outbound queues. */
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  /**
   * Bytes written to it and read from it over every connection so far (the wire protocol's
   * records, handshakes and heartbeats included, before TLS or WebSocket framing).
   */
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** Frames written to its connections and read from them (`sent` also counts frames still queued or lost). */
  readonly framesOut: number;
  readonly framesIn: number;
  /** Heartbeats sent to it (this side had nothing else to say for an interval) and received from it. */
  readonly heartbeatsOut: number;
  readonly heartbeatsIn: number;
  /**
   * Milliseconds since anything (a record of any kind, heartbeats included) was last heard
   * from it, by the engine's clock (virtual time in a simulation); null: never heard. An age,
   * not a timestamp, so it means the same to a reader in another process.
   */
  readonly lastHeardAgoMs: number | null;
  /** Milliseconds the current connection has been up; null while there is none. */
  readonly connectedForMs: number | null;
}

/** What {@link Federation.stats} returns. */
export interface FederationStats {
  readonly nodeId: string;
  readonly incarnation: number;
  readonly peers: readonly PeerStats[];
  /** Requests from remote nodes refused by the policy. */
  readonly refused: Readonly<PolicyRefusals>;
  readonly router: Readonly<RouterCounters>;
  /** Links and monitors spanning nodes held now, and requests awaiting answers. */
  readonly books: { readonly links: number; readonly watching: number; readonly watchedBy: number; readonly pending: number };
  /** The network node's counters (handshakes, frames, bytes, drops by cause). */
  readonly net: NetStats | null;
  /** The SWIM membership's counters and local health, when the federation runs one (`membership: { kind: 'swim' }`). */
  readonly swim: (SwimStats & { readonly healthScore: number }) | null;
  /** The discovery provider's seeds and counters, when the federation runs one (`discovery`). */
  readonly discovery: DiscoveryStats | null;
}

/** What {@link Federation.members} returns. */
export interface MembersView {
  /** `static`: the `peers` list (or a membership of the caller's); `swim`: the federation's SWIM membership. */
  readonly kind: 'static' | 'swim';
  /** Every member this node knows, itself first (for `static`: itself and its peers, all `alive`, incarnation 0). */
  readonly members: readonly MemberInfo[];
  /** With SWIM: the downing strategy, the members this side downed, and the decisions taken (oldest first). */
  readonly downing?: { readonly strategy: DowningStrategy; readonly downed: readonly string[]; readonly decisions: readonly DowningDecision[] };
}

/**
 * One node's federation. Make it, pass {@link router} to `createEngine`, then
 * `await federation.start(engine)`:
 *
 * ```ts
 * const federation = createFederation({ nodeId: 'a', listen: { port: 7400 }, peers: [{ id: 'b', host: '10.0.0.2', port: 7400 }] });
 * const engine = createEngine({ kinds: [Counter], routers: [federation.router] });
 * await federation.start(engine);
 * const counter = await federation.spawn('counter', { node: 'b' });
 * engine.send(counter, { type: 'inc' });
 * ```
 */
export class Federation {
  readonly options: FederationOptions;
  readonly nodeId: string;
  /** The router factory: pass it in `createEngine({ routers: [federation.router] })`. */
  readonly router: RouterFactory;
  private nodeRouter: NodeRouter | null = null;
  private net: NetNode | null = null;
  private engine: Engine | null = null;
  private readonly gate: PolicyGate;
  private membership: Membership;
  /** The SWIM membership this federation runs itself (`membership: { kind: 'swim' }`), once started. */
  private swim: SwimMembership | null = null;
  private downing: Downing | null = null;
  private discovery: DiscoveryRunner | null = null;
  private lease: LeaseProvider | null = null;
  private clusterRegistry: ClusterRegistry | null = null;
  private clusterGroups: ClusterGroups | null = null;
  /** The registry's and the groups' anti-entropy timer (unreferenced: it keeps no process alive). */
  private antiEntropy: ReactorTimer | null = null;
  private readonly recent: NetEvent[] = [];
  /**
   * Cluster events as they happen: members changing state, connections up and down,
   * registry conflicts lost, downing decisions (`federation.events.subscribe(fn, types?)`).
   * The control plane merges them into the engine's event stream (`pd events`).
   */
  readonly events = new ClusterEvents();
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  constructor(options: FederationOptions) {
    validateFederationOptions(options);
    this.options = options;
    this.nodeId = options.nodeId;
    this.gate = new PolicyGate(options.policy);
    const m = options.membership;
    this.membership = m === undefined || isMembershipSpec(m) ? new StaticMembership(options.peers ?? []) : m;
    const timeout = options.requestTimeoutMs ?? FEDERATION_DEFAULTS.requestTimeoutMs;
    this.router = (host) => {
      if (this.nodeRouter !== null) {
        throw new ArgumentError(`federation '${this.nodeId}' is already attached to an engine (one federation per single-core engine)`);
      }
      this.nodeRouter = new NodeRouter(host, this.gate, timeout, this.nodeId);
      return this.nodeRouter;
    };
  }

  /** Opens the network (listening if `listen` is set) for `engine`, which must have been created with {@link router}. */
  async start(engine: Engine): Promise<NetAddress | null> {
    const router = this.nodeRouter;
    if (router === null || router.node !== engine.incarnation) {
      throw new ArgumentError(`federation '${this.nodeId}': start(engine) needs the engine created with createEngine({ routers: [federation.router] })`);
    }
    if (this.state !== 'new') throw new EngineError('engine/stopped', `federation '${this.nodeId}' is ${this.state}; create a new one`);
    this.state = 'starting';
    try {
      return await this.open(engine, router);
    } catch (error) {
      // A start that failed (a secret that does not load, a port in use) leaves nothing open.
      this.state = 'closed';
      await this.net?.close();
      await this.swim?.close();
      await this.discovery?.close();
      await this.lease?.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Test aid, for the simulator only (refused unless `carrier` is `simNetCarrier`'s, the
   * membership static and the secret a string): starts as {@link start} does, but routes at
   * once — the router is attached to the network before this returns, and `peers` (node id
   * to the incarnation of its engine, which a test in one thread can read) are taken as
   * known, as the list a connected peer sends of its own peers would give. So a whole cluster
   * can be built inside a synchronous function (a behaviour suite's `make`) and used right
   * away: the connections are made on first use, frames wait for them. The promise resolves
   * once the node listens. No real node has its peers' incarnations before a handshake.
   */
  startInSim(engine: Engine, peers: Readonly<Record<string, number>>): Promise<NetAddress | null> {
    const router = this.nodeRouter;
    const o = this.options;
    if (router === null || router.node !== engine.incarnation) {
      throw new ArgumentError(`federation '${this.nodeId}': startInSim(engine) needs the engine created with createEngine({ routers: [federation.router] })`);
    }
    if (
      o.carrier?.kind !== 'sim' || typeof o.secret !== 'string' || (o.acceptSecrets ?? []).some((s) => typeof s !== 'string')
      || (o.membership !== undefined && isMembershipSpec(o.membership) && o.membership.kind !== 'static')
    ) {
      throw new ArgumentError(`federation '${this.nodeId}': startInSim is a test aid for the simulator: it needs carrier simNetCarrier(...), a static membership, and a string secret (and acceptSecrets of strings)`);
    }
    if (this.state !== 'new') throw new EngineError('engine/stopped', `federation '${this.nodeId}' is ${this.state}; create a new one`);
    this.state = 'starting';
    const net = new NetNode({
      clock: engine.reactor, codec: new Codec(), carrier: o.carrier, nodeId: o.nodeId, cluster: o.cluster ?? FEDERATION_DEFAULTS.cluster,
      incarnation: engine.incarnation, secret: Buffer.from(o.secret, 'utf8'), onEvent: (event) => this.onNetEvent(event),
      acceptSecrets: (o.acceptSecrets ?? []).map((s) => Buffer.from(s as string, 'utf8')),
      ...(o.listen === undefined ? {} : { listen: { host: o.listen.host ?? '127.0.0.1', port: o.listen.port } }),
      ...(o.limits === undefined ? {} : { limits: o.limits }),
    });
    this.attachNet(engine, router, net);
    router.knowPeers(Object.entries(peers));
    return net.start().then((address) => {
      if (this.state === 'starting') this.state = 'started';
      return address;
    });
  }

  private async open(engine: Engine, router: NodeRouter): Promise<NetAddress | null> {
    const o = this.options;
    const cluster = o.cluster ?? FEDERATION_DEFAULTS.cluster;
    const spec = isMembershipSpec(o.membership) && o.membership.kind === 'swim' ? o.membership : null;
    if (spec !== null) this.membership = this.swim = await this.makeSwim(spec, cluster);
    const onEvent = (event: NetEvent): void => this.onNetEvent(event);
    const net = o.carrier !== undefined
      ? new NetNode({
        clock: engine.reactor, codec: new Codec(), carrier: o.carrier, nodeId: o.nodeId, cluster, incarnation: engine.incarnation,
        secret: await loadSecret(o.secret ?? { env: SECRET_ENV }, 'secret', o.env ?? process.env), onEvent,
        acceptSecrets: await loadSecrets(o.acceptSecrets, 'acceptSecrets', o.env ?? process.env),
        ...(o.listen === undefined ? {} : { listen: { host: o.listen.host ?? '127.0.0.1', port: o.listen.port } }),
        ...(o.limits === undefined ? {} : { limits: o.limits }),
      })
      : await createNetNode({
        transport: o.transport ?? FEDERATION_DEFAULTS.transport, nodeId: o.nodeId, cluster,
        incarnation: engine.incarnation, ...(o.listen === undefined ? {} : { listen: o.listen }), ...(o.secret === undefined ? {} : { secret: o.secret }),
        ...(o.acceptSecrets === undefined ? {} : { acceptSecrets: o.acceptSecrets }),
        ...(o.tls === undefined ? {} : { tls: o.tls }), ...(o.limits === undefined ? {} : { limits: o.limits }),
      }, { clock: engine.reactor, codec: new Codec(), ...(o.env === undefined ? {} : { env: o.env }), onEvent });
    this.attachNet(engine, router, net);
    const address = await net.start();
    if (this.swim !== null && address !== null) {
      this.swim.advertisePort(address.port);
      const swim = this.swim;
      if (o.discovery !== undefined) {
        // The first seeds before joining; a provider that fails leaves the static seeds (and is retried).
        const provider = isDiscoveryProvider(o.discovery) ? o.discovery : discoveryOf(o.discovery, cluster);
        this.discovery = new DiscoveryRunner(provider, spec?.seeds ?? [], swim, engine.reactor, o.nodeId);
        await this.discovery.first();
      }
      // Probing, gossip and their timeouts run on the engine's reactor (the simulator's clock in a simulation).
      try {
        await swim.start(engine.reactor);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException)?.code;
        if (typeof code !== 'string') throw error;
        const g = this.swim.gossipAddress;
        throw new ArgumentError(`federation: the membership cannot listen on ${g.host}:${g.port}: ${code}`, { field: 'membership.gossip', code });
      }
      await this.discovery?.run({ nodeId: o.nodeId, gossip: swim.gossipAddress, address: { host: swim.memberList()[0]!.address.host, port: address.port } });
      const downing = spec?.downing ?? {};
      let arbiter;
      if (downing.strategy === 'lease-majority' && downing.lease !== undefined) {
        const l = downing.lease;
        const lease = 'tryLock' in l ? l : etcdLease({
          endpoints: l.endpoints, key: l.key ?? `/pd/${cluster}/lease`, ...(l.ttlMs === undefined ? {} : { ttlMs: l.ttlMs }),
          ...(l.tls === undefined ? {} : { tls: l.tls }), ...(l.auth === undefined ? {} : { auth: l.auth }),
        });
        this.lease = lease;
        await lease.start?.({ nodeId: o.nodeId, reactor: engine.reactor });
        arbiter = leaseArbiter(o.nodeId, lease, engine.reactor, downing.leaseWaitMs ?? 2 * lease.ttlMs);
      }
      this.downing = new Downing(o.nodeId, swim, engine.reactor, downing, (decision) => {
        if (this.events.active) {
          this.events.emit({
            type: 'downing', at: engine.reactor.wallTime(), decision: decision.decision, strategy: decision.strategy, reason: decision.reason, unreachable: decision.unreachable,
          });
        }
        if (decision.decision === 'down') this.downed(decision);
      }, arbiter);
      this.downing.start();
    }
    this.state = 'started';
    return address;
  }

  /** Hands `net` to the router and wires the registry: everything of a start up to listening, synchronously. */
  private attachNet(engine: Engine, router: NodeRouter, net: NetNode): void {
    const o = this.options;
    this.net = net;
    this.engine = engine;
    // Attached before listening: a peer's handshake can then never find the router unready.
    router.attach(net, engine, this.membership);
    this.membership.subscribe({
      peerUp: () => {}, peerDown: () => {},
      memberChanged: (c) => {
        if (this.events.active) this.events.emit({ type: 'member', at: engine.reactor.wallTime(), node: c.id, status: c.status, incarnation: c.incarnation, by: c.by });
      },
    });
    // Names and members may be actors of any core: core 0's exits come from the router's
    // hook, the other cores' from the monitors core 0 holds on them (core-exits.ts).
    const exits = new CoreExits(engine, {
      exited: (addr) => router.extension?.exited(addr),
      held: (addr) => registry.holds(addr) || groups.holds(addr),
      onError: (error) => {
        router.counters.errors++;
        router.lastError = error;
      },
    });
    const alive = (addr: AnyAddr): boolean => (exits.otherCore(addr) ? exits.coreUp(addr) : engine.info(addr) !== undefined);
    const watch = (addr: AnyAddr): void => exits.watch(addr);
    const unwatch = (addr: AnyAddr): void => exits.unwatch(addr);
    const registry = new ClusterRegistry({
      nodeId: o.nodeId, incarnation: () => engine.incarnation, alive, watch, unwatch,
      tell: (addr, message) => void engine.send(addr, message),
      noticeTo: (peer, notice) => router.noticeTo(peer, notice), upPeers: () => router.upPeers(), dialMembers: () => router.dialMembers(),
      wallTime: () => engine.reactor.wallTime(),
      lost: (c) => {
        if (!this.events.active) return;
        const sides = { loser: { node: c.loser.node, clock: c.loser.clock }, winner: { node: c.winner.node, clock: c.winner.clock } };
        const at = engine.reactor.wallTime();
        this.events.emit('prefix' in c ? { type: 'prefix-conflict', at, prefix: c.prefix, ...sides } : { type: 'name-conflict', at, name: c.name, ...sides });
      },
    });
    const groups = new ClusterGroups({
      nodeId: o.nodeId, incarnation: () => engine.incarnation, alive, watch, unwatch,
      send: (addr, message) => void engine.send(addr, message),
      noticeTo: (peer, notice) => router.noticeTo(peer, notice), upPeers: () => router.upPeers(), dialMembers: () => router.dialMembers(),
    });
    router.extension = bothExtensions(registry, groups);
    this.clusterRegistry = registry;
    this.clusterGroups = groups;
    // Anti-entropy: notices lost on a connection that stays up are asked for again (cluster-registry.ts).
    const tick = (): void => {
      this.antiEntropy = engine.reactor.setTimer(ANTI_ENTROPY_MS, tick);
      engine.reactor.keepAlive(this.antiEntropy, false);
      for (const x of [registry, groups]) {
        try {
          x.tick();
        } catch (error) {
          router.counters.errors++;
          router.lastError = error;
        }
      }
    };
    this.antiEntropy = engine.reactor.setTimer(ANTI_ENTROPY_MS, tick);
    engine.reactor.keepAlive(this.antiEntropy, false);
  }

  /** The SWIM membership of `spec`: sealed or signed with the cluster secret, over the carrier given or TCP. */
  private async makeSwim(spec: SwimMembershipSpec, cluster: string): Promise<SwimMembership> {
    const o = this.options;
    const host = o.listen?.host ?? '127.0.0.1';
    // The same secret the federation's handshakes prove: a membership message without it is dropped.
    const secret = await loadSecret(o.secret ?? { env: SECRET_ENV }, 'secret', o.env ?? process.env);
    const acceptSecrets = await loadSecrets(o.acceptSecrets, 'acceptSecrets', o.env ?? process.env);
    return new SwimMembership({
      nodeId: o.nodeId, cluster, secret, acceptSecrets, ...(spec.encryption === undefined ? {} : { encryption: spec.encryption }),
      advertise: { host: spec.advertiseHost ?? host, port: o.listen?.port || 1 },
      gossip: { host: spec.gossip?.host ?? host, port: spec.gossip?.port ?? 0 },
      ...(spec.seeds === undefined ? {} : { seeds: spec.seeds }), ...(spec.timing === undefined ? {} : { timing: spec.timing }),
      transport: carrierSwimTransport(o.carrier ?? tcpCarrier()),
      // Forget a dead member only once downing put it out (or downing is off): a side that has
      // decided nothing keeps trying it, so a healed partition finds its other half.
      mayReap: (id, incarnation) => {
        const d = this.downing;
        return d !== null && (d.strategy === 'off' || d.hasDowned(id, incarnation));
      },
    });
  }

  /**
   * The members as the membership sees them: with `membership: { kind: 'swim' }` each with
   * its state (`alive`, `suspect`, `dead`, `left`), incarnation and addresses; with a static
   * list, this node and its peers (all `alive`). What `pd cluster members` shows.
   */
  members(): MembersView {
    if (this.swim !== null) {
      const d = this.downing;
      return {
        kind: 'swim', members: this.swim.memberList(),
        ...(d === null ? {} : { downing: { strategy: d.strategy, downed: d.downedMembers(), decisions: d.history() } }),
      };
    }
    const self = this.address;
    const host = this.options.listen?.host ?? '127.0.0.1';
    const entry = (id: string, a: { host: string; port: number }): MemberInfo => ({
      id, status: 'alive', incarnation: 0, address: { id, host: a.host, port: a.port }, gossip: { host: a.host, port: 0 }, accusers: 0, deadlineMs: null,
    });
    return {
      kind: 'static',
      members: [entry(this.nodeId, self ?? { host, port: 0 }), ...(this.options.peers ?? []).filter((p) => this.membership.addressOf(p.id) !== undefined)
        .map((p) => entry(p.id, this.membership.addressOf(p.id)!))],
    };
  }

  /** This node is on the losing side of a partition: the user's `onDowned`, or stop the engine and leave. */
  private downed(decision: DowningDecision): void {
    const engine = this.engine;
    if (this.options.onDowned !== undefined) {
      try {
        this.options.onDowned(decision);
      } catch (error) {
        this.nodeRouter!.lastError = error;
      }
      return;
    }
    if (engine === null) return;
    void (async () => {
      await engine.shutdown();
      await this.close();
    })().catch((error: unknown) => {
      if (this.nodeRouter !== null) this.nodeRouter.lastError = error;
    });
  }

  /**
   * The cluster registry: names spanning the nodes (`registry.register(name, addr)` for an
   * actor of this node, on any of its cores; `registry.whereis(name)` from any node), and path
   * prefixes (`registry.registerPrefix('/user/orders', supervisor)`; `registry.whereisPrefix(path)`
   * gives the node the longest claim covering a path names, {@link whereisPath} the actor
   * there), conflicts decided by (hybrid logical clock, node id) with the loser's holder sent a
   * `pd/name-conflict` (`pd/prefix-conflict`) message. Once started.
   */
  get registry(): ClusterRegistry {
    if (this.clusterRegistry === null) throw new EngineError('engine/stopped', `federation '${this.nodeId}' is not started (await federation.start(engine))`);
    return this.clusterRegistry;
  }

  /**
   * Process groups spanning the nodes, with Erlang `pg`'s semantics: `groups.join(group, addr)`
   * for an actor of this node, on any of its cores (it leaves on exit), `groups.members(group)` from any node,
   * `groups.subscribe(fn, group?)` for changes, `groups.publish(group, message)` to send to
   * every member. Once started.
   */
  get groups(): ClusterGroups {
    if (this.clusterGroups === null) throw new EngineError('engine/stopped', `federation '${this.nodeId}' is not started (await federation.start(engine))`);
    return this.clusterGroups;
  }

  /** The SWIM membership the federation runs (`membership: { kind: 'swim' }`), once started; null otherwise. */
  get swimMembership(): SwimMembership | null {
    return this.swim;
  }

  /** Where this node listens, once started (null when it only dials). */
  get address(): NetAddress | null {
    return this.net?.address ?? null;
  }

  /** This node's incarnation (the `node` of every address its engine mints), once attached. */
  get incarnation(): number {
    return this.nodeRouter?.node ?? 0;
  }

  /**
   * Spawn the registered kind `kind` on node `options.node`; resolves with its address
   * (usable at once from any node that can reach that one). Rejects with the spawn's error
   * as that node raised it (`spawn/unknown-kind`, a policy refusal, `registry/name-taken`),
   * with `ask/timeout` after `requestTimeoutMs`, or `ask/target-exited` when the connection
   * is lost first. `M` (its messages) and `R` (its reply type) are claims nothing checks:
   * state them next to the kind.
   */
  async spawn<M = unknown, A = unknown, R = unknown>(kind: string, options: RemoteSpawnOptions<A>): Promise<Addr<M, R>> {
    const engine = this.started('spawn');
    if (typeof kind !== 'string' || kind === '') throw new ArgumentError(`spawn: kind must be a registered kind's name, got ${String(kind)}`);
    if (typeof options !== 'object' || options === null) throw new ArgumentError('spawn: options { node } are required');
    const { node, ...rest } = options;
    if (node === this.nodeId) return engine.spawn<M>(kind, rest as never) as Addr<M, R>;
    return this.nodeRouter!.spawnOn(node, kind, rest) as Promise<Addr<M, R>>;
  }

  /** The address registered under `name` (or, for a name starting with `/`, at that path) on node `options.node`. */
  async whereis<M = unknown, R = unknown>(name: string, options: { readonly node: string }): Promise<Addr<M, R> | undefined> {
    const engine = this.started('whereis');
    if (typeof name !== 'string' || name === '') throw new ArgumentError(`whereis: name must be a non-empty string, got ${String(name)}`);
    if (options?.node === this.nodeId) return engine.resolve(name) as Addr<M, R> | undefined;
    return this.nodeRouter!.whereisOn(options?.node, name) as Promise<Addr<M, R> | undefined>;
  }

  /**
   * The actor at `path` anywhere in the cluster: the node of the longest path prefix claimed
   * in the cluster registry that covers `path` (`registry.whereisPrefix`), then the actor at
   * `path` on that node (looked up there, as {@link whereis} with `{ node }` does).
   * Undefined when no claim covers `path` or no actor is at it on that node. Rejects with
   * `arg/invalid` for a malformed path, and as `whereis` does when the node cannot answer.
   */
  async whereisPath<M = unknown, R = unknown>(path: string): Promise<Addr<M, R> | undefined> {
    const engine = this.started('whereisPath');
    const claim = this.registry.whereisPrefix(path);
    if (claim === undefined) return undefined;
    // A multi-core node: the engine-wide registry knows the paths of every core.
    if (claim.node === this.nodeId) return (engine.resolve(path) ?? engine.registry.whereisPath(path)) as Addr<M, R> | undefined;
    return this.nodeRouter!.whereisOn(claim.node, path) as Promise<Addr<M, R> | undefined>;
  }

  /**
   * Answer queries to `service` from other nodes of the cluster with `handler(query, from)`:
   * its value (or what its promise resolves to) goes back, what it throws goes back as the
   * error. The query arrives as the asking node sent it: check its shape. Services are how
   * a node offers what no actor answers (the control plane serves `pd/control` for remote
   * `pd ps`, `pd tree`, `pd inspect`). Returns the function that stops serving.
   */
  serve(service: string, handler: NodeService): () => void {
    if (typeof service !== 'string' || service === '') throw new ArgumentError(`serve: service must be a non-empty string, got ${String(service)}`);
    if (typeof handler !== 'function') throw new ArgumentError('serve: handler must be a function (query, from) => answer');
    if (this.nodeRouter === null) throw new EngineError('engine/stopped', `serve: federation '${this.nodeId}' is not attached to an engine yet (createEngine({ routers: [federation.router] }))`);
    return this.nodeRouter.serve(service, handler);
  }

  /**
   * Ask the service `service` of node `node` (see {@link serve}) with `query`; resolves with
   * its answer, rejects with the error its handler threw (`argument/invalid` naming the
   * services it has, when it has not this one), `ask/timeout` after `requestTimeoutMs`, or
   * `ask/target-exited` when the connection is lost first.
   */
  async query(node: string, service: string, query: unknown): Promise<unknown> {
    this.started('query');
    if (typeof service !== 'string' || service === '') throw new ArgumentError(`query: service must be a non-empty string, got ${String(service)}`);
    return this.nodeRouter!.queryOn(node, service, query);
  }

  /**
   * Connect to `node` now instead of at first use; resolves once the handshake is done (its
   * incarnation known), rejects with `ask/timeout` after `requestTimeoutMs`.
   */
  async connect(node: string): Promise<void> {
    this.started('connect');
    await this.nodeRouter!.connect(node);
  }

  /**
   * Rotates the cluster secret on this running node (docs/federation.md#rotating-the-cluster-secret):
   * from the next handshake and the next membership message on, it proves and sends with
   * `secret`, and takes peers and messages under `secret` or any of `acceptSecrets`.
   * Connections up now stay up (they proved themselves already). Loads every source first:
   * one that does not load (a file others can read, a missing variable, fewer than 16 bytes)
   * rejects naming its field, and nothing changes.
   */
  async setSecrets(secret: SecretSource, acceptSecrets: readonly SecretSource[] = []): Promise<void> {
    this.started('setSecrets');
    const env = this.options.env ?? process.env;
    const own = await loadSecret(secret, 'secret', env);
    const accepted = await loadSecrets(acceptSecrets, 'acceptSecrets', env);
    this.net!.setSecrets(own, accepted);
    this.swim?.setSecrets(own, accepted);
  }

  /**
   * Join (or re-join) the cluster through `seeds`, membership endpoints (gossip `host:port`)
   * of nodes in it: for a node that started alone or whose seeds were down, or to merge two
   * clusters by hand. Needs `membership: { kind: 'swim' }`; asynchronous (members appear as
   * the answers come). Returns how many seeds were asked.
   */
  join(seeds: readonly { readonly host: string; readonly port: number }[]): number {
    this.started('join');
    if (this.swim === null) {
      throw new ArgumentError(`join: federation '${this.nodeId}' has a static membership (its peers option); joining through seeds needs membership { kind: 'swim' }`, { field: 'membership' });
    }
    if (!Array.isArray(seeds) || seeds.length === 0) throw new ArgumentError('join: seeds must be a non-empty list of { host, port }');
    for (const [i, seed] of seeds.entries()) {
      if (typeof seed?.host !== 'string' || seed.host === '' || !Number.isInteger(seed.port) || seed.port < 1 || seed.port > 65535) {
        throw new ArgumentError(`join: seeds[${i}] must be { host, port } with a port in 1..65535, got ${JSON.stringify(seed)}`);
      }
    }
    return this.swim.join(seeds);
  }

  /** Whether the federation is running: false before {@link start} finishes and after {@link close} (leaving). */
  get running(): boolean {
    return this.state === 'started';
  }

  /** The node id whose actor `addr` is, if this node knows it (its own id for a local address). */
  nodeOf(addr: AnyAddr): string | undefined {
    if (addr.node === this.incarnation) return this.nodeId;
    return this.nodeRouter?.peerList().find((p) => p.incarnation === addr.node)?.id;
  }

  /** Peers, refusals, books, network counters. */
  stats(): FederationStats {
    const router = this.nodeRouter;
    const net = this.net;
    return {
      nodeId: this.nodeId, incarnation: this.incarnation,
      peers: (router?.peerList() ?? []).map((p) => peerStats(p, net)),
      refused: { ...this.gate.refused },
      router: { ...(router?.counters ?? { framesIn: 0, badFrames: 0, staleSends: 0, errors: 0 }) },
      books: router?.books() ?? { links: 0, watching: 0, watchedBy: 0, pending: 0 },
      net: net === null ? null : structuredClone(net.stats),
      swim: this.swim === null ? null : { ...this.swim.stats, healthScore: this.swim.healthScore },
      discovery: this.discovery?.stats() ?? null,
    };
  }

  /** The last network events (up, down, refused), oldest first, at most 64. */
  recentEvents(): readonly NetEvent[] {
    return [...this.recent];
  }

  /**
   * Leave the cluster: links and monitors across nodes get `noconnection` here, peers see
   * this node's connections close (and theirs fire there). With a SWIM membership, every
   * live member is told this node `left` first (they fire peer down with reason `left` at
   * once instead of suspecting it). Does not shut the engine down.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const engine = this.engine;
    this.downing?.stop();
    this.swim?.leave();
    if (this.antiEntropy !== null && engine !== null) engine.reactor.clearTimer(this.antiEntropy);
    this.antiEntropy = null;
    // Exits and Downs staged just before (a shutdown's last actors) leave in the flush the
    // network scheduled with `soon`; this turn comes after it, so they go out first.
    if (engine !== null) await new Promise<void>((resolve) => engine.reactor.soon(resolve));
    this.nodeRouter?.close();
    await this.net?.close();
    await this.swim?.close();
    // Deregistered and the lock given back last: the others see `left` first, then this node gone from discovery.
    await this.discovery?.close();
    await this.lease?.close().catch(() => {});
  }

  private started(operation: string): Engine {
    if (this.state !== 'started' || this.engine === null) {
      throw new EngineError('engine/stopped', `${operation}: federation '${this.nodeId}' is ${this.state === 'closed' ? 'closed' : 'not started (await federation.start(engine))'}`);
    }
    return this.engine;
  }

  private onNetEvent(event: NetEvent): void {
    this.recent.push(event);
    if (this.recent.length > 64) this.recent.shift();
    if (this.events.active && event.type !== 'refused' && this.engine !== null) {
      const at = this.engine.reactor.wallTime();
      this.events.emit(event.type === 'up'
        ? { type: 'peer', at, node: event.peer, state: 'up', incarnation: event.incarnation }
        : { type: 'peer', at, node: event.peer, state: 'down', reason: event.reason, text: event.text });
    }
    const router = this.nodeRouter;
    if (router === null) return;
    if (event.type === 'up') router.peerConnected(event.peer, event.incarnation);
    else if (event.type === 'down') {
      router.peerTrouble(event.peer, event.reason, event.text, event.byPeer);
      router.peerDisconnected(event.peer);
    } else if (event.peer !== null) router.peerTrouble(event.peer, event.reason, event.text, event.byPeer);
  }
}

/** The provider `spec` asks for; etcd's default prefix is `/pd/<cluster>`. */
/** A peer as the router lists it, with what the network node counted for it (times turned into ages by its clock). */
function peerStats(p: ReturnType<NodeRouter['peerList']>[number], net: NetNode | null): PeerStats {
  const link = net?.peer(p.id) ?? null;
  const now = net?.clock.now() ?? 0;
  const age = (at: number | null | undefined): number | null => (at === null || at === undefined ? null : Math.max(0, now - at));
  return {
    ...p,
    queuedFrames: link?.queuedFrames ?? 0, queuedBytes: link?.queuedBytes ?? 0,
    bytesOut: link?.bytesOut ?? 0, bytesIn: link?.bytesIn ?? 0,
    framesOut: link?.framesOut ?? 0, framesIn: link?.framesIn ?? 0,
    heartbeatsOut: link?.heartbeatsOut ?? 0, heartbeatsIn: link?.heartbeatsIn ?? 0,
    lastHeardAgoMs: age(link?.lastHeardAt), connectedForMs: age(link?.connectedAt),
  };
}

function discoveryOf(spec: DiscoverySpec, cluster: string): DiscoveryProvider {
  switch (spec.kind) {
    case 'static':
      return staticSeeds(spec.seeds);
    case 'dns':
      return dnsSeeds(spec);
    case 'etcd':
      return etcdDiscovery({ ...spec, prefix: spec.prefix ?? `/pd/${cluster}` });
  }
}

/** Validates `options` (errors name the field) and makes a {@link Federation}; see its example. */
export function createFederation(options: FederationOptions): Federation {
  return new Federation(options);
}

/** A started node: its engine and federation. */
export interface FederationNode {
  readonly engine: Engine;
  readonly federation: Federation;
  /** Where it listens (null when it only dials). */
  readonly address: NetAddress | null;
  /** Shut the engine down, then leave the cluster. */
  stop(options?: { readonly deadlineMs?: number }): Promise<void>;
}

/**
 * Create an engine that is a node of a cluster, and start its federation. `engine` takes
 * the engine's options (kinds, id, `mode: 'multi'` with its cores, ...) except `routers`.
 * On a multi-core node the federation runs on core 0, the node's gateway: a message from
 * another node to an actor on core 3 crosses the network once, then the node's rings
 * (docs/federation.md, "Multi-core nodes").
 */
export async function startNode(options: { readonly federation: FederationOptions; readonly engine?: Omit<EngineOptions, 'routers'> }): Promise<FederationNode> {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('startNode: options { federation, engine? } are required');
  const engineOptions = options.engine as (EngineOptions | undefined);
  const federation = createFederation(options.federation);
  const engine = createEngine({ ...engineOptions, routers: [...(engineOptions?.routers ?? []), federation.router] });
  let address: NetAddress | null;
  try {
    // A multi-core node joins once all its cores are up: the other nodes may place actors on any of them at once.
    await engine.ready();
    address = await federation.start(engine);
  } catch (error) {
    await engine.shutdown({ deadlineMs: 1 });
    throw error;
  }
  return {
    engine, federation, address,
    stop: async (stopOptions) => {
      await engine.shutdown(stopOptions?.deadlineMs === undefined ? {} : { deadlineMs: stopOptions.deadlineMs });
      await federation.close();
    },
  };
}

/**
 * The router's one extension slot serving the registry and the groups: each hears every peer
 * event and exit (one that throws does not keep the other from hearing it; the first error
 * is rethrown for the router to count), and the notices of its own `op`.
 */
function bothExtensions(registry: ClusterRegistry, groups: ClusterGroups): RouterExtension {
  const each = (fn: (x: RouterExtension) => void): void => {
    let failure: unknown = null;
    for (const x of [registry, groups]) {
      try {
        fn(x);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
  };
  return {
    connected: (peer) => each((x) => x.connected(peer)),
    down: (peer) => each((x) => x.down(peer)),
    exited: (local) => each((x) => x.exited(local)),
    notice: (peer, incarnation, body) => ((body as { op?: unknown }).op === 'groups' ? groups : registry).notice(peer, incarnation, body),
    wantsPeers: () => registry.wantsPeers() || groups.wantsPeers(),
  };
}
