/**
 * Helpers for the pd end-to-end tests: run the built binary (packages/cli/dist/bin.js) as
 * a real process with its own state folder, and write config files next to the fixture
 * kinds. The binary is built by the test command (turbo build runs before vitest).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const KINDS = fileURLToPath(new URL('./fixtures/kinds.mjs', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function requireBuild(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (\`pnpm --filter @pd/cli... run build\`, or run the tests through \`npm test\`)`);
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json commands). */
  readonly json: any;
}

/**
 * How long one pd process may take before the test gives up on it. A limit only for a pd
 * that hangs: a busy machine (several pd processes started at once beside other work) took
 * over 20 s for a plain `pd status`, so it is generous, and below the e2e tests' own limit
 * so that a hang is reported with pd's output.
 */
export const PD_TIMEOUT_MS = 90_000;

/**
 * Run `pd ARGS` with `env` on top of a clean environment; resolves when it exits. With
 * `netns`, inside that Linux network namespace (`ip netns exec NETNS node pd ARGS`, as root).
 */
export function pd(args: readonly string[], env: Record<string, string>, options: { timeoutMs?: number; netns?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [command, argv] = options.netns === undefined ? [process.execPath, [BIN, ...args]] : ['ip', ['netns', 'exec', options.netns, process.execPath, BIN, ...args]];
    const child = spawn(command, argv, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pd ${args.join(' ')} did not finish within ${options.timeoutMs ?? PD_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? PD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

/** The environment without anything that would point pd elsewhere. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['PD_ENGINE', 'PD_STATE_DIR', 'XDG_RUNTIME_DIR', 'NODE_OPTIONS']) delete out[key];
  return { ...out, ...env };
}

/** A fresh folder with `config` written as pd.json (modules point at the fixture kinds). */
export async function configDir(config: Record<string, unknown>): Promise<{ dir: string; file: string; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pd-e2e-'));
  const file = join(dir, 'pd.json');
  await writeFile(file, JSON.stringify({ modules: [KINDS], ...config }, null, 2));
  return { dir, file, stateDir: join(dir, 'state') };
}

/** How long a state that must come may take, on a loaded machine (the e2e tests of clusters). */
export const PATIENCE_MS = 60_000;

/** Retry `probe` every 100 ms until it gives a value; the bound only fails a state that never comes. */
export async function until<T>(probe: () => Promise<T | null>, what: string, patienceMs = PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${patienceMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
