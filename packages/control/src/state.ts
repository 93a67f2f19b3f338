/**
 * The runtime state file: how `pd` finds a running engine. One JSON file per engine id,
 * `<stateDir>/<engine-id>.json`, holding the endpoint, the token and the pid, written
 * atomically with mode 0600 in a folder with mode 0700, and removed on shutdown. Only the
 * user who started the engine can read the token; the file is the credential.
 *
 * The folder must belong to this user and be writable by nobody else: in a shared folder
 * another user could plant a symlink where the file goes (and have the token written
 * through it) or a state file of their own. Files are created exclusively and never
 * through a symlink (O_EXCL | O_NOFOLLOW), so even a folder that changes hands after the
 * check cannot redirect a write.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ControlError } from './errors.js';

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

/**
 * Make the state folder if it is missing (mode 0700) and check that it is safe to hold a
 * token: a folder, owned by this user, not writable by group or others. Throws
 * `state/unsafe-dir` naming the folder and what is wrong; returns the folder.
 */
export async function prepareStateDir(dir: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ControlError('state/unsafe-dir', `cannot make the state folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'pass another folder with --state-dir (or $PD_STATE_DIR)', data: { dir },
    });
  }
  const problem = stateDirProblem(await stat(dir), currentUid());
  if (problem !== null) {
    throw new ControlError('state/unsafe-dir', `refusing the state folder ${dir}: ${problem}; another user could plant files in it and have the token written where they choose`, {
      hint: `use a private folder (mode 700, yours): pass --state-dir DIR, set $PD_STATE_DIR, or fix it with \`chmod 700 ${dir}\``, data: { dir },
    });
  }
  return dir;
}

/** What makes a folder with `st` unsafe for state files of user `uid`; null when it is safe. */
export function stateDirProblem(st: { mode: number; uid: number; isDirectory(): boolean }, uid: number | null): string | null {
  if (!st.isDirectory()) return 'it is not a folder';
  if (uid !== null && st.uid !== uid) return `it belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `others can write to it (mode ${(st.mode & 0o7777).toString(8)})`;
  return null;
}

/**
 * Create `file` for writing: exclusively (an existing file or symlink is an error, never
 * followed or truncated) with mode 0600. `append` opens an existing regular file instead,
 * still without following a symlink (for logs).
 */
export function openPrivate(file: string, options: { append?: boolean } = {}): Promise<FileHandle> {
  const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND } = constants;
  const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
  const flags = options.append === true ? O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW : O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
  return open(file, flags, 0o600);
}

/**
 * Write the state file atomically, mode 0600, in a safe folder (see {@link prepareStateDir}):
 * a fresh temporary file, created exclusively and never through a symlink, renamed into place.
 */
export async function writeState(dir: string, state: EngineState): Promise<string> {
  await prepareStateDir(dir);
  const file = stateFile(dir, state.id);
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let handle: FileHandle;
  try {
    handle = await openPrivate(tmp);
  } catch (error) {
    throw new ControlError('state/unsafe-dir', `cannot create ${tmp}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (a file or symlink is in the way)`, {
      hint: `something else writes to ${dir}; use a private state folder (--state-dir)`, data: { dir },
    });
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw error;
  }
  await handle.close();
  // rename replaces whatever has the name (a symlink included) without following it.
  await rename(tmp, file);
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

/** This process's uid; null where the platform has none (Windows). */
function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
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
