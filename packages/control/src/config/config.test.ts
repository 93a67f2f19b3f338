import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_MAX_NESTING, CONFIG_SCHEMA, ConfigError, loadConfig, loadKinds, parseConfig, validateConfig } from '@pd/control';
import { issues } from '../control.test-util.js';

/** The issues `validateConfig` reports for `raw` (fails the test when it accepts it). */
/** The single issue for `raw`, checked for its path and a message fragment. */
function refused(raw: unknown, path: string, fragment: string | RegExp): void {
  const found = issues(raw);
  expect(found.map((i) => i.path)).toEqual([path]);
  if (typeof fragment === 'string') expect(found[0]!.message).toContain(fragment);
  else expect(found[0]!.message).toMatch(fragment);
}

const worker = (id: string, kind = 'k', extra: object = {}) => ({ id, kind, ...extra });
const tree = (...children: object[]) => ({ version: 1, tree: { children } });

describe('config: the documented examples', () => {
  it('accepts every JSON example in docs/config.md', async () => {
    const doc = await readFile(new URL('../../../../docs/config.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(() => parseConfig(block)).not.toThrow();
  });

  it('fills in the documented defaults', () => {
    const config = validateConfig({ version: 1 });
    expect(config.engine).toEqual({ id: 'engine', mode: 'single', cores: 1, shutdownDeadlineMs: 10_000 });
    expect(config.control).toMatchObject({ enabled: true, host: '127.0.0.1', port: 0, allowRemote: false, maxConnections: 16, maxRequestBytes: 1_048_576, maxInFlight: 32, handshakeTimeoutMs: 5000, maxPendingConnections: 64 });
    expect(config.tree).toEqual({ id: 'root', children: [] });
    expect(config.modules).toEqual([]);
  });

  it('publishes a draft-07 schema that names the version it reads', () => {
    expect(CONFIG_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(CONFIG_SCHEMA.properties.version).toEqual(expect.objectContaining({ const: 1 }));
    expect(CONFIG_SCHEMA.additionalProperties).toBe(false);
  });
});

describe('config: each kind of mistake is refused with the path of the field', () => {
  it('not JSON, with line and column', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig('{\n  "version": 1,\n  "engine": { "id": "x" \n  "tree": {}\n}', '/tmp/x.json');
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.issues[0]!.path).toBe('(root)');
    expect(error!.issues[0]!.message).toMatch(/not valid JSON: .* at line 4, column \d+/);
    expect(error!.message).toContain('/tmp/x.json');
  });

  it('not an object', () => refused([1, 2], '(root)', 'a config is a JSON object'));
  it('another version: only that is reported', () => refused({ version: 2, engine: { nonsense: true } }, 'version', 'this pd reads config version 1, got the number 2'));
  it('no version', () => refused({}, 'version', 'required field "version" is missing'));
  it('an unknown field, with the nearest name', () => refused({ version: 1, engine: { idd: 'x' } }, 'engine.idd', 'unknown field "idd"; did you mean "id"?'));
  it('an unknown top-level field, listing what is allowed', () => refused({ version: 1, extensions: [] }, 'extensions', /unknown field "extensions"; allowed here: .*engine/));
  it('a wrong type', () => refused({ version: 1, engine: { cores: '4' } }, 'engine.cores', 'expected a whole number, got the string "4"'));
  it('a number out of range', () => refused({ version: 1, control: { port: 70000 } }, 'control.port', 'must be <= 65535, got the number 70000'));
  it('a zero where a positive number is needed', () => refused({ version: 1, engine: { askTimeoutMs: 0 } }, 'engine.askTimeoutMs', 'must be > 0'));
  it('a value not in the enum', () => refused({ version: 1, tree: { strategy: 'one_for_one', children: [] } }, 'tree.strategy', 'must be one of "one-for-one", "one-for-all", "rest-for-one"'));
  it('a bad actor name', () => refused(tree(worker('my actor')), 'tree.children[0].id', 'is not a valid name'));
  it('a bad engine id', () => refused({ version: 1, engine: { id: '../etc' } }, 'engine.id', 'is not a valid engine id'));
  it('a child without id', () => refused(tree({ kind: 'k' }), 'tree.children[0].id', 'required field "id" is missing'));
  it('a child with neither kind nor children', () => refused(tree({ id: 'a' }), 'tree.children[0]', 'a child needs "kind" (a worker) or "children" (a supervisor)'));
  it('a child with both kind and children', () => refused(tree({ id: 'a', kind: 'k', children: [] }), 'tree.children[0]', 'not both'));
  it('a supervisor field on a worker', () => refused(tree(worker('a', 'k', { strategy: 'one-for-all' })), 'tree.children[0].strategy', 'only a supervisor'));
  it('a worker field on a supervisor', () => refused(tree({ id: 's', args: {}, children: [] }), 'tree.children[0].args', 'only a worker'));
  it('duplicate sibling ids', () => refused(tree(worker('a'), worker('b'), worker('a')), 'tree.children[2].id', 'duplicate id "a" (also tree.children[0].id)'));
  it('same ids under different parents are fine', () => {
    expect(() => validateConfig(tree({ id: 's1', children: [worker('a')] }, { id: 's2', children: [worker('a')] }))).not.toThrow();
  });
  it('a bad shutdown', () => refused(tree(worker('a', 'k', { shutdown: 'soon' })), 'tree.children[0].shutdown', 'a whole number of ms (>= 0), "brutal" or "infinity"'));
  it('a backoff that is true, or has a bad field', () => {
    refused(tree(worker('a', 'k', { backoff: true })), 'tree.children[0].backoff', 'true is not a backoff');
    refused({ version: 1, tree: { backoff: { factor: 0.5 }, children: [] } }, 'tree.backoff.factor', 'must be >= 1');
    refused({ version: 1, tree: { backoff: { initalMs: 5 }, children: [] } }, 'tree.backoff.initalMs', 'did you mean "initialMs"?');
  });
  it('deep inside the tree', () => {
    const raw = tree({ id: 's', children: [worker('a'), worker('b', 'k', { mailbox: { capacity: 10, overflow: 'drop' } })] });
    refused(raw, 'tree.children[0].children[1].mailbox.overflow', 'must be one of "drop-newest"');
  });
  it('a non-loopback host without allowRemote', () => refused({ version: 1, control: { host: '0.0.0.0' } }, 'control.host', 'not a loopback address'));
  it('a non-loopback host with allowRemote is allowed', () => {
    expect(validateConfig({ version: 1, control: { host: '0.0.0.0', allowRemote: true } }).control.host).toBe('0.0.0.0');
  });
  it('several cores need multi mode; multi mode takes 1 to 64 cores, the runtime\'s cap', () => {
    refused({ version: 1, engine: { cores: 4 } }, 'engine.cores', 'single mode runs on one core');
    expect(validateConfig({ version: 1, engine: { mode: 'multi', cores: 64 } }).engine).toMatchObject({ mode: 'multi', cores: 64 });
    refused({ version: 1, engine: { mode: 'multi', cores: 65 } }, 'engine.cores', 'must be <= 64, got the number 65');
    refused({ version: 1, engine: { mode: 'multi', cores: 0 } }, 'engine.cores', 'must be >= 1, got the number 0');
  });
  it('placement: multi mode only, by field path, cores within the engine\'s', () => {
    const placement = { default: 'any', kinds: { counter: { core: 1 }, echo: 'hash' } };
    expect(validateConfig({ version: 1, engine: { mode: 'multi', cores: 2, placement } }).engine.placement).toEqual(placement);
    refused({ version: 1, engine: { placement: { default: 'any' } } }, 'engine.placement', 'needs engine.mode "multi"');
    refused({ version: 1, engine: { mode: 'multi', cores: 2, placement: { kinds: { counter: { core: 2 } } } } }, 'engine.placement.kinds.counter.core', 'the engine has 2 core(s) (0 to 1); got core 2');
    refused({ version: 1, engine: { mode: 'multi', cores: 2, placement: { kinds: { counter: 'near' } } } }, 'engine.placement.kinds.counter', 'must be "local", "any", "hash" or { "core": N }');
    refused({ version: 1, engine: { mode: 'multi', cores: 2, placement: { defualt: 'any' } } }, 'engine.placement.defualt', 'did you mean "default"?');
  });
  it('a worker\'s placement on another node: { node } or { nodes }, workers only, with a federation, by field path', () => {
    const fed = { nodeId: 'a', peers: [{ id: 'b', host: '127.0.0.1', port: 7001 }] };
    const ok = validateConfig({ version: 1, federation: fed, tree: { children: [worker('w', 'k', { placement: { node: 'b' } }), worker('v', 'k', { placement: { nodes: ['b', 'a'] } })] } });
    expect(ok.tree!.children!.map((c) => c.placement)).toEqual([{ node: 'b' }, { nodes: ['b', 'a'] }]);
    refused(tree(worker('w', 'k', { placement: { node: 'b' } })), 'tree.children[0].placement', 'needs a cluster: give the config a "federation" section');
    refused({ version: 1, federation: fed, tree: { children: [{ id: 's', children: [], placement: { node: 'b' } }] } }, 'tree.children[0].placement', 'only a worker');
    for (const bad of [{ node: '' }, { nodes: [] }, { node: 'b', core: 1 }, 'b', { core: 1 }]) {
      refused({ version: 1, federation: fed, tree: { children: [worker('w', 'k', { placement: bad })] } }, 'tree.children[0].placement', 'must be { "node": ID } or { "nodes": [ID, ...] }');
    }
  });
  it('too deep a tree', () => {
    let node: any = worker('leaf');
    for (let i = 0; i < 20; i++) node = { id: `s${i}`, children: [node] };
    const found = issues(tree(node));
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('nested more than 16 levels');
  });
  it('too deep a nesting is refused by path before validation, not by a stack overflow', () => {
    let node: any = worker('leaf');
    for (let i = 0; i < 1000; i++) node = { id: `s${i}`, children: [node] };
    const found = issues(tree(node));
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toMatch(/^tree\.children\[0\](\.children\[0\])+\.children$/);
    expect(found[0]!.message).toContain(`nested more than ${CONFIG_MAX_NESTING} levels deep`);
    let args: any = 1;
    for (let i = 0; i < 5000; i++) args = { a: args };
    const inArgs = issues(tree(worker('w', 'k', { args })));
    expect(inArgs.map((i) => i.path)).toEqual([`tree.children[0].args${'.a'.repeat(CONFIG_MAX_NESTING - 4)}`]);
  });
  it('every mistake at once', () => {
    const found = issues({ version: 1, engine: { id: 3, cores: 'x', extra: 1 }, control: { port: -1 } });
    expect(found.map((i) => i.path).sort()).toEqual(['control.port', 'engine.cores', 'engine.extra', 'engine.id']);
  });
});

describe('config: files, modules and kinds', () => {
  async function dir(files: Record<string, string>): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'pd-config-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(d, name), text);
    return d;
  }
  const KINDS = 'export const kinds = [{ name: "a", create: () => ({ receive() {} }) }, { name: "b", create: () => ({ receive() {} }) }];';

  it('resolves modules and stateDir relative to the config file, and loads the kinds', async () => {
    const d = await dir({ 'kinds.mjs': KINDS, 'pd.json': JSON.stringify({ version: 1, control: { stateDir: 'state' }, modules: ['./kinds.mjs'], tree: { children: [worker('x', 'a')] } }) });
    const config = await loadConfig(join(d, 'pd.json'));
    expect(config.file).toBe(join(d, 'pd.json'));
    expect(config.modules).toEqual([join(d, 'kinds.mjs')]);
    expect(config.control.stateDir).toBe(join(d, 'state'));
    expect((await loadKinds(config)).map((k) => k.name)).toEqual(['a', 'b']);
  });

  it('refuses a kind no module defines, naming the field and the known kinds', async () => {
    const d = await dir({ 'kinds.mjs': KINDS, 'pd.json': JSON.stringify({ version: 1, modules: ['./kinds.mjs'], tree: { children: [worker('x', 'a'), { id: 's', children: [worker('y', 'c')] }] } }) });
    const error = await loadKinds(await loadConfig(join(d, 'pd.json'))).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([{ path: 'tree.children[1].children[0].kind', message: 'unknown kind "c" (known kinds: a, b)' }]);
  });

  it('reports an unknown kind together with the schema mistakes (every mistake at once)', async () => {
    const d = await dir({
      'kinds.mjs': KINDS,
      'pd.json': JSON.stringify({ version: 1, engine: { cores: '4' }, control: { prot: 1 }, modules: ['./kinds.mjs'], tree: { children: [worker('x', 'a'), worker('y', 'paymnets')] } }),
    });
    const error = await loadConfig(join(d, 'pd.json')).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['control.prot', 'engine.cores', 'tree.children[1].kind']);
    expect(error.issues.find((i: { path: string }) => i.path === 'tree.children[1].kind').message).toBe('unknown kind "paymnets" (known kinds: a, b)');
  });

  it('refuses a module that cannot be imported or exports no kinds', async () => {
    const d = await dir({ 'none.mjs': 'export const x = 1;', 'pd.json': JSON.stringify({ version: 1, modules: ['./missing.mjs', './none.mjs'] }) });
    const error = await loadKinds(await loadConfig(join(d, 'pd.json'))).catch((e) => e);
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(['modules[0]', 'modules[1]']);
    expect(error.issues[0].message).toContain('cannot import');
    expect(error.issues[1].message).toContain('exports no "kinds" array');
  });

  it('refuses a missing file and a file that is not JSON', async () => {
    const d = await dir({ 'bad.json': 'version: 1' });
    await expect(loadConfig(join(d, 'nope.json'))).rejects.toThrow(/cannot read the config file/);
    await expect(loadConfig(join(d, 'bad.json'))).rejects.toThrow(/not valid JSON/);
  });
});
