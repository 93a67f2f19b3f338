/**
 * Engine metrics (and, opt-in, traces) through the OpenTelemetry API: counters fed by the
 * engine's event stream (spawns, exits, restarts, crashes, overflows, supervisor actions),
 * observable instruments read from its counters and introspection at collection time
 * (mailbox length and live actors per kind, dead letters by reason, messages handled, asks,
 * timers, per-core ring traffic), and per-message histograms (mailbox time, handler
 * duration) plus trace propagation through the engine's message probe (probe.ts). The
 * runtime depends on `@opentelemetry/api` only, so without an SDK every instrument is a
 * no-op; the per-message probe is installed only for a meter that records (not the API's
 * no-op) or when tracing is asked for, so an engine that nobody instruments pays nothing.
 * Must not: label by actor id or path (kinds only, capped), or throw into the engine.
 */
import { type Attributes, type BatchObservableResult, type Counter, type Histogram, type Meter, type Observable, type Tracer, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import { ArgumentError } from '@pd/actor';
import type { Engine } from '../kernel/engine.js';
import type { EngineEvent } from '../kernel/events.js';
import type { EngineStats } from '../kernel/introspection.js';
import { CoreRouter } from '../multi/core-router.js';
import { multiCore } from '../multi/view.js';
import type { CoreTelemetrySnapshot } from './core-telemetry.js';
import type { SpanData } from './worker-tracer.js';
import { KindLabels } from './kind-labels.js';
import { ATTR, METRIC, SCOPE } from './names.js';
import { TelemetryProbe } from './probe.js';

export interface EngineMetricsOptions {
  /** The meter to record with; default: the global provider's meter for `@pd/runtime`. */
  readonly meter?: Meter;
  /** Distinct kinds labelled before further ones are counted as `(other)` (bounded cardinality). */
  readonly maxKinds?: number;
  /**
   * Record the per-message histograms (mailbox time, handler duration): two clock reads and
   * two recordings per timed message. Default true; skipped anyway when `meter` is the API's no-op.
   */
  readonly histograms?: boolean;
  /**
   * Time one message in this many for the histograms (default {@link METRICS_DEFAULTS}.timingEvery;
   * 1 times every message). Their `_count` then counts timed messages; `pd.message.handled`
   * counts all of them.
   */
  readonly timingEvery?: number;
  /**
   * Trace messages (opt-in, default false): `true` for the global provider's tracer, or a
   * tracer. A message sent inside a sampled span carries its context (across cores in the
   * envelope's trace block) and its handler runs inside a `process <kind>` consumer span.
   * Sampling is the tracer provider's (for example a ratio sampler at the root).
   */
  readonly tracing?: boolean | Tracer;
  /**
   * A multi-core engine's core 0, traced: where the spans the other cores (worker threads, which
   * have no tracer of their own) record go, as plain data ({@link SpanData}, with `pd.core`),
   * about every 100 ms; `@pd/telemetry` hands them to its span processors. Without it the other
   * cores record no spans (their trace blocks still carry the context on).
   */
  readonly exportSpans?: (spans: readonly SpanData[], core: number) => void;
}

/** What {@link instrumentEngine} returns: stop recording. */
export interface EngineMetrics {
  close(): void;
}

/** Defaults, in one place. */
export const METRICS_DEFAULTS = {
  maxKinds: 256,
  /**
   * One message in this many is timed for the histograms. A clock read costs about as much
   * as handling a small message, so timing every one would slow a busy engine several-fold.
   */
  timingEvery: 1024,
} as const;

/**
 * Record `engine`'s metrics with `options.meter` (or the global one), and trace its messages
 * when `options.tracing` asks, until `close()`. One instrumentation per engine at a time when
 * it times or traces messages (the engine has one message probe): a second is refused.
 *
 * Multi-core: instrument core 0, which reports every core's metrics. On another core's engine
 * (reachable with `SimCores`, whose cores share one thread), this records no metrics — they
 * are core 0's to report, and would be counted twice — and only traces, when asked.
 */
export function instrumentEngine(engine: Engine, options: EngineMetricsOptions = {}): EngineMetrics {
  const meter = options.meter ?? metrics.getMeter(SCOPE);
  const every = options.timingEvery ?? METRICS_DEFAULTS.timingEvery;
  if (!Number.isInteger(every) || every < 1) throw new ArgumentError(`instrumentEngine: timingEvery must be a positive integer, got ${String(every)}`);
  const maxKinds = options.maxKinds ?? METRICS_DEFAULTS.maxKinds;
  // Another core of a multi-core engine (simulated cores: every engine is at hand): core 0 reports its metrics.
  const worker = workerCoreRouterOf(engine);
  if (worker !== null) return traceWorkerCore(worker, options);
  // Core 0 of a multi-core engine: every core's metrics, each labelled with its core.
  const cores = coreRouterOf(engine);
  const base = cores === null ? null : { [ATTR.core]: cores.self };
  const kinds = new KindLabels(maxKinds, base);
  const histograms = messageHistograms(meter, options);
  const probe = messageProbe(engine, histograms, kinds, every, options);
  if (probe !== null) {
    if (engine._probe !== null) throw new ArgumentError(`instrumentEngine: engine "${engine.id}" already has its messages timed or traced; close that instrumentation first`);
    engine._setProbe(probe);
  }
  const counters = eventCounters(meter);
  const system = base === null ? SYSTEM : { ...SYSTEM, ...base };
  const offEvents = countEvents(engine, counters, kinds, system);
  const offObserved = observeEngine(engine, meter, kinds, system, cores === null ? null : { router: cores, counters, histograms });
  if (cores !== null) {
    const tracing = (options.tracing ?? false) !== false && options.exportSpans !== undefined;
    cores.instrumentCores({ histograms: histograms !== null, tracing, timingEvery: every, maxKinds }, tracing ? options.exportSpans! : null);
  }
  let closed = false;
  return {
    close: () => {
      if (closed) return;
      closed = true;
      if (probe !== null && engine._probe === probe) engine._setProbe(null);
      offEvents();
      offObserved();
      if (cores !== null) cores.instrumentCores(null);
    },
  };
}

// --- internal ---

/** The core router of core 0 of a multi-core engine (which gathers every core's metrics), or null. */
function coreRouterOf(engine: Engine): CoreRouter | null {
  const router = engine._remote.routers.find((r) => r instanceof CoreRouter);
  return router instanceof CoreRouter && router.self === 0 ? router : null;
}

/** The core router of a core other than core 0 of a multi-core engine, or null. */
function workerCoreRouterOf(engine: Engine): CoreRouter | null {
  const router = engine._remote.routers.find((r) => r instanceof CoreRouter);
  return router instanceof CoreRouter && router.self !== 0 ? router : null;
}

/**
 * `instrumentEngine` on another core than core 0: its metrics are core 0's to report (gathered
 * over the rings, labelled with the core; recording them here too would count them twice), so
 * this only gives the core's recorder the tracer, if any.
 */
function traceWorkerCore(router: CoreRouter, options: EngineMetricsOptions): EngineMetrics {
  const tracing = options.tracing ?? false;
  if (tracing === false) return { close: () => {} };
  router.traceWith(tracing === true ? trace.getTracer(SCOPE) : tracing);
  let closed = false;
  return {
    close: () => {
      if (closed) return;
      closed = true;
      router.traceWith(null);
    },
  };
}

/** Bucket bounds of the per-message histograms, in seconds: actor messages take microseconds to seconds. */
const MESSAGE_BUCKETS = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The API's no-op histogram class: a meter whose histograms are these records nothing. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop').constructor;

/** The per-message histograms, or null when they are off or would record nothing (the API's no-op meter). */
function messageHistograms(meter: Meter, options: EngineMetricsOptions): { wait: Histogram; duration: Histogram } | null {
  if (options.histograms === false) return null;
  const wait = meter.createHistogram(METRIC.mailboxTime, { unit: 's', description: 'Time a message waited in its mailbox before its handler began, by kind.', advice: { explicitBucketBoundaries: MESSAGE_BUCKETS } });
  const duration = meter.createHistogram(METRIC.messageDuration, { unit: 's', description: 'Time an actor\'s handler took (an async one: until its promise settled), by kind.', advice: { explicitBucketBoundaries: MESSAGE_BUCKETS } });
  return wait.constructor === NOOP_HISTOGRAM ? null : { wait, duration };
}

/** The engine's message probe for these options, or null when it would record nothing. */
function messageProbe(engine: Engine, histograms: { wait: Histogram; duration: Histogram } | null, kinds: KindLabels, every: number,
  options: EngineMetricsOptions): TelemetryProbe | null {
  const timing = histograms === null ? null : { ...histograms, kinds, every };
  const tracing = options.tracing ?? false;
  const tracer = tracing === false ? null : tracing === true ? trace.getTracer(SCOPE) : tracing;
  if (timing === null && tracer === null) return null;
  const reactor = engine.reactor;
  return new TelemetryProbe({ timing, tracer, now: () => reactor.now() });
}

const SYSTEM = { [ATTR.messagingSystem]: 'pd' } as const;
const CLIENT_KIND = '$client';

/** The event-fed counters, by metric name (worker cores' counts are added to the same ones). */
type EventCounters = Readonly<Record<string, Counter>>;

function eventCounters(meter: Meter): EventCounters {
  return {
    [METRIC.actorSpawn]: meter.createCounter(METRIC.actorSpawn, { unit: '{actor}', description: 'Actors spawned (restarts included), by kind.' }),
    [METRIC.actorStopped]: meter.createCounter(METRIC.actorStopped, { unit: '{actor}', description: 'Actors that exited, by kind and exit reason type.' }),
    [METRIC.actorRestarted]: meter.createCounter(METRIC.actorRestarted, { unit: '{actor}', description: 'Actors restarted by their supervisor, by kind.' }),
    [METRIC.actorFailure]: meter.createCounter(METRIC.actorFailure, { unit: '{crash}', description: 'Actor crashes (a throw or rejection in actor code), by kind and phase.' }),
    [METRIC.mailboxOverflow]: meter.createCounter(METRIC.mailboxOverflow, { unit: '{event}', description: 'Times a bounded mailbox was full, by overflow policy.' }),
    [METRIC.supervisorRestart]: meter.createCounter(METRIC.supervisorRestart, { unit: '{restart}', description: 'Children restarted by supervisors.' }),
    [METRIC.supervisorEscalation]: meter.createCounter(METRIC.supervisorEscalation, { unit: '{escalation}', description: 'Supervisors that gave up (restart intensity exceeded) and exited, escalating to their parent.' }),
  };
}

function countEvents(engine: Engine, counters: EventCounters, kinds: KindLabels, system: Attributes): () => void {
  const spawn = counters[METRIC.actorSpawn]!;
  const stopped = counters[METRIC.actorStopped]!;
  const restarted = counters[METRIC.actorRestarted]!;
  const failure = counters[METRIC.actorFailure]!;
  const overflow = counters[METRIC.mailboxOverflow]!;
  const supRestart = counters[METRIC.supervisorRestart]!;
  const escalation = counters[METRIC.supervisorEscalation]!;
  const core = system[ATTR.core];
  const onEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'spawned':
        if (e.kind !== CLIENT_KIND) spawn.add(1, kinds.of(e.kind));
        return;
      case 'exited':
        stopped.add(1, kinds.with(e.kind, ATTR.exitReason, e.reason.type));
        return;
      case 'restarted':
        restarted.add(1, kinds.of(e.kind));
        return;
      case 'crashed':
        failure.add(1, kinds.with(e.kind, ATTR.phase, e.phase));
        return;
      case 'mailbox-overflow':
        overflow.add(1, core === undefined ? { [ATTR.overflowPolicy]: e.policy } : { [ATTR.overflowPolicy]: e.policy, [ATTR.core]: core });
        return;
      case 'supervisor':
        if (e.action === 'restarted') supRestart.add(1, system);
        else if (e.action === 'intensity') escalation.add(1, system);
        return;
      default:
        return;
    }
  };
  return engine.events.subscribe(onEvent, ['spawned', 'exited', 'restarted', 'crashed', 'mailbox-overflow', 'supervisor']);
}

/** What core 0 of a multi-core engine needs to report the other cores' metrics. */
interface OtherCores {
  readonly router: CoreRouter;
  readonly counters: EventCounters;
  readonly histograms: { wait: Histogram; duration: Histogram } | null;
}

function observeEngine(engine: Engine, meter: Meter, kinds: KindLabels, system: Attributes, others: OtherCores | null): () => void {
  const live = meter.createObservableGauge(METRIC.actorLive, { unit: '{actor}', description: 'Live actors, by kind.' });
  const mailbox = meter.createObservableGauge(METRIC.mailboxLength, { unit: '{message}', description: 'Messages waiting in mailboxes, summed by kind.' });
  const dead = meter.createObservableCounter(METRIC.deadLetters, { unit: '{message}', description: 'Messages that reached no actor, by reason.' });
  const handled = meter.createObservableCounter(METRIC.messagesHandled, { unit: '{message}', description: 'Messages handled by actors (engine-wide).' });
  const asks = meter.createObservableGauge(METRIC.asksPending, { unit: '{request}', description: 'Asks awaiting a reply.' });
  const asksStarted = meter.createObservableCounter(METRIC.asksStarted, { unit: '{request}', description: 'Asks started (requests sent expecting a reply).' });
  const askTimeouts = meter.createObservableCounter(METRIC.askTimeouts, { unit: '{request}', description: 'Asks that failed because no reply came within their timeout.' });
  const timers = meter.createObservableGauge(METRIC.timersActive, { unit: '{timer}', description: 'Timers scheduled and not yet fired or cancelled.' });
  const runQueue = meter.createObservableGauge(METRIC.runQueue, { unit: '{actor}', description: 'Actors waiting for a turn.' });
  const turns = meter.createObservableCounter(METRIC.turns, { unit: '{turn}', description: 'Actor turns run by the scheduler.' });
  const observables: Observable[] = [live, mailbox, dead, handled, asks, asksStarted, askTimeouts, timers, runQueue, turns];
  const instruments = { live, mailbox, dead, handled, asks, asksStarted, askTimeouts, timers, runQueue, turns };
  const core = system[ATTR.core];
  const callback = (r: BatchObservableResult): void => {
    const stats = engine.stats();
    observeStats(r, instruments, stats, system);
    for (const [reason, n] of Object.entries(engine.deadLetters().byReason)) r.observe(dead, n, core === undefined ? { [ATTR.deadLetterReason]: reason } : { [ATTR.deadLetterReason]: reason, [ATTR.core]: core });
    const perKind = new Map<string, { live: number; depth: number }>();
    for (const a of engine.list()) {
      if (a.kind === CLIENT_KIND) continue;
      const key = kinds.label(a.kind);
      const k = perKind.get(key) ?? { live: 0, depth: 0 };
      k.live++;
      k.depth += a.mailbox.depth;
      perKind.set(key, k);
    }
    for (const [kind, k] of perKind) {
      r.observe(live, k.live, kinds.of(kind));
      r.observe(mailbox, k.depth, kinds.of(kind));
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  const offCores = others === null ? () => {} : observeCores(engine, meter, kinds, instruments, others);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    offCores();
  };
}

type EngineInstruments = Readonly<Record<'live' | 'mailbox' | 'dead' | 'handled' | 'asks' | 'asksStarted' | 'askTimeouts' | 'timers' | 'runQueue' | 'turns', Observable>>;

function observeStats(r: BatchObservableResult, i: EngineInstruments, stats: EngineStats, attrs: Attributes): void {
  r.observe(i.handled, stats.messagesHandled, attrs);
  r.observe(i.asks, stats.pendingAsks, attrs);
  r.observe(i.asksStarted, stats.asks, attrs);
  r.observe(i.askTimeouts, stats.askTimeouts, attrs);
  r.observe(i.timers, stats.timers, attrs);
  r.observe(i.runQueue, stats.runQueue, attrs);
  r.observe(i.turns, stats.turns, attrs);
}

/**
 * Every core's ring traffic, and the other cores' own metrics (see telemetry/core-telemetry.ts),
 * gathered from each core at collection (an ask over the rings per core and collection), each
 * labelled with its core. Event counters come as cumulative counts and are added to core 0's
 * counters as the difference since the last collection; histogram samples are recorded here.
 */
function observeCores(engine: Engine, meter: Meter, kinds: KindLabels, engineInstruments: EngineInstruments, others: OtherCores): () => void {
  const view = multiCore(engine, { timeoutMs: 1000 });
  const framesIn = meter.createObservableCounter(METRIC.coreFramesIn, { unit: '{frame}', description: 'Ring frames read from other cores, by core.' });
  const messagesIn = meter.createObservableCounter(METRIC.coreMessagesIn, { unit: '{message}', description: 'Messages read from other cores\' rings, by core.' });
  const bad = meter.createObservableCounter(METRIC.coreBadFrames, { unit: '{frame}', description: 'Ring frames that failed to decode or dispatch, by core.' });
  const backlog = meter.createObservableGauge(METRIC.coreBacklog, { unit: '{frame}', description: 'Frames waiting to go out (full ring overflow, restarting core), by core.' });
  const observables: Observable[] = [framesIn, messagesIn, bad, backlog, ...Object.values(engineInstruments)];
  /** Last cumulative count seen per core and series (`core|metric|kind|key|value`). */
  const seen = new Map<string, number>();
  const callback = async (r: BatchObservableResult): Promise<void> => {
    const [stats, snapshots] = await Promise.all([view.stats(), view.telemetry()]);
    for (const s of stats) {
      const attrs = { [ATTR.core]: s.core };
      r.observe(framesIn, s.framesIn, attrs);
      r.observe(messagesIn, s.messagesIn, attrs);
      r.observe(bad, s.badFrames, attrs);
      r.observe(backlog, s.backlog, attrs);
    }
    for (const snap of snapshots) reportCore(r, snap, kinds, engineInstruments, others, seen);
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

function reportCore(r: BatchObservableResult, snap: CoreTelemetrySnapshot, kinds: KindLabels, i: EngineInstruments, others: OtherCores, seen: Map<string, number>): void {
  const core = snap.core;
  const system = { ...SYSTEM, [ATTR.core]: core };
  observeStats(r, i, snap.stats, system);
  for (const [reason, n] of Object.entries(snap.deadLetters)) r.observe(i.dead, n, { [ATTR.deadLetterReason]: reason, [ATTR.core]: core });
  const perKind = new Map<string, [number, number]>();
  for (const [kind, live, depth] of snap.kinds) {
    const label = kinds.label(kind);
    const k = perKind.get(label) ?? [0, 0];
    k[0] += live;
    k[1] += depth;
    perKind.set(label, k);
  }
  for (const [kind, [live, depth]] of perKind) {
    const attrs = { [ATTR.kind]: kind, [ATTR.core]: core };
    r.observe(i.live, live, attrs);
    r.observe(i.mailbox, depth, attrs);
  }
  for (const [metric, kind, key, value, count] of snap.counters) {
    const counter = others.counters[metric];
    if (counter === undefined) continue;
    const id = `${core}\u0000${metric}\u0000${kind ?? ''}\u0000${key ?? ''}\u0000${value ?? ''}`;
    const last = seen.get(id) ?? 0;
    // A restarted core counts from 0 again: all it counted since is new.
    const delta = count >= last ? count - last : count;
    seen.set(id, count);
    if (delta === 0) continue;
    const attrs: Attributes = kind === null ? { ...SYSTEM, [ATTR.core]: core } : { [ATTR.kind]: kinds.label(kind), [ATTR.core]: core };
    if (kind === null && key !== null) delete attrs[ATTR.messagingSystem];
    if (key !== null) attrs[key] = value ?? '';
    counter.add(delta, attrs);
  }
  const histograms = others.histograms;
  if (histograms === null) return;
  recordSamples(histograms.wait, snap.wait, kinds, core);
  recordSamples(histograms.duration, snap.duration, kinds, core);
}

function recordSamples(histogram: Histogram, samples: readonly (string | number)[], kinds: KindLabels, core: number): void {
  const byKind = new Map<string, Attributes>();
  for (let n = 0; n + 1 < samples.length; n += 2) {
    const kind = samples[n] as string;
    let attrs = byKind.get(kind);
    if (attrs === undefined) byKind.set(kind, attrs = { [ATTR.kind]: kinds.label(kind), [ATTR.core]: core });
    histogram.record(samples[n + 1] as number, attrs);
  }
}
