/**
 * Membership: who is in the cluster, as peer-up / peer-down events. The node router is
 * written against this interface only; today a static list drives it
 * ({@link StaticMembership}), and a gossip protocol (SWIM, issue #13) will implement the same
 * interface. Owns: the contract and the static implementation. Must not: open connections
 * (the router connects lazily, on first use, to the addresses it learns here).
 */

/** A node this one may talk to: its id (unique in the cluster) and where it listens. */
export interface PeerAddress {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** What a membership tells its listener. */
export interface MembershipListener {
  /** `peer` is (now) a member, reachable at its address. */
  peerUp(peer: PeerAddress): void;
  /** `id` left the cluster or is considered dead: everything linked to it gets `noconnection`. */
  peerDown(id: string, reason: string): void;
  /**
   * A member's state or incarnation changed (SWIM's suspect among them, which is neither up
   * nor down): for observers; the router does not need it.
   */
  memberChanged?(change: MemberChange): void;
}

/** What {@link MembershipListener.memberChanged} hears. */
export interface MemberChange {
  readonly id: string;
  /**
   * Its new state; `reaped`: dead or left for SWIM's `gossipToTheDeadMs`, it is removed from
   * the member table (peer down was heard at the verdict already).
   */
  readonly status: 'alive' | 'suspect' | 'dead' | 'left' | 'reaped';
  readonly incarnation: number;
  /** The node whose word it was (`static` for a change made to a static list; this node for `reaped`). */
  readonly by: string;
}

/** Who is in the cluster. */
export interface Membership {
  /** Listen for changes; the listener first hears `peerUp` for every current member. Returns the unsubscribe function. */
  subscribe(listener: MembershipListener): () => void;
  /** Where the member `id` listens, if it is one. */
  addressOf(id: string): PeerAddress | undefined;
}

/** A fixed list of peers (a node's `peers` option); `remove` and `add` let tests and operators change it. */
export class StaticMembership implements Membership {
  private readonly members = new Map<string, PeerAddress>();
  private readonly listeners = new Set<MembershipListener>();

  constructor(peers: readonly PeerAddress[] = []) {
    for (const peer of peers) this.members.set(peer.id, { id: peer.id, host: peer.host, port: peer.port });
  }

  subscribe(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    for (const peer of this.members.values()) listener.peerUp(peer);
    return () => this.listeners.delete(listener);
  }

  addressOf(id: string): PeerAddress | undefined {
    return this.members.get(id);
  }

  /** Add (or move) a member. */
  add(peer: PeerAddress): void {
    const entry = { id: peer.id, host: peer.host, port: peer.port };
    this.members.set(peer.id, entry);
    for (const l of [...this.listeners]) {
      l.peerUp(entry);
      l.memberChanged?.({ id: peer.id, status: 'alive', incarnation: 0, by: 'static' });
    }
  }

  /** Remove a member: its links and monitors fire with `noconnection`. */
  remove(id: string, reason = 'removed'): void {
    if (!this.members.delete(id)) return;
    for (const l of [...this.listeners]) {
      l.peerDown(id, reason);
      l.memberChanged?.({ id, status: 'left', incarnation: 0, by: 'static' });
    }
  }
}
