// Codec behaviour: round trips of every supported type (property-based, records on and off),
// refusal of each unsupported kind with its path, and hostile or broken input.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Down, Exit, ExitSignal, MonitorRef, PdError, RegistryError, SendError, isAddr, type Addr, type AddrIdentity, type ErrorExit, type ExitReason,
} from '@pd/actor';
import { addrIdentity, mintAddr } from '@pd/actor/internal';
import { Packr } from 'msgpackr';
import { Codec } from './codec.js';
import { TransportError } from './errors.js';
import { readError, readReason, wireError, wireReason } from './reasons.js';


const codec = new Codec();
const recordsCodec = new Codec({ records: true });
const roundTrip = (value: unknown): unknown => codec.decode(codec.encode(value));

const identity: fc.Arbitrary<AddrIdentity> = fc.record({
  node: fc.integer({ min: 0, max: 0xffff_ffff }),
  core: fc.integer({ min: 0, max: 0xffff }),
  slot: fc.integer({ min: 0, max: 0xffff_ffff }),
  generation: fc.integer({ min: 0, max: 0xffff_ffff }),
  secret: fc.maxSafeNat(),
});
const addr = identity.map((id) => mintAddr(id, null));

// -0 is written as the integer 0 (msgpack has no negative zero); lone surrogates cannot be UTF-8.
const number = fc.double().map((n) => (Object.is(n, -0) ? 0 : n));
const key = fc.string({ unit: 'grapheme', maxLength: 8 }).filter((k) => k !== '__proto__');
const leaf = fc.oneof(
  number, fc.integer(), fc.bigInt(), fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), fc.boolean(),
  fc.string({ unit: 'grapheme' }), fc.constant(null), fc.constant(undefined),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }),
  fc.uint8Array(), fc.int32Array(), fc.float64Array({ noNaN: true }).map((a) => a.map((n) => (Object.is(n, -0) ? 0 : n))),
  fc.bigInt64Array(),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
    fc.uniqueArray(fc.tuple(fc.oneof(key, fc.integer()), tie('value')), { maxLength: 4, selector: ([k]) => k }).map((e) => new Map(e)),
    fc.uniqueArray(fc.oneof(fc.integer(), key), { maxLength: 4 }).map((items) => new Set(items)),
  ),
})).value;

function refusal(value: unknown): string {
  try {
    codec.encode(value);
  } catch (error) {
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError).code).toBe('send/not-serializable');
    return (error as SendError).message;
  }
  return 'accepted';
}

describe('codec round trip', () => {
  it('round-trips nested plain data, Date, Map, Set, bigint and typed arrays', () => {
    fc.assert(fc.property(value, (v) => {
      expect(roundTrip(v)).toStrictEqual(v);
    }), { numRuns: 400 });
  });

  it('round-trips the same with records on, and either decoder reads the other encoder', () => {
    fc.assert(fc.property(fc.array(value, { maxLength: 8 }), (messages) => {
      const withRecords = recordsCodec.encodeBatch(messages);
      expect(codec.decodeBatch(withRecords)).toStrictEqual(messages);
      expect(recordsCodec.decodeBatch(codec.encodeBatch(messages))).toStrictEqual(messages);
      for (const m of messages) expect(codec.decode(recordsCodec.encode(m))).toStrictEqual(m);
    }), { numRuns: 200 });
  });

  it('makes a batch of same-shaped messages smaller with records', () => {
    const batch = Array.from({ length: 64 }, (_, i) => ({ seq: i, op: 'put', key: `k${i}` }));
    expect(recordsCodec.encodeBatch(batch).length).toBeLessThan(codec.encodeBatch(batch).length * 0.7);
  });

  it('keeps a Map a Map and an object an object, at any depth', () => {
    const v = { m: new Map<unknown, unknown>([[1, { inner: new Map([['k', [new Map()]]]) }], ['s', new Set([new Map([[2, 3]])])]]) };
    const out = roundTrip(v) as typeof v;
    expect(out).toStrictEqual(v);
    expect(out.m).toBeInstanceOf(Map);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('round-trips every typed array kind, ArrayBuffer, DataView, RegExp and Error', () => {
    const typed = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array]
      .map((T) => new T([1, 2, 3]));
    const out = roundTrip({ typed, big: new BigUint64Array([2n ** 64n - 1n]), ab: new Uint8Array([9, 8]).buffer, re: /a+b/giu }) as Record<string, unknown>;
    expect(out.typed).toStrictEqual(typed);
    expect(out.big).toStrictEqual(new BigUint64Array([2n ** 64n - 1n]));
    expect(new Uint8Array(out.ab as ArrayBuffer)).toStrictEqual(new Uint8Array([9, 8]));
    expect(out.re).toStrictEqual(/a+b/giu);
    const error = roundTrip(new RangeError('too far', { cause: { at: new Map([[1, 2]]) } })) as RangeError;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('too far');
    expect(error.cause).toStrictEqual({ at: new Map([[1, 2]]) });
    const view = roundTrip(new DataView(new Uint8Array([5, 6]).buffer)) as DataView;
    expect(view.getUint8(1)).toBe(6);
  });

  it('decodes a null-prototype object as a plain object with the same entries', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: [2] });
    expect(roundTrip(bare)).toStrictEqual({ a: 1, b: [2] });
  });

  it('round-trips addresses, secret included, through the resolver', () => {
    fc.assert(fc.property(addr, fc.array(addr, { maxLength: 3 }), (a, more) => {
      const out = roundTrip({ replyTo: a, more, byAddr: new Map([[1, a]]) }) as { replyTo: Addr; more: Addr[]; byAddr: Map<number, Addr> };
      expect(isAddr(out.replyTo)).toBe(true);
      expect(out.replyTo.equals(a)).toBe(true);
      expect(addrIdentity(out.replyTo)).toEqual(addrIdentity(a));
      expect(out.more.map((m) => addrIdentity(m))).toEqual(more.map((m) => addrIdentity(m)));
      expect(out.byAddr.get(1)!.equals(a)).toBe(true);
    }));
  });

  it('decodes addresses with the caller-supplied resolver', () => {
    const seen: AddrIdentity[] = [];
    const local = mintAddr({ node: 1, core: 0, slot: 5, generation: 1, secret: 77 }, {});
    const resolving = new Codec({ resolveAddr: (id) => (seen.push(id), local) });
    const out = resolving.decode(resolving.encode({ to: mintAddr({ node: 9, core: 2, slot: 3, generation: 4, secret: 2 ** 50 }, null) }));
    expect((out as { to: Addr }).to).toBe(local);
    expect(seen).toEqual([{ node: 9, core: 2, slot: 3, generation: 4, secret: 2 ** 50 }]);
  });

  it('round-trips batches, and a batch equals its messages one by one', () => {
    fc.assert(fc.property(fc.array(value, { maxLength: 20 }), (messages) => {
      const batch = codec.encodeBatch(messages);
      expect(codec.decodeBatch(batch)).toStrictEqual(messages);
      expect(messages.map((m) => codec.decode(codec.encode(m)))).toStrictEqual(messages);
    }), { numRuns: 100 });
  });

  it('decodes from shared memory and never aliases it', () => {
    const bytes = codec.encode({ payload: new Uint8Array([1, 2, 3]), text: 'a string long enough for the native extractor' });
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 10));
    shared.set(bytes, 10);
    const out = codec.decode(shared, 10, bytes.length) as { payload: Uint8Array; text: string };
    expect(out.text).toMatch(/native extractor/);
    shared.fill(0);
    expect(out.payload).toStrictEqual(new Uint8Array([1, 2, 3]));
    expect(out.payload.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('codec refusal', () => {
  class Point {
    constructor(readonly x: number) {}
    norm(): number {
      return Math.abs(this.x);
    }
  }
  const cycle: Record<string, unknown> = { a: { b: [] as unknown[] } };
  (cycle.a as { b: unknown[] }).b.push(cycle.a);
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = [deep];

  const cases: Array<[string, unknown, RegExp]> = [
    ['a function', { items: [1, 2, 3, { callback: () => 1 }] }, /^send\/not-serializable: message\.items\[3\]\.callback is a function$/],
    ['a symbol', { tag: Symbol('t') }, /message\.tag is a symbol \(Symbol\(t\)\)/],
    ['a class instance with methods', { at: [new Point(1)] }, /message\.at\[0\] is an instance of class Point/],
    ['a WeakMap', { cache: new WeakMap() }, /message\.cache is a WeakMap/],
    ['a WeakSet', new Map([['k', new WeakSet()]]), /message\.get\("k"\) is a WeakSet/],
    ['a Promise', { later: Promise.resolve(1) }, /message\.later is a Promise/],
    ['a circular structure', cycle, /message\.a\.b\[0\] is a circular reference to message\.a$/],
    ['a structure nested too deep', deep, /is nested deeper than 64 levels/],
    ['a SharedArrayBuffer', { mem: new SharedArrayBuffer(8) }, /message\.mem is a SharedArrayBuffer/],
    ['a function as a Map key', new Map([[() => 1, 'v']]), /message<key 0> is a function/],
    ['a function in a Set', { s: new Set([1, () => 2]) }, /message\.s<item 1> is a function/],
    ['a function in an Error cause', new Error('x', { cause: { retry() {} } }), /message\.cause\.retry is a function/],
    ['a top-level function', function handler() {}, /^send\/not-serializable: message is a function \(handler\)$/],
    ['a boxed primitive', { s: Object('str') }, /message\.s is an instance of class String/],
    ['an odd property name', { 'a b': [Symbol.iterator] }, /message\["a b"\]\[0\] is a symbol/],
    ['an own __proto__ key', { user: JSON.parse('{"__proto__": {"admin": true}}') }, /message\.user\.__proto__ is an own "__proto__" key/],
  ];
  for (const [name, v, message] of cases) {
    it(`refuses ${name}, naming where it is`, () => {
      expect(refusal(v)).toMatch(message);
    });
  }

  it('names the message in a batch', () => {
    expect(() => codec.encodeBatch([{ ok: 1 }, { ok: 2 }, { bad: () => 0 }])).toThrow(/messages\[2\]\.bad is a function/);
  });

  it('puts the path and problem in the error details', () => {
    try {
      codec.encode({ f: () => 0 });
      expect.unreachable();
    } catch (error) {
      expect((error as SendError).details).toEqual({ path: 'message.f', problem: 'is a function' });
    }
  });

  it('accepts a shared (not circular) object twice', () => {
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared })).toStrictEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it('honours a custom maxDepth', () => {
    expect(() => new Codec({ maxDepth: 2 }).encode({ a: { b: { c: 1 } } })).toThrow(/message\.a\.b is nested deeper than 2 levels/);
    expect(() => new Codec({ maxDepth: 0 })).toThrow(RangeError);
  });
});

describe('codec on untrusted bytes', () => {
  it('does not let a __proto__ key in a record reach a prototype', () => {
    // A hostile peer's bytes: our encoder refuses such keys, so forge them with msgpackr itself.
    const bytes = new Packr({ useRecords: true }).pack([1, 2, 3].map((n) => JSON.parse(`{"__proto__": {"polluted": ${n}}, "n": ${n}}`)));
    const out = codec.decodeBatch(bytes) as Array<Record<string, unknown>>;
    expect(out.map((o) => Object.getPrototypeOf(o))).toEqual([Object.prototype, Object.prototype, Object.prototype]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out[2]).toEqual({ __proto_: { polluted: 3 }, n: 3 });
  });

  it('does not let __proto__ reach a prototype', () => {
    // { "__proto__": { "polluted": 1 } } as raw msgpack
    const evil = new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x81, 0xa8, ...new TextEncoder().encode('polluted'), 0x01]);
    const out = codec.decode(evil) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out.polluted).toBeUndefined();
  });

  it('refuses structured-clone references from a peer', () => {
    // fixext4 'i' (id 1) then an empty array: the reference-id extension
    const bytes = new Uint8Array([0xd6, 0x69, 0, 0, 0, 1, 0x90]);
    expect(() => codec.decode(bytes)).toThrow(TransportError);
  });

  it('refuses truncated input, trailing bytes and empty ranges as codec/malformed', () => {
    const bytes = codec.encode({ a: 'hello', b: [1, 2, 3] });
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => codec.decode(bytes, 0, cut)).toThrow(expect.objectContaining({ code: 'codec/malformed' }));
    }
    const trailing = new Uint8Array([...bytes, 0xc0]);
    expect(() => codec.decode(trailing)).toThrow(expect.objectContaining({ code: 'codec/malformed' }));
    expect(() => codec.decode(bytes, 2, bytes.length)).toThrow(expect.objectContaining({ code: 'codec/malformed' }));
  });

  it('refuses malformed address and Map extensions', () => {
    const shortAddr = new Uint8Array([0xc7, 3, 0x41, 1, 2, 3]);
    expect(() => codec.decode(shortAddr)).toThrow(/an address takes 22 bytes/);
    const oddMap = new Uint8Array([0xd4, 0x4d, 0x00, 0x91, 0x01]);
    expect(() => codec.decode(oddMap)).toThrow(/key\/value array/);
  });

  it('survives nesting deep enough to overflow the stack', () => {
    const deep = new Uint8Array(200_000).fill(0x91);
    expect(() => codec.decode(deep)).toThrow(TransportError);
    expect(roundTrip({ still: 'works' })).toStrictEqual({ still: 'works' });
  });

  it('never throws anything but a TransportError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      try {
        codec.decode(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(TransportError);
      }
    }), { numRuns: 3000 });
  });
});

describe('codec: the runtime\'s signals (Down, ExitSignal, MonitorRef)', () => {
  const watched = mintAddr({ node: 3, core: 1, slot: 12, generation: 2, secret: 2 ** 40 + 5 }, null);
  const plainReason = fc.oneof(
    fc.constant(Exit.normal), fc.constant(Exit.killed), fc.constant(Exit.noproc), fc.constant(Exit.noconnection), fc.constant(Exit.shutdown()),
    value.map((d) => Exit.shutdown(d)),
    fc.tuple(value, fc.option(fc.dictionary(key, value, { maxKeys: 3, noNullPrototype: true }), { nil: undefined }))
      .filter(([e]) => e !== undefined && !(e instanceof Error))
      .map(([e, m]) => Exit.error(e, m)),
  );
  const sameReason = (out: ExitReason, expected: ExitReason): void => {
    expect(Object.isFrozen(out)).toBe(true);
    expect(out).toStrictEqual(expected.type === 'shutdown' && expected.detail === undefined ? Exit.shutdown() : expected);
  };

  it('round-trips a Down, an ExitSignal and a MonitorRef with any plain reason, records on and off', () => {
    fc.assert(fc.property(plainReason, fc.maxSafeNat(), addr, (reason, id, from) => {
      for (const c of [codec, recordsCodec]) {
        const [down, exit, ref] = c.decode(c.encode([new Down(new MonitorRef(id), from, reason), new ExitSignal(from, reason), new MonitorRef(id)])) as [Down, ExitSignal, MonitorRef];
        expect(down).toBeInstanceOf(Down);
        expect(down.ref).toBeInstanceOf(MonitorRef);
        expect(down.ref.id).toBe(id);
        expect(down.addr.equals(from)).toBe(true);
        sameReason(down.reason, reason);
        expect(exit).toBeInstanceOf(ExitSignal);
        expect(exit.from.equals(from)).toBe(true);
        sameReason(exit.reason, reason);
        expect(ref).toStrictEqual(new MonitorRef(id));
      }
    }), { numRuns: 200 });
  });

  it('one wire format: wireReason and readReason are a pair, directly and through the codec (the pair multi-core and the extensions share)', () => {
    fc.assert(fc.property(plainReason, (reason) => {
      const wire = wireReason(reason);
      sameReason(readReason(wire), reason);
      for (const c of [codec, recordsCodec]) sameReason(readReason(c.decode(c.encode(wire))), reason);
    }), { numRuns: 200 });
    const pd = readError(codec.decode(codec.encode(wireError(new TransportError('ring/closed', 'closed', { ring: 1 }))))) as TransportError;
    expect(pd).toBeInstanceOf(TransportError);
    expect(pd).toBeInstanceOf(PdError);
    expect(pd.code).toBe('ring/closed');
    expect(pd.details).toStrictEqual({ ring: 1 });
  });

  it('JavaScript\'s own error classes come back as themselves; other classes as an Error with their name', () => {
    const back = (error: Error): Error => readError(codec.decode(codec.encode(wireError(error)))) as Error;
    for (const Cls of [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      const error = back(new Cls('bad'));
      expect(error).toBeInstanceOf(Cls);
      expect([error.name, error.message]).toEqual([Cls.name, 'bad']);
    }
    class Custom extends Error {
      override name = 'Custom';
    }
    const custom = back(new Custom('mine'));
    expect(Object.getPrototypeOf(custom)).toBe(Error.prototype);
    expect([custom.name, custom.message]).toEqual(['Custom', 'mine']);
    // A name of Object.prototype is not a class.
    expect(Object.getPrototypeOf(readError([1, 'constructor', 'x', null]))).toBe(Error.prototype);
  });

  it('refuses a malformed wire reason with codec/malformed, never a crash', () => {
    for (const bad of [null, 7, [], [3], ['error'], ['error', [9]], ['error', [2, 'SendError', 5, 'x', null]], ['error', [1, 'E', 'm', null], 'meta'], ['what']]) {
      expect(() => readReason(bad)).toThrow(TransportError);
      try {
        readReason(bad);
      } catch (error) {
        expect((error as TransportError).code).toBe('codec/malformed');
      }
    }
  });

  it('keeps an error\'s name, message and stack, and a PdError\'s class and code', () => {
    const thrown = new TypeError('x is undefined');
    const out = roundTrip(new Down(new MonitorRef(7), watched, Exit.error(thrown, { step: 3 }))) as Down;
    const reason = out.reason as ErrorExit;
    expect(reason.type).toBe('error');
    expect(reason.error).toBeInstanceOf(Error);
    expect((reason.error as Error).name).toBe('TypeError');
    expect((reason.error as Error).message).toBe('x is undefined');
    expect((reason.error as Error).stack).toBe(thrown.stack);
    expect(reason.metadata).toStrictEqual({ step: 3 });
    const pd = roundTrip(new ExitSignal(watched, Exit.error(new RegistryError('registry/name-taken', 'taken', { name: 'a' })))) as ExitSignal;
    const error = (pd.reason as ErrorExit).error as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('registry/name-taken');
    expect(error.message).toBe(new RegistryError('registry/name-taken', 'taken').message);
    expect(error.details).toStrictEqual({ name: 'a' });
  });

  it('sends a thrown value that cannot be encoded as a description, never refusing the message', () => {
    class Weird { toString(): string { return 'weird thing'; } }
    const reasons = [
      Exit.error(new Weird(), { callback: () => 1, n: 1 }), Exit.error(() => 2), Exit.error(Symbol('s')),
      Exit.shutdown({ fn: () => 3 }),
    ];
    for (const reason of reasons) {
      const out = recordsCodec.decode(recordsCodec.encode({ forwarded: new ExitSignal(watched, reason) })) as { forwarded: ExitSignal };
      expect(out.forwarded.reason.type).toBe(reason.type);
    }
    const weird = (roundTrip(new Down(new MonitorRef(1), watched, reasons[0]!)) as Down).reason as ErrorExit;
    expect(weird.error).toBeInstanceOf(Error);
    expect((weird.error as Error).name).toBe('Weird');
    expect((weird.error as Error).message).toBe('Weird weird thing');
    expect(weird.metadata).toStrictEqual({ $unserializable: 'Object [object Object]' });
    expect(codec.encodeBatch([new Down(new MonitorRef(1), watched, reasons[1]!)], true)).toBeInstanceOf(Uint8Array);
  });

  it('refuses malformed signal extensions as codec/malformed', () => {
    const ext = (type: number, body: unknown): Uint8Array => {
      const inner = codec.encode(body);
      return new Uint8Array([0xc7, inner.length, type, ...inner]);
    };
    for (const bytes of [
      ext(0x52, -1), ext(0x52, 'x'), ext(0x44, [1, 2]), ext(0x44, [1, 'not an addr', ['normal']]), ext(0x58, [watched, ['bogus']]),
      ext(0x58, [watched, ['error', [9]]]), ext(0x58, [watched, 'normal']), ext(0x58, [watched, ['error', [0, 'e'], 5]]),
    ]) {
      expect(() => codec.decode(bytes)).toThrow(TransportError);
    }
  });
});

// Issue #17 (item 7): values that used to cross changed.
describe('codec: values that used to cross changed', () => {
  it('writes -0 as a standard float64 (read back as -0 by any msgpack decoder), alone, nested and in batches', () => {
    for (const records of [false, true]) {
      const c = new Codec({ records });
      expect([...c.encode(-0)]).toEqual([0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0]);
      expect(Object.is(new Packr().unpack(Buffer.from(c.encode(-0))), -0)).toBe(true);
      const back = c.decode(c.encode({ a: [0, -0], m: new Map([[1, -0]]) })) as { a: number[]; m: Map<number, number> };
      expect(Object.is(back.a[0], 0) && Object.is(back.a[1], -0) && Object.is(back.m.get(1), -0)).toBe(true);
      const batch = c.decodeBatch(c.encodeBatch([-0, { z: -0 }, 1]));
      expect(Object.is(batch[0], -0) && Object.is((batch[1] as { z: number }).z, -0)).toBe(true);
      expect(c.checkPlain({ z: -0 })).toBe(false); // a batch holding it is boxed, not packed as it is
    }
  });

  it('refuses symbol keys, named array properties and lone surrogates, naming where they are', () => {
    const cases: [unknown, RegExp][] = [
      [{ a: { [Symbol('t')]: 1 } }, /^send\/not-serializable: message\.a\[Symbol\(t\)\] is a symbol-keyed property/],
      [[Object.assign([1], { n: 2 })], /^send\/not-serializable: message\[0\]\.n is a named property of an array/],
      [new Map([['k', 'x\udfff']]), /^send\/not-serializable: message\.get\("k"\) is a string with a lone UTF-16 surrogate/],
      [{ ['\ud800']: 1 }, /^send\/not-serializable: message\["\\ud800"\] is a key with a lone UTF-16 surrogate/],
    ];
    for (const [value, message] of cases) expect(() => codec.check(value)).toThrow(message);
    // A non-enumerable symbol key is not data (as for structuredClone): accepted, left out.
    const hidden = Object.defineProperty({ a: 1 }, Symbol('h'), { value: 2, enumerable: false });
    expect(codec.decode(codec.encode(hidden))).toEqual({ a: 1 });
  });
});

describe('codec: encodeScratch (an encoding copied out at once)', () => {
  const scratchOf = (c: Codec, v: unknown): Uint8Array => {
    const s = c.encodeScratch(v);
    return s.bytes.slice(s.start, s.end);
  };

  it('holds the same bytes as encode, for every value and both codecs', () => {
    fc.assert(fc.property(value, (v) => {
      for (const c of [codec, recordsCodec]) {
        const bytes = scratchOf(c, v);
        expect([...bytes]).toEqual([...c.encode(v)]);
        expect(c.decode(bytes)).toEqual(c.decode(c.encode(v)));
      }
    }), { numRuns: 200 });
  });

  it('reuses its slab space: the next encoding is written where the last one was', () => {
    const c = new Codec();
    const first = c.encodeScratch({ n: 1, s: 'x'.repeat(40) });
    const { bytes, start } = first;
    const second = c.encodeScratch({ n: 2, s: 'y'.repeat(40) });
    expect(second.bytes).toBe(bytes);
    expect(second.start).toBe(start);
    expect(c.decode(second.bytes.slice(second.start, second.end))).toEqual({ n: 2, s: 'y'.repeat(40) });
  });

  it('never writes over what encode returned (its bytes stay valid)', () => {
    const c = new Codec();
    const kept = c.encode({ keep: 'k'.repeat(100) });
    const copy = kept.slice();
    for (let i = 0; i < 50; i++) c.encodeScratch({ i, filler: 'f'.repeat(i * 10) });
    const later = c.encode([1, 2, 3]);
    for (let i = 0; i < 50; i++) c.encodeScratch('s'.repeat(i));
    expect([...kept]).toEqual([...copy]);
    expect(c.decode(later)).toEqual([1, 2, 3]);
  });

  it('takes a value larger than the slab, and then small ones again', () => {
    const c = new Codec();
    const big = { blob: new Uint8Array(100_000).fill(7), text: 'z'.repeat(20_000) };
    expect(c.decode(scratchOf(c, big))).toEqual(big);
    expect(c.decode(scratchOf(c, 42))).toBe(42);
  });

  it('lets go of a buffer grown for a large message once a small one follows, and keeps it through a run of large ones', () => {
    const c = new Codec();
    const large = { text: 'z'.repeat(600_000) };
    const first = c.encodeScratch(large).bytes;
    expect(first.length).toBeGreaterThan(1 << 20);
    expect(c.encodeScratch(large).bytes).toBe(first);
    expect(c.encodeScratch({ small: 1 }).bytes).toBe(first);
    const after = c.encodeScratch({ small: 2 });
    expect(after.bytes.length).toBeLessThan(1 << 20);
    expect(c.decode(after.bytes.slice(after.start, after.end))).toEqual({ small: 2 });
  });

  it('keeps the buffer through a run of large messages the writer leaves to the general way', () => {
    const c = new Codec();
    // A Date after the text: the writer grows its buffer for the text, then declines.
    const large = { text: 'z'.repeat(600_000), at: new Date(0) };
    c.encodeScratch({ small: 0 });
    const grown = c.encodeScratch({ text: 'z'.repeat(600_000) }).bytes;
    for (let i = 0; i < 3; i++) {
      const s = c.encodeScratch(large);
      expect(c.decode(s.bytes.slice(s.start, s.end))).toEqual(large);
    }
    expect(c.encodeScratch({ text: 'z'.repeat(600_000) }).bytes).toBe(grown);
  });

  it('refuses what encode refuses, with the same error, and encodes again after it', () => {
    const c = new Codec();
    expect(() => c.encodeScratch({ f: () => 1 })).toThrow(SendError);
    expect(() => c.encodeScratch({ f: () => 1 })).toThrow(refusal({ f: () => 1 }));
    expect(c.decode(scratchOf(c, { ok: true }))).toEqual({ ok: true });
  });
});

describe('codec: decode with the DataView of its source', () => {
  const sample = { x: 1.5, y: 123_456_789, z: -(2 ** 40), s: 'text' };

  it('reads with the view lent (a frame source lends its chunk view)', () => {
    const bytes = new Uint8Array(codec.encode(sample));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(codec.decode(bytes, 0, bytes.length, view)).toEqual(sample);
  });

  it('ignores a view over other memory or another range, and decodes from the bytes themselves', () => {
    const encoded = codec.encode(sample);
    for (const make of [
      (b: Uint8Array) => new DataView(new ArrayBuffer(b.byteLength)),
      (b: Uint8Array) => new DataView(b.buffer, b.byteOffset + 1, b.byteLength - 1),
    ]) {
      const bytes = new Uint8Array(encoded);
      expect(codec.decode(bytes, 0, bytes.length, make(bytes))).toEqual(sample);
    }
  });
});

describe('codec: an encoding begun inside another', () => {
  // A getter that encodes (a send to another node does) while the outer message is encoded.
  const withGetter = (c: Codec, first: Record<string, unknown> = {}): Record<string, unknown> => Object.defineProperty({ ...first }, 'inner', {
    get: () => c.encode({ nested: true }).length, enumerable: true,
  });

  it('is refused with a clear error where msgpackr encodes the outer one (it has one output slab), and the codec goes on working', () => {
    const c = new Codec();
    // encode always goes through msgpackr; encodeScratch does for a message not of the
    // common kind (a Date, before the getter, sends it that way at once).
    for (const [encode, first] of [[(v: unknown) => c.encode(v), {}], [(v: unknown) => c.encodeScratch(v), { d: new Date(0) }]] as const) {
      expect(() => encode(withGetter(c, first))).toThrow(/encoded while another was being encoded/);
      expect(c.decode(c.encode({ after: 1 }))).toEqual({ after: 1 });
    }
  });

  it('is made where encodeScratch encodes the outer one in one walk: both are whole', () => {
    const c = new Codec();
    let inner: Uint8Array | null = null;
    const message = Object.defineProperty({ before: 'b' }, 'inner', {
      get: () => {
        inner = c.encode({ nested: true });
        return inner.length;
      },
      enumerable: true,
    });
    const s = c.encodeScratch(message);
    expect(c.decode(s.bytes.slice(s.start, s.end))).toEqual({ before: 'b', inner: inner!.length });
    expect(c.decode(inner!)).toEqual({ nested: true });
  });
});

describe('codec: a check begun inside another', () => {
  // A getter of a message that sends (to another node: the send checks its own message)
  // runs in the middle of the outer check; the outer check's findings must survive it.
  const c = new Codec();
  const innerChecks: boolean[] = [];
  // Everything the outer check must remember comes before the getter.
  const sendsWhileRead = (): Record<string, unknown> => ({
    negativeZero: -0,
    before: new Map([['k', 1]]),
    long: 'x'.repeat(2000),
    get sends(): number {
      innerChecks.push(c.checkPlain({ small: 1 }, 'message', 1 << 20));
      expect(c.lastBytes).toBeLessThan(100);
      return 1;
    },
  });

  it('keeps the outer check\'s Map and -0 findings (the value is not taken as plain)', () => {
    innerChecks.length = 0;
    expect(c.checkPlain(sendsWhileRead())).toBe(false);
    expect(innerChecks).toEqual([true]);
  });

  it('keeps the outer check\'s size bound, and the inner check\'s own bound is its own', () => {
    const message = sendsWhileRead();
    c.checkPlain(message, 'message', 1 << 20);
    const bound = c.lastBytes;
    expect(bound).toBeGreaterThanOrEqual(c.encode(message).length);
    const back = c.decode(c.encode(message)) as Record<string, unknown>;
    expect(back).toEqual({ negativeZero: -0, before: new Map([['k', 1]]), long: 'x'.repeat(2000), sends: 1 });
    expect(Object.is(back.negativeZero, -0)).toBe(true);
  });

  it('still refuses what the outer value holds after the inner check accepted its own', () => {
    const refused = { get sends(): number { c.check({ fine: true }); return 1; }, bad: () => 0 };
    expect(() => c.check(refused)).toThrow(/message\.bad is a function/);
  });

  it('starts clean after a getter that threw mid-check', () => {
    const throws = { m: new Map(), get boom(): never { throw new Error('boom'); } };
    expect(() => c.checkPlain(throws)).toThrow('boom');
    expect(c.checkPlain({ plain: 1 }, 'message', 1 << 20)).toBe(true);
    expect(c.lastBytes).toBeLessThan(100);
  });
});
