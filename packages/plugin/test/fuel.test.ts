// Fuel: Wasmtime's costs, exact per message, the same on every run and in simulation across
// seeds.
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld } from '@pd/runtime/sim';
import { describe, expect, it } from 'vitest';
import { PluginHost } from '../src/index.js';
import { plugin } from './wat.js';

// Loops n times, n = the message's first byte when it is a positive fixint, else its length;
// calls now() and random() on every iteration (their values are not used for control).
const WORKER = plugin(`
  (import "pd" "now" (func $now (result f64)))
  (import "pd" "random" (func $random (result i32)))`, `
  (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32) (local $i i32)
    (local.set $i (i32.load8_u (local.get $p)))
    (if (i32.gt_u (local.get $i) (i32.const 0x7f)) (then (local.set $i (local.get $n))))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $i)))
      (drop (call $now))
      (drop (call $random))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 0))`);

// The loop of docs/plugins.md: 8n + 8 fuel for message n (see the test below).
const COUNTDOWN = plugin('', `
  (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32) (local $i i32)
    (local.set $i (i32.load8_u (local.get $p)))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 0))`);

const SEQUENCE: unknown[] = [3, 17, 'a string of some length', { nested: [1, 2, 3] }, 100, 0, 42];

async function fuelPerMessage(engine: Engine, bytes: Uint8Array, messages: unknown[]): Promise<number[]> {
  const host = new PluginHost(engine);
  host.load(bytes, { name: 'worker' });
  const a = host.spawn('worker');
  const out: number[] = [];
  let before = host.info('worker').fuelUsed;
  for (const m of messages) {
    await engine.ask(a, m);
    const after = host.info('worker').fuelUsed;
    out.push(after - before);
    before = after;
  }
  return out;
}

describe('fuel', () => {
  it('counts operators at Wasmtime costs: 8n + 8 for the countdown loop', async () => {
    const engine = createEngine();
    const used = await fuelPerMessage(engine, await COUNTDOWN, [0, 1, 5, 100]);
    expect(used).toEqual([8, 16, 48, 808]);
    await engine.shutdown();
  });

  it('is the same on every run, and under simulation across seeds', async () => {
    const bytes = await WORKER;
    const runs: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const engine = createEngine();
      runs.push(await fuelPerMessage(engine, bytes, SEQUENCE));
      await engine.shutdown();
    }
    for (const seed of [1, 2, 3, 0xdeadbeef, 123456]) {
      const world = new SimWorld({ seed, autoRun: true });
      const engine = world.engine();
      runs.push(await fuelPerMessage(engine, bytes, SEQUENCE));
      await engine.shutdown();
      world.dispose();
    }
    expect(runs[0]!.every((f) => f > 0)).toBe(true);
    for (const run of runs) expect(run).toEqual(runs[0]);
  });

  it('the fuel at which a runaway stops is the same on every run and seed', async () => {
    const bytes = await plugin('', `(func (export "pd_on_message") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))`);
    const stops: unknown[] = [];
    for (const seed of [7, 8, 9]) {
      const world = new SimWorld({ seed, autoRun: true });
      const engine = world.engine();
      const host = new PluginHost(engine);
      host.load(bytes, { name: 'spin', limits: { fuel: 12_345, timeoutMs: false } });
      const a = host.spawn('spin');
      await expect(engine.ask(a, 1)).rejects.toThrow(/fuel/);
      stops.push(host.info('spin').fuelUsed);
      await engine.shutdown();
      world.dispose();
    }
    expect(new Set(stops).size).toBe(1);
    expect(stops[0]).toBeGreaterThan(12_345);
    expect(stops[0]).toBeLessThan(12_345 + 10);
  });
});
