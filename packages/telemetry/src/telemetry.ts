/**
 * One engine's telemetry, wired: a MeterProvider with the Prometheus exporter (and OTLP
 * when asked), a sampled TracerProvider, a pino logger, and the metrics/health endpoint.
 * `startTelemetry` before the engine exists (its logger goes into the engine options),
 * `attach(engine)` once it does, `setReady` when its tree is up, `close` after it stopped.
 * Must not: start anything the options turned off, or outlive `close`.
 */
import { type HrTime, TraceFlags, context, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import { hrTimeDuration } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type ReadableSpan, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type Engine, type EngineLogger, type EngineMetrics, SCOPE, type SpanData, instrumentEngine } from '@pd/runtime';
import { type Endpoint, serveTelemetry } from './http.js';
import { createLogger, engineLoggerFrom, type Logger } from './logs.js';
import { TELEMETRY_DEFAULTS, type TelemetryOptions } from './options.js';

/** A started telemetry setup for one engine. */
export class Telemetry {
  /** @internal */
  constructor(
    /** The pino logger (engine id and trace ids on every line). */
    readonly logger: Logger,
    /** What to hand `createEngine({ logger })`. */
    readonly engineLogger: EngineLogger,
    readonly meterProvider: MeterProvider | null,
    readonly tracerProvider: BasicTracerProvider | null,
    private readonly prometheus: PrometheusExporter | null,
    private readonly endpoint: Endpoint | null,
    private readonly health: { ready: boolean; stopping: boolean },
    /** The tracer provider's span processors: spans from a multi-core engine's worker cores go to them too. */
    private readonly spanProcessors: readonly SpanProcessor[] = [],
    private readonly resource: Resource | null = null,
  ) {}

  private attached: EngineMetrics[] = [];
  private closed = false;

  /** `http://host:port/metrics`, or null when the endpoint is off. */
  get metricsUrl(): string | null {
    return this.endpoint === null || this.prometheus === null ? null : `${this.endpoint.base}/metrics`;
  }

  /** `http://host:port` of the health endpoints (`/healthz`, `/readyz`), or null. */
  get healthUrl(): string | null {
    return this.endpoint?.base ?? null;
  }

  /** What `pd status` shows: `{ metrics: { url }, health: { live, ready } }`. */
  describe(): Record<string, unknown> {
    const base = this.healthUrl;
    return { metrics: { url: this.metricsUrl }, health: base === null ? null : { live: `${base}/healthz`, ready: `${base}/readyz` } };
  }

  /**
   * Record `engine`'s metrics, and trace its messages when sampling is on (nothing when both
   * are off: the engine then pays nothing per message).
   */
  attach(engine: Engine): void {
    if (this.closed || (this.meterProvider === null && this.tracerProvider === null)) return;
    const processors = this.spanProcessors;
    const resource = this.resource;
    this.attached.push(instrumentEngine(engine, {
      meter: this.meterProvider?.getMeter(SCOPE) ?? createNoopMeter(),
      tracing: this.tracerProvider === null ? false : this.tracerProvider.getTracer(SCOPE),
      // A multi-core engine's worker cores record spans as data; they are exported here with core 0's.
      ...(this.tracerProvider === null || resource === null ? {} : {
        exportSpans: (spans: readonly SpanData[]) => {
          for (const data of spans) {
            const span = readableSpan(data, resource);
            for (const p of processors) p.onEnd(span);
          }
        },
      }),
    }));
  }

  /** Ready for `/readyz` (the supervision tree is up). */
  setReady(ready: boolean): void {
    this.health.ready = ready;
  }

  /** Not ready any more: the engine is stopping. */
  setStopping(): void {
    this.health.stopping = true;
  }

  /** Stop recording, flush exporters, close the endpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.stopping = true;
    for (const a of this.attached) a.close();
    await this.endpoint?.close();
    await Promise.allSettled([this.meterProvider?.shutdown(), this.tracerProvider?.shutdown()]);
    this.logger.flush();
  }
}

/** Start telemetry for one engine as `options` say. */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  checkOptions(options);
  const logger = createLogger({
    engineId: options.engineId, ...(options.log?.level === undefined ? {} : { level: options.log.level }), ...(options.log?.format === undefined ? {} : { format: options.log.format }),
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }), ...(options.isTTY === undefined ? {} : { isTTY: options.isTTY }),
  });
  const resource = resourceFromAttributes({ 'service.name': 'pd', 'service.instance.id': options.engineId, 'pd.engine.id': options.engineId });
  const metricsOn = options.metrics !== false && options.metrics !== undefined && options.metrics.enabled !== false;
  const prometheus = metricsOn ? new PrometheusExporter({ preventServerStart: true }) : null;
  const readers: MetricReader[] = prometheus === null ? [] : [prometheus];
  if (options.otlpEndpoint) readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${trimSlash(options.otlpEndpoint)}/v1/metrics` }) }));
  const meterProvider = readers.length === 0 ? null : new MeterProvider({ resource, readers });
  const traced = tracing(options, resource);
  const tracerProvider = traced?.provider ?? null;
  if (options.registerGlobal !== false) {
    if (meterProvider !== null) metrics.setGlobalMeterProvider(meterProvider);
    if (tracerProvider !== null) {
      trace.setGlobalTracerProvider(tracerProvider);
      // Without a context manager no span is ever "active" (and logs carry no trace ids).
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
  }
  const health = { ready: false, stopping: false };
  let endpoint: Endpoint | null = null;
  if (metricsOn) {
    const m = options.metrics as { host?: string; port?: number };
    endpoint = await serveTelemetry(m.host ?? TELEMETRY_DEFAULTS.metricsHost, m.port ?? TELEMETRY_DEFAULTS.metricsPort, prometheus, {
      notReady: () => (health.stopping ? 'the engine is stopping' : health.ready ? null : 'the supervision tree is starting'),
    });
  }
  return new Telemetry(logger, engineLoggerFrom(logger), meterProvider, tracerProvider, prometheus, endpoint, health, traced?.processors ?? [], resource);
}

// --- internal ---

function tracing(options: TelemetryOptions, resource: Resource): { provider: BasicTracerProvider; processors: SpanProcessor[] } | null {
  const ratio = options.sampling ?? TELEMETRY_DEFAULTS.sampling;
  if (ratio === 0) return null;
  const processors: SpanProcessor[] = options.otlpEndpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${trimSlash(options.otlpEndpoint)}/v1/traces` }))] : [];
  processors.push(...(options.spanProcessors ?? []));
  return { provider: new BasicTracerProvider({ resource, spanProcessors: processors, sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }) }), processors };
}

/** A worker core's span, as the SDK's processors and exporters take a finished span. */
function readableSpan(data: SpanData, resource: Resource): ReadableSpan {
  const start: HrTime = [data.start[0], data.start[1]];
  const end: HrTime = [data.end[0], data.end[1]];
  return {
    name: data.name,
    kind: data.kind,
    spanContext: () => ({ traceId: data.traceId, spanId: data.spanId, traceFlags: TraceFlags.SAMPLED }),
    parentSpanContext: { traceId: data.traceId, spanId: data.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: data.parentRemote },
    startTime: start,
    endTime: end,
    duration: hrTimeDuration(start, end),
    status: data.status,
    attributes: data.attributes,
    links: data.links.map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: l.traceFlags, isRemote: l.remote } })),
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: SCOPE },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function checkOptions(options: TelemetryOptions): void {
  const ratio = options.sampling;
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) throw new RangeError(`telemetry: sampling must be a number from 0 to 1, got ${String(ratio)}`);
  if (typeof options.engineId !== 'string' || options.engineId === '') throw new TypeError('telemetry: engineId must be a non-empty string');
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
