/**
 * An actor that has no mailbox holds one plain message in its cell; a second message, a
 * request, a priority or anything that looks at the mailbox makes one, holding the first
 * message first. These check that the held message behaves as a queued one everywhere:
 * order, `null` and `undefined` as messages, introspection, the handled count, exit (a dead
 * letter), swap, suspension, and a handler sending to its own actor.
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';

function recorder(engine: Engine): { addr: ReturnType<Engine['spawn']>; seen: unknown[] } {
  const seen: unknown[] = [];
  const addr = engine.spawn({ receive: (m: unknown) => void seen.push(m) });
  return { addr, seen };
}

describe('one message held in the cell', () => {
  it('null and undefined are messages: held alone, or ahead of those that follow', async () => {
    const engine = createEngine({ id: 'one' });
    const a = recorder(engine);
    engine.send(a.addr, null);
    engine.send(a.addr, undefined);
    engine.send(a.addr, 0);
    const b = recorder(engine);
    engine.send(b.addr, undefined);
    const c = recorder(engine);
    engine.send(c.addr, null);
    await engine.idle();
    expect(a.seen).toEqual([null, undefined, 0]);
    expect(b.seen).toEqual([undefined]);
    expect(c.seen).toEqual([null]);
    engine.send(c.addr, undefined);
    await engine.idle();
    expect(c.seen).toEqual([null, undefined]);
    await engine.shutdown();
  });

  it('a held message is shown as queued, and counted once handled, across both ways of holding messages', async () => {
    const engine = createEngine({ id: 'one' });
    const a = recorder(engine);
    engine.send(a.addr, 'x');
    expect(engine.info(a.addr)?.mailbox).toEqual({ depth: 1, capacity: null, policy: 'drop-newest' });
    await engine.idle();
    expect(engine.info(a.addr)?.mailbox.depth).toBe(0);
    expect(engine.info(a.addr)?.handled).toBe(1);
    // Three at once: the first is held in the cell, the second makes a mailbox.
    for (const m of ['a', 'b', 'c']) engine.send(a.addr, m);
    expect(engine.info(a.addr)?.mailbox.depth).toBe(3);
    await engine.idle();
    engine.send(a.addr, 'y');
    await engine.idle();
    expect(a.seen).toEqual(['x', 'a', 'b', 'c', 'y']);
    expect(engine.info(a.addr)?.handled).toBe(5);
    expect(engine.stats().messagesHandled).toBeGreaterThanOrEqual(5);
    await engine.shutdown();
  });

  it('an actor killed while it holds a message leaves it as a dead letter', async () => {
    const engine = createEngine({ id: 'one' });
    const a = recorder(engine);
    engine.send(a.addr, 'held');
    engine.kill(a.addr);
    await engine.idle();
    expect(a.seen).toEqual([]);
    const dead = engine.deadLetters();
    expect(dead.byReason.dead).toBe(1);
    expect(dead.recent.map((d) => d.message)).toEqual(['held']);
    await engine.shutdown();
  });

  it('a held message is handled by the behaviour swapped in before its turn', async () => {
    const engine = createEngine({ id: 'one' });
    const seen: string[] = [];
    const addr = engine.spawn<string>({ receive: (m: string) => void seen.push(`old:${m}`) });
    engine.send(addr, 'x');
    engine.swap(addr, { receive: (m: string) => void seen.push(`new:${m}`) });
    await engine.idle();
    expect(seen).toEqual(['new:x']);
    await engine.shutdown();
  });

  it('a message to an actor suspended in an async handler waits in the cell until it resumes', async () => {
    const engine = createEngine({ id: 'one' });
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const addr = engine.spawn({
      receive(m: unknown) {
        seen.push(m);
        return m === 'gate' ? gate : undefined;
      },
    });
    engine.send(addr, 'gate');
    await engine.idle();
    engine.send(addr, 'after');
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['gate']);
    expect(engine.info(addr)?.mailbox.depth).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 5));
    await engine.idle();
    expect(seen).toEqual(['gate', 'after']);
    await engine.shutdown();
  });

  it('what a handler sends its own actor is handled in order, a request among them answered', async () => {
    const engine = createEngine({ id: 'one' });
    const seen: unknown[] = [];
    const addr = engine.spawn({
      receive(m: number | string, ctx: Context<number | string>) {
        seen.push(m);
        if (typeof m === 'number' && m > 0) {
          ctx.send(ctx.self, m - 1);
          if (m === 2) ctx.send(ctx.self, 'two');
        }
        return m === 'q' ? 'answer' : undefined;
      },
    });
    engine.send(addr, 3);
    expect(await engine.ask(addr, 'q')).toBe('answer');
    await engine.idle();
    expect(seen).toEqual([3, 'q', 2, 1, 'two', 0]);
    await engine.shutdown();
  });
});
