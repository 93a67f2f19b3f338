import { describe, expect, it } from 'vitest';
import { defaultCores } from '../src/cluster.js';
import { parseDemoArgs } from '../src/main.js';

describe('demo: command line', () => {
  it('--help prints the usage and exits 0; unknown options exit 2', () => {
    expect(parseDemoArgs(['--help'])).toMatchObject({ exit: 0, message: expect.stringContaining('--duration SECONDS') });
    expect(parseDemoArgs(['-h'])).toMatchObject({ exit: 0, message: expect.stringContaining('--single') });
    expect(parseDemoArgs(['--durration', '3'])).toMatchObject({ exit: 2, message: expect.stringContaining('--durration') });
    expect(parseDemoArgs(['--duration', '0'])).toMatchObject({ exit: 2 });
  });

  it('runs the cluster by default, with its options', () => {
    expect(parseDemoArgs([])).toEqual({ mode: 'cluster', options: {}, json: false });
    expect(parseDemoArgs(['--duration', '2'])).toEqual({ mode: 'cluster', options: { durationMs: 2000 }, json: false });
    expect(parseDemoArgs(['--nodes', '4', '--no-faults', '--json'])).toEqual({ mode: 'cluster', options: { nodes: 4, faults: false }, json: true });
    expect(parseDemoArgs(['--fault-every', '5'])).toEqual({ mode: 'cluster', options: { faultEveryMs: 5000 }, json: false });
    expect(parseDemoArgs(['--nodes', '1'])).toMatchObject({ exit: 2, message: expect.stringContaining('--nodes') });
    expect(parseDemoArgs(['--nodes', '2.5'])).toMatchObject({ exit: 2 });
    expect(parseDemoArgs(['--fault-every', '-1'])).toMatchObject({ exit: 2, message: expect.stringContaining('--fault-every') });
  });

  it('--cores K sets the cores per node, 1 to 8; by default the machine\'s share per node, 1 to 4', () => {
    expect(parseDemoArgs(['-h'])).toMatchObject({ exit: 0, message: expect.stringContaining('--cores K') });
    expect(parseDemoArgs(['--cores', '2'])).toEqual({ mode: 'cluster', options: { cores: 2 }, json: false });
    expect(parseDemoArgs(['--cores', '1', '--nodes', '2'])).toEqual({ mode: 'cluster', options: { cores: 1, nodes: 2 }, json: false });
    for (const bad of ['0', '9', '1.5', 'two', '', '-2']) {
      expect(parseDemoArgs([`--cores=${bad}`]), bad).toMatchObject({ exit: 2, message: `demo: --cores takes a whole number of cores per node from 1 to 8, got ${bad}` });
    }
    expect(parseDemoArgs(['--single', '--cores', '2'])).toMatchObject({ exit: 2, message: expect.stringContaining('--cores') });
    expect(defaultCores(3, 2)).toBe(1);
    expect(defaultCores(3, 1)).toBe(1);
    expect(defaultCores(3, 8)).toBe(2);
    expect(defaultCores(2, 8)).toBe(4);
    expect(defaultCores(3, 64)).toBe(4);
  });

  it('--single keeps the single-engine demo, and refuses the cluster-only options', () => {
    expect(parseDemoArgs(['--single'])).toEqual({ mode: 'single', options: {}, json: false });
    expect(parseDemoArgs(['--single', '--duration', '2'])).toEqual({ mode: 'single', options: { durationMs: 2000 }, json: false });
    expect(parseDemoArgs(['--single', '--nodes', '3'])).toMatchObject({ exit: 2, message: expect.stringContaining('--nodes') });
  });
});
