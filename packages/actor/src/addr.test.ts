import { describe, expect, it } from 'vitest';
import { Addr, isAddr } from './addr.js';
import { addrIdentity, addrTarget, mintAddr } from './internal.js';

const id = { node: 7, core: 1, slot: 42, generation: 3, secret: 0xdeadbeef };

describe('Addr', () => {
  it('cannot be constructed by hand', () => {
    expect(() => new (Addr as any)(Symbol('fake'), id, null)).toThrow(/minted by the runtime/);
  });

  it('is recognised by a brand check, not by its shape or prototype', () => {
    const real = mintAddr(id, null);
    expect(isAddr(real)).toBe(true);
    expect(isAddr({ ...id, key: '7.1.42.3' })).toBe(false);
    expect(isAddr(Object.create(Addr.prototype))).toBe(false);
    expect(isAddr(null)).toBe(false);
    expect(isAddr('<7.1.42.3>')).toBe(false);
  });

  it('compares by identity and secret', () => {
    const a = mintAddr(id, null);
    expect(a.equals(mintAddr({ ...id }, null))).toBe(true);
    expect(a.equals(mintAddr({ ...id, generation: 4 }, null))).toBe(false);
    expect(a.equals(mintAddr({ ...id, secret: 1 }, null))).toBe(false);
    expect(a.equals(null)).toBe(false);
    expect(a.equals({ ...id } as unknown as Addr)).toBe(false);
  });

  it('prints and serialises without its secret', () => {
    const a = mintAddr(id, null);
    expect(String(a)).toBe('<7.1.42.3>');
    expect(a.key).toBe('7.1.42.3');
    expect(JSON.stringify({ a })).toBe('{"a":"<7.1.42.3>"}');
    expect(Object.values(a)).not.toContain(id.secret);
    expect(JSON.stringify(a)).not.toContain(String(id.secret));
  });

  it('gives the runtime its identity and target through the internal entry point', () => {
    const target = {};
    const a = mintAddr(id, target);
    expect(addrIdentity(a)).toEqual(id);
    expect(addrTarget(a)).toBe(target);
  });
});
