/**
 * Runs a discovery provider for the federation: the first seeds before the membership
 * starts, registration once it listens, then a refresh every `refreshMs` (backing off from
 * 500 ms while the provider fails), each answer handed to the membership as its seeds
 * together with the static ones. A provider that fails leaves the last seeds in place.
 * Owns: the refresh timer and the counters. Must not: throw (failures are counted, the
 * last error kept for `stats().discovery`).
 */
import type { Reactor, ReactorTimer } from '@pd/runtime';
import type { SeedAddress, DiscoveryProvider, DiscoverySelf } from './provider.js';

/** What `federation.stats().discovery` shows. */
export interface DiscoveryStats {
  readonly kind: string;
  /** The seeds the membership has now (static ones included). */
  readonly seeds: readonly SeedAddress[];
  readonly refreshes: number;
  readonly failures: number;
  readonly registered: boolean;
  readonly lastError: string | null;
}

/** Where the runner puts the seeds it finds. */
export interface SeedSink {
  setSeeds(seeds: readonly SeedAddress[]): void;
}

const DEFAULT_REFRESH_MS = 10_000;
const FIRST_BACKOFF_MS = 500;

/** The provider's runner; `first()` before the membership starts, `run(self)` after. */
export class DiscoveryRunner {
  private seeds: readonly SeedAddress[];
  private refreshes = 0;
  private failures = 0;
  private lastError: string | null = null;
  private self: DiscoverySelf | null = null;
  private registered = false;
  private timer: ReactorTimer | null = null;
  private backoffMs = FIRST_BACKOFF_MS;
  private closed = false;

  constructor(
    readonly provider: DiscoveryProvider,
    private readonly fixed: readonly SeedAddress[],
    private readonly sink: SeedSink,
    private readonly reactor: Reactor,
    nodeId: string,
  ) {
    this.seeds = fixed;
    this.startProvider = Promise.resolve().then(() => provider.start?.({ nodeId, reactor })).catch((error: unknown) => this.failed(error));
  }

  private readonly startProvider: Promise<void>;

  /** The first seeds (the static ones alone when the provider fails). */
  async first(): Promise<readonly SeedAddress[]> {
    await this.startProvider;
    await this.refresh();
    return this.seeds;
  }

  /** Registers `self` and starts refreshing. */
  async run(self: DiscoverySelf): Promise<void> {
    this.self = self;
    await this.register();
    this.arm(this.provider.refreshMs ?? DEFAULT_REFRESH_MS);
  }

  stats(): DiscoveryStats {
    return {
      kind: this.provider.kind, seeds: this.seeds, refreshes: this.refreshes, failures: this.failures, registered: this.registered, lastError: this.lastError,
    };
  }

  /** Stops refreshing, deregisters (a graceful leave), closes the provider. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) this.reactor.clearTimer(this.timer);
    this.timer = null;
    if (this.registered) await this.provider.deregister?.().catch((error: unknown) => this.failed(error));
    await this.provider.close().catch((error: unknown) => this.failed(error));
  }

  // --- internal ---

  private async register(): Promise<void> {
    if (this.self === null || this.registered || this.provider.register === undefined) return;
    try {
      await this.provider.register(this.self);
      this.registered = true;
    } catch (error) {
      this.failed(error);
    }
  }

  /** One refresh; true when the provider answered. */
  private async refresh(): Promise<boolean> {
    try {
      const found = await this.provider.seeds();
      this.refreshes++;
      if (this.closed) return true;
      const all = new Map<string, SeedAddress>();
      for (const s of [...this.fixed, ...found]) all.set(`${s.host}:${s.port}`, { host: s.host, port: s.port });
      this.seeds = [...all.values()];
      this.sink.setSeeds(this.seeds);
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  private arm(delayMs: number): void {
    if (this.closed) return;
    this.timer = this.reactor.setTimer(delayMs, () => void this.tick());
    this.reactor.keepAlive(this.timer, false);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    await this.register();
    const ok = await this.refresh();
    const every = this.provider.refreshMs ?? DEFAULT_REFRESH_MS;
    if (ok) this.backoffMs = FIRST_BACKOFF_MS;
    else this.backoffMs = Math.min(every, this.backoffMs * 2);
    this.arm(ok ? every : this.backoffMs);
  }

  private failed(error: unknown): void {
    this.failures++;
    this.lastError = error instanceof Error ? error.message : String(error);
  }
}
