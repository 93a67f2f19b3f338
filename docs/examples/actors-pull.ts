import { pull } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type Job = { priority: 'normal' | 'urgent'; id: number };
const isUrgent = (msg: unknown): msg is Job => (msg as Job).priority === 'urgent';

export async function main(): Promise<number[]> {
  const engine = createEngine();
  const results = engine.client<number[]>();

  // A pull actor is an async function that takes messages when it wants them.
  const worker = engine.spawn(pull<Job>(async (ctx) => {
    const order: number[] = [];
    const urgent = await ctx.receive({ match: isUrgent }); // skips older, non-matching messages
    order.push(urgent.id);
    while (order.length < 3) order.push((await ctx.receive()).id); // the rest, oldest first
    ctx.send(results.self, order);
    // returning ends the actor with reason `normal`
  }));

  engine.send(worker, { priority: 'normal', id: 1 });
  engine.send(worker, { priority: 'normal', id: 2 });
  engine.send(worker, { priority: 'urgent', id: 3 });

  const order = await results.receive({ timeoutMs: 1000 });
  console.log(order); // [ 3, 1, 2 ]
  await engine.shutdown();
  return order;
}
