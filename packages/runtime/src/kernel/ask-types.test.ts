/**
 * Reply types of `ask` (issue 15): the address carries what the actor answers, so a wrong
 * expectation is a compile error. This file is type-checked by the package's `typecheck`
 * (src/**); the `@ts-expect-error` lines fail it when the error they expect goes away.
 */
import { Actor, type Addr, type AnyAddr, type Context, type ReplyOf, defineKind } from '@pd/actor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createEngine } from '../create.js';

type CounterMsg = { type: 'add'; by: number } | { type: 'get' };

class Counter extends Actor<CounterMsg> {
  private total = 0;
  receive(msg: CounterMsg): number | void {
    if (msg.type === 'add') this.total += msg.by;
    else return this.total;
  }
}

const Length = defineKind('ask-types-length', () => ({ receive: async (s: string) => s.length }));
/** Answers through ctx.reply: nothing to infer, so the reply type is stated. */
const Later = defineKind<string, void, string>('ask-types-later', () => ({
  receive(s: string, ctx: Context<string>) {
    ctx.reply(s.toUpperCase());
  },
}));

describe('ask reply types', () => {
  it('infers the reply type at spawn and checks it at ask', async () => {
    const engine = createEngine();
    const counter = engine.spawn(Counter);
    expectTypeOf(counter).toEqualTypeOf<Addr<CounterMsg, number>>();
    engine.send(counter, { type: 'add', by: 2 });

    const n = await engine.ask(counter, { type: 'get' });
    expectTypeOf(n).toEqualTypeOf<number>();
    const typed: number = await engine.ask(counter, { type: 'get' });
    // @ts-expect-error: the counter answers numbers
    const wrong: string = await engine.ask(counter, { type: 'get' });
    void wrong;

    const length = engine.spawn(Length);
    expectTypeOf(await engine.ask(length, 'abc')).toEqualTypeOf<number>();
    const inline = engine.spawn({ receive: (s: string) => s.length > 1 });
    expectTypeOf<ReplyOf<typeof inline>>().toEqualTypeOf<boolean>();
    expect(await engine.ask(inline, 'ab')).toBe(true);
    const later = engine.spawn(Later);
    expectTypeOf(await engine.ask(later, 'x')).toEqualTypeOf<string>();

    // A narrower stated type is accepted; an unrelated one is not.
    const maybe = engine.spawn({ receive: (k: string) => new Map([['a', 1]]).get(k) });
    const one: number = await engine.ask(maybe, 'a');
    expectTypeOf(await engine.ask(maybe, 'a')).toEqualTypeOf<number | undefined>();

    // The client and the context check the same way.
    const client = engine.client();
    expectTypeOf(await client.ask(counter, { type: 'get' })).toEqualTypeOf<number>();
    // @ts-expect-error: the counter answers numbers
    const viaClient: string = await client.ask(counter, { type: 'get' });
    void viaClient;
    const asker = engine.spawn({
      async receive(_: 'go', ctx: Context<'go'>) {
        // @ts-expect-error: the counter answers numbers
        const s: string = await ctx.ask(counter, { type: 'get' });
        return s;
      },
    });
    expectTypeOf(asker).toEqualTypeOf<Addr<'go', string>>();

    expect([n, typed, one, await engine.ask(later, 'x')]).toEqual([2, 2, 1, 'X']);
    await engine.shutdown();
  });

  it('keeps untyped addresses and explicit type arguments working', async () => {
    const engine = createEngine();
    const counter = engine.spawn(Counter, { register: 'ask-types-counter' });
    // Covariant in the reply type: a typed address stands in for an untyped one, not back.
    const untyped: Addr<CounterMsg> = counter;
    const anyAddr: AnyAddr = counter;
    // @ts-expect-error: an address that declares no reply type is not an Addr<M, number>
    const back: Addr<CounterMsg, number> = untyped;
    void back;

    expectTypeOf(await engine.ask(untyped, { type: 'get' })).toEqualTypeOf<unknown>();
    expectTypeOf(await engine.ask(anyAddr, { type: 'get' })).toEqualTypeOf<unknown>();
    // Explicit type arguments are claims, as before reply types existed.
    expectTypeOf(await engine.ask<CounterMsg, number>(counter, { type: 'get' })).toEqualTypeOf<number>();
    const claimed: number = await engine.ask(untyped, { type: 'get' });
    const named = engine.registry.whereis<CounterMsg, number>('ask-types-counter');
    expectTypeOf(named).toEqualTypeOf<Addr<CounterMsg, number> | undefined>();
    // Generic wrappers over explicit type arguments keep compiling.
    const call = <R>(to: Addr<CounterMsg>): Promise<R> => engine.ask<CounterMsg, R>(to, { type: 'get' });
    expect([claimed, await call<number>(counter)]).toEqual([0, 0]);
    await engine.shutdown();
  });
});
