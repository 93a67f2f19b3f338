#!/usr/bin/env node
// The README's entry points. Needs only Node.js 20+ and npm: it installs pnpm through npx
// when the machine has none, installs the workspace once (again when the lockfile
// changes), then runs the job. `node tools/run.mjs demo|test|setup [args...]`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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

function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (!fresh) pnpm('install', '--frozen-lockfile', '--reporter=append-only');
}

switch (job) {
  case 'setup':
    ensureInstalled();
    pnpm('exec', 'turbo', 'run', 'build', '--output-logs=errors-only');
    break;
  case 'demo':
    ensureInstalled();
    pnpm('exec', 'turbo', 'run', 'build', '--filter=@pd/demo...', '--output-logs=errors-only');
    run(process.execPath, [join(root, 'apps/demo/dist/main.js'), ...rest]);
    break;
  case 'test':
    ensureInstalled();
    pnpm('exec', 'turbo', 'run', 'build', 'lint', 'typecheck', '--output-logs=errors-only');
    pnpm('exec', 'vitest', 'run', ...rest);
    break;
  default:
    console.error(`tools/run.mjs: unknown job "${job}" (expected demo, test or setup)`);
    process.exit(2);
}
