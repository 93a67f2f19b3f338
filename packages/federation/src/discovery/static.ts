/**
 * Static seeds as a discovery provider: a fixed list, the same every time. Owns: nothing
 * beyond the list (checked by the federation's options).
 */
import type { DiscoveryProvider, SeedAddress } from './provider.js';

/** A provider that always answers `seeds` (host:port of other nodes' `gossip` endpoints). */
export function staticSeeds(seeds: readonly SeedAddress[]): DiscoveryProvider {
  const list = seeds.map((s) => ({ host: s.host, port: s.port }));
  return {
    kind: 'static',
    seeds: async () => list,
    close: async () => {},
  };
}
