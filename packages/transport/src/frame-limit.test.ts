// The frame limit (issue #17, item 1): the codec measures a message against a payload budget
// and refuses one over it (`send/too-large`, naming path, size and limit); a batch that
// encodes larger than a frame is split into frames that fit, in order, on a ring and standalone.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SendError } from '@pd/actor';
import { Codec } from './codec.js';
import { MessageKind } from './envelope.js';
import { isTransportError } from './errors.js';
import { byteSource, decodeFrame, encodeBatchFrames, stageBatchFrame, type FrameInit } from './frame.js';
import { maxPayloadBytes } from './frame-limit.js';
import { createRing, maxFrameBytes } from './ring.js';
import { RingConsumer } from './ring-consumer.js';
import { RingProducer } from './ring-producer.js';

const init: FrameInit = {
  flags: 0, kind: MessageKind.user, priority: 0, source: null,
  destination: { node: 1, core: 1, slot: 7, generation: 3, secret: 12345 }, correlationId: 0, deadlineMs: null, trace: null,
};

describe('the frame limit', () => {
  it('refuses a message whose encoding is over the budget, naming its path, size and the limit', () => {
    const codec = new Codec({ records: true });
    const limit = maxPayloadBytes(maxFrameBytes(1 << 16));
    expect(() => codec.check({ pad: 'x'.repeat(40_000) }, 'message', limit)).toThrow(SendError);
    try {
      codec.checkPlain({ pad: 'x'.repeat(40_000) }, 'reply', limit);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'send/too-large', details: { path: 'reply', limit } });
      expect((error as SendError).details!.bytes).toBeGreaterThan(limit);
    }
    // Within the budget: lastBytes bounds the encoded size, and never exceeds the budget. Values
    // with an own "__proto__" key are refused for that (codec.test.ts), not for their size.
    const value = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__":'));
    fc.assert(fc.property(value, fc.string({ maxLength: 30_000 }), (value, pad) => {
      const message = { value, pad };
      let accepted = true;
      try {
        codec.check(message, 'message', limit);
      } catch (error) {
        accepted = false;
        expect(error).toMatchObject({ code: 'send/too-large' });
        expect(codec.encode(message).length).toBeGreaterThan(limit);
      }
      if (accepted) {
        expect(codec.lastBytes).toBeLessThanOrEqual(limit);
        expect(codec.encode(message).length).toBeLessThanOrEqual(codec.lastBytes);
      }
    }), { numRuns: 50 });
  });

  it('splits a batch that encodes larger than a frame, on a ring and standalone, keeping order', () => {
    const codec = new Codec({ records: true });
    const bodies = Array.from({ length: 500 }, (_, seq) => ({ seq, pad: 'z'.repeat(200) }));
    const buffer = createRing(1 << 16);
    const producer = new RingProducer(buffer);
    const consumer = new RingConsumer(buffer);
    stageBatchFrame(producer, codec, init, bodies, false);
    producer.publish();
    const got: unknown[] = [];
    let frames = 0;
    while (consumer.read(64, (_b, offset, length) => {
      frames++;
      expect(length).toBeLessThanOrEqual(producer.maxFrameBytes);
      got.push(...(decodeFrame(codec, consumer, offset, length).body as unknown[]));
    }) > 0 || producer.overflowFrames > 0) producer.flush();
    expect(frames).toBeGreaterThan(1);
    expect(got).toEqual(bodies);

    const standalone = encodeBatchFrames(codec, init, bodies, false, 8192);
    expect(standalone.length).toBeGreaterThan(1);
    expect(standalone.every((f) => f.length <= 8192)).toBe(true);
    expect(standalone.flatMap((f) => decodeFrame(codec, byteSource(f), 0, f.length).body as unknown[])).toEqual(bodies);
    try {
      encodeBatchFrames(codec, init, [{ pad: 'x'.repeat(9000) }], false, 8192);
      expect.unreachable();
    } catch (error) {
      expect(isTransportError(error, 'ring/frame-too-large')).toBe(true);
    }
  });
});
