/**
 * Booting an engine from a validated config: load the kind modules (every kind the tree
 * names must exist) and compile the plugins, create the engine, load the plugins into its
 * plugin host, start the federation when the config makes the engine a node of a cluster,
 * start the tree, serve the control plane and write the state file; and the reverse on stop
 * (the federation closes after the engine has shut down, so its last exits and Downs reach
 * the peers). Nothing starts when the config is wrong; when a
 * later step fails, what was started is shut down again before the error is thrown.
 */
import type { Kind } from '@pd/actor';
import type { DowningDecision, Federation } from '@pd/federation';
import type { PluginHost } from '@pd/plugin';
import { createEngine, type Engine, type EngineOptions, type ShutdownReport } from '@pd/runtime';
import { ClusterNameKeeper, configuredClaims } from './cluster-names.js';
import { kindsEntryUrl, loadKinds } from './config/load.js';
import type { PdConfig } from './config/types.js';
import { ConfigError } from './config/validate.js';
import { ControlError } from './errors.js';
import { createConfigFederation, federationDetails, startConfigFederation } from './federation.js';
import type { Instrument, Instrumentation } from './instrument.js';
import type { MethodTable } from './methods/types.js';
import { compileConfigPlugins, startPluginHost } from './plugins.js';
import { ControlServer } from './server.js';
import { type EngineState, newToken, prepareStateDir, processAlive, readState, removeState, stateDir, stateFile, writeState } from './state.js';
import { startTree, type TreeHost } from './tree.js';

export interface BootOptions {
  /** State folder; default: the config's `control.stateDir`, else {@link stateDir}'s default. */
  readonly stateDir?: string;
  /** Kinds besides those of the config's modules. */
  readonly kinds?: readonly Kind[];
  /** Where a detached engine's output goes, recorded in the state file. */
  readonly log?: string | null;
  /** More control methods (cluster, plugins). */
  readonly methods?: MethodTable;
  /** Observability (metrics, health, logs): the CLI passes @pd/telemetry's. */
  readonly instrument?: Instrument;
}

/** An engine started from a config, with its control plane. */
export interface RunningEngine {
  readonly engine: Engine;
  readonly config: PdConfig;
  readonly tree: TreeHost;
  /** The engine's WebAssembly plugins: the config's, and those loaded through the control plane. */
  readonly plugins: PluginHost;
  /** The node's federation, when the config has a `federation` section; started. */
  readonly federation: Federation | null;
  /** The config's cluster names and path prefixes (`clusterName`, `clusterPrefix`), kept claimed; null without a federation. */
  readonly clusterNames: ClusterNameKeeper | null;
  /** What the state file says; null when the control plane is disabled. */
  readonly state: EngineState | null;
  readonly stateFile: string | null;
  /** Shut down gracefully (idempotent); also what `pd stop` triggers. */
  stop(deadlineMs?: number): Promise<ShutdownReport>;
  /** Settles once the engine has stopped, by {@link stop} or through the control plane. */
  readonly stopped: Promise<ShutdownReport>;
}

/** Start what `config` declares. Throws a ConfigError for a bad config, a ControlError otherwise. */
export async function bootEngine(config: PdConfig, options: BootOptions = {}): Promise<RunningEngine> {
  const kinds = await loadKinds(config, options.kinds);
  const compiledPlugins = await compileConfigPlugins(config);
  const dir = stateDir(options.stateDir ?? config.control.stateDir);
  const id = config.engine.id;
  if (config.control.enabled) {
    // Refused before anything starts: the token must not go to a folder others control.
    await prepareStateDir(dir);
    await assertNotRunning(dir, id);
  }
  // Created (its files checked) before anything starts; its router goes into the engine.
  // Downing (SWIM membership) put this node on the losing side of a partition: stop as `pd stop` would.
  let downed: ((decision: DowningDecision) => void) | null = null;
  const federation = await createConfigFederation(config, (decision) => downed?.(decision));
  const inst: Instrumentation | null = options.instrument === undefined ? null : await options.instrument(config);
  let engine: Engine;
  try {
    engine = createEngine({
      ...engineOptions(config, kinds), ...(inst?.logger === undefined ? {} : { logger: inst.logger }),
      ...(federation === null ? {} : { routers: [federation.router] }),
    });
  } catch (error) {
    await inst?.close().catch(() => {});
    throw error;
  }
  inst?.attach?.(engine);
  const startedAt = Date.now();
  let server: ControlServer | null = null;
  let state: EngineState | null = null;
  let file: string | null = null;
  let stopping: Promise<ShutdownReport> | null = null;
  let keeper: ClusterNameKeeper | null = null;
  let settle!: (report: ShutdownReport) => void;
  const stopped = new Promise<ShutdownReport>((resolve) => (settle = resolve));
  const stop = (deadlineMs?: number): Promise<ShutdownReport> => {
    stopping ??= (async () => {
      keeper?.close();
      inst?.stopping?.();
      const report = await engine.shutdown({ deadlineMs: deadlineMs ?? config.engine.shutdownDeadlineMs });
      await federation?.close().catch(() => {});
      await server?.close();
      await inst?.close().catch(() => {});
      if (state !== null) await removeState(dir, id);
      settle(report);
      return report;
    })();
    return stopping;
  };
  downed = (decision) => {
    process.stderr.write(`pd: node ${config.federation?.nodeId ?? id} is on the losing side of a partition (${decision.strategy}: ${decision.reason}); stopping the engine\n`);
    void stop().catch(() => {});
  };
  try {
    // Multi mode: every core must have loaded the config's kinds before the tree spawns
    // them there (a core that cannot load them fails this, and the engine is shut down).
    if (config.engine.mode === 'multi') await engine.ready().catch((error: unknown) => { throw coresFailed(config, error); });
    // Before the tree: its actors may talk to other nodes as they start.
    if (federation !== null) await startConfigFederation(federation, engine, config);
    const plugins = await startPluginHost(engine, compiledPlugins);
    const tree = await startTree(engine, config.tree);
    // The config's cluster names and prefixes: claimed before the engine is reported started, then kept.
    if (federation !== null) {
      keeper = new ClusterNameKeeper(federation, engine, configuredClaims(config.tree));
      await keeper.start();
    }
    inst?.ready?.();
    if (config.control.enabled) {
      const c = config.control;
      const token = newToken();
      const details = {
        mode: config.engine.mode, cores: config.engine.cores, config: config.file ?? null, metadata: config.metadata, stateFile: stateFile(dir, id),
        ...(federation === null ? {} : { federation: federationDetails(federation, config) }), ...inst?.describe?.(),
      };
      server = new ControlServer({ engine, tree, plugins, ...(federation === null ? {} : { federation }), ...(keeper === null ? {} : { clusterNames: keeper }), startedAt, details, requestStop: (ms) => void stop(ms) }, {
        token, host: c.host, port: c.port, allowRemote: c.allowRemote, maxConnections: c.maxConnections,
        maxRequestBytes: c.maxRequestBytes, maxInFlight: c.maxInFlight, handshakeTimeoutMs: c.handshakeTimeoutMs, maxPendingConnections: c.maxPendingConnections, observer: config.telemetry.observer, ...(options.methods !== undefined ? { methods: options.methods } : {}),
      });
      const bound = await server.listen();
      state = { version: 1, id, pid: process.pid, url: bound.url, host: bound.host, port: bound.port, token, startedAt, config: config.file ?? null, log: options.log ?? null };
      file = await writeState(dir, state);
    }
    return { engine, config, tree, plugins, federation, clusterNames: keeper, state, stateFile: file, stop, stopped };
  } catch (error) {
    await stop(1000).catch(() => {});
    throw error;
  }
}

/** Throws `engine/already-running` when the state file of `id` in `dir` names a live process. */
export async function assertNotRunning(dir: string, id: string): Promise<void> {
  let state: EngineState | undefined;
  try {
    state = await readState(dir, id);
  } catch {
    return; // An unreadable file is replaced.
  }
  if (state !== undefined && state.pid !== process.pid && processAlive(state.pid)) {
    throw new ControlError('engine/already-running', `an engine "${id}" is already running (pid ${state.pid}, ${state.url})`, {
      hint: `stop it with \`pd stop --engine ${id}\`, or give this one another engine.id`,
    });
  }
}

// --- internal ---

function engineOptions(config: PdConfig, kinds: readonly Kind[]): EngineOptions {
  const e = config.engine;
  const pick = <K extends keyof typeof e>(k: K) => (e[k] === undefined ? {} : { [k]: e[k] });
  // Multi mode: core 0 gets the kinds already loaded here; every other core imports the
  // same modules through the entry module (kinds given in code stay on core 0).
  const multi = e.mode === 'multi' ? { mode: 'multi' as const, cores: e.cores, entry: kindsEntryUrl(config), ...pick('placement') } : {};
  return {
    id: e.id, kinds, ...multi, ...pick('seed'), ...pick('budget'), ...pick('sliceMs'), ...pick('askTimeoutMs'),
    ...pick('stopTimeoutMs'), ...pick('terminatedHistory'), ...pick('deadLetterHistory'),
  };
}

/**
 * A core that could not load the config's modules (they loaded on the main thread, so they
 * behave differently on a worker thread): a mistake of the modules, reported at `modules`
 * like any module that fails, with the core's own error and without the entry module's URL.
 */
function coresFailed(config: PdConfig, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const m = /core (\d+) could not load the entry module \S+: ([\s\S]*)$/.exec(message);
  if (m === null) return error;
  return new ConfigError([{ path: 'modules', message: `core ${m[1]} (a worker thread) cannot load them: ${m[2]}` }], config.file);
}
