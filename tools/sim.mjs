#!/usr/bin/env node
// `npm run sim -- ARGS`: the deterministic simulation runner (docs/simulation.md). Runs the scenarios
// of packages/*/test/sim/scenarios/*.scenario.ts (and any --module FILE) from TypeScript
// source, no build needed; prints one line per seed with its trace hash; on failure prints
// the seed, the Node version and the command that replays it, shrinks it with fast-check,
// and exits with the failure's code (127 crash, 128 liveness, 129 correctness, ...).
/* global console, process, performance */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
// `npm run` starts scripts in the repository root; paths on the command line are the caller's.
const cwd = process.env.INIT_CWD ?? process.cwd();
const sim = await import('@pd/runtime/sim');

/** A mistake on the command line: the message and the usage, exit 2 (as runSimCli does). */
function usageError(message) {
  console.log(`sim: ${message}\n${sim.SIM_USAGE}`);
  process.exit(2);
}

// --module FILE: scenarios the runner would not find; their replay lines name the file again.
const modules = [];
const named = new Set();
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg !== '--module' && !arg.startsWith('--module=')) continue;
  const file = arg === '--module' ? argv[i + 1] : arg.slice('--module='.length);
  if (file === undefined || file === '') usageError('--module needs a file');
  const full = resolve(cwd, file);
  if (!existsSync(full) || !statSync(full).isFile()) usageError(`--module ${file}: no such file`);
  modules.push(full);
  named.add(full);
}
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'test', 'sim', 'scenarios');
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.scenario.ts')).sort();
  } catch {
    continue;
  }
  for (const f of files) modules.push(join(dir, f));
}

const { shrinkPlan } = await import('@pd/runtime/sim/fast-check');
const fc = (await import('fast-check')).default;
const scenarios = [];
const moduleOf = new Map();
for (const file of modules) {
  const mod = await import(pathToFileURL(file).href);
  for (const value of Object.values(mod)) {
    if (value !== null && typeof value === 'object' && typeof value.name === 'string' && typeof value.description === 'string' && !scenarios.includes(value)) {
      scenarios.push(value);
      if (named.has(file)) moduleOf.set(value, relative(cwd, file) || file);
    }
  }
}

const code = await sim.runSimCli(argv, {
  scenarios,
  shrink: (scenario, plan, failure) => shrinkPlan(fc, scenario, plan, failure),
  randomSeed: () => Math.floor(Math.random() * 0x100000000),
  clock: () => performance.now(),
  moduleOf: (scenario) => moduleOf.get(scenario),
});
process.exit(code);
