/**
 * Exits of actors on the node's other cores, for the cluster registry and the process
 * groups. On a multi-core node the federation runs on core 0 (the gateway), whose node
 * router hears the exits of core 0's actors only (the engine's local-exit hook, `exited`);
 * a cluster name or a group membership held for an actor of core 3 needs its exit too. So
 * core 0 monitors each such actor through the core router, as any actor of core 0 monitors
 * one of another core (a client of core 0 holds the monitors): the Down comes back over the
 * rings when the actor exits; at once (`noproc`) when it had exited before the monitor
 * reached its core, so an exit racing with a registration is not missed; and with
 * `core-crashed` when its core dies (a worker core that restarts comes back without its
 * actors). Each Down becomes the same `exited(addr)` the router gives for core 0's actors.
 *
 * Owns: the monitors, one per actor held. Must not: watch actors of this core (the router's
 * hook has them) or of other nodes, or throw into the engine (failures go to `onError`).
 */
import { type AnyAddr, Down, type MonitorRef } from '@pd/actor';
import { type Client, type Engine, type MultiCore, multiCore } from '@pd/runtime';

/** What the watcher reports to. */
export interface CoreExitsHost {
  /** An actor of another core exited (or its core died): the registry and groups drop it. */
  exited(addr: AnyAddr): void;
  /** Whether a name or a membership still holds `addr` (else its monitor can go). */
  held(addr: AnyAddr): boolean;
  /** Something failed where nothing may throw (a listener, a closed engine). */
  onError(error: unknown): void;
}

/** The exits of actors of the node's other cores; see the module's comment. */
export class CoreExits {
  /** The cross-core view of a multi-core engine; null on a single-core one. */
  private readonly cores: MultiCore | null;
  private client: Client | null = null;
  /** Monitors held, by the actor's address key. */
  private readonly watching = new Map<string, { readonly addr: AnyAddr; readonly ref: MonitorRef }>();

  constructor(private readonly engine: Engine, private readonly host: CoreExitsHost) {
    let cores: MultiCore | null = null;
    try {
      cores = multiCore(engine);
    } catch {
      cores = null; // A single-core engine: every actor of the node is on this core.
    }
    this.cores = cores;
  }

  /** Whether `addr` names an actor of another core of this node (a core it has). */
  otherCore(addr: AnyAddr): boolean {
    return this.cores !== null && addr.node === this.engine.incarnation && addr.core !== this.engine.core && addr.core >= 0 && addr.core < this.cores.cores;
  }

  /**
   * Whether the actor `addr` of another core may be taken as alive: its core is up. Whether
   * the actor itself is, that core alone knows; one that is not is reported by its monitor's
   * `noproc` right after it is {@link watch}ed.
   */
  coreUp(addr: AnyAddr): boolean {
    return this.otherCore(addr) && this.cores!.status()[addr.core]?.state === 'up';
  }

  /** Hold a monitor on `addr` (once per actor) if it is an actor of another core. */
  watch(addr: AnyAddr): void {
    if (!this.otherCore(addr)) return;
    const held = this.watching.get(addr.key);
    if (held !== undefined && held.addr.equals(addr)) return;
    const client = this.open();
    if (client === null) return;
    try {
      this.watching.set(addr.key, { addr, ref: client.monitor(addr) });
    } catch (error) {
      this.host.onError(error);
    }
  }

  /** Nothing may hold `addr` any more: drop its monitor unless a name or a membership still does. */
  unwatch(addr: AnyAddr): void {
    const entry = this.watching.get(addr.key);
    if (entry === undefined || !entry.addr.equals(addr) || this.host.held(addr)) return;
    this.watching.delete(addr.key);
    try {
      this.client?.demonitor(entry.ref);
    } catch (error) {
      this.host.onError(error);
    }
  }

  /** Monitors held now. */
  get size(): number {
    return this.watching.size;
  }

  // --- internal ---

  /** The client holding the monitors, opened on first use; null when the engine takes none (stopped). */
  private open(): Client | null {
    if (this.client !== null) return this.client;
    try {
      this.client = this.engine.client();
    } catch (error) {
      this.host.onError(error);
      return null;
    }
    this.receive(this.client);
    return this.client;
  }

  /** Every Down the client gets is an exit; a receive that fails means the client was closed (the engine stopped). */
  private receive(client: Client): void {
    client.receive().then((message) => {
      if (message instanceof Down) this.down(message.addr);
      this.receive(client);
    }, () => {
      if (this.client === client) this.client = null;
      this.watching.clear();
    });
  }

  private down(addr: AnyAddr): void {
    const entry = this.watching.get(addr.key);
    if (entry !== undefined && entry.addr.equals(addr)) this.watching.delete(addr.key);
    // Even a Down for a monitor dropped meanwhile says the actor exited: reported all the same.
    try {
      this.host.exited(addr);
    } catch (error) {
      this.host.onError(error);
    }
  }
}
