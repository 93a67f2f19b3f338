/**
 * Finding a running engine for a client: by id, or the only one running, through the
 * state files. A state file whose process is gone is reported as stale (and left for
 * `pd doctor --fix` style cleanup by the operator), never silently trusted.
 */
import { ControlClient } from './client.js';
import { ControlError } from './errors.js';
import { type EngineState, listStates, processAlive, readState, stateDir, stateFile } from './state.js';

export interface LocateOptions {
  /** Engine id; default: the only engine with a live state file. */
  readonly engine?: string;
  /** State folder; default {@link stateDir}. */
  readonly stateDir?: string;
}

/** The state of the engine to talk to, or a `conn/no-engine` / `conn/ambiguous` error. */
export async function locateEngine(options: LocateOptions = {}): Promise<EngineState> {
  const dir = stateDir(options.stateDir);
  if (options.engine !== undefined) return liveState(dir, options.engine);
  const live: EngineState[] = [];
  for (const id of await listStates(dir)) {
    const state = await readState(dir, id).catch(() => undefined);
    if (state !== undefined && processAlive(state.pid)) live.push(state);
  }
  if (live.length === 1) return live[0]!;
  if (live.length === 0) {
    throw new ControlError('conn/no-engine', `no running engine found (no live state file in ${dir})`, {
      hint: 'start one with `pd start --config FILE`; if it runs under another user or state folder, pass --state-dir',
    });
  }
  throw new ControlError('conn/ambiguous', `${live.length} engines are running (${live.map((s) => s.id).join(', ')})`, { hint: 'pick one with --engine ID' });
}

/** Locate the engine and connect to its control plane. */
export async function connectToEngine(options: LocateOptions & { timeoutMs?: number } = {}): Promise<{ client: ControlClient; state: EngineState }> {
  const state = await locateEngine(options);
  const client = await ControlClient.connect({ url: state.url, token: state.token, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  return { client, state };
}

// --- internal ---

async function liveState(dir: string, id: string): Promise<EngineState> {
  let state: EngineState | undefined;
  try {
    state = await readState(dir, id);
  } catch (error) {
    throw new ControlError('conn/no-engine', `cannot read the state file of engine "${id}": ${(error as Error).message}`, { hint: `check ${stateFile(dir, id)} (\`pd doctor\`)` });
  }
  if (state === undefined) {
    throw new ControlError('conn/no-engine', `engine "${id}" is not running (no state file ${stateFile(dir, id)})`, {
      hint: 'start it with `pd start --config FILE`; `pd doctor` lists the engines it can see',
    });
  }
  if (!processAlive(state.pid)) {
    throw new ControlError('conn/no-engine', `engine "${id}" is not running: its process ${state.pid} is gone (stale state file ${stateFile(dir, id)})`, {
      hint: 'start it again with `pd start`; the stale file is replaced then',
    });
  }
  return state;
}
