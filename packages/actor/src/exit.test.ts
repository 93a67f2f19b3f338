import { describe, expect, it } from 'vitest';
import { ArgumentError, ErrorCodes, PdError, SendError } from './errors.js';
import { Exit, describeExit, isCleanExit } from './exit.js';

describe('exit reasons', () => {
  it('detail-free reasons are shared frozen values', () => {
    expect(Exit.normal).toBe(Exit.normal);
    expect(Object.isFrozen(Exit.killed)).toBe(true);
    expect(Exit.shutdown()).toBe(Exit.shutdown());
    expect(Exit.shutdown('why')).toEqual({ type: 'shutdown', detail: 'why' });
    expect(Object.isFrozen(Exit.error(new Error('x'), { phase: 'receive' }).metadata)).toBe(true);
  });

  it('normal and shutdown are clean; killed, error, noproc are not', () => {
    expect(isCleanExit(Exit.normal)).toBe(true);
    expect(isCleanExit(Exit.shutdown({ any: 'detail' }))).toBe(true);
    expect(isCleanExit(Exit.killed)).toBe(false);
    expect(isCleanExit(Exit.error('x'))).toBe(false);
    expect(isCleanExit(Exit.noproc)).toBe(false);
  });

  it('describes a reason in one line', () => {
    expect(describeExit(Exit.error(new TypeError('x is undefined')))).toBe('error: TypeError: x is undefined');
    expect(describeExit(Exit.error({ code: 7 }))).toBe('error: {"code":7}');
    expect(describeExit(Exit.shutdown('maintenance'))).toBe('shutdown: maintenance');
    expect(describeExit(Exit.shutdown())).toBe('shutdown');
    expect(describeExit(Exit.killed)).toBe('killed');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeExit(Exit.error(cyclic))).toBe('error: [object Object]');
  });
});

describe('errors', () => {
  it('carry their code, a message prefixed with it, and their class name', () => {
    const e = new SendError('send/not-an-address', 'send: got a string', { got: 'x' });
    expect(e).toBeInstanceOf(PdError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SendError');
    expect(e.code).toBe('send/not-an-address');
    expect(e.message).toBe('send/not-an-address: send: got a string');
    expect(e.details).toEqual({ got: 'x' });
    expect(new ArgumentError('budget must be positive').code).toBe('arg/invalid');
  });

  it('every code is documented', () => {
    for (const [code, text] of Object.entries(ErrorCodes)) {
      expect(code).toMatch(/^[a-z]+\/[a-z-]+$/);
      expect(text.length).toBeGreaterThan(5);
    }
  });
});
