// ARCHITECTURE.md / KERNEL.md: @pd/runtime has a one-way import graph. The only circle
// allowed is the simulator's world/network/reactor triangle (type-only parent pointers),
// kept on purpose. Type-only imports count. This runs tools/import-cycles.mjs in CI.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { findCycles, unexpectedCycles } from '../import-cycles.mjs';

const RUNTIME_SRC = new URL('../../packages/runtime/src', import.meta.url).pathname;
const SIM_TRIANGLE = ['sim/network.ts', 'sim/sim-reactor.ts', 'sim/world.ts'];
const FEDERATION_SRC = new URL('../../packages/federation/src', import.meta.url).pathname;

describe('import cycles of @pd/runtime', () => {
  it('has no circle but the sim triangle, and the kernel none at all', () => {
    const { circles } = findCycles(RUNTIME_SRC) as { circles: string[][] };
    expect(unexpectedCycles(circles, [SIM_TRIANGLE])).toEqual([]);
    expect(circles.flat().filter((f) => f.startsWith('kernel/'))).toEqual([]);
  });

  it('@pd/federation has no circle at all', () => {
    const { circles } = findCycles(FEDERATION_SRC) as { circles: string[][] };
    expect(circles).toEqual([]);
  });

  it('sees a circle made only of type imports (the check is not blind)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-cycles-'));
    mkdirSync(join(dir, 'kernel'));
    writeFileSync(join(dir, 'kernel', 'a.ts'), "import type { B } from '../b.js';\nexport type A = B;\n");
    writeFileSync(join(dir, 'b.ts'), "export type { A as B } from './kernel/a.js';\n");
    const { circles } = findCycles(dir) as { circles: string[][] };
    expect(circles).toEqual([['b.ts', 'kernel/a.ts']]);
    expect(unexpectedCycles(circles, [SIM_TRIANGLE])).toHaveLength(1);
  });
});
