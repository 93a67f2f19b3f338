// Plugin lifecycle on one engine: load, list, info, unload, reload through hot swap.
import { Down, Exit } from '@pd/actor';
import { createEngine } from '@pd/runtime';
import { describe, expect, it } from 'vitest';
import { PLUGIN_UNLOADED, PluginHost, compilePlugin, isPluginError } from '../src/index.js';
import { plugin } from './wat.js';

/** Replies with `version` (a positive fixint) to every message. */
const versioned = (version: number) => plugin(`(import "pd" "reply" (func $reply (param i32 i32) (result i32)))`, `
  (func (export "pd_on_message") (param i32 i32) (result i32)
    (i32.store8 (i32.const 0) (i32.const ${version}))
    (drop (call $reply (i32.const 0) (i32.const 1)))
    (i32.const 0))`);

describe('plugin lifecycle', () => {
  it('load, list and info', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    const info = host.load(await versioned(1), { name: 'v', limits: { fuel: 1000, memoryPages: 4 } });
    expect(info).toMatchObject({ name: 'v', abiVersion: 1, imports: ['reply'], version: 1, actors: 0 });
    expect(info.limits).toMatchObject({ fuel: 1000, memoryPages: 4, metered: true });
    const a = host.spawn('v');
    expect(await engine.ask(a, 'x')).toBe(1);
    expect(host.list().map((p) => [p.name, p.actors, p.messages])).toEqual([['v', 1, 1]]);
    expect(host.info('v').memoryBytes).toBe(65536);
    expect(host.info('v').fuelUsed).toBeGreaterThan(0);
    expect(engine.info(a)?.kind).toBe('v');
    expect(() => host.load(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), { name: 'v' })).toThrow(/plugin\/name-taken/);
    expect(() => host.info('nope')).toThrow(/plugin\/not-loaded: no plugin named "nope" is loaded \(loaded: v\)/);
    await engine.shutdown();
  });

  it('load and reload take a plugin compiled beforehand (as `pd start` checks its config first)', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    const compiled = compilePlugin('pre', await versioned(4), { fuel: 5000 });
    expect(host.load(compiled)).toMatchObject({ name: 'pre', version: 1, limits: { fuel: 5000 } });
    const a = host.spawn('pre');
    expect(await engine.ask(a, 0)).toBe(4);
    expect(() => host.load(compiled, { name: 'other' })).toThrow(/compiled as "pre" cannot be loaded as "other"/);
    expect(host.reload('pre', compilePlugin('pre', await versioned(5)))).toMatchObject({ swapped: 1, version: 2 });
    expect(await engine.ask(a, 0)).toBe(5);
    await engine.shutdown();
  });

  it('reload swaps running actors to the new version, keeping address and queued messages', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    host.load(await versioned(1), { name: 'v' });
    const a = host.spawn('v');
    expect(await engine.ask(a, 0)).toBe(1);
    const v2 = await versioned(2); // before queueing: nothing may run between the asks and the reload
    const queued = [engine.ask(a, 1), engine.ask(a, 2), engine.ask(a, 3)];
    const result = host.reload('v', v2);
    expect(result).toMatchObject({ swapped: 1, version: 2 });
    expect(await Promise.all(queued)).toEqual([2, 2, 2]); // the swap overtakes queued messages
    expect(engine.info(a)).toMatchObject({ restarts: 0, kind: 'v' });
    expect(await engine.ask(host.spawn('v'), 0)).toBe(2);
    // A refused module changes nothing.
    expect(() => host.reload('v', new Uint8Array([1, 2, 3]))).toThrow(/plugin\/invalid-module/);
    expect(await engine.ask(a, 0)).toBe(2);
    await engine.shutdown();
  });

  it('unload stops its actors with shutdown / plugin-unloaded; the name can be loaded again', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    host.load(await versioned(1), { name: 'v' });
    const a = host.spawn('v');
    expect(await engine.ask(a, 0)).toBe(1);
    const client = engine.client();
    client.monitor(a);
    expect(host.unload('v')).toEqual({ stopped: 1 });
    const down = await client.receive<Down>();
    expect(down).toBeInstanceOf(Down);
    expect(down.reason).toEqual(Exit.shutdown(PLUGIN_UNLOADED));
    expect(host.list()).toEqual([]);
    expect(() => host.spawn('v')).toThrow(/plugin\/not-loaded/);
    // The kind name stays registered; an actor of it fails at its first turn, naming why.
    const orphan = engine.spawn('v');
    client.monitor(orphan);
    const failed = await client.receive<Down>();
    expect(isPluginError((failed.reason as { error: unknown }).error, 'plugin/unloaded')).toBe(true);
    host.load(await versioned(3), { name: 'v' });
    expect(await engine.ask(host.spawn('v'), 0)).toBe(3);
    await engine.shutdown();
  });
});
