import type { DeadLetter } from '@pd/runtime';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ result: string; seen: DeadLetter['reason'][]; total: number }> {
  const engine = createEngine();
  const seen: DeadLetter['reason'][] = [];
  // Listening costs nothing until someone subscribes.
  const unsubscribe = engine.events.subscribe((event) => {
    if (event.type === 'dead-letter') seen.push(event.reason);
  }, ['dead-letter']);

  const temp = engine.spawn({ receive: (msg: string, ctx) => msg === 'quit' && ctx.stop() });
  await engine.ask(temp, 'quit');
  await engine.idle();

  const result = engine.send(temp, 'anyone there?'); // never thrown: returned
  const report = engine.deadLetters();
  console.log(result, report.byReason.dead, report.recent.at(-1)?.message); // dead 1 anyone there?

  unsubscribe();
  await engine.shutdown();
  return { result, seen, total: report.total };
}
