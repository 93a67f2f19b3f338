import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import {
  NAME_MAX_LENGTH, PATH_MAX_LENGTH, PATH_MAX_SEGMENTS, childPath, describeType, isUnderPath, nameProblem, pathProblem, pathSegments, validateName, validatePath,
} from './path.js';

describe('names', () => {
  it('accepts letters, digits and _ - . : @ +', () => {
    for (const ok of ['a', 'A9', 'orders', 'svc.payment', 'user@host', 'a-b_c:d+e', '_hidden', '9lives']) expect(nameProblem(ok)).toBeNull();
  });

  it('says what is wrong with a bad name', () => {
    expect(nameProblem('')).toMatch(/empty/);
    expect(nameProblem('a b')).toMatch(/"a b".*letters, digits/);
    expect(nameProblem('$gen')).toMatch(/"\$gen"/);
    expect(nameProblem('-lead')).toMatch(/may not start with a symbol/);
    expect(nameProblem('x'.repeat(NAME_MAX_LENGTH + 1))).toMatch(new RegExp(`${NAME_MAX_LENGTH + 1} characters`));
    expect(nameProblem('x'.repeat(NAME_MAX_LENGTH))).toBeNull();
    expect(nameProblem(5)).toMatch(/got number/);
  });

  it('validateName throws a RegistryError registry/invalid-name naming the name', () => {
    expect(validateName('fine')).toBe('fine');
    try {
      validateName('not fine', 'actor name');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegistryError);
      expect((e as RegistryError).code).toBe('registry/invalid-name');
      expect((e as RegistryError).message).toMatch(/invalid actor name: "not fine"/);
    }
  });
});

describe('paths', () => {
  it('accepts absolute paths of valid segments, generated $ segments included', () => {
    for (const ok of ['/', '/a', '/svc/payment/processor', '/user/$12/worker']) expect(pathProblem(ok)).toBeNull();
  });

  it('says what is wrong with a bad path', () => {
    expect(pathProblem('relative')).toMatch(/must start with "\/"/);
    expect(pathProblem('/a//b')).toMatch(/empty segment/);
    expect(pathProblem('/a/')).toMatch(/empty segment/);
    expect(pathProblem('/a/b c')).toMatch(/segment "b c"/);
    expect(pathProblem(`/${Array(PATH_MAX_SEGMENTS + 1).fill('s').join('/')}`)).toMatch(/segments/);
    expect(pathProblem(`/${'x'.repeat(PATH_MAX_LENGTH)}`)).toMatch(/characters long/);
    expect(pathProblem(null)).toMatch(/got null/);
    expect(() => validatePath('nope')).toThrow(RegistryError);
  });

  it('splits, joins and compares prefixes on segment boundaries', () => {
    expect(pathSegments('/')).toEqual([]);
    expect(pathSegments('/a/b')).toEqual(['a', 'b']);
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
    expect(isUnderPath('/a/b', '/a')).toBe(true);
    expect(isUnderPath('/a', '/a')).toBe(true);
    expect(isUnderPath('/ab', '/a')).toBe(false);
    expect(isUnderPath('/anything', '/')).toBe(true);
  });

  it('describes values by type for error messages', () => {
    expect(describeType(null)).toBe('null');
    expect(describeType([])).toBe('an array');
    expect(describeType(new Map())).toBe('an object (Map)');
    expect(describeType(Object.create(null))).toBe('an object (no prototype)');
    expect(describeType(1n)).toBe('bigint');
  });
});
