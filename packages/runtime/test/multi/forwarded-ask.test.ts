// A request from another core (ForwardedAsk) is answered by sending the reply back: it
// settles once, carries a failure as a portable error, and allocates no promise of its own
// (the asker's promise lives on the asking core).
import { AskError } from '@pd/actor';
import { Codec } from '@pd/transport';
import { describe, expect, it } from 'vitest';
import { PendingAsk } from '../../src/kernel/ask.js';
import { ForwardedAsk } from '../../src/multi/forwarded-ask.js';
import type { CorePort } from '../../src/multi/port.js';
import { reviveError } from '../../src/multi/portable.js';

function port(): { router: CorePort; replies: [number, number, unknown][] } {
  const replies: [number, number, unknown][] = [];
  const router = { codec: new Codec(), reply: (core: number, id: number, body: unknown) => void replies.push([core, id, body]) };
  return { router: router as unknown as CorePort, replies };
}

describe('ForwardedAsk', () => {
  it('sends the answer back to the asking core once', () => {
    const { router, replies } = port();
    const ask = new ForwardedAsk(router, 3, 41);
    expect(ask.answer('pong')).toBe(true);
    expect(ask.answer('again')).toBe(false);
    expect(ask.fail(new Error('late'))).toBe(false);
    expect(replies).toEqual([[3, 41, [0, 'pong']]]);
  });

  it('sends a failure back as a portable error', () => {
    const { router, replies } = port();
    const ask = new ForwardedAsk(router, 1, 7);
    expect(ask.failWith('ask/target-exited', 'gone before replying')).toBe(true);
    expect(ask.answer('too late')).toBe(false);
    expect(replies).toHaveLength(1);
    const [core, id, body] = replies[0]!;
    expect([core, id]).toEqual([1, 7]);
    expect((body as unknown[])[0]).toBe(1);
    // The asking core revives the wire form into the same error class and code.
    const revived = reviveError((body as unknown[])[1]);
    expect(revived).toBeInstanceOf(AskError);
    expect((revived as AskError).code).toBe('ask/target-exited');
  });

  it('holds no promise of its own: every forwarded request shares one that never settles', async () => {
    const { router } = port();
    const a = new ForwardedAsk(router, 1, 1);
    const b = new ForwardedAsk(router, 1, 2);
    expect(a.promise).toBe(b.promise);
    a.answer(1);
    b.fail(new Error('no'));
    const outcome = await Promise.race([a.promise.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 20))]);
    expect(outcome).toBe('pending');
  });

  it('an ask without a promise that kept the base answer is a defect that says so, not a lost reply', () => {
    class Careless extends PendingAsk {
      constructor() {
        super(1, null, false);
      }
    }
    expect(() => new Careless().answer('lost?')).toThrow(/must override answer and fail/);
    expect(() => new Careless().fail(new Error('lost?'))).toThrow(/must override answer and fail/);
  });
});
