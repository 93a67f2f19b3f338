// Module hooks that let plain `node` run the workspace's TypeScript sources, for the sim
// runner (`npm run sim`) and for tests that replay a seed in a second process. `@pd/<pkg>`
// and `@pd/<pkg>/<subpath>` resolve to packages/<pkg>/src, a `.js` specifier falls back
// to its `.ts` file, and `.ts` files are transpiled (no type check) with inline source
// maps, so stack traces name the .ts lines. Registered by tools/ts-register.mjs.
/* global URL */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

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

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const out = ts.transpileModule(readFileSync(path, 'utf8'), {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true,
      inlineSourceMap: true, inlineSources: false, useDefineForClassFields: true,
    },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}

export { pathToFileURL };
