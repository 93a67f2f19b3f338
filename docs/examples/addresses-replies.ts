import { Actor, type Addr, type Context, defineKind } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type CounterMsg = { type: 'add'; by: number } | { type: 'get' };

/** Answers `get` with a number: its address is an Addr<CounterMsg, number>. */
class Counter extends Actor<CounterMsg> {
  private total = 0;
  receive(msg: CounterMsg): number | void {
    if (msg.type === 'add') this.total += msg.by;
    else return this.total;
  }
}

/** Answers through ctx.reply, so nothing can be inferred: the third type argument declares it. */
const Shouter = defineKind<string, void, string>('shouter', () => ({
  receive(text: string, ctx: Context<string>) {
    ctx.reply(text.toUpperCase());
  },
}));

export async function main(): Promise<{ total: number; shout: string; lookedUp: unknown }> {
  const engine = createEngine({ kinds: [Shouter] });
  const counter = engine.spawn(Counter); // Addr<CounterMsg, number>
  engine.send(counter, { type: 'add', by: 2 });
  const total = await engine.ask(counter, { type: 'get' }); // number, inferred

  const shouter = engine.spawn(Shouter); // Addr<string, string>
  const shout = await engine.ask(shouter, 'hi'); // string

  const compileErrors = async (): Promise<void> => {
    // @ts-expect-error: the counter answers numbers, not strings
    const wrong: string = await engine.ask(counter, { type: 'get' });
    void wrong;
  };
  void compileErrors;

  // An address from a lookup declares no reply type: `ask` gives `unknown`,
  // unless you state one (a claim nothing checks).
  const byName: Addr<string> | undefined = engine.registry.whereis<string>('nobody');
  const untyped: Addr<CounterMsg> = counter; // a typed address stands in for an untyped one
  const lookedUp = await engine.ask(untyped, { type: 'get' }); // unknown
  void byName;

  console.log(total, shout, lookedUp); // 2 HI 2
  await engine.shutdown();
  return { total, shout, lookedUp };
}
