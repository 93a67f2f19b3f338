import { telemetryImpl } from './pd-telemetry.js';

/** pd with @pd/telemetry: SDK metrics and 1 % trace sampling (./pd-telemetry.ts). */
export const impl = telemetryImpl('pd-otel-metrics', 'metrics');
