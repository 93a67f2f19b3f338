// Plugins through the control plane: `pd start`'s boot loads the config's plugins before
// the tree (which names one as a kind), and the plugin.* methods load, list, inspect,
// reload and unload them over a real connection.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ControlClient, ControlError, bootEngine, validateConfig, type RunningEngine } from '@pd/control';

/** The AssemblyScript counter example, built by @pd/plugin's build. */
const COUNTER = fileURLToPath(new URL('../../plugin/examples/counter-as/build/counter.wasm', import.meta.url));

describe('plugins through the control plane', () => {
  let running: RunningEngine;
  let client: ControlClient;
  let wasm: string;

  beforeAll(async () => {
    wasm = (await readFile(COUNTER)).toString('base64');
    const dir = await mkdtemp(join(tmpdir(), 'pd-control-plugins-'));
    const config = validateConfig({
      version: 1, engine: { id: 'plugins' },
      plugins: [{ name: 'counter', file: COUNTER, limits: { fuel: 100_000, memoryPages: 16 } }],
      tree: { id: 'app', children: [{ id: 'c', kind: 'counter', register: 'c', restart: 'transient' }] },
    });
    running = await bootEngine(config, { stateDir: dir });
    client = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
  });

  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  it('boots with the config\'s plugins loaded, its actors in the tree', async () => {
    expect((await client.call('msg.call', { target: 'c', message: 5 })).reply).toBe(5);
    const { plugins } = await client.call('plugin.list');
    expect(plugins).toEqual([expect.objectContaining({ name: 'counter', abiVersion: 1, version: 1, actors: 1, messages: 1, limits: expect.objectContaining({ fuel: 100_000, memoryPages: 16 }) })]);
    const info = await client.call('plugin.info', { name: 'counter' });
    expect(info.fuelUsed).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
    expect(running.plugins.info('counter').actors).toBe(1);
  });

  it('loads another under a name with limits, refuses bad modules and names, and reloads', async () => {
    const loaded = await client.call('plugin.load', { name: 'counter2', wasm, limits: { fuel: 50_000 } });
    expect(loaded).toMatchObject({ name: 'counter2', version: 1, actors: 0, limits: { fuel: 50_000 } });
    const spawned = await client.call('actor.spawn', { kind: 'counter2', name: 'c2' });
    expect((await client.call('msg.call', { target: spawned.addr, message: 2 })).reply).toBe(2);

    const bad = await client.call('plugin.load', { name: 'junk', wasm: Buffer.from('not wasm').toString('base64') }).catch((e) => e);
    expect(bad).toBeInstanceOf(ControlError);
    expect(bad.code).toBe('plugin/refused');
    expect(bad.data.cause).toBe('plugin/invalid-module');
    const taken = await client.call('plugin.load', { name: 'counter', wasm }).catch((e) => e);
    expect(taken.code).toBe('plugin/name-taken');
    const limits = await client.call('plugin.load', { name: 'x', wasm, limits: { fuel: -1 } }).catch((e) => e);
    expect([limits.code, limits.data.cause]).toEqual(['plugin/refused', 'plugin/invalid-options']);
    const notBase64 = await client.call('plugin.load', { name: 'x', wasm: 'a b' }).catch((e) => e);
    expect(notBase64.code).toBe('rpc/invalid-params');
    expect((await client.call('plugin.info', { name: 'nope' }).catch((e) => e)).code).toBe('plugin/not-loaded');

    // Reload swaps the running actor: same address, fresh guest state (the count restarts).
    const reloaded = await client.call('plugin.reload', { name: 'counter2', wasm });
    expect(reloaded).toMatchObject({ name: 'counter2', version: 2, swapped: 1, limits: { fuel: 50_000 } });
    expect((await client.call('msg.call', { target: spawned.addr, message: 3 })).reply).toBe(3);
    expect((await client.call('actor.info', { target: spawned.addr })).restarts).toBe(0);
  });

  it('unload stops the plugin\'s actors with shutdown / plugin-unloaded and waits for them', async () => {
    const result = await client.call('plugin.unload', { name: 'counter' });
    expect(result).toEqual({ name: 'counter', stopped: 1, reason: { type: 'shutdown', detail: 'plugin-unloaded', text: 'shutdown: plugin-unloaded' }, escalations: [] });
    expect((await client.call('actor.list', { kind: 'counter' })).total).toBe(0);
    expect((await client.call('plugin.list')).plugins.map((p: { name: string }) => p.name)).toEqual(['counter2']);
    expect((await client.call('plugin.unload', { name: 'counter' }).catch((e) => e)).code).toBe('plugin/not-loaded');
  });
});

describe('plugins in the config at boot', () => {
  it('a module that cannot be read or is refused is a config error naming the field; nothing starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-control-plugins-bad-'));
    await writeFile(join(dir, 'junk.wasm'), 'not wasm');
    const config = validateConfig({ version: 1, engine: { id: 'bad-plugins' }, plugins: [{ file: join(dir, 'missing.wasm') }, { file: join(dir, 'junk.wasm') }] });
    const error = await bootEngine(config, { stateDir: join(dir, 'state') }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(['plugins[0].file', 'plugins[1].file']);
    expect(error.issues[0].message).toContain('ENOENT');
    expect(error.issues[1].message).toContain('plugin/invalid-module');
  });
});
