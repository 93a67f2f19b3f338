/**
 * Process groups across the cluster, with Erlang `pg`'s semantics: an actor joins a group on
 * its own node (local joins only), leaves it, or leaves every group when it exits; any node
 * asks for a group's members cluster-wide. Each node is the one writer of its own members:
 * they are an owner-written map (group and member to member) replicated as a delta-state CRDT,
 * the cluster registry's mechanism (delta-slice.ts): each join and leave takes the next
 * version of the node's counter and goes to every connected peer as a delta, a peer that
 * connects gets the full state, and a replica joins them in any order. Each node's view of a
 * group is its own members plus its slice of every connected peer's. A peer that is lost
 * (connection down, declared dead or left, restarted) has its members forgotten at once — so,
 * as in `pg`, views are eventually consistent and need not be transitive during a partition;
 * after it heals every node's view is the union of the live members. There is nothing to
 * conflict: a member belongs to its own node's set only.
 *
 * A group is also a topic: {@link ClusterGroups.publish} sends a message to every member.
 *
 * Anti-entropy as the registry's ({@link ClusterGroups.tick}): once a period each peer hears
 * this node's last version (`have`); one behind it asks (`resend`) for the full state.
 *
 * On a multi-core node, actors of every core join (the federation runs on core 0; the exit
 * of another core's member reaches it through the monitor the host holds on the member,
 * {@link GroupsHost.watch}; core-exits.ts).
 *
 * Owns: the local and remote member sets, their notices and the listeners of changes. Must
 * not: throw for anything a peer sends (a bad notice is dropped and counted), trust a peer
 * for an actor that is not its own, or let a listener that throws disturb it (it is dropped
 * and counted).
 */
import { type AnyAddr, ArgumentError, isAddr } from '@pd/actor';
import type { Notice } from './protocol.js';
import { DeltaSlice, type Dot, type SliceChange, VersionCounter } from './delta-slice.js';
import { NoticeRun, ReplicaNotices, runProblem } from './replica-notices.js';

/** What the groups need of their node (the cluster registry's host, less what names need). */
export interface GroupsHost {
  readonly nodeId: string;
  incarnation(): number;
  /** Whether `addr` is a live actor of this node (of another core: whether its core is up; see `RegistryHost.alive`). */
  alive(addr: AnyAddr): boolean;
  /** A membership now holds `addr`: an actor of another core of this node must have its exit reported (`exited`); no-op for others. */
  watch?(addr: AnyAddr): void;
  /** No membership holds `addr` any more (it left): its watch may go. */
  unwatch?(addr: AnyAddr): void;
  /** Send `message` to any actor (a member elsewhere included). */
  send(addr: AnyAddr, message: unknown): void;
  noticeTo(peer: string, notice: Notice): void;
  upPeers(): readonly string[];
  dialMembers?(): void;
}

/** A change of a group's membership as this node sees it (members of `node` joined or left). */
export interface GroupChange {
  readonly group: string;
  /** The node of the members that joined or left. */
  readonly node: string;
  readonly joined: readonly AnyAddr[];
  readonly left: readonly AnyAddr[];
}

export type GroupListener = (change: GroupChange) => void;

/** One group as {@link ClusterGroups.list} shows it. */
export interface GroupView {
  readonly group: string;
  readonly members: readonly { readonly node: string; readonly addr: AnyAddr }[];
}

const MAX_GROUP = 1024;
/** Most members one notice may carry (a peer sending more is dropped and counted). */
const MAX_MEMBERS = 100_000;

/** Sets of members by group. */
type Table = Map<string, Map<string, AnyAddr>>;

/** One membership: what a peer's slice holds under {@link slot}. */
interface Membership {
  readonly group: string;
  readonly addr: AnyAddr;
}

/** A peer's members: its slice (the CRDT), and the same by group for lookups. */
interface PeerMembers {
  readonly slice: DeltaSlice<Membership>;
  readonly table: Table;
}

/** Process groups across the cluster; see the module's comment. `federation.groups` is one. */
export class ClusterGroups {
  private readonly own: Table = new Map();
  /** The version of each of this node's memberships, by {@link slot}. */
  private readonly ownVersions = new Map<string, number>();
  private readonly versions = new VersionCounter();
  /** The groups of each local member, by its address key (so an exit costs nothing for an actor in none). */
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly remote = new Map<string, PeerMembers>();
  private listeners: { readonly fn: GroupListener; readonly group: string | null }[] = [];
  /** Notices from peers dropped as malformed (or too large). */
  badNotices = 0;
  /** Entries of notices skipped: a bad group name, not an address, or an actor of another node. */
  badEntries = 0;
  /** Listeners dropped because they threw. */
  listenerFailures = 0;
  /** Notices of an earlier incarnation of their peer, read after its restart, dropped. */
  staleNotices = 0;
  /** Notices out and the anti-entropy (replica-notices.ts). */
  private readonly out: ReplicaNotices;

  constructor(private readonly host: GroupsHost) {
    this.out = new ReplicaNotices(host, { op: 'groups', full: false, joins: [], leaves: [] });
  }

  /** Notices to peers that could not be staged: repaired by anti-entropy. */
  get unsent(): number {
    return this.out.unsent;
  }

  /** Full states this node asked peers for, having found its copy behind theirs. */
  get repairs(): number {
    return this.out.repairs;
  }

  /**
   * Add the live actor `addr` of this node (of any of its cores) to `group` (created on
   * first join); joining again is a no-op. Throws `arg/invalid` for a bad group name,
   * something not an address, or an actor that is not a live actor of this node (a group's
   * members join on their own node). An actor of another core whose exit is on its way
   * joins, and leaves when the exit arrives.
   */
  join(group: string, addr: AnyAddr): void {
    checkGroup(group, 'join');
    this.checkLocal(group, addr, 'join');
    let members = this.own.get(group);
    if (members === undefined) this.own.set(group, (members = new Map()));
    if (members.has(addr.key)) return;
    members.set(addr.key, addr);
    let mine = this.groupsOf.get(addr.key);
    if (mine === undefined) this.groupsOf.set(addr.key, (mine = new Set()));
    mine.add(group);
    this.host.watch?.(addr);
    const v = this.versions.next();
    this.ownVersions.set(slot(group, addr.key), v);
    this.out.broadcast({ op: 'groups', full: false, joins: [[group, [addr], [v]]], leaves: [], from: v, seq: v });
    this.changed({ group, node: this.host.nodeId, joined: [addr], left: [] });
    this.host.dialMembers?.();
  }

  /** Take the local actor `addr` out of `group`; true when it was a member. Throws `arg/invalid` as {@link join} does for bad input. */
  leave(group: string, addr: AnyAddr): boolean {
    checkGroup(group, 'leave');
    if (!isAddr(addr)) throw new ArgumentError(`groups: leave('${group}', addr) needs an actor's address, got ${describe(addr)}`);
    if (addr.node !== this.host.incarnation()) throw new ArgumentError(`groups: leave('${group}', ${String(addr)}): a member leaves on its own node (this is node '${this.host.nodeId}')`);
    const members = this.own.get(group);
    if (members === undefined || !members.delete(addr.key)) return false;
    if (members.size === 0) this.own.delete(group);
    const mine = this.groupsOf.get(addr.key);
    mine?.delete(group);
    if (mine?.size === 0) this.groupsOf.delete(addr.key);
    this.host.unwatch?.(addr);
    this.ownVersions.delete(slot(group, addr.key));
    const v = this.versions.next();
    this.out.broadcast({ op: 'groups', full: false, joins: [], leaves: [[group, [addr], [v]]], from: v, seq: v });
    this.changed({ group, node: this.host.nodeId, joined: [], left: [addr] });
    return true;
  }

  /** Every member of `group` across the cluster as this node knows it: this node's first, then each peer's (by node id). */
  members(group: string): AnyAddr[] {
    checkGroup(group, 'members');
    const out = [...(this.own.get(group)?.values() ?? [])];
    for (const peer of [...this.remote.keys()].sort()) out.push(...(this.remote.get(peer)!.table.get(group)?.values() ?? []));
    return out;
  }

  /** The members of `group` on this node. */
  localMembers(group: string): AnyAddr[] {
    checkGroup(group, 'localMembers');
    return [...(this.own.get(group)?.values() ?? [])];
  }

  /** Every group with at least one member this node knows of, sorted. */
  groups(): string[] {
    const names = new Set<string>(this.own.keys());
    for (const { table } of this.remote.values()) for (const g of table.keys()) names.add(g);
    return [...names].sort();
  }

  /** Every group with its members and their nodes, sorted by group. */
  list(): GroupView[] {
    return this.groups().map((group) => ({
      group,
      members: [
        ...[...(this.own.get(group)?.values() ?? [])].map((addr) => ({ node: this.host.nodeId, addr })),
        ...[...this.remote.keys()].sort().flatMap((node) => [...(this.remote.get(node)!.table.get(group)?.values() ?? [])].map((addr) => ({ node, addr }))),
      ],
    }));
  }

  /**
   * A group as a topic: send `message` to every member of `group` this node knows (each
   * send as `engine.send` makes it: a member elsewhere gets it over its node's connection).
   * Returns how many members it was sent to.
   */
  publish(group: string, message: unknown): number {
    const members = this.members(group);
    for (const addr of members) this.host.send(addr, message);
    return members.length;
  }

  /**
   * Listen to changes of the groups' membership as this node sees them (of `group` only,
   * when given): a local join or leave, a peer's, a peer's members lost with it. Returns the
   * unsubscribe function. A listener that throws is dropped and counted.
   */
  subscribe(fn: GroupListener, group?: string): () => void {
    if (typeof fn !== 'function') throw new ArgumentError('groups: subscribe(fn, group?) needs a function');
    if (group !== undefined) checkGroup(group, 'subscribe');
    const entry = { fn, group: group ?? null };
    this.listeners = [...this.listeners, entry];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== entry);
    };
  }

  /** True while this node has members: every member node must hear them, so the router dials each as it comes up. */
  wantsPeers(): boolean {
    return this.own.size > 0;
  }

  // --- what the router tells it ---

  /** A peer connected: it gets all of this node's members. */
  connected(peer: string): void {
    const joins = [...this.own].map(([g, m]) => [g, [...m.values()], [...m.keys()].map((key) => this.ownVersions.get(slot(g, key))!)]);
    this.out.send(peer, { op: 'groups', full: true, joins, leaves: [], seq: this.versions.seq });
  }

  /** Anti-entropy, once a period: every connected peer hears this node's last version. */
  tick(): void {
    this.out.tick(this.versions.seq);
  }

  /** A peer was lost: its members are forgotten. */
  down(peer: string): void {
    this.out.forget(peer);
    const members = this.remote.get(peer);
    if (members === undefined) return;
    this.remote.delete(peer);
    for (const [group, addrs] of members.table) this.changed({ group, node: peer, joined: [], left: [...addrs.values()] });
  }

  /** Whether `addr` is a member of a group here. */
  holds(addr: AnyAddr): boolean {
    return this.groupsOf.has(addr.key);
  }

  /** An actor of this node exited (of this core, from the router; of another core, from its watch): it leaves every group. */
  exited(local: AnyAddr): void {
    const mine = this.groupsOf.get(local.key);
    if (mine === undefined) return;
    const leaves: [string, AnyAddr[]][] = [];
    for (const group of mine) {
      const members = this.own.get(group);
      const addr = members?.get(local.key);
      if (members === undefined || addr === undefined || !addr.equals(local)) continue;
      members.delete(local.key);
      if (members.size === 0) this.own.delete(group);
      leaves.push([group, [addr]]);
    }
    this.groupsOf.delete(local.key);
    if (leaves.length === 0) return;
    const from = this.versions.seq + 1;
    const versioned = leaves.map(([group, addrs]) => {
      this.ownVersions.delete(slot(group, local.key));
      return [group, addrs, [this.versions.next()]];
    });
    this.out.broadcast({ op: 'groups', full: false, joins: [], leaves: versioned, from, seq: this.versions.seq });
    for (const [group, left] of leaves) this.changed({ group, node: this.host.nodeId, joined: [], left });
  }

  /**
   * A peer's notice (`{ op: 'groups', full, joins, leaves, from?, seq? }`), joined into its
   * slice; malformed ones are dropped and counted. Without `seq` (a peer that predates
   * versions) it is the next run after what this node holds of the peer: leaves, then joins.
   */
  notice(peer: string, incarnation: number, body: unknown): void {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { full?: unknown; joins?: unknown; leaves?: unknown; from?: unknown; seq?: unknown; have?: unknown; resend?: unknown; inc?: unknown };
    if (typeof b.full !== 'boolean' || !Array.isArray(b.joins) || !Array.isArray(b.leaves) || runProblem(b as { full: boolean })) {
      this.badNotices++;
      return;
    }
    // Of an earlier run of the peer, read after its restart's handshake: its members are gone with it.
    if (b.inc !== undefined && b.inc !== incarnation) {
      this.staleNotices++;
      return;
    }
    let members = this.remote.get(peer);
    if (members === undefined || members.slice.incarnation !== incarnation) {
      if (members !== undefined) this.down(peer);
      members = { slice: new DeltaSlice(incarnation), table: new Map() };
    }
    const { slice } = members;
    // Without `seq` (a peer that predates versions): the next run after what this node holds of it, leaves then joins.
    const run = new NoticeRun(slice, b.seq !== undefined);
    const version = (v: unknown): number | null => run.version(v);
    const leaves = this.parse(b.leaves, incarnation, version, false);
    const joins = this.parse(b.joins, incarnation, version, true);
    const changes: SliceChange<Membership>[] = [];
    if (joins === null || leaves === null || run.malformed || !run.join(b as { full: boolean }, leaves, joins, changes)) {
      this.badNotices++;
      return;
    }
    this.remote.set(peer, members);
    const byGroup = new Map<string, { joined: AnyAddr[]; left: AnyAddr[] }>();
    const change = (group: string) => {
      let c = byGroup.get(group);
      if (c === undefined) byGroup.set(group, (c = { joined: [], left: [] }));
      return c;
    };
    for (const c of changes) {
      // Set again at a newer version (a full state re-announcing it): no change.
      if (c.before !== undefined && c.after !== undefined) continue;
      const m = (c.after ?? c.before)!;
      let addrs = members.table.get(m.group);
      if (c.after !== undefined) {
        if (addrs === undefined) members.table.set(m.group, (addrs = new Map()));
        addrs.set(m.addr.key, m.addr);
        change(m.group).joined.push(m.addr);
      } else if (addrs !== undefined) {
        addrs.delete(m.addr.key);
        if (addrs.size === 0) members.table.delete(m.group);
        change(m.group).left.push(m.addr);
      }
    }
    for (const [group, c] of byGroup) this.changed({ group, node: peer, ...c });
    this.out.afterJoin(peer, b as { full: boolean }, slice, () => this.connected(peer));
  }

  // --- internal ---

  /**
   * The dots of a peer's `[group, addr[], versions[]]` list (`versions` absent from a peer
   * that predates them: `version` numbers them), joins setting and leaves removing: entries
   * that are not its own actors' or not well formed are skipped and counted; null when too large.
   */
  private parse(list: readonly unknown[], incarnation: number, version: (v: unknown) => number | null, join: boolean): Dot<Membership>[] | null {
    const out: Dot<Membership>[] = [];
    let count = 0;
    for (const item of list) {
      if (!Array.isArray(item) || !validGroup(item[0]) || !Array.isArray(item[1]) || (item[2] !== undefined && !Array.isArray(item[2]))) {
        this.badEntries++;
        continue;
      }
      const group = item[0] as string;
      const addrs = item[1] as unknown[];
      const versions = (item[2] ?? []) as unknown[];
      count += addrs.length;
      if (count > MAX_MEMBERS) return null;
      addrs.forEach((addr, i) => {
        const v = version(versions[i]);
        // A peer speaks for its own actors only.
        if (isAddr(addr) && addr.node === incarnation && v !== null) out.push({ key: slot(group, addr.key), v, value: join ? { group, addr } : undefined });
        else this.badEntries++;
      });
    }
    return out;
  }

  private checkLocal(group: string, addr: unknown, operation: string): asserts addr is AnyAddr {
    if (!isAddr(addr)) throw new ArgumentError(`groups: ${operation}('${group}', addr) needs an actor's address, got ${describe(addr)}`);
    if (addr.node !== this.host.incarnation()) {
      throw new ArgumentError(`groups: ${operation}('${group}', ${String(addr)}): only an actor of this node (${this.host.nodeId}) can join here; join on the member's own node`);
    }
    if (!this.host.alive(addr)) throw new ArgumentError(`groups: ${operation}('${group}', ${String(addr)}): the actor is not alive`);
  }

  private changed(change: GroupChange): void {
    for (const l of this.listeners) {
      if (l.group !== null && l.group !== change.group) continue;
      try {
        l.fn(change);
      } catch {
        this.listenerFailures++;
        this.listeners = this.listeners.filter((x) => x !== l);
      }
    }
  }
}

/** Where a membership lives in a slice: one map for every group, as one counter versions them all. */
function slot(group: string, addrKey: string): string {
  return `${group}\u0000${addrKey}`;
}

function validGroup(group: unknown): group is string {
  return typeof group === 'string' && group !== '' && group.length <= MAX_GROUP;
}

function checkGroup(group: unknown, operation: string): asserts group is string {
  if (!validGroup(group)) throw new ArgumentError(`groups: ${operation}: the group must be a non-empty string of at most ${MAX_GROUP} characters, got ${describe(group)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return value === null ? 'null' : typeof value;
}
