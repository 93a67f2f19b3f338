import { Actor, defineKind } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type CounterMsg = { type: 'add'; by: number } | { type: 'get' };

/** A class actor: its state lives in fields, one instance per actor. */
class Counter extends Actor<CounterMsg> {
  private total = 0;
  receive(msg: CounterMsg): number | void {
    if (msg.type === 'add') this.total += msg.by;
    else return this.total; // the value returned answers an ask
  }
}

/** A named kind: spawnable by name, built from serializable arguments. */
const Greeter = defineKind<string, { greeting: string }>('greeter', ({ greeting }) => ({
  receive: (name: string) => `${greeting}, ${name}!`,
}));

export async function main(): Promise<{ total: number; greeting: string }> {
  const engine = createEngine({ kinds: [Greeter] });

  const counter = engine.spawn(Counter);
  engine.send(counter, { type: 'add', by: 2 });
  engine.send(counter, { type: 'add', by: 3 });
  const total: number = await engine.ask(counter, { type: 'get' });

  const greeter = engine.spawn<string>('greeter', { args: { greeting: 'Hello' } });
  const greeting: string = await engine.ask(greeter, 'Palladium');

  console.log(total, greeting); // 5 Hello, Palladium!
  await engine.shutdown();
  return { total, greeting };
}
