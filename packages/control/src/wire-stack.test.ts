// A crash's stack reaches `pd dead` and `pd events`: errors on the wire keep it (bounded).
import { describe, expect, it } from 'vitest';
import { Exit } from '@pd/actor';
import { WIRE_LIMITS, eventToWire, exitToWire, toWire } from '@pd/control';

describe('errors on the wire carry their stack', () => {
  it('in exit reasons and in crashed events', () => {
    const error = new RangeError('out of range');
    const reason = exitToWire(Exit.error(error)) as { error: { name: string; message: string; stack: string } };
    expect(reason.error).toEqual({ name: 'RangeError', message: 'out of range', stack: error.stack });
    const event = eventToWire({ type: 'crashed', at: 1, addr: null as never, path: '/user/a', kind: 'k', phase: 'receive', error }) as { error: { stack: string } };
    expect(event.error.stack).toMatch(/^RangeError: out of range\n\s+at /);
  });

  it('a huge stack is cut at WIRE_LIMITS.stackChars', () => {
    const error = new Error('deep');
    error.stack = `Error: deep\n${'    at f (x.js:1:1)\n'.repeat(5000)}`;
    const wire = toWire(error) as { stack: string };
    expect(wire.stack.length).toBe(WIRE_LIMITS.stackChars + 1);
    expect(wire.stack.endsWith('…')).toBe(true);
  });
});
