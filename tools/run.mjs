#!/usr/bin/env node
// The README's entry points. Needs only Node.js 20+ and npm: it installs pnpm through npx
// when the machine has none, installs the workspace once (again when the lockfile
// changes), then runs the job. `node tools/run.mjs demo|test|setup|pd|bench [args...]`:
// `npm run demo`, `npm run pd -- ARGS` and `npm run bench -- ARGS` build what they need first,
// only when its build is missing or older than a source it is built from (starting pnpm and
// turbo just to find every task cached costs seconds, more on a busy machine), with the
// build's output on stderr so theirs stays clean.
/* global console, process */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const [job = 'test', ...rest] = process.argv.slice(2);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let pnpmFound = null;
/** The pnpm on the PATH when it is a 10.x, else pnpm through npx; looked for only when needed. */
function pnpmCommand() {
  if (pnpmFound !== null) return pnpmFound;
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  pnpmFound = probe.status === 0 && probe.stdout.trim().startsWith('10.') ? ['pnpm', []] : ['npx', ['-y', `pnpm@${PNPM_VERSION}`]];
  return pnpmFound;
}

const pnpm = (...args) => run(pnpmCommand()[0], [...pnpmCommand()[1], ...args]);
/** pnpm with its output on stderr: for the builds in front of a command whose stdout is read. */
const pnpmQuiet = (...args) => run(pnpmCommand()[0], [...pnpmCommand()[1], ...args], { stdio: ['ignore', process.stderr, process.stderr] });

/** The newest modification time under dir (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** A build (`output`, relative to the root) is missing, or older than a source it is built from. */
function stale(output, app) {
  const file = join(root, output);
  if (!existsSync(file)) return true;
  const built = statSync(file).mtimeMs;
  // Every package, not only the dependencies of today: cheaper than being wrong.
  const sources = readdirSync(join(root, 'packages')).map((pkg) => join(root, 'packages', pkg, 'src'));
  if (app !== undefined) sources.push(join(root, 'apps', app, 'src'));
  return sources.some((dir) => newest(dir) > built);
}

/** Builds `filters` (no filter: everything, always) when one of `outputs` is stale, then marks them all checked. */
function buildIfStale(outputs, filters, build = pnpmQuiet) {
  if (filters.length > 0 && !outputs.some(([output, app]) => stale(output, app))) return;
  build('exec', 'turbo', 'run', 'build', ...filters.map((f) => `--filter=${f}`), '--output-logs=errors-only');
  // A build turbo replays from its cache may leave the files' times as they were.
  const now = new Date();
  for (const [output] of outputs) utimesSync(join(root, output), now, now);
}

function ensureInstalled(install = pnpm) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (!fresh) install('install', '--frozen-lockfile', '--reporter=append-only');
}

switch (job) {
  case 'setup':
    ensureInstalled();
    // Everything, so the demo, pd and bench find their builds fresh and start no build of their own.
    buildIfStale([['apps/demo/dist/main.js', 'demo'], ['packages/cli/dist/bin.js'], ['apps/bench/dist/cli.js', 'bench']], [], pnpm);
    break;
  case 'demo':
    ensureInstalled();
    // the CLI too: the demo tells you to watch it with `npm run pd -- top --engine demo`
    buildIfStale([['apps/demo/dist/main.js', 'demo'], ['packages/cli/dist/bin.js']], ['@pd/demo...', '@pd/cli...'], pnpm);
    run(process.execPath, [join(root, 'apps/demo/dist/main.js'), ...rest]);
    break;
  case 'pd':
    ensureInstalled(pnpmQuiet);
    buildIfStale([['packages/cli/dist/bin.js']], ['@pd/cli...']);
    run(process.execPath, [join(root, 'packages/cli/dist/bin.js'), ...rest]);
    break;
  case 'bench':
    ensureInstalled();
    buildIfStale([['apps/bench/dist/cli.js', 'bench']], ['@pd/bench...'], pnpm);
    run(process.execPath, [join(root, 'apps/bench/dist/cli.js'), ...rest]);
    break;
  case 'test':
    ensureInstalled();
    pnpm('exec', 'turbo', 'run', 'build', 'lint', 'typecheck', '--output-logs=errors-only');
    pnpm('exec', 'vitest', 'run', ...rest);
    break;
  default:
    console.error(`tools/run.mjs: unknown job "${job}" (expected demo, test, setup, pd or bench)`);
    process.exit(2);
}
