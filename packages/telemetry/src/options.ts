/**
 * What `@pd/telemetry` can be asked to do, and its defaults in one place. The same fields
 * make up the `telemetry` section of the pd config (packages/control/src/config).
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { LogLevel } from '@pd/runtime';

/** `json`: one JSON object per line; `pretty`: a human line per record; `auto`: pretty on a terminal, else JSON. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface TelemetryOptions {
  /** The engine id, on every log line and as a resource attribute of every metric and span. */
  readonly engineId: string;
  /** The Prometheus and health endpoint; `false` (or `enabled: false`): none. */
  readonly metrics?: false | { readonly enabled?: boolean; readonly host?: string; readonly port?: number };
  /** Export metrics and spans over OTLP/HTTP to this base URL (e.g. `http://127.0.0.1:4318`). */
  readonly otlpEndpoint?: string | null;
  /** Fraction of root traces sampled, 0..1 (0: tracing off). */
  readonly sampling?: number;
  readonly log?: { readonly level?: LogLevel; readonly format?: LogFormat };
  /** Where log lines go (default: stderr). */
  readonly logDestination?: { write(line: string): unknown };
  /** Whether the destination is a terminal (decides the `auto` format; default: stderr's). */
  readonly isTTY?: boolean;
  /** Span processors besides the OTLP export (with sampling above 0): an application's own, or a test's in-memory exporter. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Register the meter and tracer providers as the process's global ones (default true). */
  readonly registerGlobal?: boolean;
}

export const TELEMETRY_DEFAULTS = {
  metricsHost: '127.0.0.1',
  /** The Prometheus exporter's customary port. */
  metricsPort: 9464,
  sampling: 0,
  logLevel: 'info' as LogLevel,
  logFormat: 'auto' as LogFormat,
  /** Connections the metrics/health endpoint serves at once. */
  maxConnections: 32,
} as const;
