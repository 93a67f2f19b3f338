import { describe, expect, it } from 'vitest';
import { Exit, PdError } from '@pd/actor';
import { createEngine } from '@pd/runtime';
import { WIRE_LIMITS, exitToWire, toWire } from '@pd/control';

describe('toWire', () => {
  it('prints addresses without their secret and keeps plain JSON as it is', async () => {
    const engine = createEngine();
    const addr = engine.spawn({ receive() {} });
    expect(toWire({ a: [1, 'x', true, null], to: addr })).toEqual({ a: [1, 'x', true, null], to: addr.toString() });
    await engine.shutdown();
  });

  it('gives errors, dates, maps, sets, bigints and bytes plain shapes', () => {
    expect(toWire(new PdError('arg/invalid', 'bad'))).toEqual({ name: 'PdError', message: 'arg/invalid: bad', code: 'arg/invalid', stack: expect.stringMatching(/^PdError: arg\/invalid: bad\n/) });
    expect(toWire(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(toWire(new Map([['k', 1]]))).toEqual({ $map: [['k', 1]] });
    expect(toWire(new Set([1, 2]))).toEqual([1, 2]);
    expect(toWire(10n)).toBe('10n');
    expect(toWire(new Uint8Array([1, 255]))).toEqual({ $bytes: 2, head: '01ff' });
    expect(toWire({ f() {}, u: undefined, n: NaN })).toEqual({ f: '[function f]', u: null, n: 'NaN' });
  });

  it('is bounded: cycles, depth, long arrays and strings', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(toWire(cycle)).toEqual({ self: '[cycle]' });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 50; i++) deep = [deep];
    expect(JSON.stringify(toWire(deep))).toContain('[too deep]');
    const long = toWire(Array.from({ length: WIRE_LIMITS.arrayItems + 5 }, (_, i) => i)) as unknown[];
    expect(long).toHaveLength(WIRE_LIMITS.arrayItems + 1);
    expect(long.at(-1)).toBe('…5 more');
    expect((toWire('x'.repeat(WIRE_LIMITS.stringChars + 1)) as string).endsWith(`(${WIRE_LIMITS.stringChars + 1} chars)`)).toBe(true);
  });

  it('adds a text to exit reasons', () => {
    expect(exitToWire(Exit.error(new TypeError('boom')))).toEqual({ type: 'error', error: { name: 'TypeError', message: 'boom', stack: expect.stringMatching(/^TypeError: boom\n/) }, text: 'error: TypeError: boom' });
    expect(exitToWire(Exit.shutdown('why'))).toEqual({ type: 'shutdown', detail: 'why', text: 'shutdown: why' });
  });
});
