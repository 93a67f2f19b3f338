/**
 * Children on other nodes: a spawn placed with `{ node }` or `{ nodes }` runs its child on
 * another node of the federation and keeps here, among the parent's children, a small
 * stand-in (kind `RemoteChild`) that mirrors it, as a stand-in does for a child on another
 * core (multi/stand-in.ts): the child's exit (any reason, `normal` included) ends the
 * stand-in with the same reason, and so does the loss of its node (`noconnection`);
 * stopping the stand-in stops the child and waits for its exit (bounded by the stand-in's
 * stop timeout); the stand-in's end before the child's (killed, say) kills the child. So a
 * supervisor supervises it unchanged. The spawn returns the stand-in's address: the child's
 * own exists only once its node answered, and until then what is sent waits in the
 * stand-in's mailbox; from then on it is forwarded in order, asks included.
 *
 * Owns: the stand-in and the checks of a node placement. Must not: know how nodes are
 * reached (the {@link NodePlacer} a federation's router offers does), or import the engine
 * (it asks for what it needs through {@link NodeChildHost}).
 */
import {
  type Addr, type AnyAddr, type Behavior, type Context, type ExitReason, type Placement, type SendResult, type Spawnable,
  type SpawnOptions, ArgumentError, Exit, Kind, SpawnError, describeType,
} from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import type { Reactor } from '../reactor.js';
import type { NodePlacer } from '../remote.js';
import { type ActorCell, S_STOPPING } from './cell.js';
import type { DeadLetterReason } from './events.js';
import { forwardToChild } from './forward-child.js';

/** Most nodes a `{ nodes }` placement lists. */
const MAX_NODES = 64;

/** What a node stand-in needs of its engine. */
export interface NodeChildHost {
  _spawn(definition: Spawnable, options: SpawnOptions | undefined, parent: ActorCell | null, restart: { restarts: number; previous: ExitReason } | null): Addr<any>;
  _flushSignals(): void;
  _deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult;
  readonly reactor: Reactor;
}

/** A placement on a node: `{ node }` or `{ nodes }`. */
export type NodePlacement = Extract<Placement, { readonly node: string } | { readonly nodes: readonly string[] }>;

/** True for `{ node }` and `{ nodes }` (the other placements pick a core). */
export function isNodePlacement(placement: unknown): placement is NodePlacement {
  return typeof placement === 'object' && placement !== null && (Object.hasOwn(placement, 'node') || Object.hasOwn(placement, 'nodes'));
}

/** The nodes a node placement lists, in order; throws an `ArgumentError` for a malformed one. */
export function placementNodes(placement: NodePlacement): readonly string[] {
  const nodes: unknown = 'node' in placement ? [placement.node] : placement.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_NODES) {
    throw new ArgumentError(`placement { nodes } needs a list of 1 to ${MAX_NODES} node ids, got ${describeType(nodes)}`);
  }
  for (const node of nodes) {
    if (typeof node !== 'string' || node === '') throw new ArgumentError(`placement on a node needs node ids (non-empty strings), got ${describeType(node)}`);
  }
  return nodes as readonly string[];
}

/**
 * Spawn `definition` on the node `options.placement` picks, as a child of `parent` standing
 * in here; returns the stand-in's address, or null when the pick is this node (spawn here,
 * without the placement). Throws `spawn/no-federation` with no placer, and
 * `spawn/invalid-definition` for what is not a named kind.
 */
export function spawnOnNode(
  host: NodeChildHost, placer: NodePlacer | null, definition: Spawnable, options: SpawnOptions, parent: ActorCell | null,
  restart: { restarts: number; previous: ExitReason } | null,
): Addr<any> | null {
  const nodes = placementNodes(options.placement as NodePlacement);
  if (placer === null) {
    throw new SpawnError('spawn/no-federation',
      `spawn: placement on node '${nodes[0]}' needs a federation attached to this engine (a router that reaches other nodes); this engine has none`, { node: nodes[0] });
  }
  const kind = typeof definition === 'string' ? definition : definition instanceof Kind ? definition.name : null;
  const node = nodes.length === 1 ? nodes[0]! : placer.pick(nodes);
  if (node === placer.self) return null;
  if (kind === null) {
    throw new SpawnError('spawn/invalid-definition',
      `${describeType(definition)} cannot run on node '${node}': only a named kind (defineKind, registered on that node) can; closures and classes stay on their node`);
  }
  const childOptions: SpawnOptions = {
    ...(options.args === undefined ? {} : { args: options.args }),
    ...(options.mailbox === undefined ? {} : { mailbox: options.mailbox }),
    ...(options.trapExits === undefined ? {} : { trapExits: options.trapExits }),
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  };
  const start: StandInStart = { host, placer, node, kind, options: childOptions };
  const standInOptions: SpawnOptions = {
    args: start, placement: 'local',
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.register === undefined ? {} : { register: options.register }),
    ...(options.link === true ? { link: true } : {}),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  };
  return host._spawn(RemoteChild, standInOptions, parent, restart);
}

/** The spawn options without `placement` (a node placement that picked this node). */
export function withoutPlacement(options: SpawnOptions): SpawnOptions {
  const { placement: _placement, ...rest } = options;
  return rest;
}

// --- internal ---

/** What a stand-in starts its child with. */
interface StandInStart {
  readonly host: NodeChildHost;
  readonly placer: NodePlacer;
  readonly node: string;
  readonly kind: string;
  readonly options: SpawnOptions;
}

/** The behaviour of a stand-in for a child on another node: its kind shows as `RemoteChild` in introspection. */
class RemoteChild implements Behavior {
  private child: AnyAddr | null = null;
  private exited: ExitReason | null = null;
  private waiters: (() => void)[] = [];
  /** Settles once the node answered the spawn (rejects with its error). */
  private placing: Promise<AnyAddr> | null = null;

  constructor(private readonly start: StandInStart) {}

  async started(ctx: Context): Promise<void> {
    const { placer, node, kind, options } = this.start;
    // The context is the stand-in's cell: the child's exit ends it from the router's callback.
    const cell = addrTarget(ctx.self) as ActorCell;
    this.placing = placer.spawn({ node, kind, options, standIn: ctx.self, exited: (reason) => this.childExited(cell, reason) });
    this.child = await this.placing;
  }

  receive(message: unknown, ctx: Context): unknown {
    // A message that cannot cross to the child's node is refused here, as at a direct send.
    forwardToChild(ctx, this.child!, message, this.refuse);
    return undefined;
  }

  private readonly refuse = (child: AnyAddr, message: unknown): void => {
    this.start.host._deadLetter(child, message, 'rejected');
  };

  stopping(reason: ExitReason, ctx: Context): Promise<void> | void {
    if (this.exited !== null || this.placing === null) return;
    const gone = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.child !== null) {
      ctx.stop(this.child, reason);
      return gone;
    }
    // Still being placed: stop it once it exists (a refused spawn leaves nothing to stop).
    return this.placing.then((child) => {
      if (this.exited === null) ctx.stop(child, reason);
      return gone;
    }, () => undefined);
  }

  private childExited(cell: ActorCell, reason: ExitReason): void {
    this.exited = reason;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    // A turn later: the child's last replies, answered in the same read as its exit, are
    // passed on to their askers first (a forwarded ask settles in a microtask).
    const host = this.start.host;
    host.reactor.yieldThen(() => {
      if (cell.status >= S_STOPPING) return;
      cell.terminate(reason.type === 'killed' ? Exit.killed : reason, false);
      host._flushSignals();
    });
  }
}
