import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the workspace packages from source, so `vitest` needs no build first.
const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@pd\/([a-z-]+)\/internal$/, replacement: `${packages}$1/src/internal.ts` },
      { find: /^@pd\/runtime\/sim$/, replacement: `${packages}runtime/src/sim/index.ts` },
      { find: /^@pd\/runtime\/sim\/fast-check$/, replacement: `${packages}runtime/src/sim/fast-check.ts` },
      { find: /^@pd\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'docs/**/*.test.ts', 'tools/**/*.test.ts'],
    pool: 'forks',
    // gc() for the tests that check what an actor keeps alive (they skip without it).
    execArgv: ['--expose-gc'],
    setupFiles: ['tools/vitest-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
