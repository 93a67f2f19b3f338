/**
 * Property (issue #17, item 7): a value `send` accepts for another core arrives unchanged —
 * deep-equal with Object.is for numbers (-0 stays -0) and string code units preserved — and
 * a value it refuses is refused at the call with `send/not-serializable` naming where it is
 * (a symbol-keyed property, a named property of an array, a lone UTF-16 surrogate, a
 * function...). Before the fix such values crossed changed: symbol keys and array extras
 * dropped, -0 as 0, a lone surrogate as replacement characters. The values go to an echo
 * on core 1 of simulated cores (the codec and frames of real rings) and come back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SendError } from '@pd/actor';
import { multiFixture, simulated } from './harness.js';

/** Deep equality that tells -0 from 0, compares strings by code units and keeps key order. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b);
  const pa: unknown = Object.getPrototypeOf(a);
  if (pa !== Object.getPrototypeOf(b) && !(isPlain(a) && isPlain(b))) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (ArrayBuffer.isView(a)) return a.constructor === (b as object).constructor && Buffer.compare(bytesOf(a), bytesOf(b as ArrayBufferView)) === 0;
  if (a instanceof Map) return same([...a], [...(b as Map<unknown, unknown>)]);
  if (a instanceof Set) return same([...a], [...(b as Set<unknown>)]);
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  const ka = Object.keys(a), kb = Object.keys(b as object);
  return same(ka, kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function isPlain(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v);
  return p === null || p === Object.prototype;
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Values of every kind that may or may not cross, including the ones that used to change. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' },
    fc.anything({ maxDepth: 3, stringUnit: 'binary', withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
    fc.constantFrom(-0, 0, '\ud800', 'a\udc00b', '\ud83d\ude00', () => 1, Symbol('s')),
    tie('symbolKeyed'), tie('namedArray'), tie('loneKey')),
  symbolKeyed: fc.tuple(tie('any'), fc.boolean()).map(([v, enumerable]) => {
    const o: Record<PropertyKey, unknown> = { v };
    Object.defineProperty(o, Symbol('k'), { value: 1, enumerable });
    return o;
  }),
  namedArray: fc.tuple(fc.array(tie('any'), { maxLength: 3 }), tie('any')).map(([items, note]) => Object.assign([...items], { note })),
  loneKey: tie('any').map((v) => ({ ['\udbff' + 'k']: v })),
})).any;

describe('values crossing a core [sim cores]', () => {
  const fixture = multiFixture(simulated(17));

  it('arrive unchanged (Object.is for numbers, string code units kept), or are refused at send naming their path', async () => {
    const h = await fixture.make({ cores: 2 });
    const { engine } = h;
    const echo = engine.spawn('echo', { placement: { core: 1 } });
    let accepted = 0, refused = 0;
    await fc.assert(fc.asyncProperty(value, async (v) => {
      let reply: Promise<unknown>;
      try {
        reply = engine.ask(echo, v);
      } catch (error) {
        refused++;
        expect(error).toBeInstanceOf(SendError);
        expect(error).toMatchObject({ code: 'send/not-serializable', details: { path: expect.stringMatching(/^message/) } });
        return;
      }
      accepted++;
      const back = await reply;
      // fc.stringify, not String: a value like `{ toString: new Map() }` makes String throw.
      expect(same(back, v), `sent ${fc.stringify(v)}, got ${fc.stringify(back)}`).toBe(true);
    }), { numRuns: 300 });
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
  });

  it('plain sends (batched: the common kind encoded as sent, the rest at flush) arrive unchanged and in order, or are refused at send', async () => {
    const h = await fixture.make({ cores: 2 });
    const { engine } = h;
    await fc.assert(fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 20 }), async (values) => {
      const log = engine.spawn('log', { placement: { core: 1 } });
      const accepted: unknown[] = [];
      for (const v of values) {
        try {
          engine.send(log, v);
          accepted.push(v);
        } catch (error) {
          expect(error).toMatchObject({ code: 'send/not-serializable', details: { path: expect.stringMatching(/^message/) } });
        }
      }
      const got = await engine.ask<unknown, unknown[]>(log, 'dump');
      engine.stop(log);
      expect(got.length).toBe(accepted.length);
      for (let i = 0; i < accepted.length; i++) expect(same(got[i], accepted[i]), `sent ${fc.stringify(accepted[i])}, got ${fc.stringify(got[i])}`).toBe(true);
    }), { numRuns: 150 });
  });

  it('a message whose getter sends to the same core: both arrive, the message first, and the batch after them is whole', async () => {
    const h = await fixture.make({ cores: 2 });
    const { engine } = h;
    const log = engine.spawn('log', { placement: { core: 1 } });
    engine.send(log, { n: 0 });
    engine.send(log, { get n(): number {
      engine.send(log, { inner: true });
      engine.send(log, ['inner', 2]);
      return 1;
    } });
    engine.send(log, { n: 2 });
    expect(await engine.ask(log, 'dump')).toEqual([{ n: 0 }, { n: 1 }, { inner: true }, ['inner', 2], { n: 2 }]);
  });

  it('a message that throws while it is read (a revoked proxy, a throwing getter): send throws it, and nothing of it crosses', async () => {
    const h = await fixture.make({ cores: 2 });
    const { engine } = h;
    const log = engine.spawn('log', { placement: { core: 1 } });
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    const throwing = [proxy, { nested: proxy }, [1, proxy], { ok: 1, get boom(): never { throw new Error('boom'); } }, new Map([[1, { get boom(): never { throw new Error('boom in a map'); } }]])];
    let n = 0;
    for (const message of throwing) {
      engine.send(log, { n: n++ });
      expect(() => engine.send(log, message)).toThrow(/revoked|boom/);
    }
    // A proxy of plain data is data: it crosses as its traps answer.
    engine.send(log, new Proxy({ p: 1 }, {}));
    engine.send(log, { n: n++ });
    expect(await engine.ask(log, 'dump')).toEqual([...Array.from({ length: throwing.length }, (_, i) => ({ n: i })), { p: 1 }, { n: throwing.length }]);
  });

  it('the cases that used to change: -0 arrives as -0; symbol keys, array extras and lone surrogates are refused, named', async () => {
    const h = await fixture.make({ cores: 2 });
    const { engine } = h;
    const echo = engine.spawn('echo', { placement: { core: 1 } });
    const back = await engine.ask<unknown, { z: number; list: number[]; m: Map<number, number> }>(echo, { z: -0, list: [0, -0], m: new Map([[-0, -0]]) });
    expect(Object.is(back.z, -0)).toBe(true);
    expect(Object.is(back.list[1], -0) && Object.is(back.list[0], 0)).toBe(true);
    expect(Object.is([...back.m][0]![1], -0)).toBe(true);
    expect(Object.is(await engine.ask(echo, -0), -0)).toBe(true);
    expect(await engine.ask(echo, '\ud83d\ude00')).toBe('\ud83d\ude00');
    expect(() => engine.send(echo, { a: { [Symbol('tag')]: 1 } })).toThrow(/message\.a\[Symbol\(tag\)\] is a symbol-keyed property/);
    expect(() => engine.send(echo, { list: Object.assign([1, 2], { total: 3 }) })).toThrow(/message\.list\.total is a named property of an array/);
    expect(() => engine.send(echo, { s: 'ab\ud800' })).toThrow(/message\.s is a string with a lone UTF-16 surrogate/);
    expect(() => engine.send(echo, { ['k\udc00']: 1 })).toThrow(/message\["k\\udc00"\] is a key with a lone UTF-16 surrogate/);
  });
});
