/**
 * The host guard: a simulated run that reaches past the reactor for a real timer, clock,
 * Math.random or file request fails with a message that says what and where.
 */
import { readFile, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Context } from '@pd/actor';
import { defineScenario, HostGuard, runScenario, SIM_EXIT_CODES, SimWorld } from '../../src/sim/index.js';

const HERE = 'packages/runtime/test/sim/guard.test.ts';
/** The line of the planted setTimeout below. */
const PLANTED_LINE = readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('the bug this ' + 'test plants')) + 1;

/** A scenario whose actor sneaks in a real setTimeout on its 3rd message. */
const sneaky = defineScenario({
  name: 'sneaky-timer',
  description: 'an actor that uses a real setTimeout',
  durationMs: 50,
  boot(node) {
    const a = node.engine.spawn({
      receive(n: number, ctx: Context<number>) {
        if (n === 3) setTimeout(() => {}, 1); // the bug this test plants
        if (n < 5) ctx.sendAfter(ctx.self, n + 1, 1);
      },
    });
    node.engine.send(a, 0);
  },
});

describe('host guard', () => {
  it('fails a run whose actor creates a real setTimeout, naming the file and line', async () => {
    const r = await runScenario(sneaky, 7);
    expect(r.ok).toBe(false);
    expect(r.failure?.kind).toBe('host');
    expect(SIM_EXIT_CODES[r.failure!.kind]).toBe(131);
    expect(r.failure?.message).toContain('a real timer (setTimeout/setInterval)');
    expect(r.failure?.message).toContain(`at ${HERE}:${PLANTED_LINE}:`);
  });

  it('catches real clocks, Math.random and file requests, and restores them afterwards', async () => {
    const realNow = Date.now;
    const realRandom = Math.random;
    const guard = HostGuard.install();
    Date.now();
    Math.random();
    performance.now();
    void new Date();
    process.hrtime.bigint();
    readFile(__filename, () => {});
    const whats = guard.violations.map((v) => v.what);
    guard.uninstall();
    expect(whats).toEqual(['Date.now()', 'Math.random()', 'performance.now()', 'new Date()', 'process.hrtime.bigint()', 'a real file request']);
    for (const v of guard.violations) expect(v.where).toContain(HERE);
    expect(Date.now).toBe(realNow);
    expect(Math.random).toBe(realRandom);
    expect(new Date(0).getTime()).toBe(0);
    expect(() => guard.check()).toThrow(/sim\/host-leak: simulated code used Date\.now\(\) at packages\/runtime\/test\/sim\/guard\.test\.ts:\d+:\d+/);
  });

  it('lets the simulator pump itself and reads through the reactor pass', async () => {
    const guard = HostGuard.install();
    const world = new SimWorld({ seed: 1, autoRun: true });
    const engine = world.engine();
    const a = engine.spawn({ receive: (m: number, ctx: Context<number>) => [ctx.now(), ctx.random(), m] });
    const [now, random, m] = (await engine.ask(a, 42)) as number[];
    await engine.shutdown();
    world.dispose();
    guard.uninstall();
    expect(guard.violations).toEqual([]);
    expect(m).toBe(42);
    expect(now).toBeGreaterThanOrEqual(0);
    expect(random).toBeGreaterThanOrEqual(0);
  });
});
