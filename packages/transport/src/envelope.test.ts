// Envelope behaviour: write/read round trips at any offset, the documented byte layout,
// and rejection of truncated, garbled, foreign and random headers.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AddrIdentity } from '@pd/actor';
import {
  ENVELOPE_FIXED_BYTES, ENVELOPE_MAX_HEADER_BYTES, EnvelopeFlags, MessageKind, envelopeHeaderLength, isSystemKind,
  readEnvelope, readEnvelopeInto, writeEnvelope, type EnvelopeInit, type MessageKind as Kind, type Priority,
} from './envelope.js';
import { TransportError } from './errors.js';

const identity: fc.Arbitrary<AddrIdentity> = fc.record({
  node: fc.integer({ min: 0, max: 0xffff_ffff }),
  core: fc.integer({ min: 0, max: 0xffff }),
  slot: fc.integer({ min: 0, max: 0xffff_ffff }),
  generation: fc.integer({ min: 0, max: 0xffff_ffff }),
  secret: fc.maxSafeNat(),
});
const nonZeroBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0));
const header: fc.Arbitrary<EnvelopeInit> = fc.record({
  flags: fc.subarray([EnvelopeFlags.response, EnvelopeFlags.raw, EnvelopeFlags.batch]).map((bits) => bits.reduce((a, b) => a | b, 0)),
  kind: fc.constantFrom(...Object.values(MessageKind)) as fc.Arbitrary<Kind>,
  priority: fc.constantFrom<Priority>(0, 1, 2, 3),
  source: fc.option(identity, { nil: null }),
  destination: identity,
  correlationId: fc.maxSafeNat(),
  deadlineMs: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  trace: fc.option(fc.record({ traceId: nonZeroBytes(16), spanId: nonZeroBytes(8), traceFlags: fc.integer({ min: 0, max: 255 }) }), { nil: null }),
  payloadLength: fc.integer({ min: 0, max: 64 }),
});

function expected(h: EnvelopeInit) {
  const derived = (h.deadlineMs === null ? 0 : EnvelopeFlags.hasDeadline) | (h.trace === null ? 0 : EnvelopeFlags.hasTrace) |
    (h.source === null ? 0 : EnvelopeFlags.hasSource);
  return { ...h, version: 1, flags: h.flags | derived };
}

/** A view with `h` written at `offset`, followed by its payload bytes. */
function written(h: EnvelopeInit, offset: number): DataView {
  const view = new DataView(new ArrayBuffer(offset + envelopeHeaderLength(h) + h.payloadLength));
  expect(writeEnvelope(view, offset, h)).toBe(envelopeHeaderLength(h));
  return view;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    return (error as TransportError).code;
  }
  return 'no error';
}

const plain: EnvelopeInit = {
  flags: 0, kind: MessageKind.ask, priority: 1, source: { node: 1, core: 2, slot: 3, generation: 4, secret: 2 ** 40 + 5 },
  destination: { node: 0xdeadbeef, core: 7, slot: 8, generation: 9, secret: 10 }, correlationId: 2 ** 33 + 1,
  deadlineMs: 1500.5, trace: null, payloadLength: 3,
};

describe('envelope round trip', () => {
  it('reads back every header it writes, at any offset', () => {
    fc.assert(fc.property(header, fc.integer({ min: 0, max: 17 }), (h, offset) => {
      expect(readEnvelope(written(h, offset), offset)).toEqual(expected(h));
    }));
  });

  it('readEnvelopeInto reuses the header and its nested objects', () => {
    fc.assert(fc.property(header, header, (a, b) => {
      const into = readEnvelope(written(a, 0), 0);
      const destination = into.destination;
      const again = readEnvelopeInto(written(b, 0), 0, into);
      expect(again).toBe(into);
      expect(again.destination).toBe(destination);
      expect(again).toEqual(expected(b));
    }));
  });

  it('puts the fields at the offsets docs/envelope.md gives', () => {
    const view = written({ ...plain, trace: { traceId: new Uint8Array(16).fill(0xaa), spanId: new Uint8Array(8).fill(0xbb), traceFlags: 1 } }, 0);
    expect(view.getUint8(0)).toBe(1);
    expect(view.getUint8(1)).toBe(EnvelopeFlags.hasDeadline | EnvelopeFlags.hasTrace | EnvelopeFlags.hasSource);
    expect(view.getUint8(2)).toBe(MessageKind.ask);
    expect(view.getUint8(3)).toBe(1);
    expect(view.getUint32(4, true)).toBe(3);
    expect(view.getUint32(8, true)).toBe(1);
    expect(view.getUint32(12, true)).toBe(2);
    expect(view.getFloat64(16, true)).toBe(1500.5);
    expect([view.getUint32(24, true), view.getUint32(28, true), view.getUint32(32, true), view.getUint16(36, true)]).toEqual([1, 3, 4, 2]);
    expect([view.getUint32(40, true), view.getUint32(44, true)]).toEqual([5, 2 ** 8]);
    expect(view.getUint32(48, true)).toBe(0xdeadbeef);
    expect([view.getUint8(72), view.getUint8(88), view.getUint8(96)]).toEqual([0xaa, 0xbb, 1]);
    expect(ENVELOPE_FIXED_BYTES).toBe(72);
    expect(ENVELOPE_MAX_HEADER_BYTES).toBe(104);
  });

  it('tells system signals from user messages', () => {
    expect(isSystemKind(MessageKind.user)).toBe(false);
    expect(isSystemKind(MessageKind.reply)).toBe(false);
    expect(isSystemKind(MessageKind.kill)).toBe(true);
    expect(isSystemKind(99)).toBe(false);
  });
});

describe('envelope rejection', () => {
  it('rejects every truncation of a header or its payload as envelope/truncated', () => {
    fc.assert(fc.property(header, fc.integer({ min: 0, max: 200 }), (h, cut) => {
      const full = written(h, 0);
      fc.pre(cut < full.byteLength);
      expect(codeOf(() => readEnvelope(new DataView(full.buffer, 0, cut), 0))).toBe('envelope/truncated');
    }));
  });

  it('rejects an offset past the end, or not a byte index', () => {
    const view = written(plain, 0);
    expect(codeOf(() => readEnvelope(view, view.byteLength))).toBe('envelope/truncated');
    expect(codeOf(() => readEnvelope(view, -1))).toBe('envelope/invalid');
    expect(codeOf(() => readEnvelope(view, 1.5))).toBe('envelope/invalid');
  });

  it('rejects another version, naming both', () => {
    const view = written(plain, 0);
    view.setUint8(0, 2);
    expect(() => readEnvelope(view, 0)).toThrow(/version 2, this reader speaks 1/);
    expect(codeOf(() => readEnvelope(view, 0))).toBe('envelope/version');
  });

  const garbles: Array<[string, (v: DataView) => void]> = [
    ['reserved flag bits', (v) => v.setUint8(1, v.getUint8(1) | 0x80)],
    ['unknown kind', (v) => v.setUint8(2, 0)],
    ['unknown kind 200', (v) => v.setUint8(2, 200)],
    ['priority reserved bits', (v) => v.setUint8(3, 4)],
    ['correlation id above 2^53', (v) => v.setUint32(12, 0x20_0000, true)],
    ['NaN deadline', (v) => v.setFloat64(16, Number.NaN, true)],
    ['source secret above 2^53', (v) => v.setUint32(44, 0xffff_ffff, true)],
    ['reserved address bytes', (v) => v.setUint16(62, 1, true)],
    ['deadline bytes without the flag', (v) => v.setUint8(1, v.getUint8(1) & ~EnvelopeFlags.hasDeadline)],
    ['source bytes without the flag', (v) => v.setUint8(1, v.getUint8(1) & ~EnvelopeFlags.hasSource)],
  ];
  for (const [name, garble] of garbles) {
    it(`rejects ${name} as envelope/invalid`, () => {
      const view = written(plain, 0);
      garble(view);
      expect(codeOf(() => readEnvelope(view, 0))).toBe('envelope/invalid');
    });
  }

  it('rejects a trace block with zero ids or reserved bytes set', () => {
    const traced = { ...plain, trace: { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), traceFlags: 1 } };
    const zeroTrace = written({ ...traced, trace: { ...traced.trace, traceId: new Uint8Array(16) } }, 0);
    expect(codeOf(() => readEnvelope(zeroTrace, 0))).toBe('envelope/invalid');
    const reserved = written(traced, 0);
    reserved.setUint8(100, 1);
    expect(codeOf(() => readEnvelope(reserved, 0))).toBe('envelope/invalid');
  });

  it('never throws anything but a TransportError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 160 }), fc.boolean(), fc.nat(8), (bytes, v1, offset) => {
      if (v1 && bytes.length > offset) bytes[offset] = 1;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      try {
        const h = readEnvelope(view, offset);
        expect(offset + envelopeHeaderLength(h) + h.payloadLength).toBeLessThanOrEqual(bytes.length);
      } catch (error) {
        expect(error).toBeInstanceOf(TransportError);
      }
    }), { numRuns: 2000 });
  });
});

describe('envelope writing', () => {
  const bad: Array<[string, Partial<EnvelopeInit>]> = [
    ['destination.core', { destination: { ...plain.destination, core: 70_000 } }],
    ['source.node', { source: { ...plain.destination, node: -1 } }],
    ['destination.secret', { destination: { ...plain.destination, secret: 2 ** 53 } }],
    ['kind', { kind: 4 as Kind }],
    ['priority', { priority: 4 as Priority }],
    ['correlationId', { correlationId: 1.5 }],
    ['payloadLength', { payloadLength: 2 ** 32 }],
    ['deadlineMs', { deadlineMs: Number.POSITIVE_INFINITY }],
    ['flags', { flags: 0x40 }],
  ];
  for (const [field, change] of bad) {
    it(`refuses a bad ${field}, naming it`, () => {
      const view = new DataView(new ArrayBuffer(200));
      expect(() => writeEnvelope(view, 0, { ...plain, ...change })).toThrow(new RegExp(`cannot write header: ${field.replace('.', '\\.')}`));
    });
  }

  it('treats undefined optional fields from a JavaScript caller as absent', () => {
    const loose = { ...plain, source: undefined, deadlineMs: undefined, trace: undefined } as unknown as EnvelopeInit;
    const view = new DataView(new ArrayBuffer(100));
    expect(writeEnvelope(view, 0, loose)).toBe(ENVELOPE_FIXED_BYTES);
    expect(readEnvelope(view, 0)).toMatchObject({ source: null, deadlineMs: null, trace: null, flags: 0 });
    expect(() => writeEnvelope(view, 0, { ...plain, destination: undefined } as unknown as EnvelopeInit)).toThrow(/destination is missing/);
  });

  it('refuses a view too small for the header', () => {
    expect(codeOf(() => writeEnvelope(new DataView(new ArrayBuffer(80)), 10, plain))).toBe('envelope/invalid');
  });

  it('derives the deadline, trace and source flags from the fields', () => {
    const view = written({ ...plain, flags: EnvelopeFlags.hasTrace | EnvelopeFlags.response, source: null, deadlineMs: null }, 0);
    expect(readEnvelope(view, 0).flags).toBe(EnvelopeFlags.response);
  });
});
