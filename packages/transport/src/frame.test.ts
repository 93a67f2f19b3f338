// Frames: envelope plus payload standalone and through a ring, raw pass-through, batches,
// and that a bad header or body leaves the ring untouched.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Addr } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { Codec } from './codec.js';
import { EnvelopeFlags, ENVELOPE_FIXED_BYTES, MessageKind, readEnvelope, type EnvelopeHeader } from './envelope.js';
import { byteSource, decodeFrame, encodeBatchFrame, encodeFrame, stageBatchFrame, stageFrame, type FrameInit } from './frame.js';
import { createRing } from './ring.js';
import { RingConsumer } from './ring-consumer.js';
import { RingProducer } from './ring-producer.js';
import { TransportError } from './errors.js';


const codec = new Codec();
const init: FrameInit = {
  flags: 0, kind: MessageKind.user, priority: 0, source: { node: 1, core: 0, slot: 2, generation: 1, secret: 99 },
  destination: { node: 1, core: 1, slot: 7, generation: 3, secret: 12345 }, correlationId: 0, deadlineMs: null, trace: null,
};
const body = fc.oneof(
  fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"')),
  // An own "__proto__" key is refused at send (codec.test.ts), so it is not a round-trip case.
  fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.oneof(fc.integer(), fc.date({ noInvalidDate: true }), fc.bigInt()), { noNullPrototype: true }),
  fc.uint8Array({ maxLength: 300 }),
);

function decodeAll(consumer: RingConsumer): Array<{ header: EnvelopeHeader; body: unknown }> {
  const out: Array<{ header: EnvelopeHeader; body: unknown }> = [];
  while (consumer.read(16, (_bytes, offset, length) => out.push(decodeFrame(codec, consumer, offset, length))) > 0);
  return out;
}

describe('frames', () => {
  it('round-trips a header and body through a standalone frame', () => {
    fc.assert(fc.property(body, fc.constantFrom(MessageKind.user, MessageKind.ask, MessageKind.down), (b, kind) => {
      const frame = encodeFrame(codec, { ...init, kind }, b);
      const decoded = decodeFrame(codec, byteSource(frame), 0, frame.length);
      expect(decoded.body).toStrictEqual(b);
      expect(decoded.header.kind).toBe(kind);
      expect(decoded.header.destination).toEqual(init.destination);
    }));
  });

  it('passes a Uint8Array body through as raw bytes, without msgpack', () => {
    const payload = new Uint8Array([0xc1, 0xff, 0x00, 0x42]); // not valid msgpack on its own
    const frame = encodeFrame(codec, init, payload);
    const header = readEnvelope(new DataView(frame.buffer), 0);
    expect(header.flags & EnvelopeFlags.raw).toBe(EnvelopeFlags.raw);
    expect(frame.subarray(ENVELOPE_FIXED_BYTES)).toStrictEqual(payload);
    expect(decodeFrame(codec, byteSource(frame), 0, frame.length).body).toStrictEqual(payload);
  });

  it('carries a batch of bodies under one header', () => {
    const bodies = [{ n: 1 }, 'two', [3], new Map([[4, 'four']])];
    const frame = encodeBatchFrame(codec, { ...init, flags: EnvelopeFlags.raw }, bodies);
    const decoded = decodeFrame(codec, byteSource(frame), 0, frame.length);
    expect(decoded.header.flags & (EnvelopeFlags.batch | EnvelopeFlags.raw)).toBe(EnvelopeFlags.batch);
    expect(decoded.body).toStrictEqual(bodies);
  });

  it('rejects a frame whose payload does not fill it exactly', () => {
    const frame = encodeFrame(codec, init, { a: 1 });
    const longer = new Uint8Array(frame.length + 3);
    longer.set(frame);
    expect(() => decodeFrame(codec, byteSource(longer), 0, longer.length)).toThrow(expect.objectContaining({ code: 'envelope/invalid' }));
    expect(() => decodeFrame(codec, byteSource(frame), 0, frame.length - 1)).toThrow(TransportError);
  });

  it('carries frames, addresses included, through a ring, overflow and all, in order', () => {
    const producer = new RingProducer(createRing(1024));
    const consumer = new RingConsumer(producer.buffer);
    const replyTo = mintAddr({ node: 3, core: 1, slot: 4, generation: 5, secret: 2 ** 45 }, null);
    for (let i = 0; i < 12; i++) stageFrame(producer, codec, { ...init, correlationId: i }, { i, replyTo, text: 'x'.repeat(60) });
    expect(stageBatchFrame(producer, codec, { ...init, correlationId: 12 }, [{ i: 12 }, { i: 13 }])).toBe(false);
    producer.publish();
    expect(producer.overflowFrames).toBeGreaterThan(0);
    const received = decodeAll(consumer);
    let rounds = 0;
    while (producer.overflowFrames > 0 && rounds++ < 20) {
      producer.flush();
      received.push(...decodeAll(consumer));
    }
    expect(received.map((f) => f.header.correlationId)).toEqual([...Array(13).keys()]);
    const first = received[0]!.body as { replyTo: Addr };
    expect(first.replyTo.equals(replyTo)).toBe(true);
    expect(received[12]!.body).toStrictEqual([{ i: 12 }, { i: 13 }]);
  });

  it('leaves the ring untouched when the header is invalid', () => {
    const producer = new RingProducer(createRing(1024));
    const consumer = new RingConsumer(producer.buffer);
    expect(() => stageFrame(producer, codec, { ...init, priority: 9 as 0 }, 'x')).toThrow(/priority/);
    stageFrame(producer, codec, init, 'ok');
    producer.publish();
    expect(decodeAll(consumer).map((f) => f.body)).toEqual(['ok']);
  });

  it('refuses an unserializable body before touching the ring', () => {
    const producer = new RingProducer(createRing(1024));
    expect(() => stageFrame(producer, codec, init, { f: () => 1 })).toThrow(/message\.f is a function/);
    expect(producer.stats.framesWritten).toBe(0);
  });
});
