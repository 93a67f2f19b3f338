/**
 * Children on other nodes, the spawner's books: for each local stand-in (the runtime's
 * `RemoteChild`, packages/runtime/src/kernel/node-child.ts) whose child runs on another
 * node, the child and the callback that ends the stand-in. The node hosting the child books
 * the link from its side when it spawns it (so an exit there always finds it); this side
 * books it in the same turn the spawn's answer arrives, before any later frame of that
 * node is read, so the child's exit, however early, is seen.
 *
 * Owns: those books, and the late answers of spawns whose stand-in is gone (their child is
 * killed). Must not: send frames itself (the router's `kill` does), or keep an entry past
 * the end of either side: an entry leaves when the child exits, when its node is lost, or
 * when the stand-in exits.
 */
import { type AnyAddr, type ExitReason, Exit, isAddr } from '@pd/actor';
import type { NodeSpawn } from '@pd/runtime';

/** Most spawns whose answer is awaited by no one, remembered to kill their child if it comes. */
const MAX_ABANDONED = 1024;

interface Entry {
  readonly standIn: AnyAddr;
  readonly child: AnyAddr;
  readonly exited: NodeSpawn['exited'];
}

/** What the books ask of the router. */
export interface ChildrenPort {
  /** Whether the stand-in is still alive here. */
  isLive(addr: AnyAddr): boolean;
  /** Kill an actor on another node. */
  kill(child: AnyAddr): void;
}

export class RemoteChildren {
  /** Stand-in key → its child. */
  private readonly byStandIn = new Map<string, Entry>();
  /** Request ids of spawns that timed out here (their child, if the answer comes, is orphaned). */
  private readonly abandoned = new Set<number>();

  constructor(private readonly port: ChildrenPort) {}

  /** Entries held now. */
  get size(): number {
    return this.byStandIn.size;
  }

  /** The spawn for `spawn.standIn` answered `child`: book it (or kill it if the stand-in is gone). */
  placed(spawn: NodeSpawn, child: AnyAddr): void {
    if (!this.port.isLive(spawn.standIn)) {
      this.port.kill(child);
      return;
    }
    this.byStandIn.set(spawn.standIn.key, { standIn: spawn.standIn, child, exited: spawn.exited });
  }

  /** The spawn request `id` timed out: its answer, if it still comes, kills the child. */
  abandon(id: number): void {
    if (this.abandoned.size >= MAX_ABANDONED) this.abandoned.delete(this.abandoned.values().next().value!);
    this.abandoned.add(id);
  }

  /** An answer nobody awaits any more: whether it was an abandoned spawn's (then its child, if any, is killed). */
  late(id: number, child: unknown): boolean {
    if (!this.abandoned.delete(id)) return false;
    if (isAddr(child)) this.port.kill(child);
    return true;
  }

  /** A link exit from `from` for the local `to`: true when it was a child's exit (its stand-in ends). */
  childExit(to: AnyAddr, from: AnyAddr, reason: ExitReason): boolean {
    const entry = this.byStandIn.get(to.key);
    if (entry === undefined || !entry.standIn.equals(to) || !entry.child.equals(from)) return false;
    this.byStandIn.delete(to.key);
    entry.exited(reason);
    return true;
  }

  /** A local actor exited: if it stood in for a child that still runs, the child is killed. */
  exited(local: AnyAddr): void {
    const entry = this.byStandIn.get(local.key);
    if (entry === undefined || !entry.standIn.equals(local)) return;
    this.byStandIn.delete(local.key);
    this.port.kill(entry.child);
  }

  /** The node of incarnation `node` is lost: its children's stand-ins end with `noconnection`. */
  nodeLost(node: number): void {
    for (const [key, entry] of this.byStandIn) {
      if (entry.child.node !== node) continue;
      this.byStandIn.delete(key);
      entry.exited(Exit.noconnection);
    }
  }
}
