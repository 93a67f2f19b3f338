/**
 * Discovery and lease providers: the small interfaces the federation runs to find seeds
 * (where to join the SWIM membership through) and, for `lease-majority` downing, to hold a
 * lock in a store the users already run. Shipped: static seeds, DNS (A/AAAA/SRV) and etcd;
 * NATS or Consul fit the same shape. Owns: the interfaces and the error a provider raises.
 * Must not: start anything by itself (the federation calls `start`, then the rest).
 */
import type { Reactor } from '@pd/runtime';
import type { GossipAddress } from '../swim-options.js';

/** A membership endpoint to join through (another node's `gossip` address). */
export type SeedAddress = GossipAddress;

/** What the federation hands a provider when it starts. */
export interface DiscoveryContext {
  /** This node's id. */
  readonly nodeId: string;
  /** The engine's reactor: every timer a provider needs (refresh, keep-alive, request timeouts) runs on it. */
  readonly reactor: Reactor;
}

/** This node as it registers itself (providers that keep a member list: etcd). */
export interface DiscoverySelf {
  readonly nodeId: string;
  /** Its membership endpoint (what other nodes use as a seed). */
  readonly gossip: GossipAddress;
  /** Its federation address. */
  readonly address: { readonly host: string; readonly port: number };
}

/**
 * Where the seeds come from. The federation calls `start` once, `seeds()` before the
 * membership starts and again every `refreshMs` (with backoff while it fails, keeping the
 * last seeds it got), `register(self)` once the membership listens, and `deregister()` then
 * `close()` when it closes. A rejection is never fatal: it is counted and retried.
 */
export interface DiscoveryProvider {
  /** `static`, `dns`, `etcd`, or a name of your own (shown in stats and errors). */
  readonly kind: string;
  /** How often the federation asks for seeds again, ms (default 10000). */
  readonly refreshMs?: number;
  start?(context: DiscoveryContext): void | Promise<void>;
  /** The seeds now (this node's own endpoint may be among them: the membership skips it). */
  seeds(): Promise<readonly SeedAddress[]>;
  /** Make this node findable by the others. */
  register?(self: DiscoverySelf): Promise<void>;
  /** Stop being findable (a graceful leave). */
  deregister?(): Promise<void>;
  /** Release everything (timers, connections). */
  close(): Promise<void>;
}

/**
 * A lock in an external store, for `lease-majority` downing: at most one node holds it at a
 * time, and it is released when its holder stops renewing (crashed, cut off from the store,
 * or closed). The federation calls `start` once and `close()` when it closes.
 */
export interface LeaseProvider {
  /** `etcd`, or a name of your own. */
  readonly kind: string;
  /** How long the store keeps the lock once its holder stops renewing, ms (bounds how long a majority waits for a dead holder's lock). */
  readonly ttlMs: number;
  start?(context: DiscoveryContext): void | Promise<void>;
  /**
   * Take the lock for `nodeId` if nobody holds it; resolves with who holds it after the try
   * (`nodeId` itself when it holds it now). Rejects with a {@link DiscoveryError} when the
   * store cannot be reached.
   */
  tryLock(nodeId: string): Promise<{ readonly holder: string }>;
  /** Give the lock back (if held) and stop renewing. */
  close(): Promise<void>;
}

/** A provider could not do what was asked: which provider, which operation, where, and why. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';

  constructor(
    /** `dns`, `etcd`... */
    readonly provider: string,
    /** What failed: `seeds`, `register`, `lease/grant`... */
    readonly operation: string,
    message: string,
    /** The endpoint or name tried, when one. */
    readonly endpoint?: string,
  ) {
    super(`discovery/${provider}: ${operation} failed${endpoint === undefined ? '' : ` (${endpoint})`}: ${message}`);
  }
}
