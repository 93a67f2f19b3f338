/**
 * Seeds from DNS: the A or AAAA records of a name (every address, with a given port), or its
 * SRV records (host and port each; what a Kubernetes headless service publishes for a named
 * port, `_gossip._tcp.pd.default.svc.cluster.local`). An SRV target is resolved through the
 * same resolver (A, then AAAA) when it can be, else kept as a name for the carrier to
 * resolve. Owns: the lookups. Must not: cache beyond one answer (the federation asks again
 * every `refreshMs`) or throw anything but a {@link DiscoveryError}.
 */
import { Resolver } from 'node:dns/promises';
import type { DiscoveryProvider, SeedAddress } from './provider.js';
import { DiscoveryError } from './provider.js';

/** The lookups `dnsSeeds` makes (node:dns/promises' `Resolver`, or a stand-in). */
export type DnsLookups = Pick<Resolver, 'resolve4' | 'resolve6' | 'resolveSrv'>;

/** Options of {@link dnsSeeds}. */
export interface DnsSeedsOptions {
  /** The name to resolve: a service name for A/AAAA, the full SRV name (`_gossip._tcp.pd.ns.svc.cluster.local`) for SRV. */
  readonly name: string;
  /** Which records: `A` and `AAAA` give addresses (and need `port`), `SRV` gives host and port. Default `A`. */
  readonly type?: 'A' | 'AAAA' | 'SRV';
  /** The gossip port of every address (A and AAAA only). */
  readonly port?: number;
  /** DNS servers to ask (`['10.0.0.10', '127.0.0.1:5353']`); default the system's. */
  readonly servers?: readonly string[];
  /** A resolver of your own (tests, caching); `servers` is then ignored. */
  readonly resolver?: DnsLookups;
  /** How long one query waits for an answer, ms (default 2000; two tries). */
  readonly timeoutMs?: number;
  /** How often the federation resolves again, ms (default 10000). */
  readonly refreshMs?: number;
}

/** A provider whose seeds are the records of `options.name`; see {@link DnsSeedsOptions}. */
export function dnsSeeds(options: DnsSeedsOptions): DiscoveryProvider {
  const type = options.type ?? 'A';
  let resolver = options.resolver;
  if (resolver === undefined) {
    const r = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 2 });
    if (options.servers !== undefined) r.setServers([...options.servers]);
    resolver = r;
  }
  const lookups = resolver;
  const where = `${options.name} ${type}${options.servers === undefined ? '' : ` @${options.servers.join(',')}`}`;
  return {
    kind: 'dns',
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    async seeds(): Promise<readonly SeedAddress[]> {
      try {
        if (type === 'SRV') {
          const records = await lookups.resolveSrv(options.name);
          const sorted = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
          return Promise.all(sorted.map(async (r) => ({ host: await addressOf(lookups, r.name), port: r.port })));
        }
        const addresses = type === 'AAAA' ? await lookups.resolve6(options.name) : await lookups.resolve4(options.name);
        return addresses.map((host) => ({ host, port: options.port! }));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOTFOUND' ? 'no such name' : code === 'ENODATA' ? `no ${type} records` : code === 'ETIMEOUT' ? 'no answer in time' : (code ?? String(error));
        throw new DiscoveryError('dns', 'seeds', why, where);
      }
    },
    close: async () => {},
  };
}

/** An SRV target's address through the same resolver, or the name itself when it has none there. */
async function addressOf(lookups: DnsLookups, name: string): Promise<string> {
  for (const resolve of [(n: string) => lookups.resolve4(n), (n: string) => lookups.resolve6(n)]) {
    try {
      const [first] = await resolve(name);
      if (first !== undefined) return first;
    } catch {
      // try the next family, then leave the name to the carrier's own resolver
    }
  }
  return name;
}
