// The plugin-msg workload's WASM implementations count what they should, at a toy size
// (they need @pd/plugin's counter example built; they say so otherwise).
import { describe, expect, it } from 'vitest';
import { impl as wasm } from '../src/impls/pd-wasm.js';
import { impl as wasmFuel } from '../src/impls/pd-wasm-fuel.js';

for (const impl of [wasmFuel, wasm]) {
  describe(impl.name, () => {
    it('plugin-msg', async (ctx) => {
      const why = await impl.available();
      if (why !== null) ctx.skip(why);
      const r = await impl.workloads['plugin-msg']!({ messages: 2_000, chunk: 100 });
      expect(r.ops).toBe(2_000);
      expect(r.seconds).toBeGreaterThan(0);
    });
  });
}
