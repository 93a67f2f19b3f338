import type { Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

/** Roll a die five times in a fresh engine with the given seed. */
async function rolls(seed: number): Promise<number[]> {
  const engine = createEngine({ seed });
  const die = engine.spawn({
    // ctx.random() and ctx.now() come from the engine's reactor, never from Math or Date.
    receive: (_msg: 'roll', ctx: Context<'roll'>) => 1 + Math.floor(ctx.random() * 6),
  });
  const out: number[] = [];
  for (let i = 0; i < 5; i++) out.push(await engine.ask<'roll', number>(die, 'roll'));
  await engine.shutdown();
  return out;
}

export async function main(): Promise<{ first: number[]; again: number[]; other: number[] }> {
  const first = await rolls(42);
  const again = await rolls(42); // same seed, same numbers
  const other = await rolls(7);
  console.log(first, again, other);
  return { first, again, other };
}
