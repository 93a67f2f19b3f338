/**
 * @pd/telemetry: opt-in observability for Palladium engines. {@link startTelemetry} wires
 * the OpenTelemetry SDK (metrics with a Prometheus endpoint, OTLP export, sampled traces),
 * health checks and pino logs; the runtime itself depends only on `@opentelemetry/api`.
 */
export { Telemetry, startTelemetry } from './telemetry.js';
export { TELEMETRY_DEFAULTS, type TelemetryOptions, type LogFormat } from './options.js';
export { createLogger, engineLoggerFrom, prettyLine, type Logger, type LoggerOptions } from './logs.js';
export { serveTelemetry, type Endpoint, type HealthState } from './http.js';
