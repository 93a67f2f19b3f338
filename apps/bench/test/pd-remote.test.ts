// pd-remote runs both remote workloads at toy sizes between this process and a far node
// process (the built dist/impls/pd-remote-node.js: build @pd/bench first), and counts what
// it should; BEAM's remote workloads (two named nodes) run too when `erl` is installed.
// Correctness only, never speed.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareBeam, runBeam } from '../src/beam.js';
import { closePair, impl, impls } from '../src/impls/pd-remote.js';
import { bareEchoRtt, closeBareEcho } from '../src/impls/bare-echo.js';
import type { Params, WorkloadName } from '../src/types.js';

const TOY: Record<'remote' | 'remote-rtt', Params> = {
  // A window smaller than the count, so the sink's credit has to flow back for the run to end.
  remote: { messages: 3_000, window: 512, ackEvery: 128 },
  'remote-rtt': { rounds: 200 },
};

describe('pd-remote', () => {
  afterAll(() => closePair());

  it('remote: the far actor counts every message', async (ctx) => {
    const why = await impl.available();
    if (why !== null) ctx.skip(why);
    const r = await impl.workloads.remote!(TOY.remote);
    expect(r.ops).toBe(3_000);
    expect(r.seconds).toBeGreaterThan(0);
  });

  it('remote-rtt: every ask is answered with its own request', async (ctx) => {
    const why = await impl.available();
    if (why !== null) ctx.skip(why);
    const r = await impl.workloads['remote-rtt']!(TOY['remote-rtt']);
    expect(r.ops).toBe(200);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us!);
  });
});

describe('pd-remote-spin (both nodes with the network poll spin on)', () => {
  afterAll(() => closePair());

  it('runs both workloads, every message counted and every ask answered with its own request', async (ctx) => {
    const spin = impls['pd-remote-spin'];
    const why = await spin.available();
    if (why !== null) ctx.skip(why);
    expect((await spin.workloads.remote!(TOY.remote)).ops).toBe(3_000);
    const r = await spin.workloads['remote-rtt']!(TOY['remote-rtt']);
    expect(r.ops).toBe(200);
    expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us!);
  });
});

describe('bare-tcp remote-rtt (the floor: a bare node:net echo process)', () => {
  afterAll(() => closeBareEcho());

  it('every round trip gets its whole echo back, one at a time', async () => {
    const first = await bareEchoRtt({ rounds: 200 });
    expect(first.ops).toBe(200);
    expect(first.p99Us).toBeGreaterThanOrEqual(first.p50Us!);
    // The pair is kept: a second run reuses it, with nothing left over from the first.
    const second = await bareEchoRtt({ rounds: 50 });
    expect(second.ops).toBe(50);
  });
});

const hasErl = spawnSync('erl', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasErl)('beam remote (erl installed)', () => {
  it('runs both remote workloads between two named nodes', async () => {
    const beam = prepareBeam();
    if (typeof beam === 'string') throw new Error(beam);
    try {
      for (const name of Object.keys(TOY) as WorkloadName[]) {
        const p = TOY[name as keyof typeof TOY];
        const out = await runBeam(beam, name, p, p, 1, 1, 60_000);
        expect(out.error, name).toBeUndefined();
        expect(out.results, name).toHaveLength(1);
        expect(out.results[0]!.ops, name).toBe(name === 'remote' ? 3_000 : 200);
      }
    } finally {
      beam.cleanup();
    }
  }, 60_000);
});
