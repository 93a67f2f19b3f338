import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ order: string[]; ticks: number; cancelled: boolean; late: boolean }> {
  const engine = createEngine();
  const inbox = engine.client<string>();

  // One heap orders every timer by due time, whatever order they were set in. A due time
  // is the clock when the timer is set plus its delay: the delays are far apart, so the
  // order holds even if a busy machine pauses this code between two calls.
  engine.sendAfter(inbox.self, 'third', 300);
  engine.sendAfter(inbox.self, 'first', 100);
  const second = engine.sendAfter(inbox.self, 'second', 200);
  const order: string[] = [];
  for (let i = 0; i < 3; i++) order.push(await inbox.receive({ timeoutMs: 1000 }));
  const late = engine.cancelTimer(second); // false: it already fired

  // A periodic timer, cancelled after three ticks.
  const ticker = engine.sendEvery(inbox.self, 'tick', 5);
  let ticks = 0;
  while (ticks < 3) if ((await inbox.receive({ timeoutMs: 1000 })) === 'tick') ticks++;
  const cancelled = engine.cancelTimer(ticker); // true: no more ticks

  console.log(order, ticks, cancelled, late); // [ 'first', 'second', 'third' ] 3 true false
  await engine.shutdown();
  return { order, ticks, cancelled, late };
}
