/**
 * Stand-ins: how a parent keeps a child that runs on another core. The child is spawned
 * there under a leased identity; here, a small local actor stands in for it among the
 * parent's children. The stand-in watches the child (from before it exists) and exits with
 * the child's exit reason; stopping the stand-in stops the child and waits for it; killing
 * it kills the child. So a supervisor, whose children are local cells, supervises a child
 * on another core unchanged, and parent-child shutdown stays ordered across cores. The
 * child's own address (returned by the spawn) reaches it directly; messages sent to the
 * stand-in (a supervisor's stable address) are forwarded, asks included.
 *
 * Must not: outlive its child, or let the child outlive it.
 */
import { type AddrIdentity, type AnyAddr, type Behavior, type Context, Exit, type ExitReason, type SpawnOptions } from '@pd/actor';
import { addrTarget, mintAddr } from '@pd/actor/internal';
import { ActorCell, S_DEAD, S_STOPPING } from '../kernel/cell.js';
import { forwardToChild } from '../kernel/forward-child.js';
import type { RemoteSpawn } from '../remote.js';
import type { Peer } from './peer.js';
import type { CorePort } from './port.js';


/** The behaviour of a stand-in: its kind shows as `RemoteChild` in introspection. */
export class RemoteChild implements Behavior {
  /** @internal */ child: AnyAddr | null = null;
  /** @internal */ exited: ExitReason | null = null;
  /** @internal */ waiters: (() => void)[] = [];

  constructor(private readonly router: CorePort) {}

  receive(message: unknown, ctx: Context): unknown {
    // A message that cannot cross to the child's core is refused here, as at a direct send.
    forwardToChild(ctx, this.child!, message, this.refuse);
    return undefined;
  }

  private readonly refuse = (child: AnyAddr, message: unknown): void => {
    this.router.deadLetter(child, message);
  };

  stopping(reason: ExitReason): Promise<void> | void {
    if (this.exited !== null || this.child === null) return;
    this.router.stop(this.child, reason);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class StandIns {
  /** Stand-in address key → its behaviour. */
  private readonly byKey = new Map<string, RemoteChild>();

  constructor(private readonly router: CorePort) {}

  /** Spawn `spawn` on `peer` as a child of a local parent; returns the child's address. */
  spawnChild(peer: Peer, identity: AddrIdentity, kind: string, spawn: RemoteSpawn, options: SpawnOptions): AnyAddr {
    const router = this.router;
    const engine = router.engine;
    const parent = engine.liveCell(spawn.parent!, 'spawn')!;
    const standInOptions: SpawnOptions = {
      args: router, placement: 'local',
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(spawn.options.link === true ? { link: true } : {}),
      ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    };
    const standIn = addrTarget(engine._spawn(RemoteChild, standInOptions, parent, spawn.restart ?? null)) as ActorCell;
    const behavior = standIn.behavior as RemoteChild;
    const child = mintAddr(identity, standIn);
    behavior.child = child;
    this.byKey.set(standIn.self.key, behavior);
    // Watch from the start: the monitor rides in the spawn request, so even a child that
    // fails to start reports its own reason, not noproc.
    const ref = router.internalRef();
    router.books.addWatching({ watcher: standIn.self, target: child, ref, onDown: (reason) => this.childExited(standIn, behavior, reason) });
    router.sendSpawn(peer, identity, kind, spawn, options, { watcher: standIn.self, ref: ref.id });
    return child;
  }

  /** A local actor exited: if it was a stand-in whose child still runs, the child is killed. */
  exited(local: AnyAddr): void {
    const behavior = this.byKey.get(local.key);
    if (behavior === undefined) return;
    this.byKey.delete(local.key);
    if (behavior.exited === null && behavior.child !== null) this.router.kill(behavior.child);
  }

  // --- internal ---

  private childExited(standIn: ActorCell, behavior: RemoteChild, reason: ExitReason): void {
    behavior.exited = reason;
    const waiters = behavior.waiters;
    behavior.waiters = [];
    for (const w of waiters) w();
    if (standIn.status >= S_STOPPING || standIn.status === S_DEAD) return;
    standIn.terminate(reason.type === 'killed' ? Exit.killed : reason, false);
    standIn.engine._flushSignals();
  }
}
