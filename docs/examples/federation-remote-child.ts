import { defineKind } from '@pd/actor';
import { startNode } from '@pd/federation';
import { startSupervisor, supervisor } from '@pd/runtime';

/** The worker kind as node `node` registers it: it answers where it runs, and 'crash' makes it throw. */
const workerOn = (node: string) => defineKind('worker', () => ({
  receive(m: 'where' | 'crash') {
    if (m === 'crash') throw new Error('worker fault');
    return node;
  },
}));

/** Polls `test` until it holds (a restart takes a round trip to the other node). */
async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !test(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

export async function main(): Promise<{ first: string; afterCrash: string; afterCut: string; exits: string[] }> {
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const b = await startNode({
    federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } },
    engine: { kinds: [workerOn('b')] },
  });
  const a = await startNode({
    federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] },
    engine: { kinds: [workerOn('a')] },
  });

  // The supervisor runs on a; its child on b while b is in reach, else here on a.
  const sup = startSupervisor(a.engine, supervisor({
    intensity: 3,
    children: [{ id: 'worker', kind: 'worker', placement: { nodes: ['b', 'a'] } }],
  }));
  const worker = sup.stableAddr<'where' | 'crash', string>('worker');
  const restarts = (): number => sup.inspect().children[0]!.restarts;
  const first = await a.engine.ask(worker, 'where');

  // It crashes on b: the supervisor restarts it (on b again), as it would a local child.
  a.engine.send(worker, 'crash');
  await until(() => restarts() === 1);
  const afterCrash = await a.engine.ask(worker, 'where');

  // b goes away: the child exits with noconnection, and its restart lands on the next node.
  await b.federation.close();
  await until(() => restarts() === 2);
  const afterCut = await a.engine.ask(worker, 'where');
  const exits = (await sup.whichChildren()).map((c) => c.lastExit?.type ?? 'none');

  console.log(first, afterCrash, afterCut, exits); // b b a [ 'noconnection' ]
  await a.stop();
  await b.stop();
  return { first, afterCrash, afterCut, exits };
}
