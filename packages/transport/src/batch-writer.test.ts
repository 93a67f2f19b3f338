/**
 * BatchWriter: a batch encoded message by message decodes, through the codec every core
 * uses, to exactly the messages it took, in order; it takes nothing the codec would refuse
 * or carry changed; a message it does not take, or takes back, leaves no trace in the batch
 * (no bytes, no record definition).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SendError } from '@pd/actor';
import { addrIdentity, mintAddr } from '@pd/actor/internal';
import { BatchWriter } from './batch-writer.js';
import { Codec } from './codec.js';

const codec = new Codec({ records: true });

/** Deep equality telling -0 from 0, comparing strings by code units and keys in order. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b as object);
  return same(ka, kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function decode(writer: BatchWriter): unknown[] {
  return codec.decodeBatch(writer.payload().slice());
}

function refusedByCodec(value: unknown): boolean {
  try {
    codec.check(value);
    return false;
  } catch {
    return true;
  }
}

/** Values of every kind, with the ones that used to cross changed (as in the cores' fidelity test). */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' },
    fc.anything({ maxDepth: 3, stringUnit: 'binary', withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
    fc.constantFrom(-0, 0, 63, 64, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1,
      0.5, NaN, Infinity, -Infinity, undefined, null, '\ud800', 'a\udc00b', '\ud83d\ude00', 'é€', 'x'.repeat(65), 'é'.repeat(200), '€'.repeat(30000), () => 1, Symbol('s'), {}, []),
    fc.record({ to: fc.integer(), k: fc.double(), body: fc.string({ unit: 'binary' }) }),
    tie('symbolKeyed'), tie('namedArray'), tie('loneKey'), tie('protoKey')),
  symbolKeyed: fc.tuple(tie('any'), fc.boolean()).map(([v, enumerable]) => {
    const o: Record<PropertyKey, unknown> = { v };
    Object.defineProperty(o, Symbol('k'), { value: 1, enumerable });
    return o;
  }),
  namedArray: fc.tuple(fc.array(tie('any'), { maxLength: 3 }), tie('any')).map(([items, note]) => Object.assign([...items], { note })),
  loneKey: tie('any').map((v) => ({ ['\udbff' + 'k']: v })),
  // JSON.parse makes "__proto__" an own key (a literal would set the prototype).
  protoKey: tie('any').map((v) => Object.assign(JSON.parse('{"__proto__": 1}') as object, { v })),
})).any;

describe('BatchWriter', () => {
  it('decodes to what it took, in order; takes nothing the codec refuses; a message it does not take leaves no trace', () => {
    fc.assert(fc.property(fc.array(value, { maxLength: 12 }), (values) => {
      const writer = new BatchWriter(64, 64);
      const taken: unknown[] = [];
      for (const v of values) {
        const before = Buffer.from(writer.payload());
        if (writer.add(v)) {
          expect(refusedByCodec(v)).toBe(false);
          taken.push(v);
        } else {
          expect(Buffer.from(writer.payload()).subarray(5).equals(before.subarray(5))).toBe(true);
        }
      }
      expect(writer.count).toBe(taken.length);
      const back = decode(writer);
      expect(back.length).toBe(taken.length);
      for (let i = 0; i < taken.length; i++) expect(same(back[i], taken[i]), `took ${fc.stringify(taken[i])}, decoded ${fc.stringify(back[i])}`).toBe(true);
    }), { numRuns: 400 });
  });

  it('takes the common kind: plain objects, arrays, strings, numbers, booleans, null, undefined', () => {
    const writer = new BatchWriter();
    const values = [{ to: 7, k: 1, body: 'hello' }, [1, 'two', [3]], 'é€😀', -0, 64, 1.5, true, null, undefined, Object.assign(Object.create(null) as object, { a: 1 })];
    for (const v of values) expect(writer.add(v), fc.stringify(v)).toBe(true);
    const back = decode(writer);
    values.forEach((v, i) => expect(same(back[i], v)).toBe(true));
    expect(Object.is(back[3], -0)).toBe(true);
  });

  it('writes an address as the codec does, and it decodes to the same identity', () => {
    const addr = mintAddr({ node: 0x7fff0001, core: 3, slot: 123456, generation: 7, secret: 2 ** 53 - 3 }, null);
    const alone = new BatchWriter();
    expect(alone.add(addr)).toBe(true);
    expect(Buffer.from(alone.payload().subarray(5))).toEqual(Buffer.from(codec.encode(addr)));
    const writer = new BatchWriter();
    expect(writer.add({ replyTo: addr, k: 1 })).toBe(true);
    expect(writer.add([addr, { addr }])).toBe(true);
    const [first, second] = decode(writer) as [{ replyTo: unknown; k: number }, [unknown, { addr: unknown }]];
    expect(addrIdentity(first.replyTo as typeof addr)).toEqual(addrIdentity(addr));
    expect(addrIdentity(second[0] as typeof addr)).toEqual(addrIdentity(addr));
    expect(addrIdentity(second[1].addr as typeof addr)).toEqual(addrIdentity(addr));
    expect(first.k).toBe(1);
  });

  it('leaves the rest to the general way: not plain, refused, or nested past its depth', () => {
    const writer = new BatchWriter(3);
    const nested = { a: { b: { c: { d: 1 } } } };
    for (const v of [new Date(0), new Map(), new Set(), 1n, new Uint8Array(1), { f: () => 1 }, { s: Symbol('s') }, 'a\ud800', { ['k\udc00']: 1 },
      Object.assign([1], { note: 2 }), { [Symbol('k')]: 1 }, new (class Point { x = 1; })(), nested]) {
      expect(writer.add(v), fc.stringify(v)).toBe(false);
    }
    expect(writer.add({ a: { b: 1 } })).toBe(true);
    expect(writer.count).toBe(1);
    expect(decode(writer)).toEqual([{ a: { b: 1 } }]);
  });

  it('writes shapes past the last record id as maps', () => {
    const writer = new BatchWriter();
    const values = Array.from({ length: 200 }, (_, i) => ({ [`k${i}`]: i, shared: { x: i } }));
    for (const v of values) expect(writer.add(v)).toBe(true);
    expect(decode(writer)).toEqual(values);
  });

  it('takes back the last message with any record it defined; reset starts a batch over', () => {
    const writer = new BatchWriter();
    writer.add({ a: 1 });
    writer.add({ b: { c: 2 } });
    writer.dropLast();
    expect(() => writer.dropLast()).toThrow(RangeError);
    writer.add({ c: 3 });
    writer.add({ b: { c: 4 } });
    expect(decode(writer)).toEqual([{ a: 1 }, { c: 3 }, { b: { c: 4 } }]);
    writer.reset();
    expect(writer.count).toBe(0);
    writer.add({ b: { c: 5 } });
    expect(decode(writer)).toEqual([{ b: { c: 5 } }]);
  });

  it('a shape that changes under its memo (same first keys, more or fewer) is written by its own record', () => {
    const writer = new BatchWriter();
    const values = [{ a: 1, b: { x: 1 } }, { a: 2 }, { a: 3, b: { y: 2 }, c: 4 }, { a: 4, b: { x: 5 } }, { b: 1, a: 2 }];
    for (const v of values) writer.add(v);
    expect(decode(writer)).toEqual(values);
    const order = decode(writer)[4] as object;
    expect(Object.keys(order)).toEqual(['b', 'a']);
  });

  it('a getter that sends while its message is encoded is refused, and nothing of that message is kept', () => {
    const writer = new BatchWriter();
    writer.add({ first: true });
    const sneaky = { get x(): number {
      writer.add({ inner: 1 });
      return 1;
    } };
    expect(() => writer.add(sneaky)).toThrow(SendError);
    expect(() => writer.add({ get y(): number {
      throw new Error('getter failed');
    } })).toThrow('getter failed');
    writer.add({ last: 1 });
    expect(decode(writer)).toEqual([{ first: true }, { last: 1 }]);
  });

  it('grows past its first buffer', () => {
    const writer = new BatchWriter(64, 64);
    const values = Array.from({ length: 500 }, (_, i) => ({ i, text: `message ${i} ${'é'.repeat(i % 70)}` }));
    for (const v of values) writer.add(v);
    expect(decode(writer)).toEqual(values);
  });
});

describe('BatchWriter without records (what a network peer is sent)', () => {
  // The codec network peers get: it reads records too, so decoding alone would not show one.
  const network = new Codec();

  /** The messages the writer holds, each as bytes (the array header and element boundaries found by decoding). */
  function messagesOf(writer: BatchWriter): unknown[] {
    return network.decodeBatch(writer.payload().slice());
  }

  it('writes each message byte for byte as msgpackr writes it without records, and takes what the codec takes', () => {
    fc.assert(fc.property(value, (v) => {
      const writer = new BatchWriter(64, 64, { records: false });
      if (!writer.add(v)) return;
      expect(refusedByCodec(v)).toBe(false);
      const bytes = Buffer.from(writer.buffer.subarray(BatchWriter.FIRST_BYTE, BatchWriter.FIRST_BYTE + writer.bytes));
      expect(bytes.equals(Buffer.from(network.encode(v))), fc.stringify(v)).toBe(true);
    }), { numRuns: 600 });
  });

  it('decodes to what it took, in order, with no record definition in the batch', () => {
    const writer = new BatchWriter(64, 64, { records: false });
    const values = [{ k: 1, body: 'hello' }, { k: 2, body: 'hello' }, { n: { deep: [1, 'é', null] } }, 64, 127, 'x'.repeat(40)];
    for (const v of values) expect(writer.add(v)).toBe(true);
    expect(messagesOf(writer)).toEqual(values);
    // A record definition is a fixext 1 of type "r" (0xd4 0x72); none is written here.
    expect(Buffer.from(writer.payload()).includes(Buffer.from([0xd4, 0x72]))).toBe(false);
    // Integers 0x40–0x7f are fixints here (no record ids to tell them from).
    writer.reset();
    writer.add(100);
    expect([...writer.buffer.subarray(BatchWriter.FIRST_BYTE, BatchWriter.FIRST_BYTE + writer.bytes)]).toEqual([100]);
  });

  it('strings whose UTF-8 length needs a larger header than their length suggests', () => {
    const writer = new BatchWriter(64, 64, { records: false });
    // 31 units, 33 bytes (a str 8, not a fixstr); 86 units, 258 bytes (a str 16, not a str 8).
    for (const s of ['a'.repeat(30) + 'é', '€'.repeat(86), 'é'.repeat(40), 'x'.repeat(64), 'x'.repeat(65)]) {
      writer.reset();
      expect(writer.add({ [s]: s })).toBe(true);
      const bytes = Buffer.from(writer.buffer.subarray(BatchWriter.FIRST_BYTE, BatchWriter.FIRST_BYTE + writer.bytes));
      expect(bytes.equals(Buffer.from(network.encode({ [s]: s }))), s).toBe(true);
      expect(messagesOf(writer)).toEqual([{ [s]: s }]);
    }
  });

  it('leaves out keys an object inherits, as msgpackr does (an enumerable key added to Object.prototype)', () => {
    const writer = new BatchWriter(64, 64, { records: false });
    Object.defineProperty(Object.prototype, 'inheritedByAll', { value: 1, enumerable: true, configurable: true, writable: true });
    try {
      expect(writer.add({ own: 2 })).toBe(true);
      const bytes = Buffer.from(writer.buffer.subarray(BatchWriter.FIRST_BYTE, BatchWriter.FIRST_BYTE + writer.bytes));
      expect(bytes.equals(Buffer.from(network.encode({ own: 2 })))).toBe(true);
      expect(Object.keys(messagesOf(writer)[0] as object)).toEqual(['own']);
    } finally {
      delete (Object.prototype as Record<string, unknown>).inheritedByAll;
    }
  });

  it('leaves to the general way what it must refuse and name, or encode otherwise', () => {
    const writer = new BatchWriter(64, 64, { records: false });
    for (const v of [JSON.parse('{"__proto__": 1}'), { ['k\ud800']: 1 }, { f: () => 1 }, Object.create({ parent: 1 }), new Map(), 1n]) {
      expect(writer.add(v), fc.stringify(v)).toBe(false);
    }
    expect(writer.count).toBe(0);
  });

  it('leaves to the general way an object msgpackr would not write as it is: its own constructor or hasOwnProperty, or a null prototype', () => {
    const writer = new BatchWriter(64, 64, { records: false });
    const hiddenToJSON = Object.defineProperty(Object.assign(Object.create(null) as object, { a: 1 }), 'toJSON', { value: () => 'hidden' });
    const hiddenHasOwn = Object.defineProperty({ a: 1, b: 2 }, 'hasOwnProperty', { value: () => false });
    const cases: object[] = [Object.assign(Object.create(null) as object, { toJSON: 1, a: 1 }), { constructor: 1, toJSON: 'x' }, hiddenToJSON, hiddenHasOwn,
      Object.assign(Object.create(null) as object, { plain: true }), { nested: { constructor: 'c' } }];
    for (const v of cases) {
      expect(writer.add(v), fc.stringify(v)).toBe(false);
      // The network codec then carries it as msgpackr does, whichever way it is asked.
      let scratch: unknown, whole: unknown;
      try {
        const s = network.encodeScratch(v);
        scratch = [...s.bytes.subarray(s.start, s.end)];
      } catch (error) {
        scratch = (error as Error).message;
      }
      try {
        whole = [...network.encode(v)];
      } catch (error) {
        whole = (error as Error).message;
      }
      expect(scratch).toEqual(whole);
    }
    expect(writer.count).toBe(0);
  });
});
