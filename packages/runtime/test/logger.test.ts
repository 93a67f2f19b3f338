// The pluggable engine logger: each crash is reported once with path, kind, reason and
// stack; a throwing logger never disturbs the engine; the process default is stderr.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Actor, defineKind } from '@pd/actor';
import { type CrashReport, createEngine, defaultLogger, formatCrash, setDefaultLogger, silentLogger, stderrCrashLogger } from '@pd/runtime';

class Fragile extends Actor<string> {
  receive(msg: string): void {
    if (msg === 'boom') throw new TypeError('fragile broke');
  }
}
const fragile = defineKind<string, void>('fragile', Fragile);

describe('engine logger', () => {
  it('reports a crash once, with path, kind, phase, reason and stack', async () => {
    const reports: CrashReport[] = [];
    const engine = createEngine({ kinds: [fragile], logger: { crash: (r) => reports.push(r) } });
    const a = engine.spawn(fragile, { name: 'f' });
    engine.send(a, 'fine');
    engine.send(a, 'boom');
    await engine.idle();
    expect(reports).toHaveLength(1);
    const [r] = reports;
    expect(r).toMatchObject({ engine: 'engine', path: '/user/f', kind: 'fragile', phase: 'receive', reason: 'TypeError: fragile broke' });
    expect(r!.stack).toMatch(/^TypeError: fragile broke\n\s+at Fragile\.receive/);
    expect(r!.error).toBeInstanceOf(TypeError);
    expect(typeof r!.at).toBe('number');
    await engine.shutdown();
  });

  it('a thrown non-Error is reported without a stack', async () => {
    const reports: CrashReport[] = [];
    const engine = createEngine({ logger: { crash: (r) => reports.push(r) } });
    const a = engine.spawn({ receive() { throw { code: 42 }; } }, { name: 'odd' });
    engine.send(a, 'x');
    await engine.idle();
    expect(reports.map((r) => [r.reason, r.stack])).toEqual([['{"code":42}', null]]);
    await engine.shutdown();
  });

  it('a logger that throws does not disturb the engine', async () => {
    const engine = createEngine({ kinds: [fragile], logger: { crash: () => { throw new Error('logger broke'); } } });
    const a = engine.spawn(fragile, { name: 'f' });
    engine.send(a, 'boom');
    await engine.idle();
    expect(engine.stats().crashed).toBe(1);
    const b = engine.spawn(fragile, { name: 'g' });
    expect(engine.send(b, 'fine')).toBe('queued');
    await engine.shutdown();
  });

  it('the stderr logger writes a header line and the indented stack', async () => {
    let text = '';
    const engine = createEngine({ id: 'e1', kinds: [fragile], logger: stderrCrashLogger((t) => (text += t)) });
    const a = engine.spawn(fragile, { name: 'f' });
    engine.send(a, 'boom');
    await engine.idle();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('pd: actor /user/f (kind fragile) crashed in receive on engine e1: TypeError: fragile broke');
    expect(lines[1]).toBe('    TypeError: fragile broke');
    expect(lines[2]).toMatch(/^ {4}at Fragile\.receive/);
    await engine.shutdown();
  });

  it('the default can be changed for engines created afterwards (tests run silent)', () => {
    const before = defaultLogger();
    expect(before).toBe(silentLogger); // tools/vitest-setup.ts
    const mine = { crash: () => {} };
    setDefaultLogger(mine);
    try {
      expect(createEngine().logger).toBe(mine);
    } finally {
      setDefaultLogger(before);
    }
    expect(formatCrash({ at: 0, engine: 'e', path: '/user/x', kind: 'k', phase: 'receive', reason: 'boom', stack: null, error: 'boom' })).toBe('pd: actor /user/x (kind k) crashed in receive on engine e: boom\n');
  });

  it('an embedded engine, by default, prints each crash once on stderr and nothing else', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = [
      "import { createEngine } from '@pd/runtime';",
      'const engine = createEngine({ id: "embedded" });',
      "const a = engine.spawn({ receive(m) { if (m === 'boom') throw new Error('embedded crash'); } }, { name: 'w' });",
      "engine.send(a, 'ok'); engine.send(a, 'boom');",
      'await engine.idle(); await engine.shutdown();',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', './tools/ts-register.mjs', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    const headers = run.stderr.split('\n').filter((l) => l.startsWith('pd: '));
    expect(headers).toEqual(['pd: actor /user/w (kind (inline)) crashed in receive on engine embedded: Error: embedded crash']);
    expect(run.stderr).toContain('    Error: embedded crash\n    at ');
  }, 90_000);
});
