/**
 * telemetry-overhead: the ring and ask workloads back to back on one engine, in three
 * settings: `off` (no instrumentation: the plain pd row), `api` (the engine instrumented
 * through @opentelemetry/api with no SDK registered: every instrument a no-op), and
 * `metrics` (@pd/telemetry: the SDK's meter provider with the Prometheus exporter, and a
 * tracer provider sampling 1 % of root traces). Rate: messages per second (a ring hop is
 * one message, an ask two); the × pd column is the overhead.
 */
import { createEngine, instrumentEngine } from '@pd/runtime';
import type { Impl, Params, RunResult } from '../types.js';
import { askIn, ringIn } from './pd.js';

export type TelemetryMode = 'off' | 'api' | 'metrics';

/** One run: ring then ask, on a fresh engine set up for `mode`. */
export async function telemetryOverhead(mode: TelemetryMode, p: Params): Promise<RunResult> {
  const telemetry = mode === 'metrics'
    ? await (await import('@pd/telemetry')).startTelemetry({ engineId: 'bench', metrics: { port: 0 }, sampling: 0.01, logDestination: { write: () => {} } })
    : null;
  const engine = createEngine({ id: 'bench', ...(telemetry === null ? {} : { logger: telemetry.engineLogger }) });
  if (mode === 'api') instrumentEngine(engine);
  if (telemetry !== null) telemetry.attach(engine);
  try {
    const ring = await ringIn(engine, { actors: p.actors!, hops: p.hops! });
    const ask = await askIn(engine, { asks: p.asks!, askers: p.askers! });
    return { ops: ring.ops + 2 * ask.ops, seconds: ring.seconds + ask.seconds, ...(ask.p50Us === undefined ? {} : { p50Us: ask.p50Us, p99Us: ask.p99Us! }) };
  } finally {
    await engine.shutdown();
    await telemetry?.close();
  }
}

/** The `pd-otel-api` and `pd-otel-metrics` rows. */
export function telemetryImpl(name: 'pd-otel-api' | 'pd-otel-metrics', mode: TelemetryMode): Impl {
  return { name, available: async () => null, workloads: { 'telemetry-overhead': (p) => telemetryOverhead(mode, p) } };
}
