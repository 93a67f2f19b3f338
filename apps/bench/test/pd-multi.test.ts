// pd-multi runs each of its workloads at toy sizes and counts what it should (worker
// threads load the built kinds module: build first). Correctness only, never speed.
import { afterAll, describe, expect, it } from 'vitest';
import { closeEngines, impl } from '../src/impls/pd-multi.js';
import type { Params } from '../src/types.js';

const TOY: Record<string, Params> = {
  'cross-core': { messages: 5_000, chunk: 300 },
  'cross-core-rtt': { rounds: 200 },
  'multi-scale': { cores: 2, pairs: 8, rounds: 4_000 },
};

describe('pd-multi', () => {
  afterAll(() => closeEngines());
  for (const [name, fn] of Object.entries(impl.workloads)) {
    it(name, async () => {
      const r = await fn!(TOY[name]!);
      expect(r.ops).toBe(name === 'cross-core' ? 5_000 : name === 'cross-core-rtt' ? 200 : 4_000);
      expect(r.seconds).toBeGreaterThan(0);
      if (name === 'cross-core-rtt') expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us!);
    });
  }
});
