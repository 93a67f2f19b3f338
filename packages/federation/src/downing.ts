/**
 * Downing: what a node does about members it cannot reach, so that a partition never
 * leaves two halves of a cluster both running as if whole (split brain). SWIM declares
 * unreachable members dead on both sides of a partition; downing decides, on each node
 * alone and from its own view only, which side keeps running: the winning side takes the
 * unreachable members as downed (out of the cluster, until they rejoin with a higher
 * incarnation), the losing side stops itself. The strategies are Akka's (keep-majority,
 * static-quorum, keep-oldest) and each is built so that both sides of a clean partition,
 * having agreed on the members before it, reach opposite decisions.
 *
 * A decision waits until this node's view has been stable for `stableAfterMs` (no member
 * changed state or incarnation) with no member suspect and at least one dead: a partition
 * is seen as a whole, not member by member (Akka's `stable-after`).
 *
 * Owns: the strategies (a pure function, {@link decideDowning}) and the stability timer.
 * Must not: read real time (the reactor's timers only), or stop the engine itself (the
 * federation acts on the decision).
 */
import { ArgumentError, describeType } from '@pd/actor';
import type { Reactor, ReactorTimer } from '@pd/runtime';
import type { MemberStatus } from './swim-wire.js';

/** The strategies: which side of a partition keeps running. */
export type DowningStrategy = 'keep-majority' | 'static-quorum' | 'keep-oldest' | 'off';

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
   * `off`: never decide (members declared dead are only dead; both sides of a partition go on).
   */
  readonly strategy?: DowningStrategy;
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
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad('', `must be an object { strategy?, quorumSize?, stableAfterMs? }, got ${describeType(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!['strategy', 'quorumSize', 'stableAfterMs'].includes(key)) bad(`.${key}`, 'is not a downing option (known: strategy, quorumSize, stableAfterMs)');
  if (o.strategy !== undefined && !['keep-majority', 'static-quorum', 'keep-oldest', 'off'].includes(o.strategy as string)) {
    bad('.strategy', `must be 'keep-majority', 'static-quorum', 'keep-oldest' or 'off', got ${JSON.stringify(o.strategy)}`);
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

/** What downing reads of the membership. */
export interface DowningSource {
  /** Every member, this node first, with its status, incarnation and join order. */
  downingView(): readonly { readonly id: string; readonly status: MemberStatus; readonly incarnation: number; readonly age: number }[];
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

  constructor(
    private readonly self: string,
    private readonly source: DowningSource,
    private readonly reactor: Reactor,
    private readonly options: DowningOptions,
    private readonly onDecision: (decision: DowningDecision) => void,
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

  private check(): void {
    const view = this.source.downingView();
    const now = this.reactor.now();
    const signature = view.map((m) => `${m.id}:${m.status}:${m.incarnation}`).join(',');
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
    if (counted.some((m) => m.status === 'suspect' && m.id !== this.self)) return;
    const unreachable = counted.filter((m) => m.status === 'dead' && m.id !== this.self);
    if (unreachable.length === 0) return;
    const { decision, reason } = decideDowning(this.self, counted.map((m) => ({ id: m.id, status: m.status, age: m.age })), this.options);
    const d: DowningDecision = {
      decision, unreachable: unreachable.map((m) => m.id), members: counted.length,
      reachable: counted.length - unreachable.length, strategy: this.strategy, reason, atMs: now,
    };
    this.decisions.push(d);
    if (decision === 'keep') for (const m of unreachable) this.downed.set(m.id, m.incarnation);
    else this.stop();
    this.onDecision(d);
  }
}
