#!/usr/bin/env node
// Packs the built bench for a many-core machine that has no Node.js and no network (the
// lent machine of ../.library/device): the bench's dist with its production dependencies
// (`pnpm deploy`: the workspace packages' builds and msgpackr, ws, xstate, comedy…, no dev
// tools), this machine's `node` binary, and run.sh, which unpacks both there and runs the
// sweep. `node apps/bench/many-core/pack.mjs [DIR]` after `npm run setup`; DIR defaults to
// `.many-core/` at the repository root (git-ignored: carry it to the machine by name).
/* global console, process */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const out = resolve(process.argv[2] ?? join(root, '.many-core'));
/** The workspace's pnpm (`packageManager` in the root package.json), as tools/run.mjs uses it. */
const PNPM = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`pack: ${cmd} ${args.join(' ')} exited with ${r.status}`);
    process.exit(1);
  }
}

if (!existsSync(join(root, 'apps/bench/dist/cli.js'))) {
  console.error('pack: apps/bench/dist/cli.js is missing: run `npm run setup` first');
  process.exit(1);
}
if (spawnSync('xz', ['--version']).status !== 0) {
  console.error('pack: needs xz on the PATH (Debian: apt-get install xz-utils)');
  process.exit(1);
}

const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
const [pnpm, pnpmArgs] = probe.status === 0 && probe.stdout.trim().startsWith('10.') ? ['pnpm', []] : ['npx', ['-y', PNPM]];

const stage = mkdtempSync(join(tmpdir(), 'pd-many-core-'));
try {
  // `--legacy`: deploy without pnpm 10's injected-workspace setting; the workspace packages
  // are copied with their published files (their dist), as an installing user gets them.
  run(pnpm, [...pnpmArgs, '--filter', '@pd/bench', 'deploy', '--prod', '--legacy', join(stage, 'bench')]);
  mkdirSync(out, { recursive: true });
  // Two threads of xz: the pack takes a minute, not two, on the 2-core machine.
  run('tar', ['-cf', join(out, 'bench.tar.xz'), '-I', 'xz -T2 -6', '-C', stage, 'bench']);
  run('sh', ['-c', `xz -T2 -6 -c "${process.execPath}" > "${join(out, 'node.xz')}"`]);
  copyFileSync(join(here, 'run.sh'), join(out, 'run.sh'));
  writeFileSync(join(out, 'VERSION'), `node ${process.version}\ncommit ${spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim()}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
  // pnpm deploy leaves an empty node_modules/.bin at the target's path under the workspace
  // (here <root>/tmp/pd-many-core-…): take it away, and the folder when nothing else is in it.
  const leftover = join(root, relative('/', stage));
  rmSync(leftover, { recursive: true, force: true });
  try {
    rmdirSync(dirname(leftover));
  } catch {
    // not empty, or not there: someone else's
  }
}
const mib = (f) => (statSync(join(out, f)).size / 2 ** 20).toFixed(1);
console.log(`pack: ${out}: bench.tar.xz ${mib('bench.tar.xz')} MiB, node.xz ${mib('node.xz')} MiB, run.sh`);
console.log(`pack: there, \`bash ${join(out, 'run.sh')}\` (OUT=DIR for the results; PD_CORES=1,2,4 to choose the core counts)`);
