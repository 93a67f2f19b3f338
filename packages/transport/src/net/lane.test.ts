// An outbound lane hands each batch to the socket as bytes nobody writes again: a small batch
// copied out while the lane keeps its buffer for the next one (no fresh buffer per write), a
// large one handed over whole; records leave whole, in order, within the size asked for.
import { describe, expect, it } from 'vitest';
import { Lane } from './lane.js';
import { RECORD_PREFIX_BYTES, RecordType } from './wire.js';

/** A record of `size` bytes in all: length prefix, type tag, then `fill`. */
function record(size: number, fill: number, type: number = RecordType.frame): Uint8Array {
  const r = new Uint8Array(size).fill(fill);
  new DataView(r.buffer).setUint32(0, size - RECORD_PREFIX_BYTES, true);
  r[RECORD_PREFIX_BYTES] = type;
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('an outbound lane', () => {
  it('copies a small batch out and keeps its buffer; later records never touch what was taken', () => {
    const lane = new Lane(1 << 20);
    const a = record(40, 1);
    const b = record(60, 2, RecordType.heartbeat);
    lane.push(a, true);
    lane.push(b, false);
    const buffer = lane.bytes;
    const taken = lane.take(1 << 20);
    expect(taken.frames).toBe(1);
    expect([...taken.bytes]).toEqual([...concat(a, b)]);
    expect(lane.bytes).toBe(buffer);
    expect(taken.bytes.buffer).not.toBe(buffer.buffer);
    expect(lane.length).toBe(0);
    expect(lane.frames).toBe(0);
    // The next batch reuses the lane's buffer from its start: what the socket holds stays as it was.
    lane.push(record(100, 9), true);
    expect([...taken.bytes]).toEqual([...concat(a, b)]);
    expect([...lane.take(1 << 20).bytes]).toEqual([...record(100, 9)]);
  });

  it('hands a large batch over whole and starts a new buffer', () => {
    const lane = new Lane(1 << 20);
    const big = [record(3000, 3), record(3000, 4)];
    for (const r of big) lane.push(r, true);
    const buffer = lane.bytes;
    const taken = lane.take(1 << 20);
    expect(taken.frames).toBe(2);
    expect([...taken.bytes]).toEqual([...concat(...big)]);
    expect(lane.bytes).not.toBe(buffer);
    lane.push(record(3000, 5), true);
    expect([...taken.bytes]).toEqual([...concat(...big)]);
  });

  it('takes whole records within the size asked for (at least one), keeping the rest in order', () => {
    const lane = new Lane(1 << 20);
    const rs = [record(100, 1), record(100, 2), record(100, 3)];
    for (const r of rs) lane.push(r, true);
    const first = lane.take(250);
    expect(first.frames).toBe(2);
    expect([...first.bytes]).toEqual([...concat(rs[0]!, rs[1]!)]);
    expect(lane.frames).toBe(1);
    const tiny = lane.take(10);
    expect([...tiny.bytes]).toEqual([...rs[2]!]);
    expect(lane.length).toBe(0);
  });
});
