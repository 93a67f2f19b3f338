/**
 * What one core knows of another: its state, the channel it reads from it, its restart
 * epoch, the lease books of spawns between the two, and the outbox of frames for it.
 * Must not: read or write the channel itself (the router pumps it; the sink hands each
 * frame to the core's inbound side).
 */
import type { ByteSource, PeerChannel } from '@pd/transport';
import type { Outbox } from './outbox.js';

export type PeerState = 'up' | 'down' | 'gone';

/** Where the frames read from a peer go (the core's inbound side). */
export type FrameSinkOf = (peer: Peer, source: ByteSource, offset: number, length: number) => void;

/** What this core knows of one other core. */
export class Peer {
  state: PeerState = 'up';
  in: PeerChannel['in'] | null = null;
  /** The peer's restart count, as last told. */
  epoch = 0;
  /** Spawns from the peer onto this core: the highest sequence number seen (this epoch). */
  leaseSeen = -1;
  /** Whether `leaseSeen` is known (false on a restarted core until the peer's hello). */
  known = true;
  /** Spawns from this core onto the peer: the next sequence number. */
  leaseNext = 0;
  readonly sink: (source: ByteSource, offset: number, length: number) => void;

  constructor(readonly core: number, readonly outbox: Outbox, frame: FrameSinkOf) {
    this.sink = (source, offset, length) => frame(this, source, offset, length);
  }
}
