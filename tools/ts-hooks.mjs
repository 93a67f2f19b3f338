// Module hooks that let plain `node` run the workspace's TypeScript sources, for the sim
// runner (`npm run sim`) and for tests that replay a seed in a second process. `@pd/<pkg>`
// and `@pd/<pkg>/<subpath>` resolve to packages/<pkg>/src, a `.js` specifier falls back
// to its `.ts` file, and `.ts` files are transpiled (no type check) with inline source
// maps, so stack traces name the .ts lines. Registered by tools/ts-register.mjs.
//
// Transpiling the ~150 source files is most of a run's start-up (seconds of CPU, more on a
// busy machine), so each output is cached under node_modules/.cache/pd-ts-hooks: one entry
// per source file (so the cache stays as big as the sources), named by a hash of its path,
// the TypeScript version and the options below, and holding the hash of the content it was
// made from; a warm start loads no TypeScript at all. Entries are written to a temporary name
// and renamed, so runs in parallel never read half a file; a stale or unreadable entry is a miss.
/* global URL, process */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packages = new URL('../packages/', import.meta.url);
const SUBPATHS = { '': 'index.ts', internal: 'internal.ts', sim: 'sim/index.ts', 'sim/fast-check': 'sim/fast-check.ts' };

export async function resolve(specifier, context, next) {
  const m = /^@pd\/([a-z-]+)(?:\/(.+))?$/.exec(specifier);
  if (m !== null) {
    const file = SUBPATHS[m[2] ?? ''];
    if (file !== undefined) {
      const url = new URL(`${m[1]}/src/${file}`, packages);
      if (existsSync(url)) return { url: url.href, shortCircuit: true };
    }
  }
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('/')) && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(url)) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

const require = createRequire(import.meta.url);
const cacheDir = fileURLToPath(new URL('../node_modules/.cache/pd-ts-hooks/', import.meta.url));
// Part of every key: a new TypeScript or a change to the options below is a new cache.
const salt = `v1 ${JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version} ES2022 ESNext verbatim inline-map define-fields\n`;
let ts = null;

function transpile(path, source) {
  ts ??= require('typescript');
  return ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true,
      inlineSourceMap: true, inlineSources: false, useDefineForClassFields: true,
    },
  }).outputText;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const entry = `${cacheDir}${createHash('sha256').update(salt).update(path).digest('hex')}.js`;
  const stamp = `//${createHash('sha256').update(source).digest('hex')}\n`;
  let output = null;
  try {
    const cached = readFileSync(entry, 'utf8');
    if (cached.startsWith(stamp)) output = cached.slice(stamp.length);
  } catch {
    // not cached yet
  }
  if (output === null) {
    output = transpile(path, source);
    try {
      mkdirSync(cacheDir, { recursive: true });
      const temp = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(temp, stamp + output);
      renameSync(temp, entry);
    } catch {
      // A read-only or full disk: run without the cache.
    }
  }
  return { format: 'module', source: output, shortCircuit: true };
}

export { pathToFileURL };
