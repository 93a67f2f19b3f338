/**
 * The adaptive spin on real worker threads: after a burst of round trips an idle
 * multi-core engine stops polling and sleeps, so it costs (nearly) no CPU, even with a
 * generous `idleSpinMs`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@pd/runtime';
import { FIXTURES } from './harness.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.shutdown();
  engine = null;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('an idle multi-core engine [worker threads]', () => {
  it('uses almost no CPU once round trips stop, polling or not', async () => {
    engine = createEngine({ mode: 'multi', cores: 2, entry: FIXTURES, idleSpinMs: 1 });
    await engine.ready();
    const echo = engine.spawn('echo', { placement: { core: 1 } });
    for (let i = 0; i < 2000; i++) expect(await engine.ask(echo, i)).toBe(i);
    await sleep(50);
    const before = process.cpuUsage();
    const t0 = performance.now();
    await sleep(400);
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    const wallMs = performance.now() - t0;
    // Two cores polling would show about 2 × wallMs; sleeping cores show a few ms (the test runner's own).
    expect(cpuMs).toBeLessThan(0.25 * wallMs);
  });
});
