import { pull } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ got: string; expired: number }> {
  const engine = createEngine();
  const out = engine.client<string>();

  const worker = engine.spawn(pull<string>(async (ctx) => {
    await ctx.receive({ match: (msg): msg is 'go' => msg === 'go' }); // busy until 'go'
    ctx.send(out.self, await ctx.receive()); // the oldest message that has not expired
  }));

  engine.send(worker, 'stale', { ttlMs: 5 }); // must be handled within 5 ms, or never
  engine.send(worker, 'fresh');
  engine.sendAfter(worker, 'go', 20); // an engine timer, not a sleep

  const got = await out.receive({ timeoutMs: 1000 });
  const expired = engine.deadLetters().byReason.expired;
  console.log(got, expired); // fresh 1
  await engine.shutdown();
  return { got, expired };
}
