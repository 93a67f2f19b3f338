/**
 * SWIM membership with Lifeguard: who is in the cluster, found by gossip and checked by
 * randomized probing, as the peer-up / peer-down events of {@link Membership} that the node
 * router acts on (a member declared dead or gone gives its links and monitors
 * `noconnection`). See docs/membership.md for the protocol and its trade-offs.
 *
 * Each probe interval one member (round-robin over a shuffled list) gets a `ping`; no
 * `ack` within the probe timeout and `indirectChecks` others are asked to ping it
 * (`ping-req`, answered by `ack` or, Lifeguard, `nack`); no ack by the end of the interval
 * and it is suspected. A suspect is declared dead when its suspicion times out, unless it
 * refutes by gossiping itself alive with a higher incarnation. Lifeguard: timeouts stretch
 * with this node's own health score (failed probes and missing nacks raise it, so a slow
 * node stops accusing others), suspicion timeouts start long and shrink as independent
 * members confirm, and a suspect learns of it from the very next ping (buddy system).
 * Updates ride piggybacked on every message (and on gossip rounds) a bounded number of
 * times; a periodic full-state exchange (push-pull) repairs what gossip missed and, tried
 * with a dead member too, reunites the halves of a healed partition. A member dead or left
 * for `gossipToTheDeadMs` is reaped (memberlist's `resetNodes`): it leaves the table, and a
 * tombstone of it stays for {@link TOMBSTONE_FACTOR} times as long, so that a stale `alive`
 * of its old incarnation cannot bring it back (docs/membership.md, "Reaping").
 *
 * Owns: the member table (and its tombstones), the protocol's timers and the gossip queue. Must not: read real
 * time or `Math.random` (the reactor's clock, timers and seeded stream only, so a
 * simulation replays it), open connections for the federation, or throw for anything a
 * peer sends (bad messages are counted).
 */
import { ArgumentError, EngineError } from '@pd/actor';
import type { RandomStream, Reactor, ReactorTimer } from '@pd/runtime';
import type { MemberChange, Membership, MembershipListener, PeerAddress } from './membership.js';
import { type GossipAddress, type SwimEncryption, type SwimOptions, type SwimTiming, checkSecret, validateSwimOptions } from './swim-options.js';
import type { SwimTransport } from './swim-transport.js';
import { type Envelope, type MemberStatus, type SwimMessage, SwimCodec, type Update } from './swim-wire.js';

/** One member as this node sees it (what `pd cluster members` shows). */
export interface MemberInfo {
  readonly id: string;
  readonly status: MemberStatus;
  readonly incarnation: number;
  /** Its federation address. */
  readonly address: PeerAddress;
  /** Its membership endpoint. */
  readonly gossip: GossipAddress;
  /** While suspect: members that accused it (independent confirmations shorten the timeout). */
  readonly accusers: number;
  /** While suspect: reactor time at which it will be declared dead, unless refuted or confirmed further. */
  readonly deadlineMs: number | null;
}

/** Counters of one node's membership. */
export interface SwimStats {
  probes: number;
  /** Probes that went indirect (no direct ack in time). */
  indirectProbes: number;
  /** Probes that failed (the target was suspected). */
  failedProbes: number;
  /** Times this node refuted a suspicion or death about itself. */
  refutations: number;
  /** Members this node declared dead itself (its suspicion timed out). */
  declaredDead: number;
  messagesIn: number;
  messagesOut: number;
  /** Messages dropped: not sealed or signed with the secret, bad JSON, wrong shape or cluster; with `encryption: 'always'`, signed but not sealed. */
  badMessages: number;
  /**
   * Messages that arrived signed but not sealed (readable on the way): from a node of a version
   * before sealing or with `encryption: 'never'`, or sent before the sender learned that this
   * node opens sealed ones (its first message to each endpoint, with `encryption: 'auto'`).
   */
  unsealed: number;
  /** Probe ticks that fired more than a probe timeout late (a stalled event loop): each raised the health score. */
  stalls: number;
  /** Errors caught instead of thrown (a membership listener that threw, say); the last is `lastError`. */
  errors: number;
  /** Members reaped: removed from the table `gossipToTheDeadMs` after they were declared dead or left. */
  reaped: number;
}

/**
 * A reaped member's tombstone lasts this many times `gossipToTheDeadMs` (at least this many
 * probe intervals): long enough for every node that still holds an old `alive` of it to have
 * declared it dead itself (a probe round plus Lifeguard's longest suspicion timeout, 24 s at
 * N = 10 with the LAN defaults) or to have been told by a push-pull, with a wide margin; short
 * enough that the table of tombstones stays bounded by the churn of a few minutes (5 with the
 * defaults).
 */
export const TOMBSTONE_FACTOR = 10;

class Suspicion {
  readonly accusers = new Set<string>();
  deadline: number;
  timer: ReactorTimer | null = null;

  constructor(by: string, readonly start: number, private readonly k: number, private readonly min: number, private readonly max: number) {
    this.accusers.add(by);
    this.deadline = start + (k < 1 ? min : max);
  }

  /** Adds an independent accuser; true when it is new (then the deadline moved). */
  confirm(by: string): boolean {
    if (this.accusers.has(by) || this.k < 1) return false;
    this.accusers.add(by);
    // Lifeguard: the timeout falls from max towards min logarithmically with confirmations.
    const n = this.accusers.size - 1;
    const raw = this.max - (this.max - this.min) * (Math.log(n + 1) / Math.log(this.k + 1));
    this.deadline = this.start + Math.max(this.min, Math.floor(raw));
    return true;
  }
}

interface Member {
  readonly id: string;
  status: MemberStatus;
  incarnation: number;
  peer: PeerAddress;
  gossip: GossipAddress;
  /** Who last said what we believe (the accuser of a suspicion). */
  by: string;
  /** Reactor time of the last status change. */
  changedAt: number;
  /** Reactor time this node last heard from it: a message it sent, or an ack (direct or relayed) to a probe of it. */
  heardAt: number;
  suspicion: Suspicion | null;
  /** When its run started on its own wall clock, as it told (join order for keep-oldest); Infinity when unknown. */
  since: number;
}

/** A probe of this node in flight. */
interface Probe {
  readonly seq: number;
  readonly target: string;
  acked: boolean;
  nacks: number;
  expectedNacks: number;
  timers: ReactorTimer[];
}

/**
 * A {@link Membership} kept by SWIM with Lifeguard. Make it, pass it as the federation's
 * `membership`, and start it on the engine's reactor once the federation is started:
 *
 * ```ts
 * const membership = new SwimMembership({
 *   nodeId: 'a', advertise: { host: '10.0.0.1', port: 7400 }, gossip: { host: '10.0.0.1', port: 7946 },
 *   seeds: [{ host: '10.0.0.2', port: 7946 }], transport: carrierSwimTransport(tcpCarrier), secret,
 * });
 * const federation = createFederation({ nodeId: 'a', listen: { port: 7400 }, membership });
 * const engine = createEngine({ routers: [federation.router] });
 * await federation.start(engine);
 * await membership.start(engine.reactor);
 * ```
 */
export class SwimMembership implements Membership {
  readonly nodeId: string;
  readonly timing: Required<SwimTiming>;
  readonly stats: SwimStats = {
    probes: 0, indirectProbes: 0, failedProbes: 0, refutations: 0, declaredDead: 0, messagesIn: 0, messagesOut: 0, badMessages: 0, unsealed: 0, stalls: 0, errors: 0, reaped: 0,
  };
  /** The last error counted in `stats.errors`, for diagnosis. */
  lastError: unknown = null;
  private readonly cluster: string;
  private readonly self: { readonly host: string; port: number; readonly gHost: string; gPort: number };
  private seeds: readonly GossipAddress[];
  private readonly transport: SwimTransport;
  private codec: SwimCodec;
  private readonly hasSecret: boolean;
  /** `SwimOptions.encryption` (`never` too without a secret: nothing to seal with). */
  private readonly encryption: SwimEncryption;
  /**
   * Membership endpoints (`host:port`) whose node said it opens sealed messages (`seal` on its
   * last message): with `encryption: 'auto'` those get sealed messages, others signed ones.
   */
  private readonly sealers = new Set<string>();
  private readonly members = new Map<string, Member>();
  /**
   * Reaped members, by id, with the reactor time they were reaped: no longer members (not
   * listed, not probed, not counted), but an `alive` at or below a tombstone's incarnation is
   * stale and ignored, and syncs carry them (as `dead` / `left`) so that a restarted node
   * learns its old incarnation and refutes above it.
   */
  private readonly tombstones = new Map<string, { readonly member: Member; readonly reapedAt: number }>();
  private readonly listeners = new Set<MembershipListener>();
  /** `SwimOptions.mayReap`: asked before a dead member is reaped (null: always). */
  private readonly mayReap: ((id: string, incarnation: number) => boolean) | null;
  /** Updates to piggyback, one per member (a newer one replaces it), with the times each was sent. */
  private readonly queue = new Map<string, { update: Update; transmits: number }>();
  /** Handlers of acks and nacks awaited, by sequence number. */
  private readonly awaiting = new Map<number, (kind: 'ack' | 'nack') => void>();
  private incarnation = 0;
  /** When this run started, ms of the reactor's wall clock (set on start). */
  private since = 0;
  /** Lifeguard's local health score, in [0, awarenessMaxMultiplier - 1]; timeouts scale by score + 1. */
  private health = 0;
  private seq = 0;
  /** Set while handling a message that carried a refuted claim against this node (answered with the current alive). */
  private staleClaim = false;
  private order: string[] = [];
  private orderIndex = 0;
  private probe: Probe | null = null;
  private reactor: Reactor | null = null;
  private random: RandomStream | null = null;
  /** Nonces for sealed messages: the reactor's entropy, or a seeded stream in a simulation. */
  private nonces: RandomStream | null = null;
  private readonly ticks: ReactorTimer[] = [];
  private state: 'new' | 'running' | 'left' | 'closed' = 'new';

  constructor(options: SwimOptions) {
    this.timing = validateSwimOptions(options);
    this.nodeId = options.nodeId;
    this.cluster = options.cluster ?? 'pd';
    this.self = { host: options.advertise.host, port: options.advertise.port, gHost: options.gossip.host, gPort: options.gossip.port };
    this.seeds = (options.seeds ?? []).filter((s) => s.host !== options.gossip.host || s.port !== options.gossip.port).map((s) => ({ host: s.host, port: s.port }));
    this.transport = options.transport;
    this.codec = new SwimCodec(options.secret, this.cluster, options.acceptSecrets);
    this.hasSecret = options.secret !== undefined;
    this.encryption = options.secret === undefined ? 'never' : options.encryption ?? 'auto';
    this.mayReap = options.mayReap ?? null;
  }

  // --- Membership ---

  subscribe(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    for (const m of this.members.values()) if (live(m.status)) listener.peerUp(m.peer);
    return () => this.listeners.delete(listener);
  }

  addressOf(id: string): PeerAddress | undefined {
    const m = this.members.get(id);
    return m !== undefined && live(m.status) ? m.peer : undefined;
  }

  // --- lifecycle ---

  /** Starts listening and probing on `reactor` (the engine's), and joins through the seeds. */
  async start(reactor: Reactor): Promise<void> {
    if (this.state !== 'new') throw new EngineError('engine/stopped', `swim membership '${this.nodeId}' is ${this.state}; create a new one`);
    // A nonce repeated under one key gives the key away: a seeded stream will do only in a
    // simulation (whose runs must replay), never on a reactor of real time without entropy.
    const entropy = reactor.entropy?.();
    if (entropy === undefined && reactor.kind !== 'sim' && this.encryption !== 'never') {
      throw new ArgumentError(`swim: sealing needs unpredictable nonces, and reactor '${reactor.kind}' has no entropy(): give it one, or set encryption: 'never'`, { field: 'encryption' });
    }
    this.state = 'running';
    this.reactor = reactor;
    this.random = reactor.random('swim');
    this.nonces = entropy ?? reactor.random('swim-nonce');
    this.since = Math.max(0, Math.floor(reactor.wallTime()));
    const bound = await this.transport.listen({ host: this.self.gHost, port: this.self.gPort }, reactor, (bytes) => this.receive(bytes));
    this.self.gPort = bound.port;
    // Announce itself (memberlist's setAlive): the seeds are not the only ones to spread the word.
    this.enqueue(this.selfUpdate('alive'));
    this.joinSeeds();
    this.every(() => this.timing.probeIntervalMs * this.multiplier(), (late) => this.probeTick(late));
    this.every(() => this.timing.gossipIntervalMs, () => this.gossipTick());
    if (this.timing.pushPullIntervalMs > 0) this.every(() => this.timing.pushPullIntervalMs, () => this.pushPullTick());
  }

  /**
   * Leaves gracefully: tells every live member this node `left` (they fire peer down with
   * reason `left` instead of waiting to declare it dead), then stops probing. Call
   * {@link close} after it to release the endpoint.
   */
  leave(): void {
    if (this.state !== 'running') return;
    this.incarnation++;
    const goodbye = this.selfUpdate('left');
    this.state = 'left';
    for (const m of this.members.values()) {
      if (live(m.status)) this.send(m.gossip, { t: 'gossip' }, [goodbye]);
    }
    this.stopTimers();
  }

  /**
   * Joins (or re-joins) through `seeds` now — membership endpoints of nodes in the cluster
   * (`host:port` of their gossip) — with a push-pull state exchange each: for a node that
   * started alone, whose seeds were all down, or to merge two clusters by hand
   * (`pd cluster join`). Asynchronous: the members appear as the answers arrive. Returns how
   * many seeds were asked (seeds that are this node itself are skipped).
   */
  join(seeds: readonly GossipAddress[]): number {
    if (this.state !== 'running') throw new EngineError('engine/stopped', `swim membership '${this.nodeId}' is ${this.state}; it joins while running only`);
    let asked = 0;
    for (const seed of seeds) {
      if (seed.host === this.self.gHost && seed.port === this.self.gPort) continue;
      this.sync({ host: seed.host, port: seed.port }, true);
      asked++;
    }
    return asked;
  }

  /** Stops everything and closes the endpoint (without telling anyone: see {@link leave}). */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopTimers();
    for (const m of this.members.values()) this.clearSuspicion(m);
    await this.transport.close();
  }

  /**
   * Changes the secrets from the next message on: messages go out under `secret` and are
   * taken under it or any of `accept` — how a running cluster rotates its secret
   * (docs/federation.md#rotating-the-cluster-secret). Throws an `ArgumentError` naming the
   * field, changing nothing, for a secret shorter than 16 bytes or on a membership made
   * without a secret.
   */
  setSecrets(secret: string | Uint8Array, accept: readonly (string | Uint8Array)[] = []): void {
    const bad = (field: string, why: string): never => {
      throw new ArgumentError(`swim setSecrets: ${field} ${why}`, { field });
    };
    if (!this.hasSecret) bad('secret', 'cannot be set on a membership made without one (its members would drop every message)');
    checkSecret(secret, 'secret', bad);
    if (!Array.isArray(accept)) bad('acceptSecrets', 'must be an array of secrets');
    accept.forEach((s, i) => checkSecret(s, `acceptSecrets[${i}]`, bad));
    this.codec = new SwimCodec(secret, this.cluster, accept);
  }

  /**
   * The federation port this node advertises, when it was only known once the federation
   * listened (port 0). Before {@link start} only. @internal (the federation calls it)
   */
  advertisePort(port: number): void {
    if (this.state !== 'new') throw new EngineError('engine/stopped', `swim membership '${this.nodeId}': the advertised port is fixed once started`);
    this.self.port = port;
  }

  /**
   * Replace the seeds (a discovery provider found new ones). Seeds not seen before are
   * synced with at once when running, so nodes that started apart (each the first of its
   * cluster) merge as soon as discovery lists them; this node's own endpoint is skipped.
   */
  setSeeds(seeds: readonly GossipAddress[]): void {
    const key = (s: GossipAddress): string => `${s.host}:${s.port}`;
    const before = new Set(this.seeds.map(key));
    const known = new Set([...this.members.values()].filter((m) => live(m.status)).map((m) => key(m.gossip)));
    this.seeds = seeds.filter((s) => s.host !== this.self.gHost || s.port !== this.self.gPort).map((s) => ({ host: s.host, port: s.port }));
    if (this.state !== 'running') return;
    for (const s of this.seeds) if (!before.has(key(s)) && !known.has(key(s))) this.sync(s, true);
  }

  /** The seeds this node joins through (static and discovered). */
  get seedList(): readonly GossipAddress[] {
    return this.seeds;
  }

  /** Where this node's membership endpoint listens (its port is known once started, when `gossip.port` was 0). */
  get gossipAddress(): GossipAddress {
    return { host: this.self.gHost, port: this.self.gPort };
  }

  /** Every member this node knows (itself first), for display. */
  memberList(): MemberInfo[] {
    const self: MemberInfo = {
      id: this.nodeId, status: this.state === 'left' || this.state === 'closed' ? 'left' : 'alive', incarnation: this.incarnation,
      address: { id: this.nodeId, host: this.self.host, port: this.self.port }, gossip: { host: this.self.gHost, port: this.self.gPort },
      accusers: 0, deadlineMs: null,
    };
    return [self, ...[...this.members.values()].map((m) => ({
      id: m.id, status: m.status, incarnation: m.incarnation, address: m.peer, gossip: m.gossip,
      accusers: m.suspicion?.accusers.size ?? 0, deadlineMs: m.suspicion?.deadline ?? null,
    }))];
  }

  /** What downing reads: every member (this node first) with its status, incarnation and join order (`since`). */
  downingView(): { id: string; status: MemberStatus; incarnation: number; age: number; heardAt: number }[] {
    const now = this.reactor?.now() ?? 0;
    return [
      { id: this.nodeId, status: this.state === 'left' || this.state === 'closed' ? 'left' : 'alive', incarnation: this.incarnation, age: this.since, heardAt: now },
      ...[...this.members.values()].map((m) => ({ id: m.id, status: m.status, incarnation: m.incarnation, age: m.since, heardAt: m.heardAt })),
    ];
  }

  /** Lifeguard's local health score: 0 is healthy; timeouts stretch by score + 1. */
  get healthScore(): number {
    return this.health;
  }

  /** This node's incarnation (raised to refute a suspicion, and on leave). */
  get selfIncarnation(): number {
    return this.incarnation;
  }

  /**
   * Tell Lifeguard about trouble seen locally (positive: a stalled event loop, say) or good
   * health (negative); the score stays within its bounds.
   */
  adjustHealth(delta: number): void {
    if (Number.isFinite(delta)) this.health = Math.max(0, Math.min(this.timing.awarenessMaxMultiplier - 1, this.health + Math.trunc(delta)));
  }

  // --- probing ---

  private probeTick(lateMs: number): void {
    // Lifeguard fed by the event loop: a tick that fires well after its time means this process
    // stalled (GC, a blocking call, an overloaded host), and its own verdicts deserve less haste.
    if (this.stalled(lateMs)) this.finishProbe();
    this.reap();
    if (!this.hasLiveMember()) this.joinSeeds();
    this.reconnect();
    const target = this.nextTarget();
    if (target === undefined) return;
    this.probeNode(target);
  }

  /**
   * Whether a timer that fired `lateMs` late means this process stalled; then the health
   * score rises, and what the timer would conclude from silence is not concluded: the answers
   * may be waiting unread (Node runs due timers before it reads sockets).
   */
  private stalled(lateMs: number): boolean {
    if (lateMs <= this.timing.probeTimeoutMs) return false;
    this.stats.stalls++;
    this.adjustHealth(Math.ceil(lateMs / this.timing.probeIntervalMs));
    return true;
  }

  /** Round-robin over a shuffled list; reshuffled after each pass (memberlist's `nextProbe`). */
  private nextTarget(): Member | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.orderIndex < this.order.length) {
        const m = this.members.get(this.order[this.orderIndex++]!);
        if (m !== undefined && live(m.status)) return m;
      }
      this.order = this.shuffle([...this.members.keys()]);
      this.orderIndex = 0;
    }
    return undefined;
  }

  private probeNode(target: Member): void {
    // The next tick and the last probe's deadline fall on the same instant: conclude that probe first, never drop it.
    if (this.probe !== null) this.failProbe(this.probe);
    this.stats.probes++;
    const mult = this.multiplier();
    const seq = ++this.seq;
    const probe: Probe = { seq, target: target.id, acked: false, nacks: 0, expectedNacks: 0, timers: [] };
    this.probe = probe;
    this.awaiting.set(seq, (kind) => {
      if (kind === 'nack') {
        probe.nacks++;
        return;
      }
      if (probe.acked) return;
      probe.acked = true;
      target.heardAt = this.reactor!.now();
      this.adjustHealth(-1);
      this.finishProbe();
    });
    // Buddy system (Lifeguard): a suspect hears of its suspicion on the ping itself.
    const buddy = target.status === 'suspect' ? [this.updateOf(target)] : [];
    this.send(target.gossip, { t: 'ping', seq, target: target.id }, buddy);
    probe.timers.push(this.timer(this.timing.probeTimeoutMs * mult, () => {
      if (probe.acked || this.probe !== probe) return;
      this.stats.indirectProbes++;
      const helpers = this.shuffle([...this.members.values()].filter((m) => m.id !== target.id && m.status === 'alive')).slice(0, this.timing.indirectChecks);
      probe.expectedNacks = helpers.length;
      for (const h of helpers) {
        this.send(h.gossip, { t: 'ping-req', seq, target: target.id, tHost: target.gossip.host, tPort: target.gossip.port });
      }
    }));
    const deadline = this.reactor!.now() + this.timing.probeIntervalMs * mult;
    probe.timers.push(this.timer(this.timing.probeIntervalMs * mult, () => {
      if (this.stalled(this.reactor!.now() - deadline)) {
        if (this.probe === probe) this.finishProbe();
        return;
      }
      this.failProbe(probe);
    }));
  }

  /** The end of the interval came with no ack: Lifeguard's health update, then suspicion. */
  private failProbe(probe: Probe): void {
    if (probe.acked || this.probe !== probe) return;
    this.finishProbe();
    this.stats.failedProbes++;
    // Lifeguard: missing nacks mean the trouble may be here, not there; with no helpers, any failure counts.
    this.adjustHealth(probe.expectedNacks > 0 ? probe.expectedNacks - probe.nacks : 1);
    const m = this.members.get(probe.target);
    if (m !== undefined && live(m.status)) this.apply({ ...this.updateOf(m), status: 'suspect', by: this.nodeId });
  }

  private finishProbe(): void {
    const probe = this.probe;
    if (probe === null) return;
    this.probe = null;
    for (const t of probe.timers) this.reactor!.clearTimer(t);
    this.awaiting.delete(probe.seq);
  }

  // --- gossip ---

  private gossipTick(): void {
    if (this.queue.size === 0) return;
    const now = this.reactor!.now();
    const targets = this.shuffle([...this.members.values()].filter((m) => live(m.status)
      || (m.status === 'dead' && now - m.changedAt < this.timing.gossipToTheDeadMs))).slice(0, this.timing.gossipNodes);
    for (const m of targets) {
      if (this.queue.size === 0) break;
      this.send(m.gossip, { t: 'gossip' });
    }
  }

  private pushPullTick(): void {
    const alive = [...this.members.values()].filter((m) => m.status === 'alive');
    if (alive.length > 0) this.sync(alive[this.random!.nextInt(alive.length)]!.gossip, true);
    // Try one dead member too: if it was only cut off, both sides learn and refute (a healed
    // partition rejoins). Reaped ones are tried while their tombstone lasts.
    const dead = [...this.members.values()].filter((m) => m.status === 'dead');
    for (const t of this.tombstones.values()) if (t.member.status === 'dead') dead.push(t.member);
    if (dead.length > 0) this.sync(dead[this.random!.nextInt(dead.length)]!.gossip, true);
  }

  /**
   * Once a probe round, a full-state sync with one member declared dead less than
   * `gossipToTheDeadMs` ago. Gossip reaches such members only while updates are queued, and
   * the queue drains within a few rounds; without this, the halves of a partition healed
   * after their verdicts would meet again at the next push-pull (30 s), later than downing's
   * stable-after (20 s): a short cut, healed, would still be downed.
   */
  private reconnect(): void {
    const now = this.reactor!.now();
    let pick: Member | undefined;
    let seen = 0;
    for (const m of this.members.values()) {
      if (m.status !== 'dead' || now - m.changedAt >= this.timing.gossipToTheDeadMs) continue;
      // One uniform pick without building a list (reservoir sampling).
      if (this.random!.nextInt(++seen) === 0) pick = m;
    }
    if (pick !== undefined) this.sync(pick.gossip, true);
  }

  private joinSeeds(): void {
    for (const seed of this.seeds) this.sync(seed, true);
  }

  private sync(to: GossipAddress, reply: boolean): void {
    const state = [this.selfUpdate('alive'), ...[...this.members.values()].map((m) => this.updateOf(m))];
    // Tombstones too: a restarted node (incarnation 0 again) learns it is dead at its old
    // incarnation and refutes above it; a node that never knew the member ignores them.
    for (const t of this.tombstones.values()) state.push(this.updateOf(t.member));
    this.send(to, { t: 'sync', reply }, state, false);
  }

  /** Piggyback: the updates sent fewest times, each counted, dropped once sent `retransmitMult * ceil(log10(n + 1))` times. */
  private takeUpdates(): Update[] {
    if (this.queue.size === 0) return [];
    const limit = this.timing.retransmitMult * Math.ceil(Math.log10(this.liveCount() + 1));
    const picked = [...this.queue.values()].sort((a, b) => a.transmits - b.transmits).slice(0, this.timing.maxPiggyback);
    for (const entry of picked) {
      if (++entry.transmits >= limit) this.queue.delete(entry.update.id);
    }
    return picked.map((e) => e.update);
  }

  private enqueue(update: Update): void {
    this.queue.delete(update.id);
    this.queue.set(update.id, { update, transmits: 0 });
  }

  // --- messages ---

  private send(to: GossipAddress, message: SwimMessage, extra: readonly Update[] = [], piggyback = true): void {
    const updates = piggyback ? [...extra, ...this.takeUpdates()] : [...extra];
    const seal = this.encryption !== 'never';
    const envelope = {
      ...message, cluster: this.cluster, from: this.nodeId, fHost: this.self.gHost, fPort: this.self.gPort, updates, ...(seal ? { seal: true } : {}),
    } as Envelope;
    this.stats.messagesOut++;
    const sealed = this.encryption === 'always' || (seal && this.sealers.has(`${to.host}:${to.port}`));
    this.transport.send(to, this.codec.encode(envelope, sealed ? this.nonces : null));
  }

  private receive(bytes: Uint8Array): void {
    try {
      this.handle(bytes);
    } catch (error) {
      // A listener's bug (or this one's) must not reach the carrier that delivered the message.
      this.stats.errors++;
      this.lastError = error;
    }
  }

  private handle(bytes: Uint8Array): void {
    if (this.state !== 'running') return;
    const received = this.codec.decode(bytes);
    const e = received?.envelope;
    if (e === undefined || e.from === this.nodeId) {
      this.stats.badMessages++;
      return;
    }
    if (this.encryption === 'always' && !received!.sealed) {
      this.stats.badMessages++;
      // Dropped, but a sender that opens sealed messages (an `auto` node that had not heard
      // from this one yet) is answered sealed, with nothing in it acted on: it then seals too,
      // and its next message is taken. Only a holder of the secret can get this answer.
      if (e.seal === true) {
        this.sealers.add(`${e.fHost}:${e.fPort}`);
        this.send({ host: e.fHost, port: e.fPort }, { t: 'gossip' }, [this.selfUpdate('alive')], false);
      }
      return;
    }
    this.stats.messagesIn++;
    if (!received!.sealed && this.encryption !== 'never') this.stats.unsealed++;
    // What the sender opens is what its endpoint is sent from now on: a node rolled back to a
    // version that cannot open sealed messages says so (no `seal`) in its first message.
    const endpoint = `${e.fHost}:${e.fPort}`;
    if (e.seal === true) this.sealers.add(endpoint);
    else this.sealers.delete(endpoint);
    const sender = this.members.get(e.from);
    if (sender !== undefined) sender.heardAt = this.reactor!.now();
    this.staleClaim = false;
    for (const u of e.updates) this.apply(u);
    if (this.state !== 'running') return;
    const from = { host: e.fHost, port: e.fPort };
    // The sender still believes a claim against this node that was refuted already (its copy of
    // the refutation may have been lost to gossip's bounded retransmits): tell it directly, or
    // its suspicion would run out and bury a live node.
    if (this.staleClaim) this.send(from, { t: 'gossip' }, [this.selfUpdate('alive')], false);
    switch (e.t) {
      case 'ping':
        // A ping meant for another node (a stale address) gets no ack: the prober must not think it alive.
        if (e.target === this.nodeId) this.send(from, { t: 'ack', seq: e.seq });
        break;
      case 'ping-req':
        this.pingFor(from, e.seq, e.target, { host: e.tHost, port: e.tPort });
        break;
      case 'ack':
      case 'nack': {
        const handler = this.awaiting.get(e.seq);
        if (handler !== undefined) handler(e.t);
        break;
      }
      case 'sync':
        if (e.reply) this.sync(from, false);
        break;
      case 'gossip':
        break;
    }
  }

  /** A `ping-req`: ping `target` for `requester`; relay its ack, or nack when none came within the probe timeout. */
  private pingFor(replyTo: GossipAddress, theirSeq: number, target: string, at: GossipAddress): void {
    if (target === this.nodeId) {
      this.send(replyTo, { t: 'ack', seq: theirSeq });
      return;
    }
    const seq = ++this.seq;
    let timer: ReactorTimer | null = null;
    this.awaiting.set(seq, (kind) => {
      if (kind !== 'ack') return;
      this.awaiting.delete(seq);
      if (timer !== null) this.reactor!.clearTimer(timer);
      this.send(replyTo, { t: 'ack', seq: theirSeq });
    });
    timer = this.timer(this.timing.probeTimeoutMs, () => {
      if (!this.awaiting.delete(seq)) return;
      this.send(replyTo, { t: 'nack', seq: theirSeq });
    });
    this.send(at, { t: 'ping', seq, target });
  }

  // --- the member table ---

  /** Merge one update (memberlist's aliveNode / suspectNode / deadNode); `own`: this node's own suspicion timed out. */
  private apply(u: Update, own = false): void {
    if (u.id === this.nodeId) {
      this.aboutSelf(u);
      return;
    }
    const m = this.members.get(u.id);
    const now = this.reactor!.now();
    if (m === undefined) {
      const tomb = this.tombstones.get(u.id);
      if (tomb !== undefined) {
        // A reaped member: only a higher incarnation is news (a restarted node that refuted, or
        // one cut off that refuted the verdict); an `alive` at or below it is a stale copy.
        if (u.incarnation <= tomb.member.incarnation) return;
        if (u.status === 'suspect') return;
        if (u.status !== 'alive') {
          // A later verdict on it (it came back and died again while this node held the tombstone).
          tomb.member.incarnation = u.incarnation;
          return;
        }
        this.tombstones.delete(u.id);
      }
    }
    switch (u.status) {
      case 'alive': {
        if (m === undefined) {
          const member: Member = {
            id: u.id, status: 'alive', incarnation: u.incarnation, peer: { id: u.id, host: u.host, port: u.port },
            gossip: { host: u.gHost, port: u.gPort }, by: u.by, changedAt: now, heardAt: now, suspicion: null, since: u.since ?? Infinity,
          };
          this.members.set(u.id, member);
          // A newcomer goes to a random place in the probe order, so it is probed within a round.
          this.order.splice(this.orderIndex + this.random!.nextInt(this.order.length - this.orderIndex + 1), 0, u.id);
          this.enqueue(u);
          this.emitUp(member);
          this.emitChange(member);
          return;
        }
        if (u.incarnation <= m.incarnation) return;
        const wasLive = live(m.status);
        const moved = m.peer.host !== u.host || m.peer.port !== u.port;
        this.clearSuspicion(m);
        m.status = 'alive';
        m.incarnation = u.incarnation;
        m.peer = { id: u.id, host: u.host, port: u.port };
        m.gossip = { host: u.gHost, port: u.gPort };
        m.by = u.by;
        m.changedAt = now;
        if (u.since !== undefined) m.since = u.since;
        this.enqueue(u);
        if (!wasLive || moved) this.emitUp(m);
        this.emitChange(m);
        return;
      }
      case 'suspect': {
        if (m === undefined || u.incarnation < m.incarnation || !live(m.status)) return;
        if (m.status === 'suspect' && m.suspicion !== null) {
          if (u.incarnation > m.incarnation) m.incarnation = u.incarnation;
          if (m.suspicion.confirm(u.by)) {
            this.armSuspicion(m);
            this.enqueue(u);
          }
          return;
        }
        m.status = 'suspect';
        m.incarnation = u.incarnation;
        m.by = u.by;
        m.changedAt = now;
        const n = this.liveCount();
        const min = this.timing.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * this.timing.probeIntervalMs;
        const k = n - 2 < this.timing.suspicionMult - 2 ? 0 : this.timing.suspicionMult - 2;
        m.suspicion = new Suspicion(u.by, now, k, min, min * this.timing.suspicionMaxTimeoutMult);
        this.armSuspicion(m);
        this.enqueue(u);
        this.emitChange(m);
        return;
      }
      case 'dead':
      case 'left': {
        if (m === undefined || u.incarnation < m.incarnation || !live(m.status)) return;
        if (u.status === 'dead' && !own) {
          // Another node's verdict is a suspicion (or a confirmation of one) here: each node buries a
          // member on its own suspicion timer only, so the member gets the whole timeout to refute.
          // After a partition heals each side's verdicts on the other arrive; taken as final (as
          // memberlist does) they would take down members that were reachable here all along.
          // Verdicts from several nodes are independent confirmations, so a member that really died
          // is still declared within about the shortest suspicion timeout.
          this.apply({ ...u, status: 'suspect' });
          return;
        }
        this.clearSuspicion(m);
        m.status = u.status;
        m.incarnation = u.incarnation;
        m.by = u.by;
        m.changedAt = now;
        this.enqueue(u);
        const reason = u.status === 'left' ? 'left' : `declared dead by ${u.by}`;
        this.emitDown(m.id, reason);
        this.emitChange(m);
        return;
      }
    }
  }

  /** Someone says something about this node: refute anything but the truth with a higher incarnation. */
  private aboutSelf(u: Update): void {
    if (this.state !== 'running') return;
    // An older claim was refuted already; only one about the current incarnation (or a later, from a previous run) needs an answer.
    if (u.incarnation < this.incarnation || (u.status === 'alive' && u.incarnation === this.incarnation)) {
      if (u.status !== 'alive') this.staleClaim = true;
      return;
    }
    this.incarnation = Math.max(this.incarnation, u.incarnation) + 1;
    this.stats.refutations++;
    // Lifeguard: being suspected hints this node is the slow one.
    if (u.status !== 'alive') this.adjustHealth(1);
    this.enqueue(this.selfUpdate('alive'));
  }

  private armSuspicion(m: Member): void {
    const s = m.suspicion!;
    if (s.timer !== null) this.reactor!.clearTimer(s.timer);
    s.timer = this.timer(Math.max(0, s.deadline - this.reactor!.now()), () => {
      if (m.suspicion !== s || m.status !== 'suspect') return;
      if (this.stalled(this.reactor!.now() - s.deadline)) {
        // A refutation may be waiting unread: give it one probe interval.
        s.deadline = this.reactor!.now() + this.timing.probeIntervalMs;
        this.armSuspicion(m);
        return;
      }
      this.stats.declaredDead++;
      this.apply({ ...this.updateOf(m), status: 'dead', by: this.nodeId }, true);
    });
  }

  private clearSuspicion(m: Member): void {
    if (m.suspicion?.timer != null) this.reactor?.clearTimer(m.suspicion.timer);
    m.suspicion = null;
  }

  private emitUp(m: Member): void {
    for (const l of [...this.listeners]) this.guard(() => l.peerUp(m.peer));
  }

  private emitDown(id: string, reason: string): void {
    for (const l of [...this.listeners]) this.guard(() => l.peerDown(id, reason));
  }

  private emitChange(m: Member, status: MemberChange['status'] = m.status): void {
    const change: MemberChange = { id: m.id, status, incarnation: m.incarnation, by: status === 'reaped' ? this.nodeId : m.by };
    for (const l of [...this.listeners]) if (l.memberChanged !== undefined) this.guard(() => l.memberChanged!(change));
  }

  /** Runs a listener: one that throws is counted, and neither stops the others nor the protocol. */
  /** `mayReap`'s answer; one that throws is counted and taken as no (keeping a member is the safe side). */
  private reapable(m: Member): boolean {
    if (this.mayReap === null) return true;
    try {
      return this.mayReap(m.id, m.incarnation) === true;
    } catch (error) {
      this.stats.errors++;
      this.lastError = error;
      return false;
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.stats.errors++;
      this.lastError = error;
    }
  }

  /**
   * Reaps (memberlist's `resetNodes`, here once a probe tick): members declared dead or left
   * at least `gossipToTheDeadMs` ago leave the table — no longer listed, probed, gossiped to
   * or synced with as members — each leaving a tombstone; tombstones older than
   * {@link TOMBSTONE_FACTOR} × `gossipToTheDeadMs` (at least as many probe intervals) are
   * dropped, after which the id is unknown here, as one never seen. Listeners hear a
   * `memberChanged` with status `reaped` (peer down was fired at the verdict already).
   */
  private reap(): void {
    const now = this.reactor!.now();
    for (const m of [...this.members.values()]) {
      if (live(m.status) || now - m.changedAt < this.timing.gossipToTheDeadMs) continue;
      if (m.status === 'dead' && !this.reapable(m)) continue;
      this.members.delete(m.id);
      this.clearSuspicion(m);
      const at = this.order.indexOf(m.id);
      if (at >= 0) {
        this.order.splice(at, 1);
        if (at < this.orderIndex) this.orderIndex--;
      }
      this.tombstones.set(m.id, { member: m, reapedAt: now });
      this.stats.reaped++;
      this.emitChange(m, 'reaped');
    }
    const keep = TOMBSTONE_FACTOR * Math.max(this.timing.gossipToTheDeadMs, this.timing.probeIntervalMs);
    for (const [id, t] of this.tombstones) {
      if (now - t.reapedAt < keep) continue;
      this.tombstones.delete(id);
      // Forget its endpoint too (a node that comes back there says again what it opens), so
      // churn through new addresses does not grow the set without bound.
      this.sealers.delete(`${t.member.gossip.host}:${t.member.gossip.port}`);
    }
  }

  // --- helpers ---

  private updateOf(m: Member): Update {
    return {
      id: m.id, status: m.status, incarnation: m.incarnation, host: m.peer.host, port: m.peer.port,
      gHost: m.gossip.host, gPort: m.gossip.port, by: m.by, ...(Number.isFinite(m.since) ? { since: m.since } : {}),
    };
  }

  private selfUpdate(status: MemberStatus): Update {
    return {
      id: this.nodeId, status, incarnation: this.incarnation, host: this.self.host, port: this.self.port,
      gHost: this.self.gHost, gPort: this.self.gPort, by: this.nodeId, since: this.since,
    };
  }

  /** Members believed alive or suspect, this node included (memberlist's `estNumNodes`). */
  private liveCount(): number {
    let n = 1;
    for (const m of this.members.values()) if (live(m.status)) n++;
    return n;
  }

  private hasLiveMember(): boolean {
    for (const m of this.members.values()) if (live(m.status)) return true;
    return false;
  }

  private multiplier(): number {
    return this.health + 1;
  }

  private shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.random!.nextInt(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  private timer(delayMs: number, fn: () => void): ReactorTimer {
    const t = this.reactor!.setTimer(delayMs, () => {
      if (this.state === 'running') this.guard(fn);
    });
    this.reactor!.keepAlive(t, false);
    return t;
  }

  /**
   * A periodic tick whose period is read again each time (the probe interval stretches with
   * the health score); `fn` gets how late the tick fired, ms.
   */
  private every(period: () => number, fn: (lateMs: number) => void): void {
    const index = this.ticks.length;
    const arm = (): void => {
      const delay = period();
      const due = this.reactor!.now() + delay;
      this.ticks[index] = this.timer(delay, () => {
        const late = this.reactor!.now() - due;
        arm();
        fn(late);
      });
    };
    arm();
  }

  private stopTimers(): void {
    for (const t of this.ticks) this.reactor?.clearTimer(t);
    this.ticks.length = 0;
    this.finishProbe();
  }
}

function live(status: MemberStatus): boolean {
  return status === 'alive' || status === 'suspect';
}
