/**
 * A test router written as a package outside @pd/runtime would write one: it imports only
 * the public entry points (`@pd/runtime`, `@pd/actor`) and uses no casts. It joins two
 * "nodes" (engines of different incarnations, each possibly multi-core) in one process:
 * `link.end(0)` and `link.end(1)` are router factories for either side.
 *
 * What crosses goes through a FIFO queue per direction, drained on the receiving engine's
 * reactor, so per-pair order holds whatever the scheduler does, and nothing runs inside
 * the caller's stack (as over a real network). It carries sends, sendWaits, asks, links,
 * monitors, exit signals, stops, kills and swaps. It places no spawns elsewhere and keeps
 * no remote topics. This is the example of docs/architecture.md, "How to write a router".
 */
import {
  type AnyAddr, type AskOptions, Exit, type ExitReason, type MonitorRef, type SendOptions, type SendResult, type SpawnOptions,
} from '@pd/actor';
import type { RemoteAskHandle, RemoteHost, RemoteRouter, RemoteSpawn, RouterFactory, ShutdownReport } from '@pd/runtime';

/** A watcher on the other node of an actor on this one. */
interface RemoteWatch {
  readonly watcher: AnyAddr;
  readonly ref: MonitorRef;
}

/** One node's end of the link: its engines (by core), and who elsewhere links to or watches its actors. */
class Side {
  readonly hosts = new Map<number, RemoteHost>();
  readonly routers = new Map<number, LoopbackRouter>();
  /** Actors of the other node linked to each actor here, by the local actor's key. */
  readonly linkedBy = new Map<string, Set<AnyAddr>>();
  /** Watchers on the other node of each actor here, by the local actor's key. */
  readonly watchedBy = new Map<string, RemoteWatch[]>();
  private readonly queue: (() => void)[] = [];
  private draining = false;

  /** This node's incarnation, once one of its engines has attached. */
  get node(): number | null {
    const first = this.hosts.values().next();
    return first.done === true ? null : first.value.incarnation;
  }

  host(addr: AnyAddr): RemoteHost | undefined {
    return this.hosts.get(addr.core);
  }

  /** Run `work` on this node, after what was queued before it (per-pair FIFO). */
  post(work: () => void): void {
    this.queue.push(work);
    if (this.draining) return;
    const host = this.hosts.values().next().value;
    if (host === undefined) return;
    this.draining = true;
    host.reactor.soon(() => this.drain());
  }

  private drain(): void {
    // Everything queued so far, in order; a task may queue more (it runs in this drain).
    for (let i = 0; i < this.queue.length; i++) this.queue[i]!();
    this.queue.length = 0;
    this.draining = false;
  }
}

/** Two nodes joined in one process. */
export class LoopbackLink {
  private readonly sides: readonly [Side, Side] = [new Side(), new Side()];
  /** Messages carried, both ways (sends, asks, signals...). */
  carried = 0;

  /** The router factory for node `index` (0 or 1); pass it in `routers` of each of its engines. */
  end(index: 0 | 1): RouterFactory {
    return (host) => {
      const here = this.sides[index];
      const there = this.sides[1 - index]!;
      const router = new LoopbackRouter(host, here, there, () => this.carried++);
      here.hosts.set(host.core, host);
      here.routers.set(host.core, router);
      return router;
    };
  }
}

class LoopbackRouter implements RemoteRouter {
  /** Monitors held by actors of this engine on actors of the other node, by ref id. */
  readonly watching = new Map<number, AnyAddr>();
  /** Links of actors of this engine to actors of the other node, by the local actor's key. */
  private readonly links = new Map<string, Set<AnyAddr>>();

  constructor(
    private readonly host: RemoteHost,
    private readonly here: Side,
    private readonly there: Side,
    private readonly count: () => void,
  ) {}

  reaches(addr: AnyAddr): boolean {
    const node = this.there.node;
    return node !== null && addr.node === node;
  }

  place(_definition: unknown, _options: SpawnOptions | undefined, _parent: AnyAddr | null, _parentPath: string | null): number | null {
    return null;
  }

  spawn(_target: number, _spawn: RemoteSpawn): AnyAddr {
    throw new Error('the loopback router places no spawns on the other node');
  }

  send(to: AnyAddr, message: unknown, options: SendOptions | undefined): SendResult {
    this.toThere(to, (host) => host.deliver(to, message, null, Infinity, options), message);
    return 'queued';
  }

  sendWait(to: AnyAddr, message: unknown, options: SendOptions | undefined): Promise<SendResult> {
    return new Promise((resolve) => {
      this.toThere(to, (host) => {
        void host.sendWait(to, message, Infinity, options).then((result) => this.here.post(() => resolve(result)));
      }, message, () => resolve('dead'));
    });
  }

  ask(to: AnyAddr, message: unknown, ask: RemoteAskHandle, options: AskOptions | undefined): SendResult {
    const here = this.here;
    // The handle on the other node: settling it settles `ask` back here, in order.
    const relay: RemoteAskHandle = {
      id: ask.id,
      get settled() {
        return ask.settled;
      },
      answer: (value) => {
        here.post(() => ask.answer(value));
        return true;
      },
      fail: (error) => {
        here.post(() => ask.fail(error));
        return true;
      },
    };
    this.toThere(to, (host) => host.deliver(to, message, relay, Infinity, options), message, () => ask.fail(new Error(`${String(to)} is on no attached engine`)));
    return 'queued';
  }

  link(local: AnyAddr, remote: AnyAddr): void {
    let mine = this.links.get(local.key);
    if (mine === undefined) this.links.set(local.key, (mine = new Set()));
    mine.add(remote);
    this.toThere(remote, (host) => {
      if (!host.isLive(remote)) return this.here.post(() => this.host.signal(local, 'link', remote, Exit.noproc));
      let theirs = this.there.linkedBy.get(remote.key);
      if (theirs === undefined) this.there.linkedBy.set(remote.key, (theirs = new Set()));
      theirs.add(local);
    }, null);
  }

  unlink(local: AnyAddr, remote: AnyAddr): void {
    this.links.get(local.key)?.delete(remote);
    this.toThere(remote, () => this.there.linkedBy.get(remote.key)?.delete(local), null);
  }

  monitor(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef): void {
    this.watching.set(ref.id, remote);
    this.toThere(remote, (host) => {
      if (!host.isLive(remote)) {
        this.here.post(() => {
          this.watching.delete(ref.id);
          this.host.down(watcher, ref, remote, Exit.noproc);
        });
        return;
      }
      let watchers = this.there.watchedBy.get(remote.key);
      if (watchers === undefined) this.there.watchedBy.set(remote.key, (watchers = []));
      watchers.push({ watcher, ref });
    }, null);
  }

  demonitor(watcher: AnyAddr, ref: MonitorRef): boolean {
    const remote = this.watching.get(ref.id);
    if (remote === undefined) return false;
    this.watching.delete(ref.id);
    this.toThere(remote, () => {
      const watchers = this.there.watchedBy.get(remote.key);
      if (watchers === undefined) return;
      const i = watchers.findIndex((w) => w.ref.id === ref.id && w.watcher.equals(watcher));
      if (i >= 0) watchers.splice(i, 1);
    }, null);
    return true;
  }

  exit(target: AnyAddr, reason: ExitReason, from: AnyAddr | null): void {
    this.toThere(target, (host) => host.signal(target, 'exit', from, reason), null);
  }

  stop(target: AnyAddr, reason: ExitReason): void {
    this.toThere(target, (host) => host.stop(target, reason), null);
  }

  kill(target: AnyAddr): void {
    this.toThere(target, (host) => host.signal(target, 'kill', null, Exit.killed), null);
  }

  swap(target: AnyAddr, kind: string, args: unknown): void {
    this.toThere(target, (host) => host.swap(target, kind, args), null);
  }

  publish(_topic: string, _message: unknown): number {
    return 0;
  }

  exited(local: AnyAddr, reason: ExitReason): void {
    // Our linkers and watchers on the other node hear of it there, in order.
    const linkers = this.here.linkedBy.get(local.key);
    this.here.linkedBy.delete(local.key);
    for (const remote of linkers ?? []) this.toThere(remote, (host) => host.signal(remote, 'link', local, reason), null);
    const watchers = this.here.watchedBy.get(local.key);
    this.here.watchedBy.delete(local.key);
    for (const { watcher, ref } of watchers ?? []) {
      this.toThere(watcher, (host) => {
        this.there.routers.get(watcher.core)?.watching.delete(ref.id);
        host.down(watcher, ref, local, reason);
      }, null);
    }
    // Our own links to the other node: the linked actors there get the exit signal.
    const mine = this.links.get(local.key);
    this.links.delete(local.key);
    for (const remote of mine ?? []) {
      this.toThere(remote, (host) => {
        this.there.linkedBy.get(remote.key)?.delete(local);
        host.signal(remote, 'link', local, reason);
      }, null);
    }
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(_deadlineMs: number): Promise<ShutdownReport> {
    // The other node is not ours to shut down.
    return Promise.resolve({ stopped: 0, killed: 0 });
  }

  // --- internal ---

  /**
   * Run `work` on the engine of the other node that hosts `to`. A message for an engine
   * that is not attached becomes a dead letter here; `lost` runs instead of `work`.
   */
  private toThere(to: AnyAddr, work: (host: RemoteHost) => void, message: unknown, lost?: () => void): void {
    this.count();
    const host = this.there.host(to);
    if (host === undefined) {
      this.host.deadLetter(to, message, 'unknown');
      lost?.();
      return;
    }
    this.there.post(() => work(host));
  }
}
