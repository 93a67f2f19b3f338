import { defineKind } from '@pd/actor';
import { startNode } from '@pd/federation';

/** A worker: counts the jobs it gets, answers 'count'. */
const Worker = defineKind('worker', () => {
  let jobs = 0;
  return {
    receive(m: 'job' | 'count') {
      if (m === 'count') return jobs;
      jobs++;
      return undefined;
    },
  };
});

export async function main(): Promise<{ members: string[]; sent: number; jobs: number[]; afterExit: string[] }> {
  // Two nodes in one process, on loopback; in production each is its own process or machine.
  const secret = 'an-example-secret-of-16-bytes-or-more';
  const b = await startNode({ federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } }, engine: { kinds: [Worker] } });
  const a = await startNode({
    federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] },
    engine: { kinds: [Worker] },
  });
  // Resolves at the next change of `workers` that a sees from node b.
  const nextChangeFromB = () => new Promise<void>((resolve) => {
    const off = a.federation.groups.subscribe((change) => {
      if (change.node !== 'b') return;
      off();
      resolve();
    }, 'workers');
  });

  // Each node's worker joins the group on its own node; a node with members connects to the others.
  const joined = nextChangeFromB();
  const onA = a.engine.spawn(Worker);
  const onB = b.engine.spawn(Worker);
  a.federation.groups.join('workers', onA);
  b.federation.groups.join('workers', onB);
  await joined;
  const members = a.federation.groups.members('workers').map((m) => a.federation.nodeOf(m) ?? '?');

  // The group as a topic: one message to every member, wherever it runs.
  const sent = a.federation.groups.publish('workers', 'job');
  const jobs = [await a.engine.ask<'job' | 'count', number>(onA, 'count'), await a.engine.ask<'job' | 'count', number>(onB, 'count')];

  // A member that exits leaves its groups, on every node.
  const left = nextChangeFromB();
  b.engine.stop(onB);
  await left;
  const afterExit = a.federation.groups.members('workers').map((m) => a.federation.nodeOf(m) ?? '?');

  console.log(members, sent, jobs, afterExit); // [ 'a', 'b' ] 2 [ 1, 1 ] [ 'a' ]
  await a.stop();
  await b.stop();
  return { members, sent, jobs, afterExit };
}
