import { telemetryImpl } from './pd-telemetry.js';

/** pd with its metrics recorded through @opentelemetry/api and no SDK (./pd-telemetry.ts). */
export const impl = telemetryImpl('pd-otel-api', 'api');
