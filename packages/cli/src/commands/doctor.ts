/**
 * `pd doctor`: checks the environment (Node version, state folder permissions) and each
 * engine it can see (state file mode, process alive, loopback endpoint, token accepted,
 * engine status). Reports every check as ok / warn / fail with what to do; exits 1 when
 * any check fails. Read-only: it fixes nothing itself.
 */
import { stat } from 'node:fs/promises';
import { ControlClient, ControlError, isLoopbackHost, listStates, processAlive, readState, stateDir, stateFile } from '@pd/control';
import type { Command } from '../command.js';
import { EXIT } from '../exit.js';
import { duration } from '../output.js';

export interface Check {
  readonly check: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
}

export const doctorCommand: Command = {
  name: 'doctor',
  args: '',
  summary: 'Check the environment and the running engine(s); say what to fix.',
  needsEngine: true,
  options: {},
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const checks: Check[] = [];
    const add = (check: string, status: Check['status'], detail: string) => checks.push({ check, status, detail });
    const major = Number(process.versions.node.split('.')[0]);
    add('node', major >= 20 ? 'ok' : 'fail', major >= 20 ? `Node.js ${process.version}` : `Node.js ${process.version}; pd needs 20 or newer`);
    const dir = stateDir(ctx.string('state-dir'));
    const ids = await checkDir(dir, add);
    const only = ctx.string('engine') ?? ctx.env.PD_ENGINE;
    const selected = only ? [only] : ids;
    if (selected.length === 0) add('engines', 'warn', `no engine state files in ${dir}; start one with \`pd start --config FILE\``);
    for (const id of selected) await checkEngine(dir, id, add);
    const ok = checks.every((c) => c.status !== 'fail');
    if (ctx.json) ctx.output.data({ ok, stateDir: dir, checks });
    else {
      const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
      const width = Math.max(...checks.map((c) => c.check.length));
      ctx.output.text(checks.map((c) => `${mark[c.status]}  ${c.check.padEnd(width)}  ${c.detail}`).join('\n'));
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};

// --- internal ---

type Add = (check: string, status: Check['status'], detail: string) => void;

async function checkDir(dir: string, add: Add): Promise<string[]> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    add('state dir', 'warn', `${dir} does not exist yet (made on the first \`pd start\`)`);
    return [];
  }
  const uid = process.getuid?.();
  if (uid !== undefined && s.uid !== uid) add('state dir', 'fail', `${dir} belongs to uid ${s.uid}, not you (${uid}); use your own --state-dir`);
  else if ((s.mode & 0o077) !== 0) add('state dir', 'warn', `${dir} has mode ${(s.mode & 0o777).toString(8)}; make it private: chmod 700 ${dir}`);
  else add('state dir', 'ok', `${dir} (mode 700)`);
  return listStates(dir);
}

async function checkEngine(dir: string, id: string, add: Add): Promise<void> {
  const name = `engine ${id}`;
  const file = stateFile(dir, id);
  let state;
  try {
    state = await readState(dir, id);
  } catch (error) {
    add(name, 'fail', `cannot read ${file}: ${(error as Error).message}`);
    return;
  }
  if (state === undefined) {
    add(name, 'fail', `not running: no state file ${file}`);
    return;
  }
  const mode = (await stat(file)).mode & 0o777;
  add(`${name} state file`, (mode & 0o077) === 0 ? 'ok' : 'fail', (mode & 0o077) === 0 ? `${file} (mode 600)` : `${file} has mode ${mode.toString(8)}: others can read the token; chmod 600 ${file}, then restart the engine for a new token`);
  if (!processAlive(state.pid)) {
    add(`${name} process`, 'warn', `pid ${state.pid} is gone: stale state file ${file} (start the engine again, or delete the file)`);
    return;
  }
  add(`${name} process`, 'ok', `pid ${state.pid}`);
  add(`${name} endpoint`, isLoopbackHost(state.host) ? 'ok' : 'warn', isLoopbackHost(state.host) ? `${state.url} (loopback)` : `${state.url} is not loopback: the token crosses the network in clear`);
  let client: ControlClient;
  try {
    client = await ControlClient.connect({ url: state.url, token: state.token, timeoutMs: 3000 });
  } catch (error) {
    const e = error as ControlError;
    add(`${name} connect`, 'fail', `${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    return;
  }
  try {
    const status = await client.call('engine.status', undefined, { timeoutMs: 5000 });
    add(`${name} connect`, 'ok', 'token accepted');
    add(`${name} status`, status.status === 'running' ? 'ok' : 'warn', `${status.status}, up ${duration(status.uptimeMs)}, ${status.stats.live} actors, ${status.stats.messagesHandled} messages handled`);
    if (status.stats.crashed > 0 || status.stats.deadLetters > 0) {
      add(`${name} health`, 'warn', `${status.stats.crashed} crashes, ${status.stats.deadLetters} dead letters so far (see \`pd dead\`)`);
    }
  } catch (error) {
    add(`${name} status`, 'fail', (error as Error).message);
  } finally {
    await client.close();
  }
}
