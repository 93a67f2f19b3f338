import { Actor, defineKind } from '@pd/actor';
import { createEngine } from '@pd/runtime';

/** 1. A class: one fresh instance per actor (and per restart). */
class Echo extends Actor<string> {
  receive(msg: string): string {
    return msg;
  }
}

/** 2. A plain object: handy for actors that stay where they are spawned. */
const shout = { receive: (msg: string) => msg.toUpperCase() };

/** 3. A named kind: what can be spawned by name, restarted and moved. */
const Reverse = defineKind<string>('reverse', () => ({
  receive: (msg: string) => [...msg].reverse().join(''),
}));

export async function main(): Promise<{ replies: string[]; kinds: string[] }> {
  const engine = createEngine({ kinds: [Reverse] });
  const actors = [
    engine.spawn(Echo),
    engine.spawn(shout),
    engine.spawn(Reverse),
    engine.spawn<string>('reverse'), // 4. the kind's name
  ];
  const replies = await Promise.all(actors.map((a) => engine.ask<string, string>(a, 'abc')));
  const kinds = actors.map((a) => engine.info(a)?.kind ?? '?');
  console.log(replies); // [ 'abc', 'ABC', 'cba', 'cba' ]
  console.log(kinds); // [ 'Echo', '(inline)', 'reverse', 'reverse' ]
  await engine.shutdown();
  return { replies, kinds };
}
