#!/usr/bin/env node
// Installs the packages as a user does and uses them there. Packs every publishable
// package (`pnpm pack`, from the built dist), installs the tarballs with npm into a
// temporary project outside the workspace, and checks there: the README's first example
// runs as ESM and through require(), type-checks under strict TypeScript with
// noUnusedLocals, `npx pd --help` works, a second installed copy of @pd/actor still passes
// the documented instanceof idioms, every entry point loads through require(), every
// tarball carries its LICENSE and README, and attw finds no problem in the tarballs
// (publint runs in each package's lint). Needs the packages built (`npm test` builds first)
// and the npm registry for the third-party dependencies (msgpackr, ws, ajv).
// `node tools/pack-check.mjs [--keep]`: --keep leaves the temporary project for a look.
/* global console, process */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
// Every publishable package (not private) under packages/: a new one is packed without an edit here.
const PACKAGES = readdirSync(join(root, 'packages'))
  .filter((p) => existsSync(join(root, 'packages', p, 'package.json')))
  .filter((p) => JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).private !== true)
  .sort();
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(cmd, args, cwd, { expectOutput } = {}) {
  if (cwd === undefined) throw new Error('pack-check: run needs a cwd');
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'true' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`pack-check: \`${cmd} ${args.join(' ')}\` in ${cwd} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}`);
  }
  if (expectOutput !== undefined && !expectOutput.test(out)) {
    throw new Error(`pack-check: \`${cmd} ${args.join(' ')}\` printed no ${expectOutput}:\n${out}`);
  }
  return out;
}

/** The README's first ```ts block: the example a newcomer copies. */
function readmeExample() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (match === null) throw new Error('pack-check: README.md has no ```ts example');
  return match[1];
}

/** The same program for a CommonJS user: its imports become require(), the rest runs in an async main. */
function asCommonJs(example) {
  const lines = example.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  return `${imports.join('\n')}\n\nasync function main(): Promise<void> {\n${body.join('\n')}\n}\n\nvoid main();\n`;
}

const STRICT = {
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
    noUnusedLocals: true, noUnusedParameters: true, noUncheckedIndexedAccess: true,
    skipLibCheck: false, types: ['node'], outDir: 'out',
  },
  files: ['example.mts', 'example.cts'],
};

// Run after installing a second copy of @pd/actor under dup/: this file's @pd/actor is
// that copy, while @pd/runtime uses the top-level one. The idioms of docs/concepts/failure.md.
const DUPLICATE_CHECK = `
import { createRequire } from 'node:module';
import { Addr, Down, ExitSignal, SpawnError, isAddr } from '@pd/actor';
import { createEngine } from '@pd/runtime';
const require = createRequire(import.meta.url);
const mine = require.resolve('@pd/actor');
const runtimes = createRequire(require.resolve('@pd/runtime')).resolve('@pd/actor');
if (mine === runtimes) throw new Error('expected two copies of @pd/actor, got one: ' + mine);
const engine = createEngine();
const watcher = engine.client();
const worker = engine.spawn({ receive() { throw new Error('boom'); } });
if (!isAddr(worker) || !(worker instanceof Addr)) throw new Error('an address from the runtime is not an Addr to the application copy');
watcher.monitor(worker);
engine.send(worker, 'crash');
const down = await watcher.receive({ timeoutMs: 5000 });
if (!(down instanceof Down)) throw new Error('down instanceof Down is false across copies');
if (down instanceof ExitSignal) throw new Error('a Down passed instanceof ExitSignal');
const trapper = engine.client();
trapper.trapExits(true);
const linked = engine.spawn({ receive() { throw new Error('boom'); } });
trapper.link(linked);
engine.send(linked, 'crash');
const signal = await trapper.receive({ timeoutMs: 5000 });
if (!(signal instanceof ExitSignal)) throw new Error('an exit signal is not instanceof ExitSignal across copies');
if (signal instanceof Down) throw new Error('an ExitSignal passed instanceof Down');
let refused = null;
try { engine.spawn(42); } catch (error) { refused = error; }
if (!(refused instanceof SpawnError)) throw new Error('a runtime SpawnError is not instanceof SpawnError across copies: ' + refused);
const forged = Object.create(Addr.prototype);
if (isAddr(forged) || forged instanceof Addr) throw new Error('a look-alike passed as an address');
await engine.shutdown();
console.log('duplicate ok');
`;

function main() {
  for (const name of PACKAGES) {
    // A package of sources only (the AssemblyScript SDK ships its .ts) has nothing to build.
    const built = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).files?.includes('dist') ?? true;
    if (built && !existsSync(join(root, 'packages', name, 'dist', 'index.js'))) {
      throw new Error(`pack-check: packages/${name}/dist is missing; build first (npm run setup)`);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'pd-pack-check-'));
  try {
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    run('npx', ['-y', 'pnpm@10.34.9', ...PACKAGES.flatMap((p) => ['--filter', `./packages/${p}`]), '-r', 'pack', '--pack-destination', tarballs], root);
    const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).map((f) => join(tarballs, f));
    if (files.length !== PACKAGES.length) throw new Error(`pack-check: expected ${PACKAGES.length} tarballs, got ${files.join(', ')}`);

    // What npm shows and a user's compliance check reads: every tarball carries the licence
    // its package.json names, and its README (a package's files list leaves them out easily).
    for (const file of files) {
      const listed = new Set(run('tar', ['-tzf', file], root).split('\n').map((l) => l.trim()));
      const missing = ['package/package.json', 'package/README.md', 'package/LICENSE'].filter((f) => !listed.has(f));
      if (missing.length > 0) throw new Error(`pack-check: ${file} lacks ${missing.join(', ')}`);
    }

    // attw: the types every resolution mode sees match what loads. Its CJSResolvesToESM
    // warning is what Node 20.19+ require(esm) makes work (checked below), so it is ignored.
    for (const file of files) run(bin('attw'), [file, '--profile', 'node16', '--format', 'ascii', '--ignore-rules', 'cjs-resolves-to-esm'], root);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pd-pack-check-app', private: true, type: 'module' }, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);

    const example = readmeExample();
    writeFileSync(join(app, 'example.mts'), example);
    writeFileSync(join(app, 'example.cts'), asCommonJs(example));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(STRICT, null, 2));
    // TypeScript and @types/node from the workspace: the check is about our typings, not theirs.
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    const typesNode = realpathSync(join(root, 'node_modules', '@types', 'node'));
    cpSync(typesNode, join(app, 'node_modules', '@types', 'node'), { recursive: true, dereference: true });
    cpSync(join(typesNode, '..', '..', 'undici-types'), join(app, 'node_modules', 'undici-types'), { recursive: true, dereference: true });
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
    run(process.execPath, ['out/example.mjs'], app, { expectOutput: /^2$/m });
    run(process.execPath, ['out/example.cjs'], app, { expectOutput: /^2$/m });

    // Every entry point through require() (Node 20.19+ loads ESM synchronously when it has no top-level await).
    // Every export of every package (but ./package.json, and @pd/runtime/sim/fast-check,
    // which imports its optional peer fast-check that this project does not install).
    const entries = PACKAGES.flatMap((p) => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8'));
      return Object.keys(pkg.exports ?? {}).map((k) => pkg.name + k.slice(1));
    }).filter((e) => !e.endsWith('/package.json') && e !== '@pd/runtime/sim/fast-check');
    writeFileSync(join(app, 'require-all.cjs'), entries.map((e) => `if (Object.keys(require(${JSON.stringify(e)})).length === 0) throw new Error('empty: ${e}');`).join('\n') + '\nconsole.log("require ok");\n');
    run(process.execPath, ['require-all.cjs'], app, { expectOutput: /require ok/ });

    run('npx', ['--no-install', 'pd', '--help'], app, { expectOutput: /pd/ });

    const dup = join(app, 'dup');
    mkdirSync(join(dup, 'node_modules', '@pd'), { recursive: true });
    cpSync(join(app, 'node_modules', '@pd', 'actor'), join(dup, 'node_modules', '@pd', 'actor'), { recursive: true, dereference: true });
    writeFileSync(join(dup, 'check.mjs'), DUPLICATE_CHECK);
    run(process.execPath, ['check.mjs'], dup, { expectOutput: /duplicate ok/ });
    console.log(`pack-check: ${files.length} tarballs installed and used outside the workspace`);
  } finally {
    if (keep) console.log(`pack-check: left ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
