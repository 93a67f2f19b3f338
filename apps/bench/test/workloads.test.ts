// Every in-process implementation runs every workload it claims, at toy sizes, and counts
// what it should. Correctness only: the suite reports speed, tests never assert it.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareBeam, runBeam } from '../src/beam.js';
import { impl as bare } from '../src/impls/bare.js';
import { closeWorkers } from '../src/impls/bare-workers.js';
import { impl as comedy } from '../src/impls/comedy.js';
import { checkHotswap, impl as pd } from '../src/impls/pd.js';
import { impl as pdOtelApi } from '../src/impls/pd-otel-api.js';
import { impl as pdOtelMetrics } from '../src/impls/pd-otel-metrics.js';
import { impl as xstate } from '../src/impls/xstate.js';
import type { Impl, Params, WorkloadName } from '../src/types.js';

const TOY: Record<string, Params> = {
  ring: { actors: 50, hops: 1_000 },
  spawn: { actors: 1_000 },
  pingpong: { rounds: 1_000 },
  ask: { asks: 400, askers: 4 },
  fanin: { senders: 10, perSender: 300, chunk: 64 },
  hotswap: { swaps: 500, msgsPerSwap: 3, batch: 7 },
  timers: { timers: 1_000 },
};
// Workloads BEAM does not run: multi-scale's one-core rows (pd's, and bare-v8's on one of
// the bare workers' threads, which the built files provide), and pd's own.
const PD_ONLY_TOY: Record<string, Params> = {
  'multi-scale': { cores: 1, pairs: 8, rounds: 4_000 },
  'telemetry-overhead': { actors: 50, hops: 1_000, asks: 400, askers: 4 },
  'plugin-msg': { messages: 2_000, chunk: 100 },
};

afterAll(() => closeWorkers());

for (const impl of [bare, pd, xstate, comedy, pdOtelApi, pdOtelMetrics] as Impl[]) {
  describe(impl.name, () => {
    for (const [name, fn] of Object.entries(impl.workloads)) {
      it(name, async () => {
        const p = (TOY[name] ?? PD_ONLY_TOY[name])!;
        const r = await fn!(p);
        expect(r.ops).toBeGreaterThan(0);
        expect(r.seconds).toBeGreaterThan(0);
        if (name === 'spawn') expect(r.bytesPerActor).toBeTypeOf('number');
        if (name === 'ask') expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us!);
      });
    }
  });
}

// hotswap: every implementation's worker takes its swaps from its mailbox, in order, and the
// run throws unless every message and every swap arrived and the last version runs (an odd
// number of swaps ends on the other version than an even one).
describe('hotswap, swaps in mailbox order', () => {
  for (const impl of [bare, pd] as Impl[]) {
    for (const swaps of [500, 501]) {
      it(`${impl.name}: ${swaps} swaps, none lost`, async () => {
        const r = await impl.workloads.hotswap!({ swaps, msgsPerSwap: 3, batch: 7 });
        expect(r.ops).toBe(swaps);
      });
    }
  }
  it('the check catches a lost message, a lost swap and the wrong version', () => {
    expect(() => checkHotswap({ count: 30, swaps: 10, version: 1 }, 10, 3)).not.toThrow();
    expect(() => checkHotswap({ count: 33, swaps: 11, version: 2 }, 11, 3)).not.toThrow();
    expect(() => checkHotswap({ count: 29, swaps: 10, version: 1 }, 10, 3)).toThrow(/counted 29/);
    expect(() => checkHotswap({ count: 30, swaps: 9, version: 1 }, 10, 3)).toThrow(/9 swaps/);
    expect(() => checkHotswap({ count: 30, swaps: 10, version: 2 }, 10, 3)).toThrow(/version 2/);
  });
});

const hasErl = spawnSync('erl', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasErl)('beam (erl installed)', () => {
  it('compiles pd_bench.erl and runs every workload', async () => {
    const beam = prepareBeam();
    if (typeof beam === 'string') throw new Error(beam);
    try {
      for (const name of Object.keys(TOY) as WorkloadName[]) {
        const out = await runBeam(beam, name, TOY[name]!, TOY[name]!, 1, 1, 60_000);
        expect(out.error, name).toBeUndefined();
        expect(out.results, name).toHaveLength(1);
        expect(out.results[0]!.ops, name).toBeGreaterThan(0);
      }
      // hotswap with an odd number of swaps too: the worker must end on the other version.
      const odd = { swaps: 501, msgsPerSwap: 3, batch: 7 };
      const out = await runBeam(beam, 'hotswap', odd, odd, 1, 0, 60_000);
      expect(out.error).toBeUndefined();
      expect(out.results.map((r) => r.ops)).toEqual([501]);
    } finally {
      beam.cleanup();
    }
  }, 60_000);
});
