/**
 * The cluster registry: names that span nodes. A node registers names for its own actors
 * only, and is the one authority on them: it tells every connected peer (a delta on each
 * change, its whole set when a peer connects), and each node resolves a name from what it
 * holds — its own entries and the last word of every connected peer. Entries of a peer
 * that is lost (connection down, declared dead, restarted) are forgotten at once: their
 * actors are unreachable or gone.
 *
 * Conflicts: the same name held on two nodes (registered on both sides of a partition, or
 * at once on two nodes before either heard of the other). Every node orders the holders by
 * `(clock, node id)` — `clock` a hybrid logical clock's stamp taken at registration (hlc.ts:
 * each node's clock moves past every stamp it hears of, so a registration made after
 * hearing of another sorts after it; concurrent ones sort by their physical time, which no
 * peer's stamp can push more than the drift bound ahead) — and the first wins, never by
 * wall-clock time alone. The loser's node drops its
 * entry, tells its peers, records the conflict, and sends the loser's holder a
 * {@link NAME_CONFLICT} message (it is not killed: it may stop, or register another name).
 *
 * A node that holds names connects to every member (connections are otherwise made by the
 * first message), so a name is known cluster-wide without traffic between the nodes.
 *
 * A multi-core node registers names for the actors of any of its cores: the federation runs
 * on core 0, and hears of another core's actor's exit through the monitor the host holds on
 * it from the registration on ({@link RegistryHost.watch}; core-exits.ts).
 *
 * Owns: the entries, the clock, the conflict rule and its notices. Must not: throw for
 * anything a peer sends (a bad notice is dropped and counted), or trust a peer's entry for
 * an actor that is not its own.
 */
import { type AnyAddr, ArgumentError, RegistryError, isAddr } from '@pd/actor';
import type { Notice } from './protocol.js';
import { HybridLogicalClock, isHlcStamp } from './hlc.js';

/** The `type` of the message a conflict's losing holder receives. */
export const NAME_CONFLICT = 'pd/name-conflict';

/** What the losing holder of a name receives when a conflict is decided against it. */
export interface NameConflictMessage {
  readonly type: typeof NAME_CONFLICT;
  readonly name: string;
  /** The winning holder, and its node. */
  readonly winner: AnyAddr;
  readonly winnerNode: string;
}

/** One registration as the registry shows it. */
export interface ClusterName {
  readonly name: string;
  readonly addr: AnyAddr;
  /** The node that registered it (its holder's node). */
  readonly node: string;
  /** Its hybrid logical clock stamp (`wallMs * 1024 + counter`, see `hlcParts`): with `node`, the conflict order (lower wins). */
  readonly clock: number;
}

/** A conflict this node decided (it held the losing registration). */
export interface NameConflict {
  readonly name: string;
  readonly loser: ClusterName;
  readonly winner: ClusterName;
}

/** What the registry needs of its node. */
export interface RegistryHost {
  readonly nodeId: string;
  /** This node's incarnation (the `node` of its local addresses). */
  incarnation(): number;
  /**
   * Whether `addr` is a live actor of this node. For an actor of another core of a multi-core
   * node, whether its core is up: one that exited already is reported through `exited` once
   * {@link watch}ed.
   */
  alive(addr: AnyAddr): boolean;
  /** A name now holds `addr`: an actor of another core of this node must have its exit reported (`exited`); no-op for others. */
  watch?(addr: AnyAddr): void;
  /** A name no longer holds `addr` (unregistered, lost a conflict): its watch may go. */
  unwatch?(addr: AnyAddr): void;
  /** Deliver `message` to a local actor. */
  tell(addr: AnyAddr, message: unknown): void;
  noticeTo(peer: string, notice: Notice): void;
  upPeers(): readonly string[];
  /** Connect to every member not connected yet, so each hears this node's names (connections are made lazily otherwise). */
  dialMembers?(): void;
  /** The wall clock (ms since the epoch) for the registry's hybrid logical clock: the engine's reactor's. Without it the clock only counts (a Lamport clock). */
  wallTime?(): number;
  /** This node's registration lost a conflict (after its holder was told): for observers. */
  lost?(conflict: NameConflict): void;
}

const MAX_NAME = 1024;
const MAX_ENTRIES = 100_000;

/** Names across the cluster; see the module's comment. `federation.registry` is one. */
export class ClusterRegistry {
  private readonly clock: HybridLogicalClock;
  private readonly own = new Map<string, ClusterName>();
  private readonly remote = new Map<string, Map<string, ClusterName>>();
  private readonly conflictLog: NameConflict[] = [];
  /** Notices from peers dropped as malformed. */
  badNotices = 0;

  constructor(private readonly host: RegistryHost) {
    this.clock = new HybridLogicalClock(host.wallTime === undefined ? () => 0 : () => host.wallTime!());
  }

  /** Stamps of peers' entries too far ahead of this node's wall clock for its clock to follow (the entries are kept; they sort late). */
  get clockDriftRefused(): number {
    return this.clock.driftRefused;
  }

  /**
   * Register `name` for the live actor `addr` of this node (on any of its cores) across the
   * cluster. Throws `registry/name-taken` when this node knows a holder already (a conflict
   * it cannot see yet — across a partition — is decided when the sides meet). An actor of
   * another core whose exit is on its way is registered, and dropped when the exit arrives.
   */
  register(name: string, addr: AnyAddr): void {
    if (typeof name !== 'string' || name === '' || name.length > MAX_NAME) throw new ArgumentError(`cluster registry: name must be a non-empty string of at most ${MAX_NAME} characters`);
    if (!isAddr(addr) || addr.node !== this.host.incarnation() || !this.host.alive(addr)) {
      throw new ArgumentError(`cluster registry: '${name}' can be registered for a live actor of this node only (on any of its cores)`);
    }
    const holder = this.whereis(name);
    if (holder !== undefined) throw new RegistryError('registry/name-taken', `the cluster name '${name}' is taken`, { name });
    const entry: ClusterName = { name, addr, node: this.host.nodeId, clock: this.clock.now() };
    this.own.set(name, entry);
    // Watched before anything else can happen: an exit from now on (or already past) reaches `exited`.
    this.host.watch?.(addr);
    this.broadcast({ op: 'registry', full: false, entries: [[name, addr, entry.clock]], removed: [] });
    this.host.dialMembers?.();
  }

  /** True while this node holds names: every member must hear them, so the router dials each as it comes up. */
  wantsPeers(): boolean {
    return this.own.size > 0;
  }

  /** Drop `name` if this node holds it; true when it did. */
  unregister(name: string): boolean {
    const entry = this.own.get(name);
    if (entry === undefined) return false;
    this.own.delete(name);
    this.broadcast({ op: 'registry', full: false, entries: [], removed: [name] });
    this.host.unwatch?.(entry.addr);
    return true;
  }

  /** Whether one of this node's names is held by `addr`. */
  holds(addr: AnyAddr): boolean {
    for (const e of this.own.values()) if (e.addr.equals(addr)) return true;
    return false;
  }

  /** The holder of `name` in the cluster as this node knows it (the conflict order's first), or undefined. */
  whereis(name: string): AnyAddr | undefined {
    return this.holderOf(name)?.addr;
  }

  /** Every name this node knows, with the winning holder of each, sorted by name. */
  list(): ClusterName[] {
    const names = new Set<string>(this.own.keys());
    for (const m of this.remote.values()) for (const n of m.keys()) names.add(n);
    return [...names].sort().map((n) => this.holderOf(n)).filter((e): e is ClusterName => e !== undefined);
  }

  /** Conflicts this node lost (its registration dropped), oldest first. */
  conflicts(): readonly NameConflict[] {
    return [...this.conflictLog];
  }

  // --- what the router tells it ---

  /** A peer connected: it gets all of this node's names. */
  connected(peer: string): void {
    this.host.noticeTo(peer, { op: 'registry', full: true, entries: [...this.own.values()].map((e) => [e.name, e.addr, e.clock]), removed: [] });
  }

  /** A peer was lost: its names are forgotten. */
  down(peer: string): void {
    this.remote.delete(peer);
  }

  /** An actor of this node exited (of this core, from the router; of another core, from its watch): its names are dropped. */
  exited(local: AnyAddr): void {
    const gone: string[] = [];
    for (const [name, e] of this.own) if (e.addr.equals(local)) gone.push(name);
    for (const name of gone) this.own.delete(name);
    if (gone.length > 0) this.broadcast({ op: 'registry', full: false, entries: [], removed: gone });
  }

  /** A peer's notice; malformed ones are dropped and counted. */
  notice(peer: string, incarnation: number, body: unknown): void {
    const b = body as { full?: unknown; entries?: unknown; removed?: unknown };
    if (typeof b.full !== 'boolean' || !Array.isArray(b.entries) || !Array.isArray(b.removed) || b.entries.length + b.removed.length > MAX_ENTRIES) {
      this.badNotices++;
      return;
    }
    const parsed: ClusterName[] = [];
    for (const item of b.entries) {
      if (!Array.isArray(item)) continue;
      const [name, addr, clock] = item as unknown[];
      // A peer speaks for its own actors only.
      if (typeof name !== 'string' || name === '' || name.length > MAX_NAME || !isAddr(addr) || addr.node !== incarnation) continue;
      if (!isHlcStamp(clock)) continue;
      parsed.push({ name, addr, node: peer, clock });
    }
    let table = this.remote.get(peer);
    if (table === undefined || b.full) this.remote.set(peer, (table = new Map()));
    for (const name of b.removed) if (typeof name === 'string') table.delete(name);
    for (const e of parsed) {
      table.set(e.name, e);
      this.clock.observe(e.clock);
    }
    for (const e of parsed) this.resolve(e.name);
  }

  // --- internal ---

  /** A name held here and elsewhere: if this node's registration loses, drop it and tell its holder. */
  private resolve(name: string): void {
    const mine = this.own.get(name);
    if (mine === undefined) return;
    const winner = this.holderOf(name)!;
    if (winner === mine) return;
    this.own.delete(name);
    const conflict = { name, loser: mine, winner };
    this.conflictLog.push(conflict);
    if (this.conflictLog.length > 1024) this.conflictLog.shift();
    this.broadcast({ op: 'registry', full: false, entries: [], removed: [name] });
    this.host.unwatch?.(mine.addr);
    const message: NameConflictMessage = { type: NAME_CONFLICT, name, winner: winner.addr, winnerNode: winner.node };
    this.host.tell(mine.addr, message);
    this.host.lost?.(conflict);
  }

  private holderOf(name: string): ClusterName | undefined {
    let best: ClusterName | undefined;
    const consider = (e: ClusterName | undefined): void => {
      if (e !== undefined && (best === undefined || before(e, best))) best = e;
    };
    const mine = this.own.get(name);
    if (mine !== undefined && this.host.alive(mine.addr)) consider(mine);
    for (const table of this.remote.values()) consider(table.get(name));
    return best;
  }

  private broadcast(notice: Notice): void {
    for (const peer of this.host.upPeers()) this.host.noticeTo(peer, notice);
  }
}

/** The conflict order: the lower hybrid logical clock stamp first, then the lower node id. */
function before(a: ClusterName, b: ClusterName): boolean {
  return a.clock !== b.clock ? a.clock < b.clock : a.node < b.node;
}
