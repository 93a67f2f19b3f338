// WebAssembly components through jco (issue #20): the example component built from source,
// hostile components (a loop stopped by the wall-time cap and by fuel, a trap, a memory
// bomb), refused imports and inputs that are not components. After each, the engine is
// alive and other actors' work is unaffected.
import { type AnyAddr, Down, type ExitReason } from '@pd/actor';
import { type Engine, createEngine, startSupervisor } from '@pd/runtime';
import { SimWorld } from '@pd/runtime/sim';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPONENT_HOST_WIT, type LoadedComponent, PluginError, type PluginLogEntry, componentCall, componentKind, isPluginError, loadComponent, pluginExitReason,
} from '../src/index.js';
// @ts-expect-error: a plain ESM build script, without types
import { buildGreeterComponent, makeComponent } from '../scripts/build-examples.mjs';
import { type Rig, rig } from './helpers.js';
import { wat } from './wat.js';

const PATIENCE = 20_000;

/** A component from core-module WAT and the WIT of its world (named `w`). */
async function component(coreWat: string, worldWit: string): Promise<Uint8Array> {
  return makeComponent(await wat(coreWat), worldWit, 'w') as Promise<Uint8Array>;
}

/** Expects `promise` to reject with a PluginError of `code` whose message matches `pattern`. */
async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<PluginError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(isPluginError(error)).toBe(true);
  expect((error as PluginError).code).toBe(code);
  expect(String((error as Error).message)).toMatch(pattern);
  return error as PluginError;
}

async function exitOf(engine: Engine, addr: AnyAddr, trigger: () => void): Promise<ExitReason> {
  const client = engine.client();
  client.monitor(addr);
  trigger();
  const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down, timeoutMs: PATIENCE });
  client.close();
  return down.reason;
}

const HOSTILE_WIT = `package test:hostile;
world w {
  import pd:host/log@0.1.0;
  export add: func(a: s32, b: s32) -> s32;
  export spin: func();
  export boom: func();
  export grow: func() -> s32;
  export check: func(n: s32) -> result<s32, string>;
}`;

const HOSTILE_CORE = `(module
  (import "pd:host/log@0.1.0" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 4096))
  (data (i32.const 64) "negative")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get 3)))
    (local.get $p))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "boom") unreachable)
  ;; grows memory a page at a time until it fails, then returns memory.size
  (func (export "grow") (result i32)
    (block $full (loop $l
      (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $l)))
    (memory.size))
  ;; result<s32, string>: ok(n) for n >= 0, err("negative") otherwise; laid out at 16
  (func (export "check") (param $n i32) (result i32)
    (if (i32.ge_s (local.get $n) (i32.const 0))
      (then
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (local.get $n)))
      (else
        (i32.store8 (i32.const 16) (i32.const 1))
        (i32.store (i32.const 20) (i32.const 64))
        (i32.store (i32.const 24) (i32.const 8))))
    (i32.const 16)))`;

describe('the example component (AssemblyScript, built from source)', () => {
  let wasm: string;
  beforeAll(async () => {
    wasm = await buildGreeterComponent();
  }, 120_000);

  it('loads, lists its functions and answers calls, with host log and clock', async () => {
    const logs: PluginLogEntry[] = [];
    const greeter = await loadComponent('greeter', wasm, { onLog: (e) => logs.push(e), limits: { fuel: 1_000_000 } });
    expect(greeter.functions).toEqual(['add', 'fib', 'greet', 'stamp']);
    expect(greeter.imports).toEqual(['pd:host/log@0.1.0', 'pd:host/clock@0.1.0']);
    expect(greeter.wit).toMatch(/export greet: func\(name: string\) -> string;/);
    const engine = createEngine();
    const a = engine.spawn(greeter.kind);
    expect(await engine.ask(a, componentCall('add', 2, 40), { timeoutMs: PATIENCE })).toBe(42);
    expect(await engine.ask(a, componentCall('greet', 'wörld'), { timeoutMs: PATIENCE })).toBe('hello, wörld!');
    expect(await engine.ask(a, componentCall('greet', 'again'), { timeoutMs: PATIENCE })).toBe('hello, again!');
    expect(await engine.ask(a, componentCall('fib', 90), { timeoutMs: PATIENCE })).toBe(2880067194370816120n);
    const stamp = await engine.ask(a, componentCall('stamp'), { timeoutMs: PATIENCE });
    expect(typeof stamp).toBe('number');
    expect(logs.map((e) => [e.plugin, e.level, e.text])).toEqual([['greeter', 'info', 'greeting wörld'], ['greeter', 'info', 'greeting again']]);
    expect(logs[0]!.path).toBe(engine.info(a)?.path);
    expect(greeter.stats.calls).toBe(5);
    expect(greeter.stats.fuelUsed).toBeGreaterThan(0);
    // A second actor runs its own instance.
    const b = engine.spawn(greeter.kind);
    expect(await engine.ask(b, componentCall('add', 1, 1), { timeoutMs: PATIENCE })).toBe(2);
    // Many calls: greet's allocations are dropped after each (cabi_post_greet).
    for (let i = 0; i < 500; i++) engine.send(a, componentCall('greet', `n${i}`));
    expect(await engine.ask(a, componentCall('greet', 'last'), { timeoutMs: PATIENCE })).toBe('hello, last!');
    await engine.shutdown();
  });

  it('the same calls use the same fuel on every run, and under simulation across seeds', async () => {
    const greeter = await loadComponent('greeter-fuel', wasm);
    const calls = [componentCall('add', 1, 2), componentCall('fib', 50), componentCall('greet', 'x'), componentCall('fib', 500), componentCall('stamp')];
    async function fuelOf(engine: Engine): Promise<number[]> {
      const a = engine.spawn(greeter.kind);
      const used: number[] = [];
      for (const call of calls) {
        const before = greeter.stats.fuelUsed;
        await engine.ask(a, call, { timeoutMs: PATIENCE });
        used.push(greeter.stats.fuelUsed - before);
      }
      return used;
    }
    const engine = createEngine();
    const first = await fuelOf(engine);
    expect(await fuelOf(engine)).toEqual(first);
    await engine.shutdown();
    expect(first[3]).toBeGreaterThan(first[1]!); // fib(500) loops ten times as long as fib(50)
    for (const seed of [1, 2]) {
      const world = new SimWorld({ seed, autoRun: true });
      const simEngine = world.engine();
      expect(await fuelOf(simEngine)).toEqual(first);
      await simEngine.shutdown();
      world.dispose();
    }
  });

  it('componentKind gives a kind spawnable by name from the registry', async () => {
    const kind = await componentKind('greeter2', readFileSync(wasm));
    const engine = createEngine();
    engine.kinds.register(kind);
    const a = engine.spawn('greeter2');
    expect(await engine.ask(a, { call: 'add', args: [20, 22] }, { timeoutMs: PATIENCE })).toBe(42);
    await engine.shutdown();
  });

  it('a bad call rejects that ask, naming the problem, and the actor goes on', async () => {
    const greeter = await loadComponent('greeter3', wasm);
    const engine = createEngine();
    const a = engine.spawn(greeter.kind);
    await rejectsWith(engine.ask(a, componentCall('nope'), { timeoutMs: PATIENCE }), 'plugin/component-export', /exports no function "nope" \(it exports: add, fib, greet, stamp\)/);
    await rejectsWith(engine.ask(a, componentCall('add', 1), { timeoutMs: PATIENCE }), 'plugin/component-call', /add takes 2 arguments, got 1/);
    await rejectsWith(engine.ask(a, 'hello', { timeoutMs: PATIENCE }), 'plugin/component-call', /expects \{ call: string, args\?: unknown\[\] \}, got "hello"/);
    await rejectsWith(engine.ask(a, componentCall('greet', 42), { timeoutMs: PATIENCE }), 'plugin/component-call', /greet: TypeError/);
    expect(await engine.ask(a, componentCall('add', 1, 2), { timeoutMs: PATIENCE })).toBe(3);
    expect(greeter.stats.refused).toBe(4);
    await engine.shutdown();
  });
});

describe('hostile components', () => {
  let r: Rig;
  let bytes: Uint8Array;
  beforeAll(async () => {
    bytes = await component(HOSTILE_CORE, HOSTILE_WIT);
  }, 60_000);
  afterEach(async () => {
    await r.checkAlive();
    await r.close();
  });

  async function spawnPair(c: LoadedComponent): Promise<{ victim: AnyAddr; other: AnyAddr }> {
    const victim = r.engine.spawn(c.kind);
    const other = r.engine.spawn(c.kind);
    expect(await r.engine.ask(other, componentCall('add', 1, 2), { timeoutMs: PATIENCE })).toBe(3);
    return { victim, other };
  }

  it('an infinite loop is interrupted by the wall-time cap: the actor ends with timeout, the others go on', async () => {
    r = rig();
    const c = await loadComponent('spin', bytes, { limits: { fuel: false, timeoutMs: 50, checkEveryFuel: 10_000 } });
    const { victim, other } = await spawnPair(c);
    const reason = await exitOf(r.engine, victim, () => r.engine.send(victim, componentCall('spin')));
    expect(pluginExitReason(reason)).toBe('timeout');
    expect((reason as { error: PluginError }).error.message).toMatch(/plugin\/timeout: component "spin" ran past 50 ms in spin/);
    expect(c.stats.failures.timeout).toBe(1);
    expect(await r.engine.ask(other, componentCall('add', 2, 3), { timeoutMs: PATIENCE })).toBe(5);
  });

  it('an infinite loop is stopped by fuel: the actor ends with fuel-exhausted', async () => {
    r = rig();
    const c = await loadComponent('spin-fuel', bytes, { limits: { fuel: 100_000, timeoutMs: false } });
    const { victim, other } = await spawnPair(c);
    const reason = await exitOf(r.engine, victim, () => r.engine.send(victim, componentCall('spin')));
    expect(pluginExitReason(reason)).toBe('fuel-exhausted');
    expect((reason as { error: PluginError }).error.details?.fuelUsed).toBeGreaterThan(100_000);
    expect(await r.engine.ask(other, componentCall('add', 2, 3), { timeoutMs: PATIENCE })).toBe(5);
  });

  it('under a supervisor, an actor ended by its component is restarted with a fresh instance', async () => {
    r = rig();
    const c = await loadComponent('sup-spin', bytes, { limits: { fuel: 50_000 } });
    r.engine.kinds.register(c.kind);
    const sup = startSupervisor(r.engine, { name: 'components', strategy: 'one-for-one', children: [{ id: 'c', kind: 'sup-spin' }] });
    const first = (await sup.whichChildren())[0]!.addr!;
    expect(await r.engine.ask(first, componentCall('add', 1, 1), { timeoutMs: PATIENCE })).toBe(2);
    const reason = await exitOf(r.engine, first, () => r.engine.send(first, componentCall('spin')));
    expect(pluginExitReason(reason)).toBe('fuel-exhausted');
    const deadline = Date.now() + PATIENCE;
    let child = (await sup.whichChildren())[0]!;
    while (child.restarts < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      child = (await sup.whichChildren())[0]!;
    }
    expect(child.restarts).toBe(1);
    expect(await r.engine.ask(child.stable, componentCall('add', 2, 2), { timeoutMs: PATIENCE })).toBe(4);
    expect(c.stats.instancesStarted).toBe(2);
  });

  it('a trap ends the actor with trap', async () => {
    r = rig();
    const c = await loadComponent('boom', bytes);
    const { victim, other } = await spawnPair(c);
    const reason = await exitOf(r.engine, victim, () => r.engine.send(victim, componentCall('boom')));
    expect(pluginExitReason(reason)).toBe('trap');
    expect((reason as { error: Error }).error.message).toMatch(/plugin\/trap: component "boom" trapped in boom: .*unreachable/);
    expect(await r.engine.ask(other, componentCall('add', 2, 3), { timeoutMs: PATIENCE })).toBe(5);
  });

  it('a memory bomb stops at the memory cap', async () => {
    r = rig();
    const c = await loadComponent('bomb', bytes, { limits: { memoryPages: 8 } });
    const a = r.engine.spawn(c.kind);
    expect(await r.engine.ask(a, componentCall('grow'), { timeoutMs: PATIENCE })).toBe(8);
    expect(r.engine.info(a)?.status).not.toBe('dead');
  });

  it('an err result rejects the ask with component-error and its payload; the actor goes on', async () => {
    r = rig();
    const c = await loadComponent('check', bytes);
    const a = r.engine.spawn(c.kind);
    expect(await r.engine.ask(a, componentCall('check', 7), { timeoutMs: PATIENCE })).toBe(7);
    const error = await rejectsWith(r.engine.ask(a, componentCall('check', -1), { timeoutMs: PATIENCE }), 'plugin/component-error', /check returned an error: "negative"/);
    expect(error.details?.payload).toBe('negative');
    expect(await r.engine.ask(a, componentCall('check', 1), { timeoutMs: PATIENCE })).toBe(1);
  });

  it('a component that spins while it is instantiated is stopped, at load, by the wall-time cap', async () => {
    r = rig();
    const spinner = await component(`(module (memory (export "memory") 1) (func $spin (loop $l (br $l))) (start $spin) (func (export "run")))`,
      'package test:start; world w { export run: func(); }');
    await rejectsWith(loadComponent('spin-start', spinner, { limits: { fuel: false, timeoutMs: 50, checkEveryFuel: 10_000 } }),
      'plugin/timeout', /component "spin-start" ran past 50 ms in instantiation/);
  });

  it('a component starting with more memory than its cap is refused at load', async () => {
    r = rig();
    const big = await component(HOSTILE_CORE.replace('(memory (export "memory") 1)', '(memory (export "memory") 20)'), HOSTILE_WIT);
    await rejectsWith(loadComponent('big', big, { limits: { memoryPages: 8 } }), 'plugin/limit', /memory starts at 20 pages, above the limit of 8/);
  });
});

describe('refused components', () => {
  let r: Rig;
  afterEach(async () => {
    await r.checkAlive();
    await r.close();
  });

  it('an import outside the host interfaces is refused at load, naming it', async () => {
    r = rig();
    const evil = await component(`(module
      (import "evil:net/socket@0.1.0" "connect" (func (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "run")))`, `package test:evil;
      package evil:net@0.1.0 { interface socket { connect: func(host: string); } }
      world w { import evil:net/socket@0.1.0; export run: func(); }`);
    await rejectsWith(loadComponent('evil', evil), 'plugin/import-refused',
      /component "evil" imports evil:net\/socket@0\.1\.0, which is not a host interface \(allowed: pd:host\/log@0\.1\.0, pd:host\/clock@0\.1\.0, pd:host\/random@0\.1\.0\)/);
    const bare = await component(`(module (import "$root" "leak" (func)) (func (export "run")))`,
      'package test:bare; world w { import leak: func(); export run: func(); }');
    await rejectsWith(loadComponent('bare', bare), 'plugin/import-refused', /imports leak, which is not a host interface/);
  });

  it('a core module is refused as not a component', async () => {
    r = rig();
    const core = await wat('(module (func (export "run")))');
    await rejectsWith(loadComponent('core', core), 'plugin/not-component', /component "core" is a core WebAssembly module, not a component: load it with pluginKind\/PluginHost, or wrap it with jco's componentNew/);
  });

  it('bytes that are not WebAssembly, a broken component and a missing file are refused with invalid-module', async () => {
    r = rig();
    await rejectsWith(loadComponent('text', new TextEncoder().encode('hello, world')), 'plugin/invalid-module', /component "text" is not WebAssembly/);
    await rejectsWith(loadComponent('empty', new Uint8Array(0)), 'plugin/invalid-module', /is not WebAssembly/);
    const truncated = Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 7, 9, 9]);
    await rejectsWith(loadComponent('broken', truncated), 'plugin/invalid-module', /component "broken": jco cannot/);
    await rejectsWith(loadComponent('missing', fileURLToPath(new URL('./no-such.wasm', import.meta.url))), 'plugin/invalid-module', /cannot read/);
  });

  it('the host WIT constant is the text of wit/host.wit', () => {
    r = rig();
    expect(COMPONENT_HOST_WIT).toBe(readFileSync(new URL('../wit/host.wit', import.meta.url), 'utf8'));
  });
});
