// The kernel sits under its extensions (docs/architecture.md): files in
// packages/runtime/src/kernel/ may not import multi/, supervision/, sim/ or the mode
// dispatch (create.ts), type-only imports included. ESLint enforces it; this proves the
// rule fires, and that the kernel keeps the reactor rule too.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function lint(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const KERNEL_FILE = 'packages/runtime/src/kernel/some-mechanism.ts';

describe('kernel boundary lint rule', () => {
  const forbidden: [string, string][] = [
    ['multi/ (value)', "import { startMultiCore } from '../multi/start.js'; export const f = startMultiCore;"],
    ['multi/ (type only)', "import type { CoreRouter } from '../multi/core-router.js'; export type R = CoreRouter;"],
    ['supervision/', "import { SupervisorError } from '../supervision/errors.js'; export const e = SupervisorError;"],
    ['sim/', "import type { SimWorld } from '../sim/world.js'; export type W = SimWorld;"],
    ['sim/ index', "export * from '../sim/index.js';"],
    ['create.ts', "import { createEngine } from '../create.js'; export const c = createEngine;"],
    ['create.ts (re-export)', "export { createEngine } from '../create.js';"],
  ];
  for (const [name, code] of forbidden) {
    it(`refuses ${name} in a kernel file`, async () => {
      const messages = await lint(code, KERNEL_FILE);
      expect(messages.some((m) => m.includes('the kernel must not import'))).toBe(true);
    });
  }

  it('allows the kernel its own files, the seams and the reactor', async () => {
    const code = [
      "import type { Reactor } from '../reactor.js';",
      "import type { RemoteRouter } from '../remote.js';",
      "import { Mailbox } from './mailbox.js';",
      "import { deriveStream } from '../random.js';",
      'export type X = [Reactor, RemoteRouter, Mailbox, typeof deriveStream];',
    ].join('\n');
    expect(await lint(code, KERNEL_FILE)).toEqual([]);
  });

  it('keeps the reactor rule in kernel files', async () => {
    const messages = await lint("import { setTimeout as st } from 'node:timers'; st(() => {}, 1);", KERNEL_FILE);
    expect(messages.some((m) => m.includes('invariant 1'))).toBe(true);
  });

  it('does not bind the extensions: multi/ may import the kernel and create.ts', async () => {
    const code = "import { Engine } from '../kernel/engine.js'; import { createEngine } from '../create.js'; export const x = [Engine, createEngine];";
    expect(await lint(code, 'packages/runtime/src/multi/some-helper.ts')).toEqual([]);
  });
});
