/**
 * Downing: what a node does about members it cannot reach, so that a partition never
 * leaves two halves of a cluster both running as if whole (split brain). SWIM declares
 * unreachable members dead on both sides of a partition; downing decides, on each node
 * alone and from its own view only, which side keeps running: the winning side takes the
 * unreachable members as downed (out of the cluster, until they rejoin with a higher
 * incarnation), the losing side stops itself. The strategies are Akka's (keep-majority,
 * static-quorum, keep-oldest, lease-majority) and each is built so that both sides of a
 * clean partition, having agreed on the members before it, reach opposite decisions;
 * lease-majority asks an external store (etcd) as the tiebreaker (lease-majority.ts).
 *
 * A decision waits until this node's view has been stable for `stableAfterMs` (no member
 * came in or went out of reach, none changed incarnation) with at least one dead: a
 * partition is seen as a whole, not member by member (Akka's `stable-after`). Members whose
 * fate is open (suspects, and members alive here but not heard from since the view last
 * changed) hold a decision back, except a `down` that holds whichever way they turn out.
 *
 * Owns: the strategies (a pure function, {@link decideDowning}) and the stability timer.
 * Must not: read real time (the reactor's timers only), or stop the engine itself (the
 * federation acts on the decision).
 */
import { ArgumentError, describeType } from '@pd/actor';
import type { Reactor, ReactorTimer } from '@pd/runtime';
import type { MemberStatus } from './swim-wire.js';
import type { LeaseProvider } from './discovery/provider.js';
import type { EtcdSecurityOptions } from './discovery/etcd.js';

/** The strategies: which side of a partition keeps running. */
export type DowningStrategy = 'keep-majority' | 'static-quorum' | 'keep-oldest' | 'lease-majority' | 'off';

/** The etcd lock `lease-majority` takes, as options (the federation builds the provider). */
export interface EtcdLeaseSpec extends EtcdSecurityOptions {
  readonly kind?: 'etcd';
  /** etcd client URLs (`http://10.0.0.5:2379`, `https://...` with `tls`). */
  readonly endpoints: readonly string[];
  /** The lock's key (default `/pd/<cluster>/lease`). */
  readonly key?: string;
  /** How long etcd keeps the lock once its holder stops renewing, ms (default 10000). */
  readonly ttlMs?: number;
}

/** How a node decides about members it cannot reach. */
export interface DowningOptions {
  /**
   * `keep-majority` (default): the side with more than half of the members keeps running;
   * on an even split, the side holding the member with the lowest node id.
   * `static-quorum`: a side of at least `quorumSize` members keeps running (set it above half
   * the cluster's size, or both sides of a split may keep running or both stop).
   * `keep-oldest`: the side holding the oldest member (the one that joined first, as the
   * membership's join order says) keeps running; if the oldest is alone, it stops and the
   * rest keep running (Akka's `down-if-alone`).
   * `lease-majority`: a side with less than half of the members stops; a side with half or
   * more keeps running only if it holds the `lease` (a lock in etcd, taken by the first node
   * to ask, kept by its holder while it lives): the side holding it keeps running, the other
   * waits for a holder it cannot reach to release it (up to `leaseWaitMs`) and stops if it
   * does not; a side that cannot reach the store stops.
   * `off`: never decide (members declared dead are only dead; both sides of a partition go on).
   */
  readonly strategy?: DowningStrategy;
  /** With `lease-majority`: the lock, as etcd options or a {@link LeaseProvider} of your own. */
  readonly lease?: EtcdLeaseSpec | LeaseProvider;
  /** With `lease-majority`: how long a side waits for a lock held across the partition (or a store it cannot reach), ms (default twice the lease's TTL). */
  readonly leaseWaitMs?: number;
  /** With `static-quorum`: the smallest side that keeps running. */
  readonly quorumSize?: number;
  /** How long the view must be unchanged before a decision, ms (default 20000, Akka's for small clusters). */
  readonly stableAfterMs?: number;
}

/** Defaults of {@link DowningOptions}. */
export const DOWNING_DEFAULTS = { strategy: 'keep-majority', stableAfterMs: 20_000 } as const;

/** One member as downing sees it. */
export interface DowningMember {
  readonly id: string;
  readonly status: MemberStatus;
  /** Join order (lower joined earlier; ties broken by id): used by `keep-oldest`. */
  readonly age: number;
}

/** What a node decided. */
export interface DowningDecision {
  /** `keep`: this side keeps running, `downed` are out; `down`: this node is on the losing side and stops. */
  readonly decision: 'keep' | 'down';
  /** The members this node could not reach (declared dead). */
  readonly unreachable: readonly string[];
  /** Members counted (this node included), and of them reachable. */
  readonly members: number;
  readonly reachable: number;
  readonly strategy: DowningStrategy;
  /** Why, in words. */
  readonly reason: string;
  /** Reactor time of the decision. */
  readonly atMs: number;
}

/**
 * The strategy's verdict for `self` given `members` (self included; members that left or
 * were downed already excluded; none suspect). Pure: the same view gives the same answer.
 */
export function decideDowning(self: string, members: readonly DowningMember[], options: DowningOptions): { decision: 'keep' | 'down'; reason: string } {
  const strategy = options.strategy ?? DOWNING_DEFAULTS.strategy;
  const reachable = members.filter((m) => m.status === 'alive' || m.id === self);
  const total = members.length;
  const r = reachable.length;
  switch (strategy) {
    case 'off':
      return { decision: 'keep', reason: 'downing is off' };
    case 'lease-majority':
      // Half or more: the lease decides (lease-majority.ts); this is the verdict before asking.
      return 2 * r >= total
        ? { decision: 'keep', reason: `${r} of ${total} reachable: ${2 * r > total ? 'a majority' : 'an even split'}, if this side holds the lease` }
        : { decision: 'down', reason: `only ${r} of ${total} reachable: a minority` };
    case 'static-quorum': {
      const q = options.quorumSize ?? 1;
      return r >= q
        ? { decision: 'keep', reason: `${r} reachable of ${total}, quorum ${q}` }
        : { decision: 'down', reason: `only ${r} reachable of ${total}, below the quorum of ${q}` };
    }
    case 'keep-oldest': {
      const order = (a: DowningMember, b: DowningMember): number => a.age - b.age || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      const oldest = [...members].sort(order)[0]!;
      const oldestHere = reachable.some((m) => m.id === oldest.id);
      if (oldestHere && r === 1 && total > 1) return { decision: 'down', reason: `the oldest member (${oldest.id}) is alone: it stops, the others keep running` };
      if (!oldestHere && members.filter((m) => m.status !== 'alive' && m.id !== self).length === 1 && r === total - 1) {
        return { decision: 'keep', reason: `the oldest member (${oldest.id}) is alone on its side: this side keeps running` };
      }
      return oldestHere
        ? { decision: 'keep', reason: `the oldest member (${oldest.id}) is on this side` }
        : { decision: 'down', reason: `the oldest member (${oldest.id}) is on the other side` };
    }
    case 'keep-majority':
    default: {
      if (2 * r > total) return { decision: 'keep', reason: `${r} of ${total} reachable: a majority` };
      if (2 * r < total) return { decision: 'down', reason: `only ${r} of ${total} reachable: a minority` };
      const lowest = members.map((m) => m.id).sort()[0]!;
      return reachable.some((m) => m.id === lowest)
        ? { decision: 'keep', reason: `${r} of ${total} reachable, an even split: this side holds the lowest id (${lowest})` }
        : { decision: 'down', reason: `${r} of ${total} reachable, an even split: the other side holds the lowest id (${lowest})` };
    }
  }
}

/** Checks `options`; throws an `ArgumentError` naming the first bad field (`downing.quorumSize`) by `prefix` + its name. */
export function validateDowningOptions(options: unknown, prefix = 'downing'): void {
  const bad = (field: string, why: string): never => {
    throw new ArgumentError(`federation option ${prefix}${field} ${why}`, { field: `${prefix}${field}` });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    bad('', `must be an object { strategy?, quorumSize?, stableAfterMs?, lease?, leaseWaitMs? }, got ${describeType(options)}`);
  }
  const o = options as Record<string, unknown>;
  const known = ['strategy', 'quorumSize', 'stableAfterMs', 'lease', 'leaseWaitMs'];
  for (const key of Object.keys(o)) if (!known.includes(key)) bad(`.${key}`, `is not a downing option (known: ${known.join(', ')})`);
  if (o.strategy !== undefined && !['keep-majority', 'static-quorum', 'keep-oldest', 'lease-majority', 'off'].includes(o.strategy as string)) {
    bad('.strategy', `must be 'keep-majority', 'static-quorum', 'keep-oldest', 'lease-majority' or 'off', got ${JSON.stringify(o.strategy)}`);
  }
  if (o.strategy === 'lease-majority' && o.lease === undefined) bad('.lease', "is required with strategy 'lease-majority' (the etcd endpoints, or a LeaseProvider)");
  if (o.lease !== undefined && o.strategy !== 'lease-majority') bad('.lease', "is for strategy 'lease-majority' only");
  if (o.leaseWaitMs !== undefined && o.strategy !== 'lease-majority') bad('.leaseWaitMs', "is for strategy 'lease-majority' only");
  if (o.lease !== undefined) validateLease(o.lease, `${prefix}.lease`);
  if (o.leaseWaitMs !== undefined && (typeof o.leaseWaitMs !== 'number' || !Number.isFinite(o.leaseWaitMs) || o.leaseWaitMs < 0)) {
    bad('.leaseWaitMs', `must be a finite number of milliseconds >= 0, got ${String(o.leaseWaitMs)}`);
  }
  if (o.strategy === 'static-quorum' && o.quorumSize === undefined) bad('.quorumSize', "is required with strategy 'static-quorum'");
  if (o.quorumSize !== undefined && (typeof o.quorumSize !== 'number' || !Number.isInteger(o.quorumSize) || o.quorumSize < 1)) {
    bad('.quorumSize', `must be an integer >= 1, got ${String(o.quorumSize)}`);
  }
  if (o.quorumSize !== undefined && o.strategy !== 'static-quorum') bad('.quorumSize', "is for strategy 'static-quorum' only");
  if (o.stableAfterMs !== undefined && (typeof o.stableAfterMs !== 'number' || !Number.isFinite(o.stableAfterMs) || o.stableAfterMs < 0)) {
    bad('.stableAfterMs', `must be a finite number of milliseconds >= 0, got ${String(o.stableAfterMs)}`);
  }
}

/** Checks a `lease` option: a LeaseProvider (`tryLock`, `close`, `ttlMs`) or `{ kind?: 'etcd', endpoints, key?, ttlMs? }`. */
function validateLease(lease: unknown, field: string): void {
  const bad = (sub: string, why: string): never => {
    throw new ArgumentError(`federation option ${field}${sub} ${why}`, { field: `${field}${sub}` });
  };
  if (typeof lease !== 'object' || lease === null || Array.isArray(lease)) bad('', `must be { endpoints, key?, ttlMs? } or a LeaseProvider, got ${describeType(lease)}`);
  const l = lease as Record<string, unknown>;
  if (typeof l.tryLock === 'function') {
    if (typeof l.close !== 'function' || typeof l.ttlMs !== 'number' || !(l.ttlMs > 0)) bad('', 'must implement LeaseProvider (kind, ttlMs > 0, tryLock, close)');
    return;
  }
  checkEtcdSpec(l, field, ['kind', 'endpoints', 'key', 'ttlMs', 'tls', 'auth']);
  if (l.key !== undefined && (typeof l.key !== 'string' || l.key === '')) bad('.key', `must be a non-empty string, got ${describeType(l.key)}`);
}

/**
 * The checks an etcd option object shares with discovery (`kind` 'etcd' when given,
 * `endpoints` a non-empty list of http(s) URLs, `ttlMs` at least 1000), reported at `field`.
 * @internal
 */
export function checkEtcdSpec(l: Record<string, unknown>, field: string, known: readonly string[]): void {
  const bad = (sub: string, why: string): never => {
    throw new ArgumentError(`federation option ${field}${sub} ${why}`, { field: `${field}${sub}` });
  };
  for (const key of Object.keys(l)) if (!known.includes(key)) bad(`.${key}`, `is not an etcd option (known: ${known.join(', ')})`);
  if (l.kind !== undefined && l.kind !== 'etcd') bad('.kind', `must be 'etcd', got ${JSON.stringify(l.kind)}`);
  if (!Array.isArray(l.endpoints) || l.endpoints.length === 0) bad('.endpoints', `must be a non-empty array of etcd client URLs such as 'http://127.0.0.1:2379', got ${describeType(l.endpoints)}`);
  (l.endpoints as unknown[]).forEach((e, i) => {
    if (typeof e !== 'string' || !/^https?:\/\/[^/\s]+\/?$/.test(e)) bad(`.endpoints[${i}]`, `must be an http(s) URL such as 'http://127.0.0.1:2379', got ${JSON.stringify(e)}`);
  });
  if (l.ttlMs !== undefined && (typeof l.ttlMs !== 'number' || !Number.isFinite(l.ttlMs) || l.ttlMs < 1000)) {
    bad('.ttlMs', `must be a number of milliseconds >= 1000 (etcd counts TTLs in seconds), got ${String(l.ttlMs)}`);
  }
  const source = (value: unknown, sub: string): void => {
    const ok = (typeof value === 'string' && value !== '') || (typeof value === 'object' && value !== null && !Array.isArray(value)
      && Object.keys(value).length === 1 && (typeof (value as { env?: unknown }).env === 'string' || typeof (value as { file?: unknown }).file === 'string'));
    if (!ok) bad(sub, `must be a non-empty string, { env: NAME } or { file: PATH }, got ${describeType(value)}`);
  };
  if (l.tls !== undefined) {
    if (typeof l.tls !== 'object' || l.tls === null || Array.isArray(l.tls)) bad('.tls', `must be { ca?, cert?, key?, servername? }, got ${describeType(l.tls)}`);
    const t = l.tls as Record<string, unknown>;
    for (const key of Object.keys(t)) if (!['ca', 'cert', 'key', 'servername'].includes(key)) bad(`.tls.${key}`, 'is not a tls option (known: ca, cert, key, servername)');
    for (const key of ['ca', 'cert', 'key']) if (t[key] !== undefined) source(t[key], `.tls.${key}`);
    if ((t.cert === undefined) !== (t.key === undefined)) bad(t.cert === undefined ? '.tls.cert' : '.tls.key', 'and its pair (cert and key) go together: a client certificate needs its key');
    if (t.servername !== undefined && (typeof t.servername !== 'string' || t.servername === '')) bad('.tls.servername', `must be a non-empty string, got ${describeType(t.servername)}`);
    if (!(l.endpoints as string[]).some((e) => e.startsWith('https://'))) bad('.tls', "is for https:// endpoints, and every endpoint is http://");
  }
  if (l.auth !== undefined) {
    if (typeof l.auth !== 'object' || l.auth === null || Array.isArray(l.auth)) bad('.auth', `must be { username, password }, got ${describeType(l.auth)}`);
    const a = l.auth as Record<string, unknown>;
    for (const key of Object.keys(a)) if (!['username', 'password'].includes(key)) bad(`.auth.${key}`, 'is not an auth option (known: username, password)');
    if (typeof a.username !== 'string' || a.username === '') bad('.auth.username', `must be a non-empty string, got ${describeType(a.username)}`);
    source(a.password, '.auth.password');
  }
}

/** Asks the lease for a side (`reachable`, this node included) of half or more of the members. */
export type LeaseArbiter = (reachable: readonly string[], unreachable: readonly string[]) => Promise<{ decision: 'keep' | 'down'; reason: string }>;

/** What downing reads of the membership. */
export interface DowningSource {
  /** Every member, this node first, with its status, incarnation and join order. */
  downingView(): readonly { readonly id: string; readonly status: MemberStatus; readonly incarnation: number; readonly age: number; readonly heardAt?: number }[];
}

/**
 * Watches a membership on `reactor` and decides when the view is stable; `onDecision` hears
 * each decision (`keep`, possibly several as members fail one after another; `down` once,
 * after which it stops watching).
 */
export class Downing {
  readonly strategy: DowningStrategy;
  private readonly stableAfterMs: number;
  /** Members downed by this side's `keep` decisions, by id, with the incarnation they were downed at. */
  private readonly downed = new Map<string, number>();
  private readonly decisions: DowningDecision[] = [];
  private signature = '';
  private changedAt = 0;
  private timer: ReactorTimer | null = null;
  private stopped = false;
  /** A lease-majority decision is waiting for the lease. */
  private asking = false;

  constructor(
    private readonly self: string,
    private readonly source: DowningSource,
    private readonly reactor: Reactor,
    private readonly options: DowningOptions,
    private readonly onDecision: (decision: DowningDecision) => void,
    /** With `lease-majority`: asks the lease for a side of half or more (lease-majority.ts). */
    private readonly arbiter?: LeaseArbiter,
  ) {
    this.strategy = options.strategy ?? DOWNING_DEFAULTS.strategy;
    this.stableAfterMs = options.stableAfterMs ?? DOWNING_DEFAULTS.stableAfterMs;
  }

  /** Start watching (no-op with strategy `off`). */
  start(): void {
    if (this.strategy === 'off' || this.stopped) return;
    this.changedAt = this.reactor.now();
    const period = Math.max(10, Math.min(1000, this.stableAfterMs / 10));
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = this.reactor.setTimer(period, tick);
      this.reactor.keepAlive(this.timer, false);
      this.check();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.reactor.clearTimer(this.timer);
    this.timer = null;
  }

  /** The decisions taken so far, oldest first. */
  history(): readonly DowningDecision[] {
    return [...this.decisions];
  }

  /** Members this side downed (kept out until they rejoin with a higher incarnation). */
  downedMembers(): readonly string[] {
    return [...this.downed.keys()];
  }

  /**
   * Whether this side's decisions put `id` out at `incarnation` or later (the membership may
   * then forget it: SWIM's `mayReap`).
   */
  hasDowned(id: string, incarnation: number): boolean {
    const at = this.downed.get(id);
    return at !== undefined && incarnation <= at;
  }

  private check(): void {
    if (this.asking) return;
    const view = this.source.downingView();
    // A member the membership forgot (reaped) is forgotten here too: if it comes back as a new
    // run, at an incarnation the membership no longer compares with, it counts again.
    if (this.downed.size > 0) {
      const ids = new Set(view.map((m) => m.id));
      for (const id of this.downed.keys()) if (!ids.has(id)) this.downed.delete(id);
    }
    const now = this.reactor.now();
    // Stability is of reachability: a suspect that is then declared dead was out of reach all along.
    const signature = view.map((m) => `${m.id}:${m.status === 'alive' || m.status === 'left' ? m.status : 'out'}:${m.incarnation}`).join(',');
    if (signature !== this.signature) {
      this.signature = signature;
      this.changedAt = now;
      // A downed member that came back (a new run, or it refuted after a heal) counts again.
      for (const m of view) {
        const at = this.downed.get(m.id);
        if (at !== undefined && m.status === 'alive' && m.incarnation > at) this.downed.delete(m.id);
      }
      return;
    }
    if (now - this.changedAt < this.stableAfterMs) return;
    const counted = view.filter((m) => m.status !== 'left' && !this.downed.has(m.id));
    const unreachable = counted.filter((m) => m.status === 'dead' && m.id !== this.self);
    if (unreachable.length === 0) return;
    // Uncertain: suspects (they may refute), and members taken as alive that this node has not
    // heard from since the view last changed (a node cut off with them has not probed them yet:
    // Lifeguard slows an isolated node's probing, so its picture of a partition can take longer
    // than stable-after to fill in). With such members a node only stops, and only if it would
    // whichever way they turn out: a minority with one more unknown is a minority still.
    const since = this.changedAt;
    const uncertain = (m: { id: string; status: MemberStatus; heardAt?: number }): boolean =>
      m.id !== this.self && (m.status === 'suspect' || (m.status === 'alive' && m.heardAt !== undefined && m.heardAt < since));
    const as = (status: MemberStatus): DowningMember[] => counted.map((m) => ({ id: m.id, status: uncertain(m) ? status : m.status, age: m.age }));
    const verdict = decideDowning(this.self, as('dead'), this.options);
    if (counted.some(uncertain)) {
      // Only stopping is decided early (a side that keeps running downs the partition as a
      // whole, once it is settled); the lease is asked with a settled side only.
      if (this.strategy === 'lease-majority' || verdict.decision !== 'down') return;
      if (decideDowning(this.self, as('alive'), this.options).decision !== 'down') return;
    }
    const conclude = ({ decision, reason }: { decision: 'keep' | 'down'; reason: string }): void => {
      const d: DowningDecision = {
        decision, unreachable: unreachable.map((m) => m.id), members: counted.length,
        reachable: counted.length - unreachable.length, strategy: this.strategy, reason, atMs: this.reactor.now(),
      };
      this.decisions.push(d);
      if (decision === 'keep') for (const m of unreachable) this.downed.set(m.id, m.incarnation);
      else this.stop();
      this.onDecision(d);
    };
    if (this.strategy !== 'lease-majority' || verdict.decision === 'down') {
      conclude(verdict);
      return;
    }
    if (this.arbiter === undefined) {
      conclude({ decision: 'down', reason: `${verdict.reason}: no lease provider to ask` });
      return;
    }
    this.asking = true;
    const reachable = counted.filter((m) => m.status !== 'dead' || m.id === this.self).map((m) => m.id);
    this.arbiter(reachable, unreachable.map((m) => m.id)).then(
      (answer) => answer,
      (error: unknown) => ({ decision: 'down' as const, reason: `the lease could not be asked: ${(error as Error)?.message ?? String(error)}` }),
    ).then((answer) => {
      this.asking = false;
      if (this.stopped) return;
      // The view may have moved while waiting (a heal): the next stable view is judged afresh.
      this.signature = '';
      conclude(answer);
    });
  }
}
