/**
 * Mailbox lanes keep one slot per message: a message sent with a meta (an ask, a ttl) is
 * queued as its meta holding the message. These check that the slot form never shows:
 * plain sends, asks and expiring sends interleave in order with their own metas, and a
 * message that happens to be the kernel's own meta object (an actor sending its `current`)
 * arrives as itself.
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

describe('mailbox slots', () => {
  it('plain sends, asks and ttl sends keep their order and their own replies', async () => {
    const engine = createEngine({ id: 'slots' });
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const addr = engine.spawn({
      receive(m: unknown) {
        if (m === 'gate') return gate;
        seen.push(m);
        return typeof m === 'number' ? m * 10 : undefined;
      },
    });
    engine.send(addr, 'gate');
    const replies: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 3 === 0) replies.push(engine.ask(addr, i));
      else if (i % 3 === 1) engine.send(addr, `p${i}`, { ttlMs: 60_000 });
      else engine.send(addr, { i });
    }
    release();
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 14 }, (_, k) => k * 30));
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `p${i}` : { i })));
    await engine.shutdown();
  });

  it('a message that is the kernel meta object of another message arrives as itself, not as what it held', async () => {
    const engine = createEngine({ id: 'slots' });
    const got: unknown[] = [];
    const sink = engine.spawn({ receive: (m: unknown) => void got.push(m) });
    let sent: unknown = null;
    const relay = engine.spawn({
      receive(m: unknown, ctx: Context<unknown>) {
        // The meta of the ask being handled: internal, but reachable from JavaScript.
        sent = (ctx as unknown as { current: unknown }).current;
        ctx.send(sink, sent);
        ctx.send(sink, m);
        return 'ok';
      },
    });
    expect(await engine.ask(relay, 'question')).toBe('ok');
    await engine.idle();
    expect(sent).not.toBeNull();
    expect(got).toHaveLength(2);
    expect(got[0]).toBe(sent);
    expect(got[1]).toBe('question');
    await engine.shutdown();
  });
});
