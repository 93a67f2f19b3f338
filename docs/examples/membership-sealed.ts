import { type FederationNode, startNode } from '@pd/federation';

export async function main(): Promise<{ members: string[]; unsealed: number; bad: number }> {
  // Two nodes on loopback whose membership messages are all sealed with the cluster secret.
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const a = await startNode({
    federation: { nodeId: 'a', secret, listen: { host: '127.0.0.1', port: 0 }, membership: { kind: 'swim', gossip: { port: 0 }, encryption: 'always' } },
  });
  const seed = a.federation.members().members.find((m) => m.id === 'a')!.gossip;
  const b = await startNode({
    federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 }, membership: { kind: 'swim', gossip: { port: 0 }, seeds: [seed], encryption: 'always' } },
  });
  const nodes: FederationNode[] = [a, b];
  const alive = (node: FederationNode) => node.federation.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort();
  while (!nodes.every((node) => alive(node).length === 2)) await new Promise((resolve) => setTimeout(resolve, 20));
  const members = alive(b);
  // Nothing arrived only signed, and nothing was dropped: every message both ways was sealed.
  const unsealed = a.federation.stats().swim!.unsealed + b.federation.stats().swim!.unsealed;
  const bad = a.federation.stats().swim!.badMessages + b.federation.stats().swim!.badMessages;
  console.log(members, unsealed, bad); // [ 'a', 'b' ] 0 0

  for (const node of nodes) await node.stop();
  return { members, unsealed, bad };
}
