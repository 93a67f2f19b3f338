// tools/stress-test.mjs: its command line and the failure names it reads from a run's output.
import { describe, expect, it } from 'vitest';
import { parseArgs, parseFailures, parseTestCounts } from '../stress-test.mjs';

describe('stress-test arguments', () => {
  it('defaults to 3 runs of npm test beside 2 busy workers per core', () => {
    expect(parseArgs([], 2)).toEqual({ runs: 3, busy: 4, command: ['npm', 'test'], help: false });
  });

  it('takes --runs, --busy (also with =) and a command after --', () => {
    expect(parseArgs(['--runs', '5', '--busy=0', '--', 'npx', 'vitest', 'run', '--runs', 'x'], 2)).toEqual({
      runs: 5, busy: 0, command: ['npx', 'vitest', 'run', '--runs', 'x'], help: false,
    });
  });

  it('refuses what it cannot use, naming it', () => {
    expect(() => parseArgs(['--runs', '0'], 2)).toThrow('--runs must be a whole number ≥ 1, not "0"');
    expect(() => parseArgs(['--busy', '-1'], 2)).toThrow('--busy must be a whole number ≥ 0, not "-1"');
    expect(() => parseArgs(['--busy', '2.5'], 2)).toThrow('"2.5"');
    expect(() => parseArgs(['--runs'], 2)).toThrow('--runs needs a number');
    expect(() => parseArgs(['--fast'], 2)).toThrow('unknown argument "--fast"');
    expect(() => parseArgs(['--'], 2)).toThrow('nothing after "--"');
  });
});

describe('stress-test output parsing', () => {
  it('names each failed test once, and failed turbo tasks', () => {
    const output = [
      '\u001b[41m\u001b[1m FAIL \u001b[22m\u001b[49m packages/runtime/test/lifecycle.test.ts\u001b[2m > \u001b[22mlifecycle > kill interrupts',
      ' FAIL  packages/runtime/test/lifecycle.test.ts > lifecycle > kill interrupts',
      ' FAIL  docs/examples/examples.test.ts > examples run > scheduling-timers [ docs/examples/examples.test.ts ]',
      '@pd/runtime#lint: command (/work/packages/runtime) /usr/bin/pnpm run lint exited (1)',
      ' ✓ packages/runtime/test/ask.test.ts (20 tests) 120ms',
      '      Tests  2 failed | 2306 passed (2308)',
    ].join('\n');
    expect(parseFailures(output)).toEqual([
      'packages/runtime/test/lifecycle.test.ts > lifecycle > kill interrupts',
      'docs/examples/examples.test.ts > examples run > scheduling-timers',
      '@pd/runtime#lint (exit 1)',
    ]);
    expect(parseTestCounts(output)).toBe('Tests 2 failed | 2306 passed (2308)');
    expect(parseTestCounts('no summary')).toBeNull();
  });
});
