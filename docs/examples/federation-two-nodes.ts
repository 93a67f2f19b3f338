import { Down, defineKind } from '@pd/actor';
import { startNode } from '@pd/federation';

/** A counter any node can spawn by name. */
const Counter = defineKind('counter', () => {
  let n = 0;
  return {
    receive(m: 'inc' | 'get') {
      if (m === 'get') return n;
      n++;
      return undefined;
    },
  };
});

export async function main(): Promise<{ count: number; on: string | undefined; down: string }> {
  // Two nodes in one process, on loopback; in production each is its own process or machine.
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const b = await startNode({
    federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } },
    engine: { kinds: [Counter] },
  });
  const a = await startNode({
    federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] },
  });

  // Spawn on b from a (connecting on first use); the address works like a local one.
  const counter = await a.federation.spawn<'inc' | 'get'>('counter', { node: 'b' });
  for (let i = 0; i < 3; i++) a.engine.send(counter, 'inc');
  const count = await a.engine.ask<'inc' | 'get', number>(counter, 'get');

  // A monitor across nodes: when b goes away, the watcher hears `noconnection`.
  const watcher = a.engine.client<Down>();
  watcher.monitor(counter);
  await b.federation.close();
  const down = await watcher.receive({ timeoutMs: 10_000 });

  console.log(count, a.federation.nodeOf(counter), down.reason.type); // 3 b noconnection
  await a.stop();
  await b.stop();
  return { count, on: a.federation.nodeOf(counter), down: down.reason.type };
}
