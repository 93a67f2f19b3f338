/**
 * The outbox towards one core, on a channel that decodes what it is given: plain sends go
 * encoded as sent or the general way, in order, to the right actor, exactly once — across
 * a peer restart (frames held, then replayed) and when a message's getter sends while the
 * outbox is encoding or staging it.
 */
import { describe, expect, it } from 'vitest';
import { mintAddr } from '@pd/actor/internal';
import {
  BatchWriter, Codec, type FrameInit, type FrameOut, batchPayloadFrame, byteSource, decodeFrame, encodeBatchFrame, encodeFrame,
} from '@pd/transport';
import { Outbox } from '../../src/multi/outbox.js';

const codec = new Codec({ records: true });
const A = mintAddr({ node: 0, core: 1, slot: 1, generation: 1, secret: 7 }, null);
const B = mintAddr({ node: 0, core: 1, slot: 2, generation: 1, secret: 7 }, null);

/** A channel that decodes every frame at once: `[slot, message]` pairs in arrival order. */
function channel(got: [number, unknown][]): FrameOut {
  const take = (frame: Uint8Array): void => {
    const { header, body } = decodeFrame(codec, byteSource(frame), 0, frame.length);
    const batch = (header.flags & 0x10) !== 0;
    for (const m of batch ? body as unknown[] : [body]) got.push([header.destination.slot, m]);
  };
  return {
    backlog: 0,
    stage: (init: FrameInit, body: unknown, batch: boolean, plain?: boolean) => take(batch ? encodeBatchFrame(codec, init, body as unknown[], plain) : encodeFrame(codec, init, body)),
    stageBatchPayload: (init: FrameInit, payload: Uint8Array) => take(batchPayloadFrame(init, payload)),
    publish: () => {},
    close: () => {},
  };
}

function outbox(lost: unknown[] = []): Outbox {
  return new Outbox(64, 60_000, () => {}, (error) => lost.push(error), { writer: new BatchWriter(), codec });
}

describe('Outbox', () => {
  it('holds encoded batches while the peer restarts, each its own copy, and replays them in order', () => {
    const got: [number, unknown][] = [];
    const box = outbox();
    box.sendPlain(A, { a: 1 }, 0);
    box.publish();
    box.sendPlain(B, { b: 2 }, 0);
    box.sendPlain(B, { b: 3 }, 0);
    box.publish();
    box.sendPlain(A, new Date(0), 0); // the general way, between encoded batches
    box.sendPlain(A, { a: 4 }, 0);
    box.attach(channel(got));
    box.publish();
    expect(got).toEqual([[1, { a: 1 }], [2, { b: 2 }], [2, { b: 3 }], [1, new Date(0)], [1, { a: 4 }]]);
  });

  it('keeps each actor\'s order across encoded and general-way runs', () => {
    const got: [number, unknown][] = [];
    const box = outbox();
    box.attach(channel(got));
    const sent: [number, unknown][] = [];
    for (let i = 0; i < 300; i++) {
      const to = i % 7 < 4 ? A : B;
      const m = i % 5 === 0 ? { i, when: new Date(i) } : i % 11 === 0 ? [i, 'x'.repeat(i)] : { i };
      box.sendPlain(to, m, 0);
      sent.push([to.slot, m]);
      if (i % 37 === 0) box.publish();
    }
    box.publish();
    expect(got).toEqual(sent);
  });

  it('a getter that sends while its message is staged the general way: every message once, to its actor', () => {
    const got: [number, unknown][] = [];
    const lost: unknown[] = [];
    const box = outbox(lost);
    box.attach(channel(got));
    let n = 0;
    const m = { when: new Date(0), get g(): number {
      box.sendPlain(B, { toB: ++n }, 0);
      return 1;
    } };
    box.sendPlain(A, m, 0); // checked now (the getter sends), encoded at flush (it sends again)
    box.sendPlain(A, { y: 2 }, 0); // closes A's general-way run, staging it
    box.publish();
    box.publish(); // what the getters sent at the first flush
    expect(lost).toEqual([]);
    expect(got.filter(([slot]) => slot === 1)).toEqual([[1, { when: new Date(0), g: 1 }], [1, { y: 2 }]]);
    // The getter runs at the check and again at the encoding: each of its sends once, in order.
    expect(n).toBeGreaterThanOrEqual(2);
    expect(got.filter(([slot]) => slot === 2)).toEqual(Array.from({ length: n }, (_, i) => [2, { toB: i + 1 }]));
  });
});
