// The like-with-like peers of the cross-core and multi-core workloads (postMessage,
// postMessage-batch, bare-v8-workers) count what they should at toy sizes, and the options
// and records that go with them (`--procs`, `--cores`, the `--json` report) hold together.
// The worker threads load the built files: build @pd/bench first. Correctness only, never speed.
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, runsOfProc } from '../src/args.js';
import { impl as bare } from '../src/impls/bare.js';
import { closeWorkers, impl as bareWorkers } from '../src/impls/bare-workers.js';
import { batchImpl, impl as postMessage } from '../src/impls/postmessage.js';
import { jsonReport, summarize, targetsTable, toJson, workloadTable, type Outcome } from '../src/report.js';
import { specOf, withCores } from '../src/workloads.js';

describe('postMessage peers', () => {
  it('postMessage-batch: the receiver counts every object of every array', async () => {
    // 5 000 objects in arrays of 1 024: the last array is short.
    const r = await batchImpl.workloads['cross-core']!({ messages: 5_000, batch: 1024 });
    expect(r.ops).toBe(5_000);
    expect(r.seconds).toBeGreaterThan(0);
  });
  it('postMessage: one object per call, and echoed round trips', async () => {
    const r = await postMessage.workloads['cross-core']!({ messages: 2_000 });
    expect(r.ops).toBe(2_000);
    const rtt = await postMessage.workloads['cross-core-rtt']!({ rounds: 100 });
    expect(rtt.ops).toBe(100);
    expect(rtt.p99Us).toBeGreaterThanOrEqual(rtt.p50Us!);
  });
});

describe('bare-v8-workers', () => {
  afterAll(() => closeWorkers());
  for (const cores of [1, 2, 3]) {
    it(`multi-scale on ${cores} thread(s) plays every round trip`, async () => {
      // 8 pairs over 3 threads: shares of 3, 3 and 2 pairs.
      const r = await bareWorkers.workloads['multi-scale']!({ cores, pairs: 8, rounds: 4_000 });
      expect(r.ops).toBe(4_000);
      expect(r.seconds).toBeGreaterThan(0);
    });
  }
  it('bare-v8\'s multi-scale row plays the same work on one of those threads, whatever the core count', async () => {
    const r = await bare.workloads['multi-scale']!({ cores: 4, pairs: 8, rounds: 4_000 });
    expect(r.ops).toBe(4_000);
  });
  it('keeps its threads between runs of a core count', async () => {
    const r = await bareWorkers.workloads['multi-scale']!({ cores: 2, pairs: 3, rounds: 301 });
    expect(r.ops).toBe(300);
  });
});

describe('options', () => {
  it('--procs spreads the runs; --cores takes a list', () => {
    expect(parseArgs([])).toMatchObject({ procs: 2, cores: null });
    expect(parseArgs(['--quick'])).toMatchObject({ procs: 1 });
    expect(parseArgs(['--runs', '1'])).toMatchObject({ runs: 1, procs: 1 });
    expect(parseArgs(['--runs', '7', '--procs', '3', '--cores', '1,2,4,2'])).toMatchObject({ runs: 7, procs: 3, cores: [1, 2, 4] });
    expect(() => parseArgs(['--cores', '0'])).toThrow(/--cores/);
    expect(() => parseArgs(['--cores', ','])).toThrow(/--cores/);
    expect([0, 1, 2].map((i) => runsOfProc(7, 3, i))).toEqual([3, 2, 2]);
    expect([0, 1].map((i) => runsOfProc(5, 2, i))).toEqual([3, 2]);
  });
  it('--cores sets the core count of multi-core workloads only', () => {
    const ms = specOf('multi-scale');
    expect(withCores(ms, ms.full, 4)).toMatchObject({ cores: 4, pairs: 64 });
    const ring = specOf('ring');
    expect(withCores(ring, ring.full, 4)).toEqual(ring.full);
    expect(specOf('cross-core').impls).toContain('postMessage-batch');
    expect(ms.impls).toContain('bare-v8-workers');
    expect(ms.impls).toContain('bare-v8');
  });
});

describe('records', () => {
  const runs = [{ ops: 100, seconds: 1, load1: 1.5 }, { ops: 100, seconds: 0.5, load1: 1.25 }, { ops: 100, seconds: 2, load1: 2 }];
  const outcomes: Outcome[] = [
    { workload: 'multi-scale', impl: 'pd-multi', variant: 'cores=2', params: { cores: 2 }, runs },
    { workload: 'multi-scale', impl: 'bare-v8-workers', variant: 'cores=2', params: { cores: 2 }, runs: [{ ops: 100, seconds: 0.5 }] },
  ];
  it('keep every run with its load average', () => {
    const j = toJson(summarize(outcomes[0]!)!);
    expect(j).toMatchObject({ variant: 'cores=2', ratePerSec: 100, runs: 3 });
    expect(j.all).toEqual([
      { ops: 100, seconds: 1, ratePerSec: 100, load1: 1.5 },
      { ops: 100, seconds: 0.5, ratePerSec: 200, load1: 1.25 },
      { ops: 100, seconds: 2, ratePerSec: 50, load1: 2 },
    ]);
    const report = jsonReport('erl not found', parseArgs(['--cores', '2']), '2026-01-01T00:00:00.000Z', [1, 2, 3], [j]);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.otp).toBeNull();
    expect(report.loadAtStart).toEqual([1, 2, 3]);
    expect(report.loadAtEnd).toHaveLength(3);
    expect(report.options).toMatchObject({ runs: 5, procs: 2, cores: [2] });
    expect(report.records).toHaveLength(1);
  });
  it('name the core count in the table and the targets', () => {
    expect(workloadTable(specOf('multi-scale'), outcomes)).toContain('### multi-scale, cores=2');
    // Without the one-core rows there is no scaling to compare.
    expect(targetsTable(outcomes)).toMatch(/multi-scale: pd-multi's scaling \(× pd\) ≥ 0.95× bare-v8-workers' \(× bare-v8\) \(cores=2\) \| +- \| +n\/a/);
  });
  it('compare pd-multi\'s scaling with the bare workers\' (rate at K over rate at one), not the rates', () => {
    const one = (impl: 'pd' | 'bare-v8', ops: number): Outcome => ({ workload: 'multi-scale', impl, variant: 'cores=2', params: { cores: 2 }, runs: [{ ops, seconds: 1 }] });
    // pd-multi 100/s over pd 80/s: 1.25×; the workers 200/s over bare-v8 125/s: 1.60×; 1.25 < 0.95 × 1.60.
    expect(targetsTable([...outcomes, one('pd', 80), one('bare-v8', 125)])).toMatch(/pd-multi's scaling .*\(cores=2\) \| +1.25× vs 1.60× \| +NO/);
    // pd-multi 100/s over pd 60/s: 1.67× against the same 1.60×: met, at half the workers' rate.
    expect(targetsTable([...outcomes, one('pd', 60), one('bare-v8', 125)])).toMatch(/pd-multi's scaling .*\(cores=2\) \| +1.67× vs 1.60× \| +yes/);
    // 0.8·K× one core: K read from the run's core count.
    expect(targetsTable([...outcomes, one('pd', 60)])).toMatch(/pd-multi ≥ 0.8·K× pd at K cores \(cores=2\) +\| +1.67× \(K = 2: 1.60×\) \| +yes/);
    expect(targetsTable([...outcomes, one('pd', 80)])).toMatch(/pd-multi ≥ 0.8·K× pd at K cores \(cores=2\) +\| +1.25× \(K = 2: 1.60×\) \| +NO/);
  });
});
