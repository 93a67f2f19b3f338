import { type DiscoveryProvider, type FederationNode, type SeedAddress, startNode } from '@pd/federation';

/** A store every node can reach, standing in for Consul, NATS KV or your own service registry. */
const registry = new Map<string, SeedAddress>();

/** A discovery provider of your own: register this node, answer the others as seeds. */
function registryDiscovery(): DiscoveryProvider {
  let me = '';
  return {
    kind: 'registry',
    refreshMs: 500,
    seeds: async () => [...registry].filter(([id]) => id !== me).map(([, gossip]) => gossip),
    register: async (self) => {
      me = self.nodeId;
      registry.set(self.nodeId, self.gossip);
    },
    deregister: async () => {
      registry.delete(me);
    },
    close: async () => {},
  };
}

export async function main(): Promise<{ members: string[]; seedsOfC: number; afterStop: string[] }> {
  // Three nodes in one process on loopback, none told where the others are: discovery finds them.
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const nodes: FederationNode[] = [];
  for (const nodeId of ['a', 'b', 'c']) {
    nodes.push(await startNode({
      federation: {
        nodeId, secret, listen: { host: '127.0.0.1', port: 0 },
        membership: { kind: 'swim', gossip: { port: 0 } },
        discovery: registryDiscovery(), // or { kind: 'dns', ... }, { kind: 'etcd', ... }
      },
    }));
  }
  const alive = (i: number) => nodes[i]!.federation.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort();
  while (!nodes.every((_, i) => alive(i).length === 3)) await new Promise((resolve) => setTimeout(resolve, 20));
  const members = alive(0);
  const seedsOfC = nodes[2]!.federation.stats().discovery!.seeds.length;
  console.log(members, seedsOfC); // [ 'a', 'b', 'c' ] 2

  for (const node of nodes) await node.stop(); // each leaves the cluster and deregisters
  console.log([...registry.keys()]); // []
  return { members, seedsOfC, afterStop: [...registry.keys()] };
}
