import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { parseOutput } from '../src/beam.js';
import { fmtRate, summarize, targetsTable, toJson, workloadTable, type Outcome } from '../src/report.js';
import { Latencies, median, percentileSorted } from '../src/stats.js';
import { IMPLS, WORKLOADS } from '../src/types.js';
import { SPECS, paramsFor, scaleParams, specOf, warmParams } from '../src/workloads.js';

describe('stats', () => {
  it('median and percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(s, 0.5)).toBe(50);
    expect(percentileSorted(s, 0.99)).toBe(99);
    const l = new Latencies(3);
    for (const x of [5, 1, 3, 100]) l.add(x);
    expect(l.count).toBe(3);
    expect(l.summary()).toEqual({ p50Us: 3, p99Us: 5 });
  });
});

describe('args', () => {
  it('defaults and filters', () => {
    const d = parseArgs([]);
    expect(d).toMatchObject({ quick: false, json: null, runs: 5, warmups: 1 });
    expect(d.only).toEqual([...WORKLOADS]);
    expect(d.impls).toEqual([...IMPLS]);
    const q = parseArgs(['--', '--quick', '--json', 'out.json', '--only', 'ring,spawn', '--impl=pd,bare-v8,postmessage']);
    expect(q).toMatchObject({ quick: true, json: 'out.json', runs: 3, only: ['ring', 'spawn'], impls: ['pd', 'bare-v8', 'postMessage'] });
  });
  it('rejects unknown names and options', () => {
    expect(() => parseArgs(['--only', 'rings'])).toThrow(/unknown workload/);
    expect(() => parseArgs(['--impl', 'akka'])).toThrow(/unknown implementation/);
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs/);
    expect(() => parseArgs(['--json'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
  });
});

describe('workloads', () => {
  it('cover every workload name with valid implementations', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual([...WORKLOADS].sort());
    for (const s of SPECS) {
      for (const i of [...s.impls, ...s.baselines]) expect(IMPLS).toContain(i);
      for (const k of s.sizeKeys) expect(s.full[k]).toBeGreaterThan(0);
    }
  });
  it('scales size keys only', () => {
    const ring = specOf('ring');
    expect(scaleParams(ring, { actors: 10_000, hops: 1_000_000 }, 0.1)).toEqual({ actors: 10_000, hops: 100_000 });
    expect(warmParams(ring, { actors: 10_000, hops: 1_000_000 })).toEqual({ actors: 1_000, hops: 100_000 });
    expect(warmParams(specOf('ask'), { asks: 1_000, askers: 16 })).toEqual({ asks: 100, askers: 16 });
    expect(paramsFor(specOf('spawn'), 'comedy', false).actors).toBe(10_000);
    expect(paramsFor(specOf('spawn'), 'pd', true).actors).toBe(200_000);
  });
});

describe('report', () => {
  const outcomes: Outcome[] = [
    { workload: 'ring', impl: 'pd', params: { hops: 100 }, runs: [{ ops: 100, seconds: 1 }, { ops: 100, seconds: 0.5 }, { ops: 100, seconds: 2 }] },
    { workload: 'ring', impl: 'bare-v8', params: { hops: 100 }, runs: [{ ops: 100, seconds: 0.25 }] },
    { workload: 'ring', impl: 'beam', params: {}, runs: [], skip: 'erl not found' },
  ];
  it('summarizes to median, min, max and the JSON shape', () => {
    const s = summarize(outcomes[0]!)!;
    expect(s).toMatchObject({ rate: 100, minRate: 50, maxRate: 200, runs: 3, seconds: 1 });
    const j = toJson(s);
    expect(j).toMatchObject({ workload: 'ring', impl: 'pd', ops: 100, seconds: 1, ratePerSec: 100 });
    expect(summarize(outcomes[2]!)).toBeNull();
  });
  it('renders ratios and notes', () => {
    const t = workloadTable(specOf('ring'), outcomes);
    expect(t).toContain('0.25×');
    expect(t).toContain('- beam: skipped: erl not found');
    const targets = targetsTable(outcomes)!;
    expect(targets).toMatch(/ring: pd ≥ 0.6× bare-v8 \| +0.25× \| +NO/);
    expect(targets).toContain('n/a (peer missing)');
    expect(fmtRate(9_870_000)).toBe('9.87M');
    expect(fmtRate(123_456)).toBe('123k');
  });
  it('parses process output', () => {
    const out = parseOutput('noise\n@@RESULT {"ops":5,"seconds":0.5}\n@@RESULT {"ops":5,"seconds":1}\n', '', 0, false);
    expect(out.results).toHaveLength(2);
    expect(out.error).toBeUndefined();
    expect(parseOutput('@@SKIP nope\n', '', 0, false).skip).toBe('nope');
    expect(parseOutput('', 'boom\n', 1, false).error).toMatch(/exited with 1: boom/);
    expect(parseOutput('', '', null, true).error).toMatch(/timed out/);
  });
});
