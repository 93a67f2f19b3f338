import { Down, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type Msg = 'spin' | 'stop';

export async function main(): Promise<{ spins: number; turns: number; exit: string }> {
  const engine = createEngine(); // budget 128 messages per turn, slices of 4 ms
  let spins = 0;
  // A hot actor: every message it handles sends it another one, forever.
  const hot = engine.spawn({
    receive(msg: Msg, ctx: Context<Msg>) {
      if (msg === 'stop') return ctx.stop();
      spins++;
      ctx.send(ctx.self, 'spin');
    },
  });
  const watcher = engine.client();
  watcher.monitor(hot);

  engine.send(hot, 'spin');
  // A timer can only fire if the scheduler yields to the event loop between slices.
  engine.sendAfter(hot, 'stop', 10);
  const down = await watcher.receive<Down>({ timeoutMs: 5000 });

  const { turns } = engine.stats();
  console.log(`${spins} messages in ${turns} turns, then ${down.reason.type}`);
  await engine.shutdown();
  return { spins, turns, exit: down.reason.type };
}
