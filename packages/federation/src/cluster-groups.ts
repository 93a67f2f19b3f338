/**
 * Process groups across the cluster, with Erlang `pg`'s semantics: an actor joins a group on
 * its own node (local joins only), leaves it, or leaves every group when it exits; any node
 * asks for a group's members cluster-wide. Each node is the one authority on its own members:
 * it tells every connected peer (a delta on each change, its whole set when a peer connects),
 * and each node's view of a group is its own members plus the last word of every connected
 * peer. A peer that is lost (connection down, declared dead or left, restarted) has its
 * members forgotten at once — so, as in `pg`, views are eventually consistent and need not be
 * transitive during a partition; after it heals every node's view is the union of the live
 * members. There is nothing to conflict: a member belongs to its own node's set only.
 *
 * A group is also a topic: {@link ClusterGroups.publish} sends a message to every member.
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

/** Process groups across the cluster; see the module's comment. `federation.groups` is one. */
export class ClusterGroups {
  private readonly own: Table = new Map();
  /** The groups of each local member, by its address key (so an exit costs nothing for an actor in none). */
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly remote = new Map<string, Table>();
  private listeners: { readonly fn: GroupListener; readonly group: string | null }[] = [];
  /** Notices from peers dropped as malformed (or too large). */
  badNotices = 0;
  /** Entries of notices skipped: a bad group name, not an address, or an actor of another node. */
  badEntries = 0;
  /** Listeners dropped because they threw. */
  listenerFailures = 0;

  constructor(private readonly host: GroupsHost) {}

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
    this.broadcast({ op: 'groups', full: false, joins: [[group, [addr]]], leaves: [] });
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
    this.broadcast({ op: 'groups', full: false, joins: [], leaves: [[group, [addr]]] });
    this.changed({ group, node: this.host.nodeId, joined: [], left: [addr] });
    return true;
  }

  /** Every member of `group` across the cluster as this node knows it: this node's first, then each peer's (by node id). */
  members(group: string): AnyAddr[] {
    checkGroup(group, 'members');
    const out = [...(this.own.get(group)?.values() ?? [])];
    for (const peer of [...this.remote.keys()].sort()) out.push(...(this.remote.get(peer)!.get(group)?.values() ?? []));
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
    for (const table of this.remote.values()) for (const g of table.keys()) names.add(g);
    return [...names].sort();
  }

  /** Every group with its members and their nodes, sorted by group. */
  list(): GroupView[] {
    return this.groups().map((group) => ({
      group,
      members: [
        ...[...(this.own.get(group)?.values() ?? [])].map((addr) => ({ node: this.host.nodeId, addr })),
        ...[...this.remote.keys()].sort().flatMap((node) => [...(this.remote.get(node)!.get(group)?.values() ?? [])].map((addr) => ({ node, addr }))),
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
    this.host.noticeTo(peer, { op: 'groups', full: true, joins: [...this.own].map(([g, m]) => [g, [...m.values()]]), leaves: [] });
  }

  /** A peer was lost: its members are forgotten. */
  down(peer: string): void {
    const table = this.remote.get(peer);
    if (table === undefined) return;
    this.remote.delete(peer);
    for (const [group, members] of table) this.changed({ group, node: peer, joined: [], left: [...members.values()] });
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
    this.broadcast({ op: 'groups', full: false, joins: [], leaves });
    for (const [group, left] of leaves) this.changed({ group, node: this.host.nodeId, joined: [], left });
  }

  /** A peer's notice (`{ op: 'groups', full, joins, leaves }`); malformed ones are dropped and counted. */
  notice(peer: string, incarnation: number, body: unknown): void {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { full?: unknown; joins?: unknown; leaves?: unknown };
    if (typeof b.full !== 'boolean' || !Array.isArray(b.joins) || !Array.isArray(b.leaves)) {
      this.badNotices++;
      return;
    }
    const joins = this.parse(b.joins, incarnation);
    const leaves = this.parse(b.leaves, incarnation);
    if (joins === null || leaves === null) {
      this.badNotices++;
      return;
    }
    const before = this.remote.get(peer);
    const table: Table = b.full || before === undefined ? new Map() : before;
    this.remote.set(peer, table);
    const changes = new Map<string, { joined: AnyAddr[]; left: AnyAddr[] }>();
    const change = (group: string) => {
      let c = changes.get(group);
      if (c === undefined) changes.set(group, (c = { joined: [], left: [] }));
      return c;
    };
    for (const [group, addrs] of leaves) {
      const members = table.get(group);
      if (members === undefined) continue;
      for (const addr of addrs) if (members.delete(addr.key)) change(group).left.push(addr);
      if (members.size === 0) table.delete(group);
    }
    for (const [group, addrs] of joins) {
      if (addrs.length === 0) continue;
      let members = table.get(group);
      if (members === undefined) table.set(group, (members = new Map()));
      for (const addr of addrs) {
        if (members.has(addr.key)) continue;
        members.set(addr.key, addr);
        // A full set re-announcing a member this node already had is no change.
        if (b.full && before?.get(group)?.has(addr.key) === true) continue;
        change(group).joined.push(addr);
      }
    }
    if (b.full && before !== undefined) {
      // Members of the old set the full one lacks have left.
      for (const [group, members] of before) {
        for (const [key, addr] of members) if (table.get(group)?.has(key) !== true) change(group).left.push(addr);
      }
    }
    if (table.size === 0) this.remote.delete(peer);
    for (const [group, c] of changes) if (c.joined.length + c.left.length > 0) this.changed({ group, node: peer, ...c });
  }

  // --- internal ---

  /** `[group, addr[]][]` of a peer's notice: entries that are not its own actors' or not well formed are skipped and counted; null when too large. */
  private parse(list: readonly unknown[], incarnation: number): [string, AnyAddr[]][] | null {
    const out: [string, AnyAddr[]][] = [];
    let count = 0;
    for (const item of list) {
      if (!Array.isArray(item) || !validGroup(item[0]) || !Array.isArray(item[1])) {
        this.badEntries++;
        continue;
      }
      const addrs: AnyAddr[] = [];
      count += (item[1] as unknown[]).length;
      if (count > MAX_MEMBERS) return null;
      // A peer speaks for its own actors only.
      for (const addr of item[1] as unknown[]) {
        if (isAddr(addr) && addr.node === incarnation) addrs.push(addr);
        else this.badEntries++;
      }
      out.push([item[0] as string, addrs]);
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

  private broadcast(notice: Notice): void {
    for (const peer of this.host.upPeers()) this.host.noticeTo(peer, notice);
  }
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
