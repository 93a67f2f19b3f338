/**
 * `pd start`: boot an engine from a config file. `--foreground` (the default) runs it in
 * this process until `pd stop`, SIGINT or SIGTERM; `--detach` checks the config here,
 * starts a background `pd start --foreground`, waits until it reports ready over an IPC
 * channel (or fails, with its error), and returns. The token never appears in the output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeExit } from '@pd/actor';
import {
  type EngineState, type PdConfig, type RunningEngine, assertNotRunning, bootEngine, loadConfig, loadKinds, openPrivate, prepareStateDir, stateDir, validateConfig,
} from '@pd/control';
import type { Command, CommandContext } from '../command.js';
import { EXIT, UsageError, exitCodeFor } from '../exit.js';
import { describeError, keyValues } from '../output.js';
import { startInstrumentation } from '../telemetry.js';
import type { Logger } from '@pd/telemetry';

/** How long `--detach` waits for the engine to report ready, ms. */
const DETACH_READY_TIMEOUT_MS = 30_000;
/** The config file used when no --config is given and it exists in the current folder. */
export const DEFAULT_CONFIG_FILE = 'pd.config.json';

export const startCommand: Command = {
  name: 'start',
  args: '',
  summary: 'Start an engine from a config file (foreground by default, or --detach).',
  needsEngine: false,
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: `the config file (default: ./${DEFAULT_CONFIG_FILE} if present, else an empty engine)` },
    foreground: { type: 'boolean', help: 'run in this process until stopped (the default)' },
    detach: { type: 'boolean', short: 'd', help: 'run in the background; return once the engine is ready' },
    'state-dir': { type: 'string', value: 'DIR', help: 'where to write the state file (default: control.stateDir, $PD_STATE_DIR, $XDG_RUNTIME_DIR/pd or ~/.pd/run)' },
    'log-file': { type: 'string', value: 'FILE', help: 'with --detach: where the engine output goes (default: <state dir>/<id>.log)' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    if (ctx.options.detach === true && ctx.options.foreground === true) throw new UsageError('pd start: --detach and --foreground exclude each other');
    const config = await readConfig(ctx);
    return ctx.options.detach === true ? detach(ctx, config) : foreground(ctx, config);
  },
};

// --- internal ---

async function readConfig(ctx: CommandContext): Promise<PdConfig> {
  const file = ctx.string('config') ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  return file === undefined ? validateConfig({ version: 1 }) : loadConfig(file);
}

/** What `pd start` prints about a ready engine: the state without its token. */
function publicState(state: EngineState | null, stateFile: string | null, config: PdConfig, metrics: unknown): Record<string, unknown> {
  if (state === null) return { ready: true, id: config.engine.id, pid: process.pid, url: null, stateFile: null, log: null, config: config.file ?? null, metrics };
  const { token: _token, ...rest } = state;
  return { ready: true, ...rest, stateFile, metrics };
}

async function foreground(ctx: CommandContext, config: PdConfig): Promise<number> {
  const ipc = typeof process.send === 'function';
  let running: RunningEngine;
  // Started by bootEngine once the config, its kinds and the state folder checked out (and
  // closed by it when a later step fails), so a refused config binds no metrics port.
  type Started = Awaited<ReturnType<typeof startInstrumentation>>;
  let started: Started | null = null;
  try {
    running = await bootEngine(config, {
      ...(ctx.string('state-dir') !== undefined ? { stateDir: ctx.string('state-dir') } : {}), log: ctx.string('log-file') ?? null,
      instrument: async (c) => (started = await startInstrumentation(c)).instrumentation,
    });
  } catch (error) {
    if (ipc) await sendIpc({ type: 'error', error: describeError(error), exit: exitCodeFor(error) });
    throw error;
  }
  const { logger, instrumentation } = started as unknown as Started;
  const metrics = instrumentation.describe?.().metrics ?? null;
  const ready = publicState(running.state, running.stateFile, config, metrics);
  if (ctx.json) ctx.output.line(ready);
  else ctx.output.text(`engine ${config.engine.id} running (pid ${process.pid})${running.state ? `, control ${running.state.url}` : ', control plane disabled'}\n${running.stateFile ? `state file: ${running.stateFile}\n` : ''}${metricsLine(metrics)}stop it with \`pd stop${config.engine.id === 'engine' ? '' : ` --engine ${config.engine.id}`}\` or Ctrl-C`);
  if (ipc) {
    await sendIpc({ type: 'ready', state: ready });
    process.disconnect?.();
  }
  logger.info({ control: running.state?.url ?? null, metrics: (metrics as { url?: string | null } | null)?.url ?? null }, `engine ${config.engine.id} running`);
  const exits = logExits(logger, running);
  // Without a control plane nothing else holds the process open.
  const keepAlive = running.state === null ? setInterval(() => {}, 1 << 30) : null;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    ctx.output.note(`pd: ${signal}: stopping engine ${config.engine.id}…`);
    void running.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = await running.stopped;
  exits.off();
  if (keepAlive !== null) clearInterval(keepAlive);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  logger.info({ actorsStopped: report.stopped, actorsKilled: report.killed }, `engine ${config.engine.id} stopped`);
  if (ctx.json) ctx.output.line({ stopped: true, id: config.engine.id, actorsStopped: report.stopped, actorsKilled: report.killed });
  else ctx.output.text(`engine ${config.engine.id} stopped (${report.stopped} actors stopped, ${report.killed} killed)`);
  // Crashes counted by the engine too: those before `exits` subscribed (while the tree started).
  if (exits.abnormal === 0 && report.killed === 0 && running.engine.stats().crashed === 0 && !downedHere(running)) await removeDefaultLog(ctx, config);
  return EXIT.ok;
}

/**
 * After a clean run — stopped on request, no actor exited abnormally, none killed at the
 * deadline, not stopped by downing (the log says why the node stopped itself) — the log
 * `--detach` chose in the state folder goes with the engine, so a state folder holds only
 * what is running. Kept otherwise: a run with a crash (or an engine
 * process that died, which removes nothing) leaves its log for the operator, and `pd stop`
 * says where. A log file the operator named is theirs and always kept.
 */
async function removeDefaultLog(ctx: CommandContext, config: PdConfig): Promise<void> {
  const log = ctx.string('log-file');
  const dir = ctx.string('state-dir');
  if (log === undefined || dir === undefined || resolve(log) !== resolve(dir, `${config.engine.id}.log`)) return;
  await unlink(log).catch(() => {}); // Already gone, or not ours to remove: nothing to do.
}

/** Downing put this node on the losing side of a partition: its log says so, and is kept. */
function downedHere(running: RunningEngine): boolean {
  try {
    return running.federation?.members().downing?.decisions.some((d) => d.decision === 'down') === true;
  } catch {
    return false;
  }
}

/**
 * Abnormal exits as log records (the crash itself, with its stack, is the engine logger's
 * record), counted. On a multi-core engine these are core 0's exits, which include a stand-in's
 * for every supervised child on another core (it exits with its child's reason).
 */
function logExits(logger: Logger, running: RunningEngine): { off: () => void; readonly abnormal: number } {
  const seen = { abnormal: 0, off: () => {} };
  seen.off = running.engine.events.subscribe((e) => {
    if (e.type === 'exited' && (e.reason.type === 'error' || e.reason.type === 'killed')) {
      seen.abnormal++;
      logger.warn({ path: e.path, kind: e.kind, reason: describeExit(e.reason) }, `${e.path} (${e.kind}) exited: ${describeExit(e.reason)}`);
    }
  }, ['exited']);
  return seen;
}

function metricsLine(metrics: unknown): string {
  const url = (metrics as { url?: string | null } | null)?.url;
  return typeof url === 'string' ? `metrics: ${url} (health: /healthz, /readyz)\n` : '';
}

async function detach(ctx: CommandContext, config: PdConfig): Promise<number> {
  await loadKinds(config); // Refuse a bad module or kind here, before anything starts.
  const dir = resolve(stateDir(ctx.string('state-dir') ?? config.control.stateDir));
  await prepareStateDir(dir);
  if (config.control.enabled) await assertNotRunning(dir, config.engine.id);
  const log = resolve(ctx.string('log-file') ?? join(dir, `${config.engine.id}.log`));
  const handle = await openPrivate(log, { append: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`pd start: cannot open the log file ${log}: ${error.code === 'ELOOP' ? 'it is a symlink (refused: it could point anywhere)' : (error.code ?? error.message)}`, 'pass another file with --log-file');
  });
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  const args = [bin, 'start', '--foreground', '--state-dir', dir, '--log-file', log, ...(config.file !== undefined ? ['--config', config.file] : [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', handle.fd, handle.fd, 'ipc'], env: ctx.env });
  try {
    const message = await waitForReady(child);
    if (message.type === 'error') {
      ctx.output.report(message.error);
      return Number(message.exit) || EXIT.failed;
    }
    if (ctx.json) ctx.output.data(message.state);
    else {
      const s = message.state as Record<string, unknown>;
      ctx.output.text(`engine ${String(s.id)} started in the background\n${keyValues([['pid', String(s.pid)], ['control', String(s.url)], ['state file', String(s.stateFile)], ['log', log]])}`);
    }
    return EXIT.ok;
  } finally {
    if (child.connected) child.disconnect();
    child.unref();
    await handle.close();
  }
}

type ReadyMessage = { type: 'ready'; state: unknown } | { type: 'error'; error: ReturnType<typeof describeError>; exit: number };

function waitForReady(child: ReturnType<typeof spawn>): Promise<ReadyMessage> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine did not report ready within ${DETACH_READY_TIMEOUT_MS} ms (pid ${child.pid}); see its log`)), DETACH_READY_TIMEOUT_MS);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolvePromise(m as ReadyMessage);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the engine process exited before it was ready (${signal ?? `exit code ${code}`}); see its log`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function sendIpc(message: unknown): Promise<void> {
  return new Promise((resolvePromise) => {
    process.send!(message, undefined, {}, () => resolvePromise());
  });
}
