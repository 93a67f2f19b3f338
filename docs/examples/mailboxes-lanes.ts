import { Down } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ order: string[]; handledBeforeStop: string[] }> {
  const engine = createEngine();
  const order: string[] = [];
  const recorder = engine.spawn({ receive: (msg: string) => void order.push(msg) });

  // Everything below is queued before the actor runs once.
  engine.send(recorder, 'low 1', { priority: 'low' });
  engine.send(recorder, 'normal 1');
  engine.send(recorder, 'high 1', { priority: 'high' });
  engine.send(recorder, 'normal 2');
  await engine.ask(recorder, 'low 2', { priority: 'low' });
  console.log(order); // [ 'high 1', 'normal 1', 'normal 2', 'low 1', 'low 2' ]

  // A stop request travels in the system lane: it overtakes queued user messages.
  const handledBeforeStop: string[] = [];
  const busy = engine.spawn({ receive: (msg: string) => void handledBeforeStop.push(msg) });
  const watcher = engine.client();
  watcher.monitor(busy);
  engine.send(busy, 'a');
  engine.send(busy, 'b');
  engine.stop(busy);
  await watcher.receive<Down>({ timeoutMs: 1000 });
  console.log(handledBeforeStop); // []

  await engine.shutdown();
  return { order, handledBeforeStop };
}
