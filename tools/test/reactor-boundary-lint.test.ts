// Invariant 1 is enforced by ESLint: runtime, transport and federation code may not touch
// real time, randomness or scheduling outside reactor files. This proves the rule fires.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function lint(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.message.includes('invariant 1')).map((m) => m.ruleId ?? '');
}

describe('reactor boundary lint rule', () => {
  const forbidden: [string, string][] = [
    ['Date.now', 'export const t = Date.now();'],
    ['new Date()', 'export const t = new Date();'],
    ['performance.now', 'export const t = performance.now();'],
    ['Math.random', 'export const r = Math.random();'],
    ['setTimeout', 'setTimeout(() => {}, 1);'],
    ['setInterval', 'setInterval(() => {}, 1);'],
    ['setImmediate', 'setImmediate(() => {});'],
    ['queueMicrotask', 'queueMicrotask(() => {});'],
    ['process.hrtime', 'export const t = process.hrtime.bigint();'],
    ['crypto.randomBytes', "import { randomBytes } from 'node:crypto'; export const b = randomBytes(4);"],
    ['node:timers', "import { setTimeout as st } from 'node:timers'; st(() => {}, 1);"],
  ];
  for (const [name, code] of forbidden) {
    it(`refuses ${name} in runtime code`, async () => {
      expect(await lint(code, 'packages/runtime/src/some-mechanism.ts')).not.toEqual([]);
      expect(await lint(code, 'packages/transport/src/some-codec.ts')).not.toEqual([]);
    });
  }

  it('allows them in reactor implementations and outside the runtime packages', async () => {
    const code = 'export const t = Date.now() + Math.random(); setTimeout(() => {}, 1);';
    expect(await lint(code, 'packages/runtime/src/node-reactor.ts')).toEqual([]);
    expect(await lint(code, 'apps/bench/src/harness.ts')).toEqual([]);
  });

  it('allows new Date(value), which reads no clock', async () => {
    expect(await lint('export const d = new Date(0);', 'packages/runtime/src/some-mechanism.ts')).toEqual([]);
  });
});
