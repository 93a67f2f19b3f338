/**
 * Starting a multi-core engine on the calling thread, which becomes core 0, and
 * coordinating its worker cores: the rings (one per ordered pair of cores), the workers'
 * boot, readiness, a crashed worker (reported to every core, then restarted per the
 * `coreRestart` policy with fresh rings), and shutdown with a deadline.
 *
 * Core 0 keeps the single-core API: `createEngine({ mode: 'multi', ... })` returns its
 * engine, and spawns with a placement go to the other cores. Must not: carry actor
 * messages (the rings do), or block the main thread.
 */
import { Worker } from 'node:worker_threads';
import { ArgumentError, type Kind } from '@pd/actor';
import { createRing, maxFrameBytes } from '@pd/transport';
import type { Engine, KernelOptions } from '../kernel/engine.js';
import type { EngineLogger } from '../logger.js';
import type { ShutdownReport } from '../remote.js';
import { deriveStream } from '../random.js';
import type { CoreEngineOptions, FromWorker, ToWorker, WorkerBoot } from './boot.js';
import { coreZeroLogger, logFromCore } from './core-logs.js';
import { threadTimeOrigin } from './core-reactor.js';
import { CoreRouter } from './core-router.js';
import { loadKinds } from './kinds-entry.js';
import { MULTI_DEFAULTS, type MultiEngineOptions, type MultiSettings, multiSettings } from './options.js';

/** What `createEngine({ mode: 'multi' })` was given: the kernel's options and the multi-core ones. */
type EngineOptions = KernelOptions & MultiEngineOptions;
import { RingIn, RingOut } from './ring-channel.js';

/** Build core 0's engine with `construct` and start the worker cores. */
export function startMultiCore(options: EngineOptions, construct: (options: KernelOptions) => Engine): Engine {
  const settings = multiSettings(options);
  if (options.reactor?.kind === 'sim') throw new ArgumentError("mode 'multi' runs worker threads; to simulate cores in one thread use SimCores (docs/multi-core.md)");
  // Every core's records go to the one logger, each with its core (the workers' via core 0).
  const logs = coreZeroLogger(options.logger);
  const coordinator = new Coordinator(settings, options, logs.base);
  let router!: CoreRouter;
  const engine = construct({
    ...coreOptions(options), ...(options.reactor === undefined ? {} : { reactor: options.reactor }), ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }), ...(options.routers === undefined ? {} : { routers: options.routers }),
    logger: logs.logger, core: 0,
    remote: (e) => (router = new CoreRouter(e, {
      cores: settings.cores, placement: settings.placement, idleSpinMs: settings.idleSpinMs, maxFrameBytes: maxFrameBytes(settings.ringBytes),
      shutdownOthers: (deadlineMs) => coordinator.shutdown(deadlineMs),
      ready: () => coordinator.ready(),
      kindsLoaded: () => coordinator.kindsLoaded,
    })).attachment(),
  });
  coordinator.start(engine, router);
  return engine;
}

// --- internal ---

interface CoreHandle {
  worker: Worker | null;
  state: 'starting' | 'up' | 'gone';
  epoch: number;
  restarts: number[];
  /** Settles once: when the core is first ready, or when it fails to boot (rejects). */
  ready: Promise<void>;
  markReady: () => void;
  markFailed: (error: Error) => void;
  report: ShutdownReport | null;
}

class Coordinator {
  kindsLoaded: boolean;
  private engine!: Engine;
  private router!: CoreRouter;
  private readonly handles: (CoreHandle | null)[] = [];
  /** rings[from][to]: the ring core `from` writes and core `to` reads. */
  private readonly rings: (SharedArrayBuffer | null)[][] = [];
  private mainKinds: Promise<void> = Promise.resolve();
  private stopping: Promise<ShutdownReport> | null = null;
  private readonly workerUrl = workerScript();

  /** @param logger where the worker cores' log records go (with their core). */
  constructor(private readonly settings: MultiSettings, private readonly options: EngineOptions, private readonly logger: EngineLogger) {
    this.kindsLoaded = settings.entry === null;
    for (let from = 0; from < settings.cores; from++) {
      this.rings.push([]);
      for (let to = 0; to < settings.cores; to++) this.rings[from]!.push(from === to ? null : createRing(settings.ringBytes));
    }
  }

  start(engine: Engine, router: CoreRouter): void {
    this.engine = engine;
    this.router = router;
    if (this.settings.entry !== null) {
      this.mainKinds = loadKinds(this.settings.entry).then((kinds: Kind[]) => {
        // Kinds given explicitly (`kinds`) win over the entry's of the same name.
        for (const kind of kinds) if (!engine.kinds.has(kind.name)) engine.kinds.register(kind);
        this.kindsLoaded = true;
      });
      this.mainKinds.catch(() => undefined);
    }
    this.handles.push(null);
    for (let core = 1; core < this.settings.cores; core++) {
      router.connect(core, this.channel(0, core));
      this.handles.push(newHandle());
      this.launch(core);
    }
  }

  ready(): Promise<void> {
    return Promise.all([this.mainKinds, ...this.handles.map((h) => h?.ready)]).then(() => undefined);
  }

  /** Shut down every worker core with `deadlineMs`; resolves with the sum of their reports. */
  shutdown(deadlineMs: number): Promise<ShutdownReport> {
    this.stopping ??= this.stopAll(deadlineMs);
    return this.stopping;
  }

  // --- internal ---

  private channel(self: number, peer: number): { out: RingOut; in: RingIn } {
    return { out: new RingOut(this.rings[self]![peer]!, this.router.codec), in: new RingIn(this.rings[peer]![self]!) };
  }

  private launch(core: number): void {
    const handle = this.handles[core]!;
    const cores = this.settings.cores;
    const seed = this.engine.reactor.seed;
    const boot: WorkerBoot = {
      core, cores, epoch: handle.epoch,
      epochs: this.handles.map((h) => h?.epoch ?? 0),
      gone: this.handles.flatMap((h, i) => (h !== null && h.state === 'gone' ? [i] : [])),
      incarnation: this.engine.incarnation,
      seed: deriveStream(seed, `core/${core}#${handle.epoch}`).nextU32(),
      originMs: threadTimeOrigin(),
      entry: this.settings.entry,
      engine: coreOptions(this.options),
      placement: { default: this.settings.placement.default, kinds: [...this.settings.placement.kinds] as [string, unknown][] },
      idleSpinMs: this.settings.idleSpinMs,
      // Other routers beside core 0's core router (a node router): core 0 carries the other cores' traffic with them.
      gateway: (this.options.routers?.length ?? 0) > 0,
      inRings: this.rings.map((row) => row[core] ?? null),
      outRings: this.rings[core]!.map((ring) => ring),
    };
    const worker = new Worker(this.workerUrl, { workerData: boot });
    handle.worker = worker;
    handle.state = 'starting';
    let failure: string | null = null;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        handle.state = 'up';
        handle.markReady();
      } else if (message.type === 'failed') {
        failure = message.error;
        handle.markFailed(new ArgumentError(`core ${core} could not load the entry module ${this.settings.entry}: ${message.error}`));
      } else if (message.type === 'report') {
        handle.report = { stopped: message.stopped, killed: message.killed };
      } else if (message.type === 'record') {
        logFromCore(this.logger, core, message.record);
      }
    });
    worker.on('error', (error) => {
      failure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    });
    worker.on('exit', (code) => {
      if (handle.worker !== worker) return;
      handle.worker = null;
      if (this.stopping !== null) return;
      this.crashed(core, failure ?? `worker exited with code ${code}`, failure !== null && handle.state === 'starting');
    });
  }

  /** A worker died outside any handler: report it everywhere, then restart it or give it up. */
  private crashed(core: number, detail: string, bootFailed: boolean): void {
    const handle = this.handles[core]!;
    this.router.coreDown(core, detail);
    this.broadcast({ type: 'core-down', core, detail }, core);
    const now = this.engine.reactor.now();
    handle.restarts = handle.restarts.filter((t) => now - t < this.settings.restartWithinMs);
    if (bootFailed || handle.restarts.length >= this.settings.maxRestarts) {
      handle.state = 'gone';
      // A core that never became ready will not: ready() fails rather than waits forever.
      handle.markFailed(new ArgumentError(`core ${core} died before it was ready (${detail}) and will not be restarted`));
      this.router.coreGone(core);
      this.broadcast({ type: 'core-gone', core }, core);
      return;
    }
    handle.restarts.push(now);
    handle.epoch++;
    for (let other = 0; other < this.settings.cores; other++) {
      if (other === core) continue;
      this.rings[core]![other] = createRing(this.settings.ringBytes);
      this.rings[other]![core] = createRing(this.settings.ringBytes);
    }
    this.router.connect(core, this.channel(0, core), { epoch: handle.epoch });
    for (let other = 1; other < this.settings.cores; other++) {
      const h = this.handles[other];
      if (other === core || h === null || h === undefined || h.worker === null) continue;
      h.worker.postMessage({ type: 'core-up', core, epoch: handle.epoch, inRing: this.rings[core]![other]!, outRing: this.rings[other]![core]! } satisfies ToWorker);
    }
    this.launch(core);
  }

  private broadcast(message: ToWorker, except: number): void {
    for (let core = 1; core < this.handles.length; core++) {
      const h = this.handles[core];
      if (core !== except && h !== null && h !== undefined && h.worker !== null) h.worker.postMessage(message);
    }
  }

  private async stopAll(deadlineMs: number): Promise<ShutdownReport> {
    const live = this.handles.filter((h): h is CoreHandle => h !== null && h.worker !== null);
    const exits = live.map((h) => new Promise<void>((resolve) => {
      const worker = h.worker!;
      worker.once('exit', () => resolve());
      worker.postMessage({ type: 'shutdown', deadlineMs } satisfies ToWorker);
    }));
    // A core that does not finish within the deadline (and some grace) is terminated.
    const force = this.engine.reactor.setTimer(deadlineMs + MULTI_DEFAULTS.shutdownGraceMs, () => {
      for (const h of live) void h.worker?.terminate();
    });
    await Promise.all(exits);
    this.engine.reactor.clearTimer(force);
    // What the workers sent last (exits, downs for core 0's actors) is read before the rings close.
    this.router.drain();
    let stopped = 0;
    let killed = 0;
    for (const h of live) {
      stopped += h.report?.stopped ?? 0;
      killed += h.report?.killed ?? 0;
    }
    return { stopped, killed };
  }
}

function newHandle(): CoreHandle {
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined);
  return { worker: null, state: 'starting', epoch: 0, restarts: [], ready, markReady, markFailed, report: null };
}

/** The serializable engine options every core gets. */
function coreOptions(options: EngineOptions): CoreEngineOptions {
  const out: Record<string, unknown> = {};
  for (const key of ['id', 'budget', 'sliceMs', 'askTimeoutMs', 'maxPendingAsks', 'stopTimeoutMs', 'terminatedHistory', 'deadLetterHistory'] as const) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out as CoreEngineOptions;
}

/**
 * The worker's script. From the built package it sits next to this file; when this file
 * runs from TypeScript source (tests), workers run the built `dist` twin, as threads cannot
 * load TypeScript.
 */
function workerScript(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL(here.replace(/\/src\/multi\/start\.ts$/, '/dist/multi/worker.js'));
  return new URL('./worker.js', here);
}
