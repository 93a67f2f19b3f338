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
import { type BatchObservableResult, type Meter, type Observable, type Tracer, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import { ArgumentError } from '@pd/actor';
import type { Engine } from '../kernel/engine.js';
import type { EngineEvent } from '../kernel/events.js';
import { CoreRouter } from '../multi/core-router.js';
import { multiCore } from '../multi/view.js';
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
 */
export function instrumentEngine(engine: Engine, options: EngineMetricsOptions = {}): EngineMetrics {
  const meter = options.meter ?? metrics.getMeter(SCOPE);
  const kinds = new KindLabels(options.maxKinds ?? METRICS_DEFAULTS.maxKinds);
  const probe = messageProbe(engine, meter, kinds, options);
  if (probe !== null) {
    if (engine._probe !== null) throw new ArgumentError(`instrumentEngine: engine "${engine.id}" already has its messages timed or traced; close that instrumentation first`);
    engine._setProbe(probe);
  }
  const offEvents = countEvents(engine, meter, kinds);
  const offObserved = observeEngine(engine, meter, kinds);
  let closed = false;
  return {
    close: () => {
      if (closed) return;
      closed = true;
      if (probe !== null && engine._probe === probe) engine._setProbe(null);
      offEvents();
      offObserved();
    },
  };
}

// --- internal ---

/** Bucket bounds of the per-message histograms, in seconds: actor messages take microseconds to seconds. */
const MESSAGE_BUCKETS = [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The API's no-op histogram class: a meter whose histograms are these records nothing. */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop').constructor;

/** The engine's message probe for these options, or null when it would record nothing. */
function messageProbe(engine: Engine, meter: Meter, kinds: KindLabels, options: EngineMetricsOptions): TelemetryProbe | null {
  const every = options.timingEvery ?? METRICS_DEFAULTS.timingEvery;
  if (!Number.isInteger(every) || every < 1) throw new ArgumentError(`instrumentEngine: timingEvery must be a positive integer, got ${String(every)}`);
  let timing = null;
  if (options.histograms !== false) {
    const wait = meter.createHistogram(METRIC.mailboxTime, { unit: 's', description: 'Time a message waited in its mailbox before its handler began, by kind.', advice: { explicitBucketBoundaries: MESSAGE_BUCKETS } });
    const duration = meter.createHistogram(METRIC.messageDuration, { unit: 's', description: 'Time an actor\'s handler took (an async one: until its promise settled), by kind.', advice: { explicitBucketBoundaries: MESSAGE_BUCKETS } });
    if (wait.constructor !== NOOP_HISTOGRAM) timing = { wait, duration, kinds, every };
  }
  const tracing = options.tracing ?? false;
  const tracer = tracing === false ? null : tracing === true ? trace.getTracer(SCOPE) : tracing;
  if (timing === null && tracer === null) return null;
  const reactor = engine.reactor;
  return new TelemetryProbe({ timing, tracer, now: () => reactor.now() });
}

const SYSTEM = { [ATTR.messagingSystem]: 'pd' } as const;
const CLIENT_KIND = '$client';

function countEvents(engine: Engine, meter: Meter, kinds: KindLabels): () => void {
  const spawn = meter.createCounter(METRIC.actorSpawn, { unit: '{actor}', description: 'Actors spawned (restarts included), by kind.' });
  const stopped = meter.createCounter(METRIC.actorStopped, { unit: '{actor}', description: 'Actors that exited, by kind and exit reason type.' });
  const restarted = meter.createCounter(METRIC.actorRestarted, { unit: '{actor}', description: 'Actors restarted by their supervisor, by kind.' });
  const failure = meter.createCounter(METRIC.actorFailure, { unit: '{crash}', description: 'Actor crashes (a throw or rejection in actor code), by kind and phase.' });
  const overflow = meter.createCounter(METRIC.mailboxOverflow, { unit: '{event}', description: 'Times a bounded mailbox was full, by overflow policy.' });
  const supRestart = meter.createCounter(METRIC.supervisorRestart, { unit: '{restart}', description: 'Children restarted by supervisors.' });
  const escalation = meter.createCounter(METRIC.supervisorEscalation, { unit: '{escalation}', description: 'Supervisors that gave up (restart intensity exceeded) and exited, escalating to their parent.' });
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
        overflow.add(1, { [ATTR.overflowPolicy]: e.policy });
        return;
      case 'supervisor':
        if (e.action === 'restarted') supRestart.add(1, SYSTEM);
        else if (e.action === 'intensity') escalation.add(1, SYSTEM);
        return;
      default:
        return;
    }
  };
  return engine.events.subscribe(onEvent, ['spawned', 'exited', 'restarted', 'crashed', 'mailbox-overflow', 'supervisor']);
}

function observeEngine(engine: Engine, meter: Meter, kinds: KindLabels): () => void {
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
  const callback = (r: BatchObservableResult): void => {
    const stats = engine.stats();
    r.observe(handled, stats.messagesHandled, SYSTEM);
    r.observe(asks, stats.pendingAsks, SYSTEM);
    r.observe(asksStarted, stats.asks, SYSTEM);
    r.observe(askTimeouts, stats.askTimeouts, SYSTEM);
    r.observe(timers, stats.timers, SYSTEM);
    r.observe(runQueue, stats.runQueue, SYSTEM);
    r.observe(turns, stats.turns, SYSTEM);
    for (const [reason, n] of Object.entries(engine.deadLetters().byReason)) r.observe(dead, n, { [ATTR.deadLetterReason]: reason });
    const perKind = new Map<string, { live: number; depth: number }>();
    for (const a of engine.list()) {
      if (a.kind === CLIENT_KIND) continue;
      const attrs = kinds.of(a.kind);
      const key = attrs[ATTR.kind] as string;
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
  const offCores = engine._remote.routers.some((r) => r instanceof CoreRouter) ? observeCores(engine, meter) : () => {};
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    offCores();
  };
}

/** Per-core ring traffic of a multi-core engine, gathered from every core at collection. */
function observeCores(engine: Engine, meter: Meter): () => void {
  const view = multiCore(engine, { timeoutMs: 1000 });
  const framesIn = meter.createObservableCounter(METRIC.coreFramesIn, { unit: '{frame}', description: 'Ring frames read from other cores, by core.' });
  const messagesIn = meter.createObservableCounter(METRIC.coreMessagesIn, { unit: '{message}', description: 'Messages read from other cores\' rings, by core.' });
  const bad = meter.createObservableCounter(METRIC.coreBadFrames, { unit: '{frame}', description: 'Ring frames that failed to decode or dispatch, by core.' });
  const backlog = meter.createObservableGauge(METRIC.coreBacklog, { unit: '{frame}', description: 'Frames waiting to go out (full ring overflow, restarting core), by core.' });
  const observables: Observable[] = [framesIn, messagesIn, bad, backlog];
  const callback = async (r: BatchObservableResult): Promise<void> => {
    for (const s of await view.stats()) {
      const attrs = { [ATTR.core]: s.core };
      r.observe(framesIn, s.framesIn, attrs);
      r.observe(messagesIn, s.messagesIn, attrs);
      r.observe(bad, s.badFrames, attrs);
      r.observe(backlog, s.backlog, attrs);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

