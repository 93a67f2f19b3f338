// The config's `plugins` section: defaults, paths relative to the file, the mistakes it names
// by field path, plugin names as kinds the tree may name.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, loadConfig, loadKinds, validateConfig } from '@pd/control';
import { issues } from '../control.test-util.js';

const withPlugins = (...plugins: unknown[]) => ({ version: 1, plugins });

describe('config: plugins', () => {
  it('is empty by default; a plugin is named after its file unless named', () => {
    expect(validateConfig({ version: 1 }).plugins).toEqual([]);
    const config = validateConfig(withPlugins({ file: 'build/counter.wasm' }, { name: 'limiter', file: 'rl.wasm', limits: { fuel: 1000, timeoutMs: false, spawnKinds: '*' } }));
    expect(config.plugins).toEqual([
      { name: 'counter', file: 'build/counter.wasm' },
      { name: 'limiter', file: 'rl.wasm', limits: { fuel: 1000, timeoutMs: false, spawnKinds: '*' } },
    ]);
    expect(CONFIG_SCHEMA.properties.plugins).toMatchObject({ type: 'array' });
  });

  it('names each mistake by its field path', () => {
    expect(issues(withPlugins({ name: 'x' }))).toEqual([{ path: 'plugins[0].file', message: 'required field "file" is missing' }]);
    expect(issues(withPlugins({ file: 'a.wasm', limits: { fule: 5 } }))[0]).toEqual({ path: 'plugins[0].limits.fule', message: 'unknown field "fule"; did you mean "fuel"?' });
    expect(issues(withPlugins({ file: 'a.wasm', limits: { fuel: 'lots' } }))[0]).toEqual({ path: 'plugins[0].limits.fuel', message: 'expected a whole number or a boolean, got the string "lots"' });
    expect(issues(withPlugins({ file: 'a.wasm', limits: { memoryPages: 70000 } }))[0]!.path).toBe('plugins[0].limits.memoryPages');
    expect(issues(withPlugins({ file: 'a.wasm' }, { file: 'b/a.wasm' }))).toEqual([{ path: 'plugins[1].name', message: 'duplicate plugin name "a" (also plugins[0]); plugin names must be unique' }]);
    expect(issues(withPlugins({ file: 'my plugin.wasm' }))[0]!.path).toBe('plugins[0].name');
    expect(issues(withPlugins({ file: 'a.wasm', limits: { fuel: true } }))[0]).toMatchObject({ path: 'plugins[0].limits.fuel', message: expect.stringContaining('true is not a limit') });
    expect(issues(withPlugins({ file: 'a.wasm', limits: { spawnKinds: 'all' } }))[0]!.path).toBe('plugins[0].limits.spawnKinds');
    expect(issues(withPlugins({ file: 'a.wasm', limits: { fuel: false, timeoutMs: false } }))[0]).toMatchObject({ path: 'plugins[0].limits', message: expect.stringContaining('unstoppable') });
    expect(issues(withPlugins({ file: 'a.wasm', limits: { unmetered: true } }))[0]!.path).toBe('plugins[0].limits.unmetered');
  });

  it('resolves files relative to the config file; the tree may name a plugin; a plugin may not take a module kind\'s name', async () => {
    const d = await mkdtemp(join(tmpdir(), 'pd-config-plugins-'));
    await writeFile(join(d, 'kinds.mjs'), 'export const kinds = [{ name: "a", create: () => ({ receive() {} }) }];');
    await writeFile(join(d, 'pd.json'), JSON.stringify({ version: 1, modules: ['./kinds.mjs'], plugins: [{ file: 'wasm/counter.wasm' }], tree: { children: [{ id: 'c', kind: 'counter' }] } }));
    const config = await loadConfig(join(d, 'pd.json'));
    expect(config.plugins).toEqual([{ name: 'counter', file: join(d, 'wasm/counter.wasm') }]);
    expect((await loadKinds(config)).map((k) => k.name)).toEqual(['a']);
    await writeFile(join(d, 'clash.json'), JSON.stringify({ version: 1, modules: ['./kinds.mjs'], plugins: [{ name: 'a', file: 'x.wasm' }] }));
    const error = await loadKinds(await loadConfig(join(d, 'clash.json'))).catch((e) => e);
    expect(error.issues).toEqual([{ path: 'plugins[0].name', message: '"a" is already a kind of modules[0]; give the plugin another name' }]);
    // With schema mistakes elsewhere, a tree naming a plugin is not reported as an unknown kind.
    await writeFile(join(d, 'bad.json'), JSON.stringify({ version: 1, engine: { cores: 'x' }, modules: ['./kinds.mjs'], plugins: [{ file: 'counter.wasm' }], tree: { children: [{ id: 'c', kind: 'counter' }] } }));
    const bad = await loadConfig(join(d, 'bad.json')).catch((e) => e);
    expect(bad.issues.map((i: { path: string }) => i.path)).toEqual(['engine.cores']);
  });
});
