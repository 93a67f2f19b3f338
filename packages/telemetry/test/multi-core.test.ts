// Multi-core engines: core 0's instrumentation reports every core's metrics, each labelled
// with its core (`pd.core`): the other cores record in their threads and core 0 gathers them at
// collection (worker threads run the built runtime: the test command builds first).
import { describe, expect, it } from 'vitest';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { defineKind } from '@pd/actor';
import { SimCores, createEngine, instrumentEngine, silentLogger } from '@pd/runtime';
import { SimWorld } from '@pd/runtime/sim';
import { startTelemetry } from '../src/index.js';

const FIXTURES = new URL('../../runtime/test/multi/fixtures/kinds.mjs', import.meta.url);

/** The value of the series `name` whose labels include all of `labels` (NaN when there is none). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => m[2]!.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return NaN;
}

/** The sum of every series `name` whose labels include all of `labels` (each core's, and any without a core). */
function total(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m !== null && m[1] === name && Object.entries(labels).every(([k, v]) => m[2]!.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

const Counted = defineKind('metrics.counted', () => ({ receive: (m: unknown) => m }));

describe('multi-core metrics', () => {
  it('count each actor once when every core of a simulated engine is instrumented (core 0 reports the others)', async () => {
    const world = new SimWorld({ seed: 3, autoRun: true });
    const cores = new SimCores(world, { cores: 3, kinds: [Counted], logger: silentLogger });
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    // One thread, one SDK: each core instrumented with the same meter, as for tracing each core.
    const instrumented = cores.engines.map((e) => instrumentEngine(e, { meter: provider.getMeter('t'), timingEvery: 1 }));
    try {
      const engine = cores.engine;
      await engine.ready();
      // Two actors on each core, one message each.
      const actors = [0, 1, 2, 0, 1, 2].map((core) => engine.spawn(Counted, { placement: { core } }));
      for (const [i, a] of actors.entries()) expect(await engine.ask(a, i)).toBe(i);
      const kind = { pd_actor_kind: 'metrics.counted' };
      let text = '';
      // The other cores' counts come at a collection, over the simulated rings: collect until all three cores answered.
      for (let i = 0; i < 50; i++) {
        text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
        if ([0, 1, 2].every((core) => total(text, 'pd_actor_live', { ...kind, pd_core: String(core) }) === 2)) break;
      }
      for (const core of [0, 1, 2]) expect(total(text, 'pd_actor_live', { ...kind, pd_core: String(core) })).toBe(2);
      expect(total(text, 'pd_actor_spawn_total', kind)).toBe(6);
      expect(total(text, 'pd_actor_live', kind)).toBe(6);
      // Every message timed (timingEvery 1): six handled, each once in the histogram.
      expect(total(text, 'pd_actor_message_duration_count', kind)).toBe(6);
      await engine.shutdown({ deadlineMs: 100 });
      if (world.failure !== null) throw new Error(`simulation failure: ${world.failure.message}`);
    } finally {
      for (const i of instrumented) i.close();
      await provider.shutdown();
      world.dispose();
    }
  });

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

  it('serve the metrics of actors on a worker core on the one Prometheus endpoint, labelled by core', async () => {
    const telemetry = await startTelemetry({ engineId: 'multi-t', metrics: { host: '127.0.0.1', port: 0 }, registerGlobal: false, logDestination: { write: () => true } });
    const engine = createEngine({ id: 'multi-t', mode: 'multi', cores: 2, entry: FIXTURES, logger: silentLogger });
    try {
      await engine.ready();
      telemetry.attach(engine);
      // A known workload on core 1: three echo actors, 300 asks, and one that is stopped.
      const echoes = [0, 1, 2].map(() => engine.spawn<unknown>('echo', { placement: { core: 1 } }));
      for (const echo of echoes) expect(await engine.ask(echo, 'where')).toBe(1);
      for (let i = 0; i < 300; i++) expect(await engine.ask(echoes[i % 3]!, i)).toBe(i);
      const logger = engine.spawn<unknown>('log', { placement: { core: 1 } });
      engine.send(logger, 'x');
      expect(await engine.ask(logger, 'dump')).toEqual(['x']);
      engine.stop(logger);
      // The exit is recorded on core 1 and read at the next collection: scrape until it shows (generous: a loaded machine).
      let text = '';
      for (let i = 0; i < 100; i++) {
        text = await (await fetch(telemetry.metricsUrl!)).text();
        if (sample(text, 'pd_actor_stopped_total', { pd_actor_kind: 'log', pd_core: '1' }) === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const core1 = (kind: string) => ({ pd_actor_kind: kind, pd_core: '1' });
      expect(sample(text, 'pd_actor_spawn_total', core1('echo'))).toBe(3);
      expect(sample(text, 'pd_actor_live', core1('echo'))).toBe(3);
      expect(sample(text, 'pd_actor_mailbox_length', core1('echo'))).toBe(0);
      expect(sample(text, 'pd_actor_stopped_total', { ...core1('log'), pd_exit_reason: 'normal' })).toBe(1);
      // 303 asks to the echoes, 2 messages to the logger: all handled on core 1.
      expect(sample(text, 'pd_message_handled_total', { pd_core: '1', messaging_system: 'pd' })).toBeGreaterThanOrEqual(305);
      // Sampled histograms: the first message on core 1 was timed (one in 1024 after it).
      expect(sample(text, 'pd_actor_message_duration_count', core1('echo'))).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'pd_actor_mailbox_time_count', core1('echo'))).toBeGreaterThanOrEqual(1);
      // Core 0 is labelled too: it handled none of those and runs no echo.
      expect(sample(text, 'pd_message_handled_total', { pd_core: '0' })).toBeLessThan(305);
      expect(sample(text, 'pd_actor_live', { pd_actor_kind: 'echo', pd_core: '0' })).toBeNaN();
      expect(sample(text, 'pd_core_messages_in_total', { pd_core: '1' })).toBeGreaterThanOrEqual(305);
      // The histogram counts are not lost nor counted twice from one scrape to the next.
      const before = sample(text, 'pd_actor_message_duration_count', core1('echo'));
      const again = await (await fetch(telemetry.metricsUrl!)).text();
      expect(sample(again, 'pd_actor_message_duration_count', core1('echo'))).toBe(before);
      expect(sample(again, 'pd_actor_spawn_total', core1('echo'))).toBe(3);
    } finally {
      await engine.shutdown({ deadlineMs: 2000 });
      await telemetry.close();
    }
  }, 60_000);
});
