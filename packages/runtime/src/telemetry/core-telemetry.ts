/**
 * The metrics of a worker core of a multi-core engine, recorded in its own thread and read by
 * core 0 when its exporter collects. A worker has no OpenTelemetry SDK: core 0's
 * `instrumentEngine` tells each worker core to record (a `telemetry` control message), and at
 * collection asks each one for a {@link CoreTelemetrySnapshot} over the rings (an `inspect`
 * ask, as the multi-core view does), which it reports with a `pd.core` attribute.
 *
 * What a worker records: lifecycle counters from its engine's event stream (one map update per
 * spawn, exit, restart, crash, overflow and supervisor action: never per message), the
 * sampled per-message histograms through the same {@link TelemetryProbe} as core 0 (one
 * message in `timingEvery`; the two values are pushed into a bounded buffer instead of an SDK
 * histogram, so a timed message costs a worker less than core 0), and, read at snapshot time,
 * the engine's own counters, dead letters and per-kind actors and mailbox depth. An untimed
 * message costs a worker what it costs core 0: a decrement and a branch in the kernel.
 *
 * Must not: label by actor id or path (kinds only, capped), keep unbounded samples between
 * collections, or throw into the engine.
 */
import type { Attributes, Histogram, Tracer } from '@opentelemetry/api';
import type { Engine } from '../kernel/engine.js';
import type { EngineEvent } from '../kernel/events.js';
import type { EngineStats } from '../kernel/introspection.js';
import { KindLabels } from './kind-labels.js';
import { ATTR, METRIC } from './names.js';
import { TelemetryProbe } from './probe.js';
import { type SpanData, WorkerTracer } from './worker-tracer.js';

/** How long a worker keeps ended spans before it ships them to core 0, ms. */
export const SPAN_FLUSH_MS = 100;

/** What core 0 asks a worker core to record (plain data: it crosses the rings). */
export interface CoreTelemetrySetup {
  readonly histograms: boolean;
  /** Trace messages (continue sampled traces), shipping the spans to core 0. */
  readonly tracing: boolean;
  readonly timingEvery: number;
  readonly maxKinds: number;
}

/**
 * One worker core's metrics at one collection: cumulative counters and current gauges, and the
 * histogram samples recorded since the previous snapshot (drained by taking it).
 */
export interface CoreTelemetrySnapshot {
  readonly core: number;
  readonly stats: EngineStats;
  readonly deadLetters: Readonly<Record<string, number>>;
  /** `[kind, live actors, queued messages]` per kind (capped kinds). */
  readonly kinds: readonly (readonly [string, number, number])[];
  /** `[metric, kind or null, attribute key or null, attribute value or null, count]`: cumulative event counters. */
  readonly counters: readonly (readonly [string, string | null, string | null, string | null, number])[];
  /** Flat `[kind, seconds, kind, seconds, …]`: mailbox-time samples since the last snapshot. */
  readonly wait: readonly (string | number)[];
  /** As `wait`, for handler durations. */
  readonly duration: readonly (string | number)[];
  /** Samples not kept because the buffer was full (no collection for a long while). */
  readonly droppedSamples: number;
}

/** Samples kept between two collections, per histogram (beyond: counted as dropped). */
export const MAX_CORE_SAMPLES = 8192;

const CLIENT_KIND = '$client';

/** A worker core's recorder (see the file comment). */
export class CoreTelemetry {
  private readonly kinds: KindLabels;
  private readonly counters = new Map<string, [string, string | null, string | null, string | null, number]>();
  private readonly wait = new SampleBuffer();
  private readonly duration = new SampleBuffer();
  private readonly probe: TelemetryProbe | null;
  private readonly offEvents: () => void;
  private readonly tracer: WorkerTracer | null;
  private flushing: ReturnType<Engine['reactor']['setTimer']> | null = null;

  /**
   * @param ship sends spans to core 0 (a `spans` control message).
   * @param localTracer the tracer this core was instrumented with itself (simulated cores, one
   *   thread and one SDK): the probe traces with it rather than shipping spans to core 0.
   */
  constructor(private readonly engine: Engine, private readonly core: number, setup: CoreTelemetrySetup, private readonly ship: (spans: SpanData[]) => void,
    localTracer: Tracer | null = null) {
    this.kinds = new KindLabels(setup.maxKinds);
    const every = Number.isInteger(setup.timingEvery) && setup.timingEvery >= 1 ? setup.timingEvery : 1024;
    const reactor = engine.reactor;
    this.tracer = setup.tracing && localTracer === null ? new WorkerTracer(() => this.scheduleFlush(), { [ATTR.core]: core }, reactor) : null;
    const tracer = localTracer ?? this.tracer;
    const timing = setup.histograms ? { wait: this.wait, duration: this.duration, kinds: this.kinds, every } : null;
    // One probe for both: the engine has one, and a second instrumentation would take the histograms' place.
    this.probe = (timing !== null || tracer !== null) && engine._probe === null
      ? new TelemetryProbe({ timing, tracer, now: () => reactor.now() })
      : null;
    if (this.probe !== null) engine._setProbe(this.probe);
    this.offEvents = engine.events.subscribe((e) => this.onEvent(e), ['spawned', 'exited', 'restarted', 'crashed', 'mailbox-overflow', 'supervisor']);
  }

  /** This core's metrics now; drains the histogram samples. */
  snapshot(): CoreTelemetrySnapshot {
    const engine = this.engine;
    const perKind = new Map<string, [string, number, number]>();
    for (const a of engine.list()) {
      if (a.kind === CLIENT_KIND) continue;
      const kind = this.kinds.of(a.kind)[ATTR.kind] as string;
      const k = perKind.get(kind) ?? [kind, 0, 0];
      k[1]++;
      k[2] += a.mailbox.depth;
      perKind.set(kind, k);
    }
    const dropped = this.wait.dropped + this.duration.dropped;
    return {
      core: this.core,
      stats: engine.stats(),
      deadLetters: { ...engine.deadLetters().byReason },
      kinds: [...perKind.values()],
      counters: [...this.counters.values()].map((c) => [...c] as const),
      wait: this.wait.take(),
      duration: this.duration.take(),
      droppedSamples: dropped,
    };
  }

  /** Ship the spans ended so far to core 0. */
  flush(): void {
    if (this.flushing !== null) this.engine.reactor.clearTimer(this.flushing);
    this.flushing = null;
    if (this.tracer !== null && this.tracer.pending > 0) this.ship(this.tracer.take());
  }

  close(): void {
    this.flush();
    this.offEvents();
    if (this.probe !== null && this.engine._probe === this.probe) this.engine._setProbe(null);
  }

  // --- internal ---

  private scheduleFlush(): void {
    if (this.flushing === null) this.flushing = this.engine.reactor.setTimer(SPAN_FLUSH_MS, () => this.flush());
  }

  private onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'spawned':
        if (e.kind !== CLIENT_KIND) this.count(METRIC.actorSpawn, e.kind, null, null);
        return;
      case 'exited':
        return this.count(METRIC.actorStopped, e.kind, ATTR.exitReason, e.reason.type);
      case 'restarted':
        return this.count(METRIC.actorRestarted, e.kind, null, null);
      case 'crashed':
        return this.count(METRIC.actorFailure, e.kind, ATTR.phase, e.phase);
      case 'mailbox-overflow':
        return this.count(METRIC.mailboxOverflow, null, ATTR.overflowPolicy, e.policy);
      case 'supervisor':
        if (e.action === 'restarted') this.count(METRIC.supervisorRestart, null, null, null);
        else if (e.action === 'intensity') this.count(METRIC.supervisorEscalation, null, null, null);
        return;
      default:
        return;
    }
  }

  private count(metric: string, kind: string | null, key: string | null, value: string | null): void {
    const label = kind === null ? null : this.kinds.of(kind)[ATTR.kind] as string;
    const id = `${metric}\u0000${label ?? ''}\u0000${key ?? ''}\u0000${value ?? ''}`;
    const known = this.counters.get(id);
    if (known !== undefined) known[4]++;
    else this.counters.set(id, [metric, label, key, value, 1]);
  }
}

/**
 * A histogram for the probe that keeps its values (kind label, seconds) for the next snapshot,
 * up to {@link MAX_CORE_SAMPLES}.
 */
class SampleBuffer implements Histogram {
  private values: (string | number)[] = [];
  dropped = 0;

  /** The samples since the last take (the buffer starts over). */
  take(): (string | number)[] {
    const values = this.values;
    this.values = [];
    this.dropped = 0;
    return values;
  }

  record(value: number, attributes?: Attributes): void {
    if (this.values.length >= 2 * MAX_CORE_SAMPLES) {
      this.dropped++;
      return;
    }
    this.values.push(attributes?.[ATTR.kind] as string, value);
  }
}
