/**
 * The runtime state file: how `pd` finds a running engine. One JSON file per engine id,
 * `<stateDir>/<engine-id>.json`, holding the endpoint, the token and the pid, written
 * atomically with mode 0600 in a folder with mode 0700, and removed on shutdown. Only the
 * user who started the engine can read the token; the file is the credential.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the state file records about a running engine. */
export interface EngineState {
  readonly version: 1;
  readonly id: string;
  readonly pid: number;
  /** `ws://host:port/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Wall-clock start time, ms since the epoch. */
  readonly startedAt: number;
  readonly config: string | null;
  /** Where a detached engine writes its output, if detached. */
  readonly log: string | null;
}

/**
 * The state folder: `PD_STATE_DIR`, else `$XDG_RUNTIME_DIR/pd`, else `~/.pd/run`. An
 * explicit folder (from `--state-dir` or the config) wins over all.
 */
export function stateDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  if (env.PD_STATE_DIR) return env.PD_STATE_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'pd');
  return join(homedir(), '.pd', 'run');
}

/** The state file of engine `id` in `dir`. */
export function stateFile(dir: string, id: string): string {
  return join(dir, `${id}.json`);
}

/** A fresh random token: 32 bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compare tokens in constant time. */
export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Write the state file atomically, mode 0600, in a folder made with mode 0700. */
export async function writeState(dir: string, state: EngineState): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = stateFile(dir, state.id);
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await chmod(file, 0o600);
  return file;
}

/** Read the state file of engine `id`; undefined when there is none. */
export async function readState(dir: string, id: string): Promise<EngineState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(dir, id), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as EngineState;
  if (state?.version !== 1 || typeof state.url !== 'string' || typeof state.token !== 'string') {
    throw new Error(`${stateFile(dir, id)} is not a pd state file (version 1)`);
  }
  return state;
}

/** Every engine id with a state file in `dir`. */
export async function listStates(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

/** Remove the state file of `id` if it still belongs to `pid`. */
export async function removeState(dir: string, id: string, pid: number = process.pid): Promise<void> {
  try {
    const state = await readState(dir, id);
    if (state !== undefined && state.pid === pid) await unlink(stateFile(dir, id));
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

/** True when a process with `pid` exists and is not a zombie (it may belong to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process nobody has reaped yet still answers signal 0; on Linux, ask /proc.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}
