import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../src/main.js';

describe('demo: command line', () => {
  it('--help prints the usage and exits 0; unknown options exit 2', () => {
    expect(parseDemoArgs(['--help'])).toMatchObject({ exit: 0, message: expect.stringContaining('--duration SECONDS') });
    expect(parseDemoArgs(['-h'])).toMatchObject({ exit: 0 });
    expect(parseDemoArgs(['--durration', '3'])).toMatchObject({ exit: 2, message: expect.stringContaining('--durration') });
    expect(parseDemoArgs(['--duration', '0'])).toMatchObject({ exit: 2 });
    expect(parseDemoArgs(['--duration', '2'])).toEqual({ options: { durationMs: 2000 } });
    expect(parseDemoArgs([])).toEqual({ options: {} });
  });
});
