#!/usr/bin/env node
// The README's entry points. Needs only Node.js 20+ and npm: it installs pnpm through npx
// when the machine has none, installs the workspace once (again when the lockfile
// changes), then runs the job. `node tools/run.mjs demo|test|setup|pd|bench [args...]`:
// `npm run pd -- ARGS` and `npm run bench -- ARGS` build what they need first (pd: only when
// its build is missing or older than a source it is built from), with the build's output
// on stderr so theirs stays clean.
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

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().startsWith('10.')) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${PNPM_VERSION}`]];
}

const [pnpmBin, pnpmPre] = pnpmCommand();
const pnpm = (...args) => run(pnpmBin, [...pnpmPre, ...args]);
/** pnpm with its output on stderr: for the builds in front of a command whose stdout is read. */
const pnpmQuiet = (...args) => run(pnpmBin, [...pnpmPre, ...args], { stdio: ['ignore', process.stderr, process.stderr] });

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

/** The CLI's build is missing, or older than a source it is built from. */
function cliStale() {
  const bin = join(root, 'packages/cli/dist/bin.js');
  if (!existsSync(bin)) return true;
  const built = statSync(bin).mtimeMs;
  // Every package, not only the CLI's dependencies of today: cheaper than being wrong.
  return readdirSync(join(root, 'packages')).some((pkg) => newest(join(root, 'packages', pkg, 'src')) > built);
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
    pnpm('exec', 'turbo', 'run', 'build', '--output-logs=errors-only');
    break;
  case 'demo':
    ensureInstalled();
    // the CLI too: the demo tells you to watch it with `npm run pd -- top --engine demo`
    pnpm('exec', 'turbo', 'run', 'build', '--filter=@pd/demo...', '--filter=@pd/cli...', '--output-logs=errors-only');
    run(process.execPath, [join(root, 'apps/demo/dist/main.js'), ...rest]);
    break;
  case 'pd':
    ensureInstalled(pnpmQuiet);
    if (cliStale()) {
      pnpmQuiet('exec', 'turbo', 'run', 'build', '--filter=@pd/cli...', '--output-logs=errors-only');
      // A build turbo replays from its cache may leave the file's time as it was: mark it checked.
      const now = new Date();
      utimesSync(join(root, 'packages/cli/dist/bin.js'), now, now);
    }
    run(process.execPath, [join(root, 'packages/cli/dist/bin.js'), ...rest]);
    break;
  case 'bench':
    ensureInstalled();
    pnpm('exec', 'turbo', 'run', 'build', '--filter=@pd/bench...', '--output-logs=errors-only');
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
