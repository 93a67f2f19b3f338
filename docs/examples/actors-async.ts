import type { Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<string[]> {
  const log: string[] = [];
  const engine = createEngine();

  const db = engine.spawn({
    receive: (query: string) => {
      log.push(`db ${query}`);
      return query.length;
    },
  });
  const slow = engine.spawn({
    async receive(msg: string, ctx: Context<string>) {
      log.push(`slow start ${msg}`);
      await ctx.ask(db, msg); // suspends `slow` only; its mailbox keeps filling
      log.push(`slow end ${msg}`);
    },
  });
  const fast = engine.spawn({ receive: (msg: string) => void log.push(`fast ${msg}`) });

  engine.send(slow, 'a');
  engine.send(slow, 'b');
  engine.send(fast, 'x');
  await engine.ask(slow, 'c'); // an async handler's reply is what its promise resolves to

  console.log(log);
  // 'b' starts only after 'a' ended; `fast` and `db` ran while `slow` waited
  await engine.shutdown();
  return log;
}
