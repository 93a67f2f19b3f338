/**
 * Frames a ring cannot carry, on real worker threads (issue #17, item 1): a message larger
 * than a frame is refused at `send` with `send/too-large`; a burst of small messages to one
 * actor is split into frames the ring carries. Before the fix both were reported as
 * 'queued' and then threw `ring/frame-too-large` outside any handler, taking core 0 (the
 * process) or a worker core down. A small ring (64 KiB: frames up to 32 KiB) keeps it quick.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SendError } from '@pd/actor';
import { createEngine, type Engine, multiCore } from '@pd/runtime';
import { FIXTURES } from './harness.js';

const RING_BYTES = 1 << 16;
/** Characters in a message that cannot fit one frame of a 64 KiB ring. */
const TOO_LARGE = 40_000;

let open: Engine[] = [];
afterEach(async () => {
  const all = open;
  open = [];
  await Promise.all(all.map((e) => e.shutdown({ deadlineMs: 2000 })));
});

async function start(): Promise<Engine> {
  const engine = createEngine({ mode: 'multi', cores: 3, entry: FIXTURES, ringBytes: RING_BYTES });
  open.push(engine);
  await engine.ready();
  return engine;
}

async function countOf(engine: Engine, tally: ReturnType<Engine['spawn']>, n: number): Promise<{ n: number; chars: number }> {
  for (let i = 0; i < 500; i++) {
    const got = await engine.ask<string, { n: number; chars: number }>(tally, 'count');
    if (got.n >= n) return got;
    await new Promise((resolve) => engine.reactor.setTimer(5, resolve));
  }
  return engine.ask(tally, 'count');
}

describe('frames larger than a ring carries [worker threads]', () => {
  it('a message too large for a frame is refused at send, naming its size and the limit; the engine goes on', async () => {
    const engine = await start();
    const tally = engine.spawn('tally', { placement: { core: 1 } });
    const big = { seq: 0, pad: 'x'.repeat(TOO_LARGE) };
    let error: unknown = null;
    try {
      engine.send(tally, big);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ code: 'send/too-large', details: { path: 'message' } });
    expect((error as SendError).message).toMatch(/send\/too-large: message takes \d+ bytes encoded; a frame carries at most \d+ bytes/);
    expect(() => engine.send(tally, big, { ttlMs: 60_000 })).toThrow(/send\/too-large/);
    expect(() => engine.sendWait(tally, big)).toThrow(/send\/too-large/);
    const pending = engine.stats().pendingAsks;
    await expect(async () => engine.ask(tally, big)).rejects.toThrow(/send\/too-large/);
    expect(engine.stats().pendingAsks).toBe(pending); // the refused ask holds no pending slot
    // The engine and the target are still there, and a message that fits goes through.
    expect(engine.send(tally, { seq: 1, pad: 'y'.repeat(100) })).toBe('queued');
    expect(await countOf(engine, tally, 1)).toEqual({ n: 1, chars: 100 });
    expect(multiCore(engine).status().map((c) => c.epoch)).toEqual([0, 0, 0]);
  });

  it('a burst of small messages to one actor is split into frames the ring carries, and all arrive in order', async () => {
    const engine = await start();
    const tally = engine.spawn('tally', { placement: { core: 1 } });
    const log = engine.spawn('log', { placement: { core: 2 } });
    const client = engine.client();
    // 3000 messages of ~1 KiB to one actor, in one turn: about 100 frames' worth as one batch.
    for (let seq = 0; seq < 3000; seq++) expect(client.send(tally, { seq, pad: 'z'.repeat(1000) })).toBe('queued');
    for (let seq = 0; seq < 400; seq++) client.send(log, { seq, pad: 'w'.repeat(100) });
    expect(await countOf(engine, tally, 3000)).toEqual({ n: 3000, chars: 3_000_000 });
    const logged = await engine.ask<string, { seq: number }[]>(log, 'dump').catch((e: unknown) => e);
    // The dump (400 × ~105 bytes) is itself larger than a frame: the reply is refused, not the core.
    expect(logged).toMatchObject({ message: expect.stringMatching(/too-large/) });
    expect(multiCore(engine).status().map((c) => c.epoch)).toEqual([0, 0, 0]);
  });

  it('a worker core that sends a burst, or one message too large, keeps running', async () => {
    const engine = await start();
    const tally = engine.spawn('tally', { placement: { core: 2 } });
    const flood = engine.spawn('flood', { placement: { core: 1 } });
    expect(await engine.ask(flood, { to: tally, count: 2000, chars: 1000 })).toBe('sent');
    expect(await countOf(engine, tally, 2000)).toEqual({ n: 2000, chars: 2_000_000 });
    expect(await engine.ask(flood, { to: tally, count: 1, chars: TOO_LARGE })).toMatchObject({ code: 'send/too-large' });
    expect(await engine.ask(flood, { to: tally, count: 1, chars: 10 })).toBe('sent');
    expect(await countOf(engine, tally, 2001)).toEqual({ n: 2001, chars: 2_000_010 });
    expect(multiCore(engine).status().map((c) => c.epoch)).toEqual([0, 0, 0]);
  });
});
