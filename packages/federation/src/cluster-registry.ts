/**
 * The cluster registry: names, and path prefixes, that span nodes. A node registers entries
 * for its own actors only, and is the one writer of them: each node's entries are an
 * owner-written map replicated as a delta-state CRDT (delta-slice.ts). Every change takes the
 * next version of the node's counter and goes to every connected peer as a delta; a peer that
 * connects gets the full state. A replica joins deltas and full states in any order, twice or
 * not at all in between, and ends equal to the writer's map. Each node resolves an entry from
 * what it holds — its own entries and its slice of every connected peer's. Entries of a peer
 * that is lost (connection down, declared dead, restarted) are forgotten at once: their
 * actors are unreachable or gone.
 *
 * Two kinds of entry, one mechanism: a *name* (any string; `whereis(name)` gives its holder)
 * and a *path prefix* (an absolute actor path such as `/user/orders`, claimed by the actor
 * that owns that subtree — typically the supervisor at that path). A path resolves by the
 * longest claimed prefix covering it, segment by segment (`/user/orders` covers
 * `/user/orders` and `/user/orders/42`, not `/user/ordersX`), to the claiming node and its
 * holder (`whereisPrefix`); the actor at the path itself is then looked up on that node
 * (`federation.whereisPath`). Both kinds live in the same tables (keyed by kind, then key),
 * ride the same notices, take the same clock stamp and follow the same conflict rule; a
 * name and a prefix never conflict with each other, nor do nested prefixes (the longest
 * wins a lookup, which is the point of nesting).
 *
 * Wire: names travel as `entries`/`removed` (the shape peers have always read); every other
 * kind as `claims` (`[kind, key, addr, clock]`) and `unclaimed` (`[kind, key]`), fields a
 * peer that predates them ignores. A claim of a kind this node does not know is dropped and
 * counted ({@link ClusterRegistry.unknownClaims}), never thrown. Versions ride as one more
 * element of each item (`removedAt` beside `removed`) with the notice's run (`from`, `seq`;
 * a full state `seq` only): a peer that predates them ignores them, and a notice without them
 * (from such a peer) is joined as the next run after what this node holds of it, which is
 * what its FIFO connection gave before.
 *
 * Conflicts: the same key (of one kind) held on two nodes (registered on both sides of a
 * partition, or at once on two nodes before either heard of the other). Every node orders
 * the holders by `(clock, node id)` — `clock` a hybrid logical clock's stamp taken at
 * registration (hlc.ts: each node's clock moves past every stamp it hears of, so a
 * registration made after hearing of another sorts after it; concurrent ones sort by their
 * physical time, which no peer's stamp can push more than the drift bound ahead) — and the
 * first wins, never by wall-clock time alone. The loser's node drops its entry, tells its
 * peers, records the conflict, and sends the loser's holder a {@link NAME_CONFLICT} (or
 * {@link PREFIX_CONFLICT}) message (it is not killed: it may stop, or register another).
 *
 * A node that holds entries connects to every member (connections are otherwise made by the
 * first message), so an entry is known cluster-wide without traffic between the nodes.
 *
 * Anti-entropy: a notice can be lost on a connection that stays up (a full outbound queue
 * drops it, at-most-once). So once a period ({@link ClusterRegistry.tick}) a node that has
 * written anything tells every peer its last version (`have`); a peer whose slice is behind
 * it, or that holds runs above a gap, asks (`resend`) and gets the full state — at most one
 * ask and one answer per peer per period. Peers that predate this read both as empty deltas.
 *
 * A multi-core node registers entries for the actors of any of its cores: the federation
 * runs on core 0, and hears of another core's actor's exit through the monitor the host
 * holds on it from the registration on ({@link RegistryHost.watch}; core-exits.ts).
 *
 * Owns: the entries, the clock, the conflict rule and its notices. Must not: throw for
 * anything a peer sends (a bad notice is dropped and counted), or trust a peer's entry for
 * an actor that is not its own.
 */
import { type AnyAddr, ArgumentError, RegistryError, isAddr, pathProblem } from '@pd/actor';
import type { Notice } from './protocol.js';
import { HybridLogicalClock, isHlcStamp } from './hlc.js';
import { DeltaSlice, type Dot, type SliceChange, VersionCounter } from './delta-slice.js';
import { NoticeRun, ReplicaNotices, runProblem } from './replica-notices.js';

/** The `type` of the message a name conflict's losing holder receives. */
export const NAME_CONFLICT = 'pd/name-conflict';
/** The `type` of the message a path prefix conflict's losing holder receives. */
export const PREFIX_CONFLICT = 'pd/prefix-conflict';

/** What the losing holder of a name receives when a conflict is decided against it. */
export interface NameConflictMessage {
  readonly type: typeof NAME_CONFLICT;
  readonly name: string;
  /** The winning holder, and its node. */
  readonly winner: AnyAddr;
  readonly winnerNode: string;
}

/** What the losing holder of a path prefix receives when a conflict is decided against it. */
export interface PrefixConflictMessage {
  readonly type: typeof PREFIX_CONFLICT;
  readonly prefix: string;
  /** The winning holder, and its node (where the subtree now resolves). */
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

/** One path prefix claim as the registry shows it: paths at or below `prefix` live on `node`. */
export interface ClusterPrefix {
  readonly prefix: string;
  /** The holder: the actor owning the subtree (typically the supervisor at `prefix`). */
  readonly addr: AnyAddr;
  /** The node that claimed it (its holder's node). */
  readonly node: string;
  /** As {@link ClusterName.clock}. */
  readonly clock: number;
}

/** A name conflict this node decided (it held the losing registration). */
export interface NameConflict {
  readonly name: string;
  readonly loser: ClusterName;
  readonly winner: ClusterName;
}

/** A path prefix conflict this node decided (it held the losing claim). */
export interface PrefixConflict {
  readonly prefix: string;
  readonly loser: ClusterPrefix;
  readonly winner: ClusterPrefix;
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
  /** An entry now holds `addr`: an actor of another core of this node must have its exit reported (`exited`); no-op for others. */
  watch?(addr: AnyAddr): void;
  /** An entry no longer holds `addr` (unregistered, lost a conflict): its watch may go. */
  unwatch?(addr: AnyAddr): void;
  /** Deliver `message` to a local actor. */
  tell(addr: AnyAddr, message: unknown): void;
  noticeTo(peer: string, notice: Notice): void;
  upPeers(): readonly string[];
  /** Connect to every member not connected yet, so each hears this node's entries (connections are made lazily otherwise). */
  dialMembers?(): void;
  /** The wall clock (ms since the epoch) for the registry's hybrid logical clock: the engine's reactor's. Without it the clock only counts (a Lamport clock). */
  wallTime?(): number;
  /** This node's registration (a name, or a path prefix: `'prefix' in conflict`) lost a conflict (after its holder was told): for observers. */
  lost?(conflict: NameConflict | PrefixConflict): void;
}

/** The kinds of entry; a notice's claim of another kind is dropped and counted. */
type EntryKind = 'name' | 'prefix';
const KINDS: readonly EntryKind[] = ['name', 'prefix'];

/** One entry of either kind: what the tables hold and the conflict rule orders. */
interface Entry {
  readonly kind: EntryKind;
  readonly key: string;
  readonly addr: AnyAddr;
  readonly node: string;
  readonly clock: number;
  /** Its version in its node's counter (delta-slice.ts). */
  readonly v: number;
}

/** A removal of this node's entry `e`, at version `v`. */
interface Removal {
  readonly e: Entry;
  readonly v: number;
}

/** One node's entries, by kind, then key. */
type Tables = Record<EntryKind, Map<string, Entry>>;

const MAX_NAME = 1024;
const MAX_ENTRIES = 100_000;

/** Names and path prefixes across the cluster; see the module's comment. `federation.registry` is one. */
export class ClusterRegistry {
  private readonly clock: HybridLogicalClock;
  private readonly own: Tables = tables();
  private readonly versions = new VersionCounter();
  /** Each connected peer's entries, keyed by {@link slot}. */
  private readonly remote = new Map<string, DeltaSlice<Entry>>();
  private readonly conflictLog: { readonly loser: Entry; readonly winner: Entry }[] = [];
  /** Notices from peers dropped as malformed. */
  badNotices = 0;
  /** Claims from peers of a kind this node does not know (a newer peer's), dropped. */
  unknownClaims = 0;
  /** Notices of an earlier incarnation of their peer, read after its restart, dropped. */
  staleNotices = 0;
  /** Notices out and the anti-entropy (replica-notices.ts). */
  private readonly out: ReplicaNotices;

  constructor(private readonly host: RegistryHost) {
    this.clock = new HybridLogicalClock(host.wallTime === undefined ? () => 0 : () => host.wallTime!());
    this.out = new ReplicaNotices(host, { op: 'registry', full: false, entries: [], removed: [] });
  }

  /** Notices to peers that could not be staged (a full queue with `queueFullPolicy: 'error'`): repaired by anti-entropy. */
  get unsent(): number {
    return this.out.unsent;
  }

  /** Full states this node asked peers for, having found its copy behind theirs (anti-entropy). */
  get repairs(): number {
    return this.out.repairs;
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
    this.add('name', name, addr, `'${name}'`);
  }

  /**
   * Claim the path prefix `prefix` (an absolute actor path other than `/`, such as
   * `/user/orders`) for the live actor `addr` of this node, the subtree's owner (typically
   * the supervisor at that path): every node then resolves paths at or below it to this
   * node ({@link whereisPrefix}). Throws an `ArgumentError` naming the problem for a
   * malformed prefix, and `registry/path-taken` when this node knows a holder of the same
   * prefix already (a longer or shorter prefix held elsewhere is no conflict: the longest
   * covering a path wins its lookup). Conflicts across a partition are decided as for names.
   */
  registerPrefix(prefix: string, addr: AnyAddr): void {
    const problem = prefixProblem(prefix);
    if (problem !== null) throw new ArgumentError(`cluster registry: invalid path prefix: ${problem}`, { prefix });
    this.add('prefix', prefix, addr, `path prefix '${prefix}'`);
  }

  /** True while this node holds entries: every member must hear them, so the router dials each as it comes up. */
  wantsPeers(): boolean {
    return this.own.name.size > 0 || this.own.prefix.size > 0;
  }

  /** Drop `name` if this node holds it; true when it did. */
  unregister(name: string): boolean {
    return this.drop('name', name);
  }

  /** Drop the path prefix claim `prefix` if this node holds it; true when it did. */
  unregisterPrefix(prefix: string): boolean {
    return this.drop('prefix', prefix);
  }

  /** Whether one of this node's names or prefix claims is held by `addr`. */
  holds(addr: AnyAddr): boolean {
    for (const kind of KINDS) for (const e of this.own[kind].values()) if (e.addr.equals(addr)) return true;
    return false;
  }

  /** The holder of `name` in the cluster as this node knows it (the conflict order's first), or undefined. */
  whereis(name: string): AnyAddr | undefined {
    return this.holderOf('name', name)?.addr;
  }

  /**
   * The claim covering `path` as this node knows it: the longest claimed prefix equal to
   * `path` or above it, segment by segment, with its holder and node (the conflict order's
   * first for that prefix); undefined when none covers it. The actor at `path` itself is on
   * that node: `federation.whereisPath(path)` looks it up there. Throws an `ArgumentError`
   * for a malformed path.
   */
  whereisPrefix(path: string): ClusterPrefix | undefined {
    const problem = pathProblem(path);
    if (problem !== null) throw new ArgumentError(`cluster registry: invalid path: ${problem}`, { path });
    // At most PATH_MAX_SEGMENTS lookups, longest first.
    for (let p = path; p !== '/'; p = p.slice(0, p.lastIndexOf('/')) || '/') {
      const e = this.holderOf('prefix', p);
      if (e !== undefined) return asPrefix(e);
    }
    return undefined;
  }

  /** Every name this node knows, with the winning holder of each, sorted by name. */
  list(): ClusterName[] {
    return this.winners('name').map(asName);
  }

  /** Every path prefix claim this node knows, with the winning holder of each, sorted by prefix. */
  prefixes(): ClusterPrefix[] {
    return this.winners('prefix').map(asPrefix);
  }

  /** Name conflicts this node lost (its registration dropped), oldest first. */
  conflicts(): readonly NameConflict[] {
    return this.conflictLog.filter((c) => c.loser.kind === 'name').map((c) => ({ name: c.loser.key, loser: asName(c.loser), winner: asName(c.winner) }));
  }

  /** Path prefix conflicts this node lost (its claim dropped), oldest first. */
  prefixConflicts(): readonly PrefixConflict[] {
    return this.conflictLog.filter((c) => c.loser.kind === 'prefix').map((c) => ({ prefix: c.loser.key, loser: asPrefix(c.loser), winner: asPrefix(c.winner) }));
  }

  // --- what the router tells it ---

  /** A peer connected: it gets all of this node's entries. */
  connected(peer: string): void {
    this.out.send(peer, notice({ seq: this.versions.seq }, [...this.own.name.values(), ...this.own.prefix.values()], []));
  }

  /** A peer was lost: its entries are forgotten. */
  down(peer: string): void {
    this.remote.delete(peer);
    this.out.forget(peer);
  }

  /**
   * Anti-entropy, once a period (the federation's timer): every connected peer hears this
   * node's last version, so a peer that missed a notice asks for the full state.
   */
  tick(): void {
    this.out.tick(this.versions.seq);
  }

  /** An actor of this node exited (of this core, from the router; of another core, from its watch): its entries are dropped. */
  exited(local: AnyAddr): void {
    const gone: Entry[] = [];
    for (const kind of KINDS) for (const e of this.own[kind].values()) if (e.addr.equals(local)) gone.push(e);
    if (gone.length === 0) return;
    const from = this.versions.seq + 1;
    const removals = gone.map((e) => {
      this.own[e.kind].delete(e.key);
      return { e, v: this.versions.next() };
    });
    this.out.broadcast(notice({ from, seq: this.versions.seq }, [], removals));
  }

  /** A peer's notice; malformed ones are dropped and counted. */
  notice(peer: string, incarnation: number, body: unknown): void {
    const b = body as {
      full?: unknown; entries?: unknown; removed?: unknown; removedAt?: unknown; claims?: unknown; unclaimed?: unknown; from?: unknown; seq?: unknown;
      have?: unknown; resend?: unknown; inc?: unknown;
    };
    const claims = b.claims ?? [];
    const unclaimed = b.unclaimed ?? [];
    const removedAt = b.removedAt ?? [];
    if (
      typeof b.full !== 'boolean' || !Array.isArray(b.entries) || !Array.isArray(b.removed) || !Array.isArray(claims) || !Array.isArray(unclaimed)
      || !Array.isArray(removedAt) || b.entries.length + b.removed.length + claims.length + unclaimed.length > MAX_ENTRIES
      || runProblem(b as { full: boolean })
    ) {
      this.badNotices++;
      return;
    }
    // Of an earlier run of the peer, read after its restart's handshake: its entries are gone with it.
    if (b.inc !== undefined && b.inc !== incarnation) {
      this.staleNotices++;
      return;
    }
    let slice = this.remote.get(peer);
    if (slice === undefined || slice.incarnation !== incarnation) this.remote.set(peer, (slice = new DeltaSlice(incarnation)));
    // Versioned (this version's peers): `seq`, and `from` on a delta. Without `seq` (a peer that predates
    // versions): the next run after what this node holds of the peer, removals first, then entries.
    const run = new NoticeRun(slice, b.seq !== undefined);
    const version = (v: unknown): number | null => run.version(v);
    const removals: Dot<Entry>[] = [];
    const added: Dot<Entry>[] = [];
    b.removed.forEach((name, i) => {
      const v = version(removedAt[i]);
      if (typeof name === 'string' && v !== null) removals.push({ key: slot('name', name), v, value: undefined });
    });
    for (const item of unclaimed) {
      if (!Array.isArray(item)) continue;
      const kind = knownKind(item[0]);
      const v = version(item[2]);
      if (kind === null) this.unknownClaims++;
      else if (typeof item[1] === 'string' && v !== null) removals.push({ key: slot(kind, item[1]), v, value: undefined });
    }
    // A peer speaks for its own actors only.
    const take = (kind: EntryKind, key: unknown, addr: unknown, clock: unknown, at: unknown): void => {
      const v = version(at);
      if (typeof key !== 'string' || keyProblem(kind, key) !== null || !isAddr(addr) || addr.node !== incarnation || !isHlcStamp(clock) || v === null) return;
      added.push({ key: slot(kind, key), v, value: { kind, key, addr, node: peer, clock, v } });
    };
    for (const item of b.entries) if (Array.isArray(item)) take('name', item[0], item[1], item[2], item[3]);
    for (const item of claims) {
      if (!Array.isArray(item)) continue;
      const kind = knownKind(item[0]);
      if (kind === null) this.unknownClaims++;
      else take(kind, item[1], item[2], item[3], item[4]);
    }
    const changes: SliceChange<Entry>[] = [];
    if (run.malformed || !run.join(b as { full: boolean }, removals, added, changes)) {
      this.badNotices++;
      return;
    }
    for (const d of added) this.clock.observe(d.value!.clock);
    for (const c of changes) if (c.after !== undefined) this.resolve(c.after.kind, c.after.key);
    this.out.afterJoin(peer, b as { full: boolean }, slice, () => this.connected(peer));
  }

  // --- internal ---

  /** Register `key` of `kind` for `addr` here (`what` names it in errors), telling every peer. */
  private add(kind: EntryKind, key: string, addr: AnyAddr, what: string): void {
    if (!isAddr(addr) || addr.node !== this.host.incarnation() || !this.host.alive(addr)) {
      throw new ArgumentError(`cluster registry: ${what} can be registered for a live actor of this node only (on any of its cores)`);
    }
    const holder = this.holderOf(kind, key);
    if (holder !== undefined) {
      throw kind === 'name'
        ? new RegistryError('registry/name-taken', `the cluster name '${key}' is taken`, { name: key })
        : new RegistryError('registry/path-taken', `the cluster path prefix '${key}' is claimed by node ${holder.node}`, { prefix: key, node: holder.node });
    }
    const entry: Entry = { kind, key, addr, node: this.host.nodeId, clock: this.clock.now(), v: this.versions.next() };
    this.own[kind].set(key, entry);
    // Watched before anything else can happen: an exit from now on (or already past) reaches `exited`.
    this.host.watch?.(addr);
    this.out.broadcast(notice({ from: entry.v, seq: entry.v }, [entry], []));
    this.host.dialMembers?.();
  }

  private drop(kind: EntryKind, key: string): boolean {
    const entry = this.own[kind].get(key);
    if (entry === undefined) return false;
    this.own[kind].delete(key);
    this.broadcastRemoval(entry);
    this.host.unwatch?.(entry.addr);
    return true;
  }

  /** An entry held here and elsewhere: if this node's registration loses, drop it and tell its holder. */
  private resolve(kind: EntryKind, key: string): void {
    const mine = this.own[kind].get(key);
    if (mine === undefined) return;
    const winner = this.holderOf(kind, key)!;
    if (winner === mine) return;
    this.own[kind].delete(key);
    this.conflictLog.push({ loser: mine, winner });
    if (this.conflictLog.length > 1024) this.conflictLog.shift();
    this.broadcastRemoval(mine);
    this.host.unwatch?.(mine.addr);
    if (kind === 'name') {
      const message: NameConflictMessage = { type: NAME_CONFLICT, name: key, winner: winner.addr, winnerNode: winner.node };
      this.host.tell(mine.addr, message);
      this.host.lost?.({ name: key, loser: asName(mine), winner: asName(winner) });
    } else {
      const message: PrefixConflictMessage = { type: PREFIX_CONFLICT, prefix: key, winner: winner.addr, winnerNode: winner.node };
      this.host.tell(mine.addr, message);
      this.host.lost?.({ prefix: key, loser: asPrefix(mine), winner: asPrefix(winner) });
    }
  }

  private holderOf(kind: EntryKind, key: string): Entry | undefined {
    let best: Entry | undefined;
    const consider = (e: Entry | undefined): void => {
      if (e !== undefined && (best === undefined || before(e, best))) best = e;
    };
    const mine = this.own[kind].get(key);
    if (mine !== undefined && this.host.alive(mine.addr)) consider(mine);
    const at = slot(kind, key);
    for (const slice of this.remote.values()) consider(slice.get(at));
    return best;
  }

  /** The winning entry of every key of `kind` this node knows, sorted by key. */
  private winners(kind: EntryKind): Entry[] {
    const keys = new Set<string>(this.own[kind].keys());
    for (const slice of this.remote.values()) for (const [, e] of slice.entries()) if (e.kind === kind) keys.add(e.key);
    return [...keys].sort().map((k) => this.holderOf(kind, k)).filter((e): e is Entry => e !== undefined);
  }

  /** Tell every peer this node's entry `e` is gone, at the next version. */
  private broadcastRemoval(e: Entry): void {
    const v = this.versions.next();
    this.out.broadcast(notice({ from: v, seq: v }, [], [{ e, v }]));
  }
}

/** Where an entry of `kind` for `key` lives in a peer's slice: one map for every kind, as one counter versions them all. */
function slot(kind: EntryKind, key: string): string {
  return `${kind}\u0000${key}`;
}

function tables(): Tables {
  return { name: new Map(), prefix: new Map() };
}

/**
 * The registry notice for `added` entries and `removed` ones: the full state at `run.seq`
 * (no `from`), or the delta of versions `run.from..run.seq`. Names in the fields every peer
 * reads (`entries`, `removed`), other kinds in `claims` / `unclaimed`, left out when empty,
 * each item's version last (and `removedAt` beside `removed`), so an older peer reads what
 * it always read.
 */
function notice(run: { readonly from?: number; readonly seq: number }, added: readonly Entry[], removed: readonly Removal[]): Notice {
  const claims = added.filter((e) => e.kind !== 'name').map((e) => [e.kind, e.key, e.addr, e.clock, e.v]);
  const unclaimed = removed.filter((r) => r.e.kind !== 'name').map((r) => [r.e.kind, r.e.key, r.v]);
  const names = removed.filter((r) => r.e.kind === 'name');
  return {
    op: 'registry', full: run.from === undefined,
    entries: added.filter((e) => e.kind === 'name').map((e) => [e.key, e.addr, e.clock, e.v]),
    removed: names.map((r) => r.e.key),
    ...(names.length === 0 ? {} : { removedAt: names.map((r) => r.v) }),
    ...(claims.length === 0 ? {} : { claims }), ...(unclaimed.length === 0 ? {} : { unclaimed }),
    ...(run.from === undefined ? {} : { from: run.from }), seq: run.seq,
  };
}

function knownKind(kind: unknown): EntryKind | null {
  return kind === 'name' || kind === 'prefix' ? kind : null;
}

/** Why `prefix` cannot be claimed (an absolute path of valid segments, not `/`), or null. */
function prefixProblem(prefix: unknown): string | null {
  const problem = pathProblem(prefix);
  if (problem !== null) return problem;
  return prefix === '/' ? 'the root "/" is every node\'s; claim a subtree such as "/user/orders"' : null;
}

function keyProblem(kind: EntryKind, key: string): string | null {
  if (kind === 'prefix') return prefixProblem(key);
  return key === '' || key.length > MAX_NAME ? 'bad name' : null;
}

function asName(e: Entry): ClusterName {
  return { name: e.key, addr: e.addr, node: e.node, clock: e.clock };
}

function asPrefix(e: Entry): ClusterPrefix {
  return { prefix: e.key, addr: e.addr, node: e.node, clock: e.clock };
}

/** The conflict order: the lower hybrid logical clock stamp first, then the lower node id. */
function before(a: Entry, b: Entry): boolean {
  return a.clock !== b.clock ? a.clock < b.clock : a.node < b.node;
}
