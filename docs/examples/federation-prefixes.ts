import { defineKind } from '@pd/actor';
import { PREFIX_CONFLICT, type PrefixConflictMessage, startNode } from '@pd/federation';

/** One order: answers 'status'. */
const Order = defineKind('order', () => ({
  receive: (m: 'status') => (m === 'status' ? 'open' : undefined),
}));

/** The orders subtree's owner: starts an order per id, named by its id, under its own path. */
const Orders = defineKind('orders', (ids: string[]) => ({
  started(ctx) {
    for (const id of ids) ctx.spawn(Order, { name: id });
  },
  receive(m: PrefixConflictMessage) {
    // Told, not killed, when a claim elsewhere wins after a partition heals.
    if (m.type === PREFIX_CONFLICT) console.log(`${m.prefix} now lives on ${m.winnerNode}`);
  },
}));

/** Polls `test` until it holds (the claim travels to the other node after the connection). */
async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !test(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

export async function main(): Promise<{ prefix: string; node: string; status: string; covered: string[] }> {
  // Two nodes in one process, on loopback; in production each is its own process or machine.
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const b = await startNode({ federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } }, engine: { kinds: [Order, Orders] } });
  const a = await startNode({ federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] } });

  // b owns the orders: the supervisor at /user/orders claims its subtree for the cluster.
  const orders = b.engine.spawn(Orders, { args: ['42'], name: 'orders' });
  b.federation.registry.registerPrefix('/user/orders', orders);

  // A node sends its claims to every peer that connects; a resolves paths from its copy.
  await a.federation.connect('b');
  await until(() => a.federation.registry.whereisPrefix('/user/orders/42') !== undefined);
  const claim = a.federation.registry.whereisPrefix('/user/orders/42')!; // the longest claim covering the path
  // The actor at the path, looked up on the claim's node.
  const order = await a.federation.whereisPath<'status', string>('/user/orders/42');
  const status = await a.engine.ask(order!, 'status');
  // Segment by segment: /user/ordersX is not under /user/orders.
  const covered = ['/user/orders', '/user/orders/42/items', '/user/ordersX'].map((path) => a.federation.registry.whereisPrefix(path)?.node ?? '-');

  console.log(claim.prefix, claim.node, status, covered); // /user/orders b open [ 'b', 'b', '-' ]
  await a.stop();
  await b.stop();
  return { prefix: claim.prefix, node: claim.node, status, covered };
}
