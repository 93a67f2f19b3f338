// Per-core ring traffic: a multi-core engine's metrics gather every core's ring counters at
// collection time (worker threads run the built runtime: the test command builds first).
import { describe, expect, it } from 'vitest';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createEngine, instrumentEngine } from '@pd/runtime';

const FIXTURES = new URL('../../runtime/test/multi/fixtures/kinds.mjs', import.meta.url);

describe('multi-core metrics', () => {
  it('report frames and messages read from other cores, by core', async () => {
    const engine = createEngine({ mode: 'multi', cores: 2, entry: FIXTURES });
    await engine.ready();
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    const metrics = instrumentEngine(engine, { meter: provider.getMeter('t') });
    try {
      const echo = engine.spawn('echo', { placement: { core: 1 } });
      for (let i = 0; i < 100; i++) expect(await engine.ask(echo, i)).toBe(i);
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      const value = (name: string, core: number) => Number(new RegExp(`^${name}\\{pd_core="${core}",otel_scope_name="t"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
      expect(value('pd_core_messages_in_total', 1)).toBeGreaterThanOrEqual(100);
      expect(value('pd_core_frames_in_total', 1)).toBeGreaterThanOrEqual(1);
      expect(value('pd_core_frames_in_total', 0)).toBeGreaterThanOrEqual(1); // the replies
      expect(value('pd_core_frames_bad_total', 0)).toBe(0);
      expect(value('pd_core_backlog', 1)).toBe(0);
    } finally {
      metrics.close();
      await provider.shutdown();
      await engine.shutdown({ deadlineMs: 2000 });
    }
  }, 60_000);
});
