// Ring behaviour in one thread: layout, wrap-around, exact fills, overflow in order, FIFO
// across random batches and counter wrap, corruption, and wake-ups only for sleepers.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RingLayout, createRing, maxFrameBytes } from './ring.js';
import { RingProducer } from './ring-producer.js';
import { RingConsumer } from './ring-consumer.js';
import { TransportError } from './errors.js';

/** A frame that carries its sequence number and a pattern, so order and content can be checked. */
function frame(seq: number, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(4, length));
  new DataView(bytes.buffer).setUint32(0, seq, true);
  for (let i = 4; i < bytes.length; i++) bytes[i] = (seq + i) & 0xff;
  return bytes;
}

function seqOf(bytes: Uint8Array, offset: number, length: number): number {
  const seq = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
  for (let i = 4; i < length; i++) if (bytes[offset + i] !== ((seq + i) & 0xff)) throw new Error(`frame ${seq} corrupt at byte ${i}`);
  return seq;
}

function pair(capacity: number, startCounter?: number) {
  const buffer = createRing(capacity);
  if (startCounter !== undefined) {
    const control = new Int32Array(buffer);
    control[RingLayout.headByte / 4] = startCounter | 0;
    control[RingLayout.tailByte / 4] = startCounter | 0;
  }
  return { producer: new RingProducer(buffer), consumer: new RingConsumer(buffer) };
}

function drain(consumer: RingConsumer, max = Infinity): number[] {
  const seen: number[] = [];
  while (seen.length < max && consumer.read(Math.min(64, max - seen.length), (b, o, l) => seen.push(seqOf(b, o, l))) > 0);
  return seen;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof TransportError ? error.code : String(error);
  }
  return 'no error';
}

describe('ring layout', () => {
  it('keeps head, tail and the two state cells on separate 64-byte lines', () => {
    const hot = [RingLayout.headByte, RingLayout.tailByte, RingLayout.consumerStateByte, RingLayout.producerStateByte, RingLayout.metaByte];
    for (let i = 1; i < hot.length; i++) expect(hot[i]! - hot[i - 1]!).toBeGreaterThanOrEqual(64);
    expect(RingLayout.dataByte % 64).toBe(0);
  });

  it('refuses capacities that are not powers of two in range', () => {
    for (const bad of [0, 100, 255, 1000, 2 ** 31, 1.5]) expect(() => createRing(bad)).toThrow(RangeError);
    expect(createRing(256).byteLength).toBe(RingLayout.dataByte + 256);
    expect(maxFrameBytes(256)).toBe(124);
  });

  it('refuses to attach to a buffer that is not a ring', () => {
    expect(codeOf(() => new RingConsumer(new SharedArrayBuffer(4096)))).toBe('ring/invalid');
    expect(codeOf(() => new RingProducer(new SharedArrayBuffer(8)))).toBe('ring/invalid');
    const other = createRing(256);
    new Int32Array(other)[RingLayout.metaByte / 4 + 1] = 99;
    expect(() => new RingConsumer(other)).toThrow(/layout version 99/);
    const misaligned = createRing(256);
    new Int32Array(misaligned)[RingLayout.tailByte / 4] = 2;
    expect(() => new RingProducer(misaligned)).toThrow(/counters/);
  });
});

describe('ring frames', () => {
  it('wraps around with a skip marker and keeps contents intact', () => {
    const { producer, consumer } = pair(256);
    let seq = 0;
    const seen: number[] = [];
    for (let round = 0; round < 50; round++) {
      expect(producer.write(frame(seq++, 40 + (round % 7) * 9))).toBe(true);
      expect(producer.write(frame(seq++, 4))).toBe(true);
      seen.push(...drain(consumer));
    }
    expect(seen).toEqual([...Array(seq).keys()]);
    expect(producer.stats.framesOverflowed).toBe(0);
  });

  it('fills the ring exactly at a batch boundary, overflows the next frame, then drains it', () => {
    const { producer, consumer } = pair(256);
    const batch = [0, 1, 2, 3].map((s) => frame(s, 60)); // 4 records of 64 bytes: exactly full
    expect(producer.writeMany(batch)).toBe(4);
    expect(producer.write(frame(4, 60))).toBe(false);
    expect(producer.overflowFrames).toBe(1);
    expect(drain(consumer, 1)).toEqual([0]);
    expect(producer.flush()).toBe(true);
    expect(drain(consumer)).toEqual([1, 2, 3, 4]);
  });

  it('sends a frame bigger than the free space to overflow, keeps later frames behind it, and drains in order', () => {
    const { producer, consumer } = pair(512);
    expect(producer.write(frame(0, 200))).toBe(true);
    expect(producer.write(frame(1, 200))).toBe(true);
    expect(producer.write(frame(2, 240))).toBe(false); // does not fit the ~100 bytes left
    expect(producer.write(frame(3, 4))).toBe(false); // would fit, but must stay behind frame 2
    expect([producer.overflowFrames, producer.overflowBytes]).toEqual([2, 244]);
    expect(drain(consumer)).toEqual([0, 1]);
    expect(producer.flush()).toBe(true);
    expect(drain(consumer)).toEqual([2, 3]);
    expect(producer.stats).toMatchObject({ framesWritten: 4, framesOverflowed: 2 });
  });

  it('copies a frame into overflow, so the caller may reuse its buffer', () => {
    const { producer, consumer } = pair(256);
    producer.write(frame(0, 120));
    producer.write(frame(1, 120));
    const reused = frame(2, 60);
    expect(producer.write(reused)).toBe(false);
    reused.fill(0);
    drain(consumer);
    producer.flush();
    expect(drain(consumer)).toEqual([2]);
  });

  it('delivers every frame once, in order, across random batch sizes, lengths and counter wrap', () => {
    const op = fc.oneof(
      fc.record({ write: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 12 }), inPlace: fc.boolean() }),
      fc.record({ read: fc.integer({ min: 1, max: 20 }) }),
      fc.constant({ flush: true }),
    );
    fc.assert(fc.property(fc.constantFrom(1024, 2048), fc.option(fc.integer({ min: -1250, max: -1 }).map((n) => n * 4)), fc.array(op, { maxLength: 80 }),
      (capacity, start, ops) => {
        const { producer, consumer } = pair(capacity, start === null ? undefined : 2 ** 32 + start);
        let next = 0;
        const seen: number[] = [];
        for (const o of ops) {
          if ('write' in o) {
            for (const length of o.write) {
              const f = frame(next++, length);
              const at = o.inPlace ? producer.reserve(f.length) : -1;
              if (at >= 0) {
                producer.bytes.set(f, at);
                producer.commit();
              } else producer.stage(f);
            }
            producer.publish();
          } else if ('read' in o) {
            consumer.read(o.read, (b, off, len) => seen.push(seqOf(b, off, len)));
          } else producer.flush();
        }
        for (let guard = 0; guard < 10_000 && (producer.overflowFrames > 0 || !consumer.isEmpty); guard++) {
          producer.flush();
          seen.push(...drain(consumer));
        }
        expect(seen).toEqual([...Array(next).keys()]);
      }), { numRuns: 300 });
  });

  it('refuses a frame larger than half the ring, and accepts one exactly at the limit', () => {
    const { producer, consumer } = pair(256);
    expect(codeOf(() => producer.write(new Uint8Array(125)))).toBe('ring/frame-too-large');
    producer.write(frame(0, 10));
    drain(consumer);
    expect(producer.write(frame(1, 124))).toBe(true);
    expect(drain(consumer)).toEqual([1]);
  });

  it('shrinks a reservation on commit, and forgets one on cancel', () => {
    const { producer, consumer } = pair(256);
    const at = producer.reserve(100);
    producer.bytes.set(frame(7, 10), at);
    producer.commit(10);
    expect(producer.reserve(50)).toBeGreaterThanOrEqual(0);
    producer.cancel();
    producer.write(frame(8, 4));
    const lengths: number[] = [];
    consumer.read(10, (b, o, l) => lengths.push(l, seqOf(b, o, l)));
    expect(lengths).toEqual([10, 7, 4, 8]);
    expect(() => producer.commit()).toThrow(/without reserve/);
  });

  it('counts a frame whose handler throws as consumed, and keeps the rest', () => {
    const { producer, consumer } = pair(256);
    producer.writeMany([frame(0, 4), frame(1, 4), frame(2, 4)]);
    expect(() => consumer.read(10, (b, o, l) => {
      if (seqOf(b, o, l) === 1) throw new Error('handler failed');
    })).toThrow('handler failed');
    expect(drain(consumer)).toEqual([2]);
  });

  it('reports a corrupt frame length as ring/invalid instead of reading past it', () => {
    const { producer, consumer } = pair(256);
    const at = producer.reserve(8);
    producer.commit();
    new DataView(producer.bytes.buffer, producer.bytes.byteOffset).setInt32(at - 4, 100_000, true);
    producer.publish();
    expect(codeOf(() => consumer.read(1, () => {}))).toBe('ring/invalid');
  });

  it('readOne returns a copy, or null when empty', () => {
    const { producer, consumer } = pair(256);
    expect(consumer.readOne()).toBeNull();
    producer.write(frame(3, 9));
    const copy = consumer.readOne()!;
    expect(seqOf(copy, 0, copy.length)).toBe(3);
    expect(copy.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('ring wake-ups', () => {
  it('never notifies a consumer that is not sleeping', () => {
    const { producer, consumer } = pair(1024);
    for (let i = 0; i < 100; i++) {
      producer.write(frame(i, 8));
      drain(consumer);
    }
    expect(producer.stats.wakeups).toBe(0);
  });

  it('wakes a sleeping consumer exactly once per sleep', async () => {
    const { producer, consumer } = pair(1024);
    const waiting = consumer.waitAsync();
    producer.write(frame(0, 8));
    producer.write(frame(1, 8));
    expect(await waiting).toBe('ready');
    expect(producer.stats.wakeups).toBe(1);
    expect(drain(consumer)).toEqual([0, 1]);
  });

  it('publish(false) leaves a sleeping consumer asleep until the ring is half full or a waking publish, and never loses that wake-up', async () => {
    const { producer, consumer } = pair(1024);
    let woke = false;
    const waiting = consumer.waitAsync().then((r) => {
      woke = true;
      return r;
    });
    producer.stage(frame(0, 8));
    producer.publish(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woke).toBe(false);
    expect(producer.stats.wakeups).toBe(0);
    // Nothing new staged: the waking publish still owes the wake-up it put off.
    producer.publish();
    expect(await waiting).toBe('ready');
    expect(producer.stats.wakeups).toBe(1);
    expect(drain(consumer)).toEqual([0]);
    // At half full a publish wakes even without being asked to.
    const again = consumer.waitAsync();
    for (let i = 1; i <= 20; i++) producer.stage(frame(i, 28));
    producer.publish(false);
    expect(await again).toBe('ready');
    expect(producer.stats.wakeups).toBe(2);
    expect(drain(consumer)).toHaveLength(20);
    // And flush(false) wakes while overflow waits for room.
    const third = consumer.waitAsync();
    for (let i = 0; i < 40; i++) producer.stage(frame(i, 28));
    expect(producer.flush(false)).toBe(false);
    expect(await third).toBe('ready');
    expect(producer.stats.wakeups).toBe(3);
  });

  it('answers at once when frames are already there, and times out on an empty ring', async () => {
    const { producer, consumer } = pair(1024);
    expect(await consumer.waitAsync(0)).toBe('timed-out');
    expect(consumer.waitSync(0)).toBe('timed-out');
    producer.write(frame(0, 8));
    expect(await consumer.waitAsync()).toBe('ready');
    expect(consumer.waitSync()).toBe('ready');
    expect(producer.stats.wakeups).toBe(0);
    expect(() => consumer.waitSync(-1)).toThrow(RangeError);
  });

  it('wakes a producer waiting for space when the consumer frees some', async () => {
    const { producer, consumer } = pair(256);
    producer.writeMany([frame(0, 120), frame(1, 120), frame(2, 120)]);
    expect(producer.overflowFrames).toBe(1);
    const space = producer.waitForSpace();
    drain(consumer, 1);
    expect(await space).toBe('ready');
    expect(producer.flush()).toBe(true);
    expect(drain(consumer)).toEqual([1, 2]);
  });

  it('close wakes both ends, refuses writes, and still delivers what was published', async () => {
    const { producer, consumer } = pair(256);
    const waiting = consumer.waitAsync();
    producer.close();
    expect(await waiting).toBe('closed');
    expect(await producer.waitForSpace()).toBe('closed');
    expect(codeOf(() => producer.write(frame(0, 4)))).toBe('ring/closed');

    const other = pair(256);
    other.producer.write(frame(5, 4));
    other.consumer.close();
    expect(await other.consumer.waitAsync()).toBe('ready');
    expect(drain(other.consumer)).toEqual([5]);
    expect(await other.consumer.waitAsync()).toBe('closed');
  });
});
