import { Actor, type Behavior } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type Msg = 'inc' | 'get';

class CounterV1 extends Actor<Msg> {
  count = 0;
  receive(msg: Msg): number | void {
    if (msg === 'inc') this.count += 1;
    else return this.count;
  }
}

/** Version 2 counts in tens and says which version answered. */
class CounterV2 extends Actor<Msg> {
  total = 0;
  receive(msg: Msg): string | void {
    if (msg === 'inc') this.total += 10;
    else return `v2: ${this.total}`;
  }
  /** Carry the old state over (without `migrate`, own data fields are copied by name). */
  migrate(previous: Behavior<Msg>): void {
    this.total = (previous as CounterV1).count;
  }
}

export async function main(): Promise<{ before: number; after: string }> {
  const engine = createEngine();
  const counter = engine.spawn(CounterV1);
  engine.send(counter, 'inc');
  engine.send(counter, 'inc');
  const before = await engine.ask<Msg, number>(counter, 'get');

  engine.swap(counter, CounterV2); // same address, same mailbox, new code
  engine.send(counter, 'inc');
  const after = await engine.ask<Msg, string>(counter, 'get');

  console.log(before, after); // 2 v2: 12
  await engine.shutdown();
  return { before, after };
}
