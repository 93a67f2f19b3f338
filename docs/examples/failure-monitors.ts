import { Down, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ sameRef: boolean; first: string; late: string }> {
  const engine = createEngine();
  const job = engine.spawn({ receive: (_msg: 'finish', ctx: Context<'finish'>) => ctx.stop() });
  const watcher = engine.client<Down>();

  const ref = watcher.monitor(job); // one-way: the watcher is told, never taken down
  engine.send(job, 'finish');
  const down = await watcher.receive({ timeoutMs: 1000 });

  // Monitoring an actor that is already gone answers at once, with `noproc`.
  watcher.monitor(job);
  const late = await watcher.receive({ timeoutMs: 1000 });

  console.log(down.ref === ref, down.reason.type, late.reason.type); // true normal noproc
  await engine.shutdown();
  return { sameRef: down.ref === ref, first: down.reason.type, late: late.reason.type };
}
