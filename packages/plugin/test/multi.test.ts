// A plugin kind in a multi-core engine: exported from the entry module, spawned on another
// core, asked across cores, and watched from core 0 like any actor.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Down } from '@pd/actor';
import { createEngine } from '@pd/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM build script, without types
import { buildCounter } from '../scripts/build-examples.mjs';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe.skipIf(!existsSync(DIST))('plugin actors on a multi-core engine (needs the package built)', () => {
  beforeAll(async () => {
    await buildCounter();
  }, 120_000);

  it('spawns the plugin kind on core 1, asks it from core 0, sees it exit', async () => {
    const engine = createEngine({ mode: 'multi', cores: 2, entry: new URL('./fixtures/plugin-kinds.mjs', import.meta.url), coreRestart: 'never' });
    try {
      await engine.ready();
      const c = engine.spawn('counter', { placement: { core: 1 } });
      expect(c.core).toBe(1);
      expect(await engine.ask(c, 4)).toBe(4);
      expect(await engine.ask(c, 6)).toBe(10);
      const client = engine.client();
      client.monitor(c);
      engine.stop(c);
      const down = await client.receive<Down>({ timeoutMs: 10_000 });
      expect(down).toBeInstanceOf(Down);
      expect(down.reason).toEqual({ type: 'normal' });
    } finally {
      await engine.shutdown();
    }
  });
});
