import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../frame.js';
import { InboundQueue } from './inbound.js';

const source = (n: number): ByteSource => {
  const bytes = new Uint8Array(1).fill(n & 0xff);
  return { bytes, view: new DataView(bytes.buffer) };
};

function drain(q: InboundQueue, max = 1e9): number[] {
  const got: number[] = [];
  q.read(max, (s, offset, length) => got.push(s.bytes[0]! + offset * 1000 + length * 1_000_000));
  return got;
}

describe('InboundQueue', () => {
  it('keeps FIFO and its byte count when it is emptied after every frame and refilled (its slots reused)', () => {
    const q = new InboundQueue();
    for (let i = 0; i < 50; i++) {
      q.push(source(i), 0, 1);
      expect(q.length).toBe(1);
      expect(q.bytes).toBe(1);
      expect(drain(q)).toEqual([i + 1_000_000]);
      expect(q.length).toBe(0);
      expect(q.bytes).toBe(0);
    }
    // Then a burst, read in parts: still in order.
    for (let i = 0; i < 10; i++) q.push(source(i), i, 2);
    expect(q.bytes).toBe(20);
    expect(drain(q, 4)).toEqual([0, 1, 2, 3].map((i) => i + i * 1000 + 2_000_000));
    q.push(source(10), 10, 2);
    expect(q.length).toBe(7);
    expect(drain(q)).toEqual([4, 5, 6, 7, 8, 9, 10].map((i) => i + i * 1000 + 2_000_000));
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it('keeps FIFO across a compaction of a long backlog and after a clear', () => {
    const q = new InboundQueue();
    const n = 5000;
    for (let i = 0; i < n; i++) q.push(source(i), i, 1);
    const got: number[] = [];
    let at = 0;
    while (q.length > 0) {
      const before = q.length;
      q.read(700, (_s, offset) => got.push(offset));
      expect(q.length).toBe(Math.max(0, before - 700));
      if (at++ === 3) for (let i = n; i < n + 100; i++) q.push(source(i), i, 1);
    }
    expect(got).toEqual(Array.from({ length: n + 100 }, (_, i) => i));
    expect(q.bytes).toBe(0);
    q.push(source(1), 1, 1);
    q.clear();
    expect(q.length).toBe(0);
    expect(drain(q)).toEqual([]);
    q.push(source(2), 2, 3);
    expect(drain(q)).toEqual([2 + 2000 + 3_000_000]);
  });
});
