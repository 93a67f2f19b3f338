import { describe, expect, it } from 'vitest';
import { Actor, type Addr } from '@pd/actor';
import { createEngine } from './index.js';

// The reply type of an ask comes from the address, which `spawn` types from what the
// definition's `receive` returns. The @ts-expect-error lines are the test: `typecheck`
// fails if any of them compiles.
type CounterMsg = { type: 'add'; by: number } | { type: 'get' };

class Counter extends Actor<CounterMsg> {
  private total = 0;
  receive(msg: CounterMsg): number | void {
    if (msg.type === 'add') this.total += msg.by;
    else return this.total;
  }
}

describe('ask: the reply type is the one the address declares', () => {
  it('infers it from a class, an inline behaviour and an async receive; unknown when undeclared', async () => {
    const engine = createEngine();
    try {
      const counter = engine.spawn(Counter);
      engine.send(counter, { type: 'add', by: 2 });
      const total: number = await engine.ask(counter, { type: 'get' });
      expect(total).toBe(2);
      // @ts-expect-error the counter answers a number
      const wrong: string = await engine.ask(counter, { type: 'get' });
      expect(typeof wrong).toBe('number');

      const lengths = engine.spawn({ receive: (text: string) => text.length });
      const n: number = await engine.ask(lengths, 'four');
      expect(n).toBe(4);
      const upper = engine.spawn({ receive: async (text: string) => text.toUpperCase() });
      // @ts-expect-error an async receive answers what its promise resolves with
      const notNumber: number = await engine.ask(upper, 'x');
      expect(notNumber).toBe('X');

      // An address typed by its messages only still takes the counter, and an ask through
      // it is unknown unless the caller says what it expects (as before).
      const plain: Addr<CounterMsg> = counter;
      const unknownReply = await engine.ask(plain, { type: 'get' });
      // @ts-expect-error unknown until narrowed
      const unchecked: number = unknownReply;
      expect(unchecked).toBe(2);
      const stated = await engine.ask<CounterMsg, number>(plain, { type: 'get' });
      expect(stated + 1).toBe(3);
      const client = engine.client();
      const viaClient: number = await client.ask(counter, { type: 'get' });
      expect(viaClient).toBe(2);
    } finally {
      await engine.shutdown();
    }
  });
});
