#!/usr/bin/env node
// `pnpm sim`: the deterministic simulation runner (docs/simulation.md). Runs the scenarios
// of packages/*/test/sim/scenarios/*.scenario.ts (and any --module FILE) from TypeScript
// source, no build needed; prints one line per seed with its trace hash; on failure prints
// the seed, the Node version and the command that replays it, shrinks it with fast-check,
// and exits with the failure's code (127 crash, 128 liveness, 129 correctness, ...).
/* global process, performance */
import { readdirSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const modules = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--module') {
    modules.push(resolve(argv[i + 1]));
    argv.splice(i, 2);
    i--;
  }
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

const sim = await import('@pd/runtime/sim');
const { shrinkPlan } = await import('@pd/runtime/sim/fast-check');
const fc = (await import('fast-check')).default;
const scenarios = [];
for (const file of modules) {
  const mod = await import(pathToFileURL(file).href);
  for (const value of Object.values(mod)) {
    if (value !== null && typeof value === 'object' && typeof value.name === 'string' && typeof value.description === 'string' && !scenarios.includes(value)) scenarios.push(value);
  }
}

const code = await sim.runSimCli(argv, {
  scenarios,
  shrink: (scenario, plan, failure) => shrinkPlan(fc, scenario, plan, failure),
  randomSeed: () => Math.floor(Math.random() * 0x100000000),
  clock: () => performance.now(),
});
process.exit(code);
