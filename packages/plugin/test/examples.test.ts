// The example plugins, built from source here as in the package build: the AssemblyScript
// counter (npm only) and the C rate limiter (Debian's clang; skipped with a message without it).
import { existsSync } from 'node:fs';
import { createEngine } from '@pd/runtime';
import { SimWorld } from '@pd/runtime/sim';
import { beforeAll, describe, expect, it } from 'vitest';
import { PluginHost, type PluginLogEntry } from '../src/index.js';
// @ts-expect-error: a plain ESM build script, without types
import { buildCounter, buildRateLimiter, haveClang } from '../scripts/build-examples.mjs';

const CLANG = haveClang() as boolean;

describe('AssemblyScript counter example', () => {
  let wasm: string;
  beforeAll(async () => {
    wasm = await buildCounter();
  }, 120_000);

  it('counts, reads and resets', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    host.load(wasm, { limits: { fuel: 100_000 } });
    expect(host.info('counter').imports).toEqual(['reply']);
    const c = host.spawn('counter');
    expect(await engine.ask(c, 5)).toBe(5);
    expect(await engine.ask(c, -2)).toBe(3);
    expect(await engine.ask(c, 100_000)).toBe(100_003);
    expect(await engine.ask(c, 'get')).toBe(100_003);
    engine.send(c, 7);
    expect(await engine.ask(c, 'get')).toBe(100_010);
    expect(await engine.ask(c, 'reset')).toBe(0);
    // A second actor has its own instance and memory.
    expect(await engine.ask(host.spawn('counter'), 1)).toBe(1);
    expect(await engine.ask(c, 'get')).toBe(0);
    // Many messages: the arena is reused, memory stays at its first size.
    const memory = host.info('counter').memoryBytes;
    for (let i = 0; i < 2000; i++) engine.send(c, 1);
    expect(await engine.ask(c, 'get')).toBe(2000);
    expect(host.info('counter').memoryBytes).toBe(memory);
    await engine.shutdown();
  });
});

describe.skipIf(!CLANG)('C rate limiter example (needs clang: apt-get install -y clang lld)', () => {
  it('allows capacity asks at once, then refills with (virtual) time', async () => {
    const wasm = buildRateLimiter() as string;
    expect(existsSync(wasm)).toBe(true);
    const world = new SimWorld({ seed: 42, autoRun: true });
    const engine = world.engine();
    const logs: PluginLogEntry[] = [];
    const host = new PluginHost(engine, { onLog: (e) => logs.push(e) });
    host.load(wasm, { name: 'limiter' });
    const rl = host.spawn('limiter', { args: [3, 2] }); // 3 tokens, 2 per second
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i++) answers.push(await engine.ask(rl, 'req'));
    expect(answers).toEqual([true, true, true, false, false]);
    expect(logs.map((l) => l.text)).toEqual(['rate limiter started']);
    const clock = engine.client();
    engine.sendAfter(clock.self, 'wake', 1000); // virtual time: the world jumps to it when idle
    await clock.receive();
    const later: unknown[] = [];
    for (let i = 0; i < 3; i++) later.push(await engine.ask(rl, 'req'));
    expect(later).toEqual([true, true, false]);
    await engine.shutdown();
    world.dispose();
  });
});

if (!CLANG) {
  describe('C rate limiter example', () => {
    it.skip('skipped: clang not found (apt-get install -y clang lld; .ci/run installs it)', () => {});
  });
}
