#!/usr/bin/env node
// Builds the example plugins from source, as part of the package build:
// - examples/counter-as: AssemblyScript (the `assemblyscript` npm package), always;
// - examples/rate-limiter-c: C with Debian's clang + lld (wasm32 target), when clang is on
//   PATH; otherwise says so and skips (the tests that need it skip with the same message);
// - examples/greeter-component-as: a WebAssembly component: an AssemblyScript core module
//   made a component with jco's componentEmbed + componentNew (`@bytecodealliance/jco-transpile`,
//   npm only), always.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The clang command line for a C plugin (docs/plugins.md shows the same). */
export function clangArgs(source, output) {
  return ['--target=wasm32', '-O2', '-nostdlib', '-mbulk-memory', '-Wl,--no-entry', '-I', join(root, 'include'), '-o', output, source];
}

export async function buildCounter() {
  const asc = (await import('assemblyscript/asc')).default;
  const dir = join(root, 'examples/counter-as');
  mkdirSync(join(dir, 'build'), { recursive: true });
  const { error, stderr } = await asc.main([
    join(dir, 'assembly/index.ts'), '-o', join(dir, 'build/counter.wasm'), '--runtime', 'stub', '--use', 'abort=', '-O3', '--noAssert',
    // asc looks for packages (the SDK, @pd/plugin-sdk-as) in node_modules above its working
    // folder; the tests build from the repository root, so name this package's too.
    '--path', join(root, 'node_modules'),
  ]);
  if (error) throw new Error(`counter-as: ${error.message}\n${stderr.toString()}`);
  return join(dir, 'build/counter.wasm');
}

/** Whether clang and wasm-ld (lld) are both on PATH. */
export function haveClang() {
  return spawnSync('clang', ['--version'], { encoding: 'utf8' }).status === 0
    && spawnSync('wasm-ld', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function buildRateLimiter() {
  const dir = join(root, 'examples/rate-limiter-c');
  mkdirSync(join(dir, 'build'), { recursive: true });
  const output = join(dir, 'build/rate-limiter.wasm');
  const r = spawnSync('clang', clangArgs(join(dir, 'rate_limiter.c'), output), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rate-limiter-c: clang failed:\n${r.stderr}`);
  return output;
}

/**
 * WIT source for componentEmbed: `worldWit` (one package with its world) plus the host
 * interfaces (wit/host.wit) as a nested package, so no deps/ folder is needed.
 */
export function witWithHost(worldWit) {
  const host = readFileSync(join(root, 'wit/host.wit'), 'utf8')
    .split('\n').filter((line) => !/^package /.test(line) && !/^\/\/\/ (The host interfaces|Anything else)/.test(line)).join('\n');
  return `${worldWit}\npackage pd:host@0.1.0 {\n${host}\n}\n`;
}

/** A component from a core module and the WIT of its world (jco: componentEmbed, then componentNew). */
export async function makeComponent(core, worldWit, world, stringEncoding = 'utf8') {
  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const embedded = await componentEmbed({ binary: core, witSource: witWithHost(worldWit), world, stringEncoding });
  return componentNew(embedded);
}

export async function buildGreeterComponent() {
  const asc = (await import('assemblyscript/asc')).default;
  const dir = join(root, 'examples/greeter-component-as');
  mkdirSync(join(dir, 'build'), { recursive: true });
  const core = join(dir, 'build/greeter.core.wasm');
  const { error, stderr } = await asc.main([
    join(dir, 'assembly/index.ts'), '-o', core, '--runtime', 'stub', '--use', 'abort=', '-O3', '--noAssert',
  ]);
  if (error) throw new Error(`greeter-component-as: ${error.message}\n${stderr.toString()}`);
  // AssemblyScript strings are UTF-16: the component says so, and jco copies strings as such.
  const component = await makeComponent(readFileSync(core), readFileSync(join(dir, 'wit/world.wit'), 'utf8'), 'greeter', 'utf16');
  const output = join(dir, 'build/greeter.component.wasm');
  writeFileSync(output, component);
  return output;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCounter();
  await buildGreeterComponent();
  if (!haveClang()) console.log('build-examples: clang/wasm-ld not found, examples/rate-limiter-c not built (apt-get install -y clang lld)');
  else {
    try {
      buildRateLimiter();
    } catch (error) {
      console.log(`build-examples: examples/rate-limiter-c not built: ${error.message}`);
    }
  }
}
