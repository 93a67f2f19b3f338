/**
 * Worker pools: N identical workers under one supervisor, each behind a stable address,
 * and one pool address that spreads messages over them, round-robin or to the least loaded
 * (shortest mailbox, counting a message in progress). A worker that is restarting is skipped while another is live; when
 * none is, the message waits in one worker's stable address (its restart-window policy).
 *
 * Owns: the pool route and the supervisor spec it runs under. Must not: restart anything
 * itself (its supervisor does) or deliver to a stale incarnation (it asks the stable routes).
 */
import { type Addr, type AnyBehavior, ArgumentError, type MailboxOptions, type SendOptions, type SendResult, type Spawnable } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { type ActorCell, S_SUSPENDED } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import type { MessageMeta } from '../kernel/mailbox.js';
import { AddrRoute, routeOf, routeSlot } from '../kernel/route.js';
import type { BackoffSpec, ChildSpec, RestartPolicy, ShutdownSpec, StableSpec, SupervisorSpec } from './spec.js';
import { type StableAddr, StableRoute, createStableAddr } from './stable-addr.js';
import { type SupervisorHandle, startSupervisor } from './start.js';

/** How a pool picks a worker for each message. */
export type PoolRouting = 'round-robin' | 'least-loaded';

export interface PoolSpec<A = any> {
  /** Number of workers; a positive integer. */
  readonly size: number;
  /** The workers' kind (or give `factory`). */
  readonly kind?: Spawnable<any, A>;
  readonly factory?: (args: A) => AnyBehavior;
  /** Arguments for every worker, or a function of the worker's index. */
  readonly args?: A | ((index: number) => A);
  /** Default `round-robin`. */
  readonly routing?: PoolRouting;
  /** Worker ids are `<idPrefix>-<index>`; default `worker`. */
  readonly idPrefix?: string;
  /** Per worker; default `permanent`. */
  readonly restart?: RestartPolicy;
  readonly shutdown?: ShutdownSpec;
  readonly mailbox?: MailboxOptions;
  readonly backoff?: BackoffSpec | false;
  /** The pool supervisor's intensity and period (defaults: the supervisor defaults). */
  readonly intensity?: number;
  readonly periodMs?: number;
  /** Restart-window policy of the workers' stable addresses. */
  readonly stable?: StableSpec;
}

/** A pool: its address, its workers' stable addresses, and the supervisor spec that runs them. */
export interface WorkerPool<M> {
  /** Send or ask here: each message goes to one worker. */
  readonly addr: Addr<M>;
  /** One stable address per worker, in index order. */
  readonly members: readonly StableAddr<M>[];
  /** A one-for-one supervisor spec running the workers: start it, or nest it as a child's kind via `supervisor(spec)`. */
  readonly spec: SupervisorSpec;
}

/**
 * Make a pool for `engine`: its addresses exist at once; the workers start when its
 * supervisor spec does (see {@link startPool} to do both).
 */
export function workerPool<M, A = any>(engine: Engine, spec: PoolSpec<A>): WorkerPool<M> {
  if (!Number.isInteger(spec.size) || spec.size < 1) throw new ArgumentError(`pool size must be a positive integer, got ${String(spec.size)}`);
  const routing = spec.routing ?? 'round-robin';
  if (routing !== 'round-robin' && routing !== 'least-loaded') throw new ArgumentError(`pool routing must be "round-robin" or "least-loaded", got ${String(routing)}`);
  const prefix = spec.idPrefix ?? 'worker';
  const members: StableAddr<M>[] = [];
  const children: ChildSpec[] = [];
  for (let i = 0; i < spec.size; i++) {
    const stable = createStableAddr<M>(engine, spec.stable ?? {});
    members.push(stable);
    const args = typeof spec.args === 'function' ? (spec.args as (index: number) => A)(i) : spec.args;
    children.push({
      id: `${prefix}-${i}`, stable,
      ...(spec.kind === undefined ? {} : { kind: spec.kind }),
      ...(spec.factory === undefined ? {} : { factory: spec.factory }),
      ...(args === undefined ? {} : { args }),
      ...(spec.restart === undefined ? {} : { restart: spec.restart }),
      ...(spec.shutdown === undefined ? {} : { shutdown: spec.shutdown }),
      ...(spec.mailbox === undefined ? {} : { mailbox: spec.mailbox }),
    });
  }
  const route = new PoolRoute(engine, members.map((m) => routeOf(m) as StableRoute), routing);
  const supervisorSpec: SupervisorSpec = {
    strategy: 'one-for-one', children, name: 'pool',
    ...(spec.intensity === undefined ? {} : { intensity: spec.intensity }),
    ...(spec.periodMs === undefined ? {} : { periodMs: spec.periodMs }),
    ...(spec.backoff === undefined ? {} : { backoff: spec.backoff }),
  };
  return { addr: route.addr as Addr<M>, members, spec: supervisorSpec };
}

/** Make a pool and start its supervisor at the top level. */
export function startPool<M, A = any>(engine: Engine, spec: PoolSpec<A>): WorkerPool<M> & { readonly supervisor: SupervisorHandle } {
  const pool = workerPool<M, A>(engine, spec);
  return { ...pool, supervisor: startSupervisor(engine, pool.spec) };
}

// --- internal ---

/** @internal The route behind a pool address. */
class PoolRoute extends AddrRoute {
  readonly addr: Addr<any>;
  private next = 0;

  constructor(readonly engine: Engine, private readonly members: readonly StableRoute[], private readonly routing: PoolRouting) {
    super();
    this.addr = mintAddr({ node: engine.incarnation, core: engine.core, slot: routeSlot(), generation: 0, secret: engine.reactor.random('stable-addr').nextU32() }, this);
  }

  current(): ActorCell | null {
    return this.routing === 'round-robin' ? this.roundRobin() : this.leastLoaded();
  }

  /** The pool supervisor's path: the folder of its members' paths. */
  describe(): string | null {
    const member = this.members[0]!.describe();
    return member === null ? null : member.slice(0, member.lastIndexOf('/')) || null;
  }

  hold(message: unknown, meta: MessageMeta | null, options: SendOptions | undefined): SendResult {
    const member = this.members[this.next]!;
    this.next = (this.next + 1) % this.members.length;
    return member.hold(message, meta, options);
  }

  private roundRobin(): ActorCell | null {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const cell = this.members[index]!.current();
      if (cell !== null) {
        this.next = (index + 1) % n;
        return cell;
      }
    }
    return null;
  }

  private leastLoaded(): ActorCell | null {
    const n = this.members.length;
    let best: ActorCell | null = null;
    let bestDepth = Infinity;
    // Start from a rotating index so that ties spread over the workers.
    const start = this.next;
    this.next = (this.next + 1) % n;
    for (let i = 0; i < n; i++) {
      const cell = this.members[(start + i) % n]!.current();
      if (cell === null) continue;
      // Its queue, plus the message it is busy with (an async handler in flight).
      const depth = cell.queuedCount + (cell.status === S_SUSPENDED ? 1 : 0);
      if (depth < bestDepth) {
        best = cell;
        bestDepth = depth;
      }
    }
    return best;
  }
}
