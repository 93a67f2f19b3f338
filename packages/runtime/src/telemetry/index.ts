/** Telemetry through the OpenTelemetry API (no-op until an application registers an SDK). */
export { instrumentEngine, METRICS_DEFAULTS, type EngineMetrics, type EngineMetricsOptions } from './metrics.js';
export { METRIC, ATTR, SCOPE } from './names.js';
export type { SpanData } from './worker-tracer.js';
export { traceFromSpanContext, spanContextFromTrace, traceparentOf } from './trace-context.js';
