/**
 * Every shell command the README and docs/ print works as printed, on a fresh clone, with
 * only Node.js and npm on the PATH (issue #18). The commands are read from the pages:
 * every ```sh block, and every inline `npm run …` / `npx …` in the prose. Each one must have
 * an entry in PLAN saying how it is run here (as printed, or a bounded variant of a
 * long-running one, or why it is not run), so a new command on a page fails this test until
 * someone decides how to check it. Where a page shows a command's output (a ```text block
 * right after `<!-- output of: COMMAND -->`), the output must still match, with what the
 * page says varies (hashes, step counts, timings, Node version) masked.
 *
 * One clone (`git clone` of this repository's HEAD: commit what you want tested), one
 * install and build (`npm run setup`, reusing turbo's local cache when there is one), shared
 * by every command. The commands then run in lanes: those that share state (the demo engine
 * and its state folder; the benchmarks) one after another in their lane, the lanes side
 * by side (at most LANES_AT_ONCE), each command killed at COMMAND_MS. Every command that runs
 * is its own test; the skipped ones are listed in PLAN with their reason.
 *
 * getting-started's "your own project" (pack the packages, install the tarballs into a new
 * npm project next to the clone, compile and run there) runs as one script in a lane of its
 * own. Its npm install prefers npm's cache (`prefer-offline`) but needs the registry for the
 * third-party dependencies (msgpackr, ws, ajv, OpenTelemetry, TypeScript…) when the cache
 * lacks them, as pack-check.test.ts does; PD_DOCS_OWN_PROJECT=0 leaves it out (the page's
 * list of packages is still checked against their dependencies). PD_DOCS_COMMANDS=0 skips
 * the whole file.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// --- what the pages print ---

interface Printed { readonly page: string; readonly command: string; readonly output?: string }

function pages(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    // docs/api is typedoc's output (`npm run docs:api`, not in git): it copies package READMEs.
    if (statSync(full).isDirectory()) return entry === 'node_modules' || entry === 'examples' || full === join(repoRoot, 'docs', 'api') ? [] : walk(full);
    return entry.endsWith('.md') ? [full] : [];
  });
  return [join(repoRoot, 'README.md'), ...walk(join(repoRoot, 'docs'))];
}

/** A line of a sh block without its trailing comment. */
function commandOf(line: string): string {
  return line.replace(/\s+#\s.*$/, '').trim();
}

function printedCommands(): Printed[] {
  const out: Printed[] = [];
  for (const file of pages()) {
    const text = readFileSync(file, 'utf8');
    const page = relative(repoRoot, file);
    for (const m of text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
      for (const line of m[1]!.replace(/\\\n\s*/g, '').split('\n')) { // a trailing \ continues the line
        const command = commandOf(line);
        if (command !== '') out.push({ page, command });
      }
    }
    for (const m of text.matchAll(/^<!-- output of: (.+?) -->\n```text\n([\s\S]*?)^```$/gm)) {
      out.push({ page, command: m[1]!, output: m[2]! });
    }
    // Inline commands in prose, whole ones only (no placeholders such as … or COMMAND).
    const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
    for (const m of prose.matchAll(/`((?:npm run|npx) [^`]+)`/g)) {
      const command = m[1]!.replace(/\s+/g, ' ');
      if (/…|\.\.\.|[A-Z]{3,}|NAME/.test(command)) continue;
      out.push({ page, command });
    }
  }
  return out;
}

// --- how each is run here ---

type Step =
  | { readonly as?: string; readonly code?: number; readonly withDemo?: true; readonly why?: string }
  | { readonly skip: string };

const SIM_BOUNDED = 'a bounded variant: 2 seeds instead of hundreds (each seed is a full simulated run)';
const BENCH_BOUNDED = 'a bounded variant: one quick run of one workload (the full suite takes minutes)';
const bench = (extra = ''): Step => ({ as: `npm run bench -- --quick --only ring --impl pd --runs 1${extra}`, why: BENCH_BOUNDED });
const OBSERVED = 'npm run -s pd -- start --config apps/demo/demo.config.json --detach && npm run -s pd -- observer --engine demo; c=$?; npm run -s pd -- stop --engine demo; exit $c';
const OWN = 'run together, in order, by the test "getting-started: your own project" (PD_DOCS_OWN_PROJECT=0 leaves it out)';

/** Every printed command, and how it is checked. A missing entry fails the test. */
const PLAN: Record<string, Step> = {
  // README and getting-started
  'npm run setup': { why: 'the install every other command relies on (run first, in beforeAll)' },
  'npm test': { skip: 'the whole suite, of which this test is part' },
  'npm run demo': { as: 'npm run demo -- --duration 3', why: 'runs until Ctrl-C: bounded (3 s of orders once its three nodes are up)' },
  'npm run demo -- --help': {},
  'npm run demo -- --single': { as: 'npm run demo -- --single --duration 3', why: 'runs until Ctrl-C: bounded' },
  'npm run pd -- cluster status --engine demo': { withDemo: true },
  'npm run pd -- cluster members --engine demo': { withDemo: true },
  'npm run pd -- cluster peers --engine demo-a': { withDemo: true },
  'npm run pd -- top --engine demo-b': { withDemo: true },
  'npm run pd -- tree --engine demo-c': { withDemo: true },
  'npm run pd -- observer --engine demo': { withDemo: true },
  'npm run sim -- --seeds 100': { as: 'npm run sim -- --seeds 2', why: SIM_BOUNDED },
  'npm run bench': bench(),
  'npm run bench -- --only cross-core,cross-core-rtt,multi-scale --runs 5': bench(),
  'npm run sim': { as: 'npm run sim -- --seeds 2', why: SIM_BOUNDED },
  'npm run build': { skip: 'what npm run setup just did' },
  'npm run lint': { skip: 'run by npm test' },
  'npm run typecheck': { skip: 'run by npm test' },
  'npx vitest run': { skip: 'the whole suite, of which this test is part' },
  'npm run docs:api': { skip: 'writes the typedoc API reference into docs/api (minutes); not part of the fresh-clone check' },
  'npm run changeset': { skip: 'interactive (asks which packages changed)' },
  'npx vitest run docs/examples': { skip: 'docs/examples/examples.test.ts runs in the same suite' },
  'npx vitest run docs/examples -t hello': {},
  // membership.md
  'npx vitest run packages/cli/test/partition.netns.test.ts': { skip: 'needs root and iproute2 (network namespaces); runs in the same suite, where it skips saying why when it cannot' },
  'npx vitest run packages/cli/test/cluster-names.netns.test.ts': { skip: 'needs root and iproute2 (network namespaces); runs in the same suite, where it skips saying why when it cannot' },
  'npx vitest run packages/cli/test/lease.netns.test.ts': { skip: 'needs root, iproute2 and etcd (network namespaces, a real etcd); runs in the same suite, where it skips saying why when it cannot' },
  // simulation.md
  'npm run sim -- --scenario net-echo --seeds 500': { as: 'npm run sim -- --scenario net-echo --seeds 2', why: SIM_BOUNDED },
  'npm run sim -- --seed 3141 --scenario ordering': {},
  'npm run sim -- --seeds 50 --check-determinism': { as: 'npm run sim -- --seeds 2 --check-determinism', why: SIM_BOUNDED },
  'npm run sim -- --list': {},
  'npm run sim -- --help': {},
  'npm run sim -- --scenario planted-lost-update --seed 2': { code: 129 },
  // membership.md
  'npm run sim -- --scenario cluster-partition --seeds 20 --check-determinism': { as: 'npm run sim -- --scenario cluster-partition --seeds 1 --check-determinism', why: SIM_BOUNDED },
  'npm run sim -- --scenario cluster-churn --seeds 20 --check-determinism': { as: 'npm run sim -- --scenario cluster-churn --seeds 1 --check-determinism', why: SIM_BOUNDED },
  'npm run sim -- --scenario cluster-stall --seeds 20 --check-determinism': { as: 'npm run sim -- --scenario cluster-stall --seeds 1 --check-determinism', why: SIM_BOUNDED },
  // benchmarks.md
  'npm run bench -- --quick': bench(),
  'npm run bench -- --json results.json': bench(' --json results.json'),
  'npm run bench -- --only ring,spawn': bench(),
  'npm run bench -- --impl pd,bare-v8': bench(),
  'npm run bench -- --runs 7 --warmup 2 --timeout 600': bench(),
  'npm run bench -- --only multi-scale --cores 1,2': bench(),
  'npm run bench -- --only ask --impl pd,bare-v8 --runs 6 --procs 3': bench(),
  'npm run bench -- --help': {},
  // config.md, cli.md
  'npm run -s pd -- schema > pd.schema.json': {},
  // observability.md (installed-form `pd`, run through npm here; the engine detached, then stopped)
  'pd start --config apps/demo/demo.config.json': { as: OBSERVED, why: 'runs until stopped: detached, then pd observer, then pd stop' },
  'pd observer': { as: OBSERVED, why: 'needs the engine above' },
  'npm run bench -- --only telemetry-overhead': bench(),
  'npm run bench -- --only remote,remote-rtt': { as: 'npm run bench -- --quick --only remote,remote-rtt --impl pd-remote --runs 1', why: BENCH_BOUNDED },
  // plugins.md: building a WebAssembly plugin needs a C or AssemblyScript toolchain
  'npm run bench -- --only plugin-msg': bench(),
  'apt-get install -y clang lld': { skip: 'a system package (root), not Node.js or npm' },
  'clang --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry -I packages/plugin/include -o rate-limiter.wasm rate_limiter.c': { skip: 'needs clang (the page says so)' },
  'npx asc assembly/index.ts -o build/counter.wasm --runtime stub --use abort= -O3 --noAssert': { skip: 'an AssemblyScript project of your own, not this repository' },
  'npm install @bytecodealliance/jco-transpile@^0.15.0': { skip: 'your own project; here it is a dev dependency of @pd/plugin, installed by setup' },
  // getting-started: your own project (one script, below)
  'mkdir -p ../pd-packs': { skip: OWN },
  'for p in actor transport runtime plugin federation control telemetry cli; do (cd packages/$p && npx -y pnpm@10.34.9 pack --pack-destination ../../../pd-packs); done': { skip: OWN },
  'cd .. && mkdir my-app && cd my-app': { skip: OWN },
  'npm init -y': { skip: OWN },
  'npm pkg set type=module': { skip: OWN },
  'npm install ../pd-packs/pd-actor-0.1.0.tgz ../pd-packs/pd-transport-0.1.0.tgz ../pd-packs/pd-runtime-0.1.0.tgz ../pd-packs/pd-plugin-0.1.0.tgz ../pd-packs/pd-federation-0.1.0.tgz ../pd-packs/pd-control-0.1.0.tgz ../pd-packs/pd-telemetry-0.1.0.tgz ../pd-packs/pd-cli-0.1.0.tgz': { skip: OWN },
  'npm install --save-dev typescript@5.9.3 @types/node@20.19.43': { skip: OWN },
  'npx tsc': { skip: OWN },
  'node dist/main.js': { skip: OWN },
  'npx pd --help': { skip: OWN },
  'npx tsx src/main.ts': { skip: 'needs Node.js 22.6+ or tsx from the registry' },
};

/** What a page says varies between runs and Node versions, masked before comparing. */
function normalize(text: string): string {
  return text
    .replace(/\b[0-9a-f]{16}\b/g, '<hash>')
    .replace(/\bv\d+\.\d+\.\d+\b/g, '<node>')
    .replace(/\b\d+\.\d+s\b/g, '<time>')
    .replace(/steps +\d+/g, 'steps <n>')
    .replace(/at step \d+/g, 'at step <n>')
    .replace(/shrunk in \d+ runs/g, 'shrunk in <n> runs')
    .replace(/--size \d+ --workload '\[[\d,]*\]'/g, '--size <n> --workload <w>')
    .replace(/ +$/gm, '')
    .trim();
}

// --- the fresh clone ---

const enabled = process.env.PD_DOCS_COMMANDS !== '0';
let work = '';
let clone = '';
let env: NodeJS.ProcessEnv = {};

/** A folder holding node, npm and npx (and the shell's basics), and nothing else. */
function nodeAndNpmOnly(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const nodeDir = dirname(process.execPath);
  for (const tool of ['node', 'npm', 'npx']) {
    const from = join(nodeDir, tool);
    if (existsSync(from)) symlinkSync(from, join(bin, tool));
  }
  // The POSIX basics every machine has (npm's and pnpm's bin shims use some); no pnpm, no yarn.
  for (const tool of ['sh', 'mkdir', 'rm', 'cat', 'ls', 'env', 'cp', 'mv', 'sed', 'uname', 'dirname', 'basename', 'expr', 'tr', 'head', 'tail', 'grep', 'cut', 'sleep', 'chmod', 'touch', 'readlink', 'realpath', 'tar', 'gzip']) {
    const from = ['/bin', '/usr/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (from !== undefined) symlinkSync(from, join(bin, tool));
  }
  return bin;
}

interface Ran { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function sh(command: string, timeoutMs: number): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn('/bin/sh', ['-c', command], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Ran>((resolveRun) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch { /* gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code: signal !== null ? null : code, stdout, stderr: signal !== null ? `${stderr}\n(killed: ${signal}, after ${timeoutMs} ms at most)` : stderr });
    });
  });
  return { child, done };
}

async function run(command: string, timeoutMs = COMMAND_MS): Promise<Ran> {
  return sh(command, timeoutMs).done;
}

// --- running them side by side ---

/** The longest one command may run before it is killed (the bounded variants take seconds). */
const COMMAND_MS = 180_000;
/** Lanes running at once: the commands are mostly start-up and waiting, but not only. */
const LANES_AT_ONCE = Math.min(4, Math.max(2, availableParallelism()));

/**
 * Which commands must not overlap. `demo`: the demo engine and `pd start` of the demo
 * config share the engine name `demo` and its state file; `bench`: benchmarks measure, one
 * at a time; `sim`: the first run fills the transpile cache the others read
 * (tools/ts-hooks.mjs), and one at a time keeps each run's own timeouts honest; the rest
 * share nothing. (`npm run setup` built everything, so no command starts a build.)
 */
function laneOf(command: string): string {
  if (command.startsWith('npm run demo') || command.includes('--config apps/demo/')) return 'demo';
  if (command.startsWith('npm run bench') && !command.endsWith('--help')) return 'bench';
  if (command.startsWith('npm run sim')) return 'sim';
  return 'other';
}

interface Outcome<T> { readonly value?: T; readonly error?: unknown }

/**
 * Runs every job of each lane in order, the lanes side by side (at most `atOnce` at a time);
 * returns each job's outcome by name, as a promise that never rejects.
 */
function runLanes(jobs: readonly { name: string; lane: string; job: () => Promise<unknown> }[], atOnce: number): Map<string, Promise<Outcome<unknown>>> {
  const outcomes = new Map<string, Promise<Outcome<unknown>>>();
  const lanes = new Map<string, { name: string; job: () => Promise<unknown>; settle: (o: Outcome<unknown>) => void }[]>();
  for (const { name, lane, job } of jobs) {
    let settle!: (o: Outcome<unknown>) => void;
    outcomes.set(name, new Promise((r) => (settle = r)));
    lanes.set(lane, [...(lanes.get(lane) ?? []), { name, job, settle }]);
  }
  const waiting = [...lanes.values()];
  const worker = async (): Promise<void> => {
    for (let lane = waiting.shift(); lane !== undefined; lane = waiting.shift()) {
      for (const { job, settle } of lane) {
        try {
          settle({ value: await job() });
        } catch (error) {
          settle({ error });
        }
      }
    }
  };
  for (let i = 0; i < atOnce; i++) void worker();
  return outcomes;
}

/**
 * The README's "watch it": the demo runs, each `withDemo` command works while it does. The
 * cluster demo runs without its scripted faults here: a command naming a node the demo has
 * just killed would fail, as the demo means it to.
 */
async function watchTheDemo(): Promise<void> {
  const demo = sh('npm run demo -- --duration 120 --no-faults', 240_000);
  try {
    const watching = Object.entries(PLAN).filter(([, s]) => 'withDemo' in s && s.withDemo).map(([command]) => command);
    // The engines the commands name: the director (demo) and the nodes (demo-a, …).
    const engines = [...new Set(watching.map((c) => /--engine (\S+)/.exec(c)?.[1] ?? 'demo'))];
    // Until the demo has written their state files (or has ended without: reported below).
    let ended = false;
    void demo.done.then(() => (ended = true));
    const missing = () => engines.filter((e) => !existsSync(join(env.PD_STATE_DIR!, `${e}.json`)));
    while (missing().length > 0 && !ended) await new Promise((r) => setTimeout(r, 100));
    expect(missing(), 'the demo ended without writing these engines\' state files').toEqual([]);
    for (const command of watching) {
      const r = await run(command, 60_000);
      expect(r.code, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  } finally {
    await run('npm run -s pd -- stop --engine demo', 60_000);
    const ended = await demo.done;
    expect(ended.code, `the demo, stopped by pd stop:\n${ended.stdout}\n${ended.stderr}`).toBe(0);
  }
}

/** getting-started's "your own project" section: its code blocks. */
function ownProject(): { packs: string; project: string; tsconfig: string; compile: string } {
  const text = readFileSync(join(repoRoot, 'docs', 'getting-started.md'), 'utf8');
  const section = text.slice(text.indexOf('## Your own project'), text.indexOf('## Next'));
  const [packs, project, tsconfig, compile] = [...section.matchAll(/^```(sh|json)\n([\s\S]*?)^```$/gm)].map((b) => b[2]!);
  return { packs: packs!, project: project!, tsconfig: tsconfig!, compile: compile! };
}

async function runOwnProject(): Promise<void> {
  const { packs, project, tsconfig, compile } = ownProject();
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const first = /## A first engine\n\n```ts\n([\s\S]*?)^```$/m.exec(readme)![1]!;
  const script = [
    packs.split('\n').map(commandOf).filter(Boolean).slice(1).join('\n'), // setup is done
    project.split('\n').map(commandOf).filter(Boolean).join('\n'),
    `cat > tsconfig.json <<'EOF'\n${tsconfig}EOF`,
    `mkdir -p src && cat > src/main.ts <<'EOF'\n${first}EOF`,
    compile.split('\n').map(commandOf).filter(Boolean).join('\n'),
  ].join('\nset -e\n');
  const r = await run(`set -e\n${script}`, 600_000);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  expect(r.stdout).toMatch(/^2$/m);
}

const printed = printedCommands();
const direct = Object.entries(PLAN).filter(([c, s]) => !('skip' in s) && !('withDemo' in s && s.withDemo) && c !== 'npm run setup' && printed.some((p) => p.command === c));
// Bounded variants that stand for several printed commands run once.
const runs = [...new Map(direct.map(([c, s]) => [('as' in s && s.as) || c, { printedAs: c, step: s as Exclude<Step, { skip: string }> }])).entries()];
const WATCH = 'the README\'s "watch it" commands while the demo runs';
const OWN_PROJECT = 'getting-started: your own project';
const ownProjectEnabled = process.env.PD_DOCS_OWN_PROJECT !== '0';
let outcomes = new Map<string, Promise<Outcome<unknown>>>();

async function outcomeOf(name: string): Promise<unknown> {
  const outcome = await outcomes.get(name)!;
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

describe.skipIf(!enabled)('the commands the docs print', () => {
  it('each has a plan here (run as printed, bounded, or skipped with a reason)', () => {
    const missing = [...new Set(printed.filter((p) => p.output === undefined && !(p.command in PLAN)).map((p) => `${p.page}: ${p.command}`))];
    expect(missing, 'add these to PLAN in tools/test/doc-commands.test.ts').toEqual([]);
    const stale = Object.keys(PLAN).filter((c) => !printed.some((p) => p.command === c));
    expect(stale, 'PLAN entries no page prints any more: remove them').toEqual([]);
    const skipped = Object.entries(PLAN).filter(([, s]) => 'skip' in s);
    expect(skipped.filter(([, s]) => 'skip' in s && s.skip.trim() === ''), 'a skipped command needs its reason').toEqual([]);
  });

  it('getting-started\'s own project packs and installs every package the installed ones need', () => {
    const { packs, project } = ownProject();
    const packed = /for p in ([a-z ]+); do/.exec(packs)?.[1]?.split(' ') ?? [];
    const installed = [...project.matchAll(/pd-packs\/pd-([a-z]+)-[\d.]+\.tgz/g)].map((m) => m[1]!);
    expect(packed.length, 'the page packs no package').toBeGreaterThan(0);
    expect([...installed].sort(), 'the page installs other packages than it packs').toEqual([...packed].sort());
    const version = (p: string) => JSON.parse(readFileSync(join(repoRoot, 'packages', p, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
    const needed = installed.flatMap((p) => Object.keys(version(p).dependencies ?? {}).filter((d) => d.startsWith('@pd/')).map((d) => d.slice(4)));
    expect(needed.filter((d) => !installed.includes(d)), 'npm would look for these on the registry').toEqual([]);
    for (const p of installed) expect(project, `the tarball name of @pd/${p}`).toContain(`pd-${p}-${version(p).version}.tgz`);
  });

  describe('on a fresh clone with only Node.js and npm', () => {
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'pd-doc-commands-'));
      clone = join(work, 'palladium-ts');
      execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], { stdio: 'pipe' });
      const common = resolve(repoRoot, execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: repoRoot, encoding: 'utf8' }).trim());
      const turboCache = join(dirname(common), '.turbo', 'cache');
      const stateDir = join(work, 'state');
      mkdirSync(stateDir, { mode: 0o700 });
      env = {
        PATH: nodeAndNpmOnly(work),
        HOME: process.env.HOME,
        PD_STATE_DIR: stateDir,
        ...(existsSync(turboCache) ? { TURBO_CACHE_DIR: turboCache } : {}),
        TURBO_TELEMETRY_DISABLED: '1',
        // npx's pnpm and the own project's install from npm's cache when it has them.
        npm_config_prefer_offline: 'true',
        ...(process.env.npm_config_cache === undefined ? {} : { npm_config_cache: process.env.npm_config_cache }),
      };
      const pnpm = await run('command -v pnpm', 10_000);
      expect(pnpm.code, 'pnpm must not be on the PATH of this test').not.toBe(0);
      const setup = await run('npm run setup', 600_000);
      expect(setup.code, `npm run setup failed:\n${setup.stdout}\n${setup.stderr}`).toBe(0);
      // Everything from here on runs at once, lane by lane; each test below waits for its own.
      outcomes = runLanes([
        ...runs.map(([command]) => ({ name: command, lane: laneOf(command), job: () => run(command) })),
        { name: WATCH, lane: 'demo', job: watchTheDemo },
        ...(ownProjectEnabled ? [{ name: OWN_PROJECT, lane: 'own', job: runOwnProject }] : []),
      ], LANES_AT_ONCE);
    }, 660_000);

    afterAll(async () => {
      // Let every started command end (each is bounded by its kill timer) before the clone goes.
      await Promise.all(outcomes.values());
      if (work !== '') rmSync(work, { recursive: true, force: true });
    }, 660_000);

    it.each(runs)('%s', async (command, { step }) => {
      const r = (await outcomeOf(command)) as Ran;
      expect(r.code, `${command}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(step.code ?? 0);
      const shown = printed.find((p) => p.output !== undefined && p.command === command);
      if (shown !== undefined) {
        const lines = r.stdout.split('\n').filter((l) => !l.startsWith('> ') && l.trim() !== '').join('\n');
        expect(normalize(lines), `${shown.page} shows other output for ${command}`).toBe(normalize(shown.output!.split('\n').filter((l) => l.trim() !== '').join('\n')));
      }
    }, 660_000);

    it(WATCH, async () => {
      await outcomeOf(WATCH);
    }, 660_000);

    it.runIf(ownProjectEnabled)(OWN_PROJECT, async () => {
      await outcomeOf(OWN_PROJECT);
    }, 660_000);
  });
});
