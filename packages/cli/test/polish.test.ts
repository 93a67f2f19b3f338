import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEngine } from '@pd/runtime';
import { closestName, resolveTarget } from '@pd/control';
import { main } from '../src/main.js';
import { terminalSize } from '../src/commands/top.js';

function sink(): Writable & { text: string } {
  const s = new Writable({ write(chunk, _enc, done) { s.text += String(chunk); done(); } }) as Writable & { text: string };
  s.text = '';
  return s;
}

async function pd(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { streams: { out: out as never, err: err as never }, env: {} });
  return { code, out: out.text, err: err.text };
}

describe('pd: typo suggestions', () => {
  it('suggests the command at the smallest edit distance, not only prefixes', async () => {
    const status = await pd(['stauts']);
    expect(status.code).toBe(2);
    expect(status.err).toContain('did you mean "status"?');
    expect((await pd(['inpsect'])).err).toContain('did you mean "inspect"?');
    expect((await pd(['frobnicate'])).err).not.toContain('did you mean');
  });

  it('`pd help <unknown>` is an error with a suggestion and a non-zero exit', async () => {
    const help = await pd(['help', 'tre']);
    expect(help.code).toBe(2);
    expect(help.err).toContain('unknown command "tre"; did you mean "tree"?');
    // Said once: `pd: unknown command …`, not `pd: pd help: unknown command …`.
    expect(help.err).not.toContain('pd help:');
    expect(help.out).toBe('');
    const known = await pd(['help', 'tree']);
    expect(known.code).toBe(0);
    expect(known.out).toContain('usage: pd tree');
  });

  it('the config validator and the CLI share one edit distance', () => {
    expect(closestName('stauts', ['status', 'stop'])).toBe('status');
    expect(closestName('STATUS', ['status'])).toBe('status');
    expect(closestName('xyzzy', ['status', 'stop'])).toBeNull();
  });
});

describe('pd top: terminal size', () => {
  it('a terminal reporting 0 columns or rows gets the fallback, not a blank frame', () => {
    expect(terminalSize({ columns: 0, rows: 0 }, 80, 24)).toEqual({ width: 80, rows: 24 });
    expect(terminalSize({}, 80, 24)).toEqual({ width: 80, rows: 24 });
    expect(terminalSize({ columns: 132, rows: 50 }, 80, 24)).toEqual({ width: 132, rows: 50 });
  });
});

describe('targets: a malformed address is called an address', () => {
  it('`<1.2.3>` is not "a registered name"', async () => {
    const engine = createEngine();
    try {
      expect(() => resolveTarget(engine, '<1.2.3>')).toThrow(/not a well-formed address: an address is four numbers/);
      expect(() => resolveTarget(engine, '1.2.3')).toThrow(/not a well-formed address/);
      expect(() => resolveTarget(engine, 'payments')).toThrow(/registered name "payments"/);
      expect(() => resolveTarget(engine, '<1.0.999.1>')).toThrow(/no live actor has the address/);
    } finally {
      await engine.shutdown();
    }
  });
});

describe('editDistance', () => {
  it('counts a swap of neighbours as one edit', async () => {
    const { editDistance } = await import('@pd/control');
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('stauts', 'start')).toBe(2);
    expect(editDistance('inpsect', 'inspect')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
