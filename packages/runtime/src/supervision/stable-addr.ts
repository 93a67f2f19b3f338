/**
 * Stable addresses: an `Addr` that survives restarts. It always means "the current
 * incarnation of this child": a send goes to the live incarnation; during a restart window
 * it is queued (bounded) for the next incarnation, or refused, per its policy, and never
 * delivered to a stale generation. Once the child is gone for good it is a dead address.
 *
 * Owns: the route, its held messages and its binding to one supervisor's child. Must not:
 * decide restarts (the supervisor binds, unbinds and closes it).
 */
import { type Addr, type AnyAddr, ArgumentError, type SendOptions, type SendResult } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { type ActorCell, S_DEAD, S_RUNNING, S_STOPPING } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import type { MessageMeta } from '../kernel/mailbox.js';
import { SupervisorError } from './errors.js';
import { AddrRoute, routeOf, routeSlot } from '../kernel/route.js';
import { type RestartWindowPolicy, SUPERVISOR_DEFAULTS } from './spec.js';

/** An address that follows a supervised child across restarts (an `Addr` in every API). */
export type StableAddr<M = unknown, R = unknown> = Addr<M, R>;

/** Where a stable address stands. */
export type StableState =
  /** Not bound to a child yet, or its supervisor exited: messages are held. */
  | 'unbound'
  /** Its new incarnation is starting (`started` not done yet): messages are held until it is. */
  | 'starting'
  /** Bound to a live (or just-exited, not yet handled) incarnation. */
  | 'live'
  /** Its child is being restarted: messages are held or refused per policy. */
  | 'restarting'
  /** Its child is stopped and not due to restart: sends are dead letters. */
  | 'stopped'
  /** Closed for good: sends are dead letters. */
  | 'closed';

export interface StableAddrOptions {
  /** What happens to messages sent while there is no live incarnation; default `queue`. */
  readonly whileRestarting?: RestartWindowPolicy;
  /** Most messages held; default 1000. */
  readonly capacity?: number;
}

/**
 * Make a stable address before its child exists, to hand to other actors (in their
 * `args`) and bind in a child spec (`{ id, kind, stable }`). Unlike the stable addresses a
 * supervisor makes for its children, it outlives its supervisor: when the supervisor is
 * restarted by its own parent, the new incarnation binds it again.
 */
export function createStableAddr<M = unknown, R = unknown>(engine: Engine, options: StableAddrOptions = {}): StableAddr<M, R> {
  const policy = options.whileRestarting ?? SUPERVISOR_DEFAULTS.whileRestarting;
  if (policy !== 'queue' && policy !== 'reject') throw new ArgumentError(`whileRestarting must be "queue" or "reject", got ${String(policy)}`);
  const capacity = options.capacity ?? SUPERVISOR_DEFAULTS.stableCapacity;
  if (!Number.isInteger(capacity) || capacity < 1) throw new ArgumentError(`capacity must be a positive integer, got ${String(capacity)}`);
  return new StableRoute(engine, policy, capacity, false).addr as StableAddr<M, R>;
}

/** True when `addr` is a stable address (from a supervisor or `createStableAddr`). */
export function isStableAddr(addr: unknown): addr is StableAddr<any> {
  return addr !== null && typeof addr === 'object' && routeOf(addr as AnyAddr) instanceof StableRoute;
}

/** What a stable address points at now. */
export interface StableAddrInfo {
  readonly state: StableState;
  /** The current live incarnation, if any. */
  readonly current: AnyAddr | null;
  /** Messages held for the next incarnation. */
  readonly held: number;
  /** The supervisor path and child id it is bound to, if any. */
  readonly boundTo: string | null;
}

/** Inspect a stable address. */
export function stableAddrInfo(addr: AnyAddr): StableAddrInfo {
  const route = routeOf(addr);
  if (!(route instanceof StableRoute)) throw new ArgumentError(`stableAddrInfo expects a stable address, got ${String(addr)}`);
  return route.info();
}

interface Held { readonly message: unknown; readonly meta: MessageMeta | null; readonly options: SendOptions | undefined }

/** The route behind a stable address (runtime use only; not exported from the package). */
export class StableRoute extends AddrRoute {
  readonly engine: Engine;
  readonly addr: AnyAddr;
  private cell: ActorCell | null = null;
  private state: StableState = 'unbound';
  private owner: ActorCell | null = null;
  private label: string | null = null;
  private held: Held[] = [];

  constructor(engine: Engine, readonly policy: RestartWindowPolicy, readonly capacity: number, readonly ownedBySupervisor: boolean) {
    super();
    this.engine = engine;
    this.addr = mintAddr({ node: engine.incarnation, core: engine.core, slot: routeSlot(), generation: 0, secret: engine.reactor.random('stable-addr').nextU32() }, this);
  }

  current(): ActorCell | null {
    const cell = this.cell;
    return cell !== null && this.state === 'live' && cell.status < S_STOPPING ? cell : null;
  }

  hold(message: unknown, meta: MessageMeta | null, options: SendOptions | undefined): SendResult {
    if (this.owner !== null && this.owner.status === S_DEAD) this.release();
    if (this.state === 'stopped' || this.state === 'closed') return 'dead';
    if (this.policy === 'reject') return 'rejected';
    if (this.held.length >= this.capacity) return 'dropped';
    this.held.push({ message, meta, options });
    return 'queued';
  }

  /** Bind to a supervisor's child; an error if another live supervisor holds it. */
  bind(owner: ActorCell, label: string): void {
    if (this.state === 'closed') throw new SupervisorError('stable-bound', `the stable address ${String(this.addr)} was closed`);
    if (this.owner !== null && this.owner !== owner && this.owner.status !== S_DEAD) {
      throw new SupervisorError('stable-bound', `the stable address ${String(this.addr)} is already bound to ${this.label}`, { boundTo: this.label });
    }
    this.owner = owner;
    this.label = label;
    if (this.state === 'unbound') this.state = 'restarting';
  }

  /**
   * A new incarnation exists. The restart window lasts until it has started: messages are
   * held until its `started` hook is done, then delivered in order, so an incarnation that
   * fails to start (a dependency is down) loses none of them to its own crash.
   */
  attach(cell: ActorCell): void {
    this.cell = cell;
    if (cell.status === S_RUNNING) {
      this.live(cell);
      return;
    }
    this.state = 'starting';
    cell.extras().onReady = () => {
      if (this.cell === cell && this.state === 'starting') this.live(cell);
    };
  }

  /** The child is down and will be restarted: hold (or refuse) until the next `attach`. */
  restarting(): void {
    this.cell = null;
    if (this.state !== 'closed') this.state = 'restarting';
  }

  /** The child is stopped and not due to restart: held messages become dead letters. */
  stopped(): void {
    this.cell = null;
    if (this.state !== 'closed') this.state = 'stopped';
    this.flushDead('is stopped');
  }

  /** The child is gone for good. */
  close(): void {
    this.cell = null;
    this.state = 'closed';
    this.flushDead('was removed');
  }

  /** The owning supervisor exited: routes it made are closed, routes made by the user wait for a new owner. */
  release(): void {
    if (this.ownedBySupervisor) {
      this.close();
      return;
    }
    this.owner = null;
    this.cell = null;
    if (this.state !== 'closed') this.state = 'unbound';
  }

  describe(): string | null {
    return this.label;
  }

  info(): StableAddrInfo {
    if (this.owner !== null && this.owner.status === S_DEAD) this.release();
    return { state: this.state, current: this.current()?.self ?? null, held: this.held.length, boundTo: this.label };
  }

  // --- internal ---

  private live(cell: ActorCell): void {
    this.state = 'live';
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    for (const h of held) {
      if (cell.enqueue(h.message, h.meta, h.options) !== 'queued') {
        h.meta?.ask?.failWith('ask/rejected', `${cell.path} refused the request held for it while it restarted (mailbox full)`);
      }
    }
  }

  private flushDead(why: string): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      h.meta?.ask?.failWith('ask/target-exited', `${this.label ?? String(this.addr)} ${why}; the held request was not delivered`);
      this.engine.send(this.addr, h.message);
    }
  }
}
