// @pd/telemetry in process: the engine's metrics on the Prometheus endpoint after a known
// workload (by kind, never by id; kinds capped), health and readiness, and pino logs
// (one JSON line per crash with its stack; human lines on a terminal).
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Actor, type Addr, type Context, defineKind } from '@pd/actor';
import { createEngine, instrumentEngine, type Engine } from '@pd/runtime';
import { type Telemetry, createLogger, engineLoggerFrom, prettyLine, startTelemetry } from '@pd/telemetry';

class Worker extends Actor<string> {
  receive(msg: string): void {
    if (msg === 'boom') throw new Error('worker broke');
  }
}
const worker = defineKind<string, void>('worker', Worker);

/** Holds its mailbox: the first message waits on `gate` (an async handler suspends the actor). */
function gated(): { gate: () => void; def: { receive(): Promise<void> } } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { gate: () => open(), def: { receive: () => promise } };
}

async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at).replace(/,?otel_scope_name="[^"]*"/, '').replace('{}', ''), Number(line.slice(at + 1)));
  }
  return out;
}

let telemetry: Telemetry | null = null;
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.shutdown();
  await telemetry?.close();
  engine = null;
  telemetry = null;
});

describe('metrics endpoint', () => {
  it('serves the engine metrics by kind after a known workload', async () => {
    const lines: string[] = [];
    telemetry = await startTelemetry({ engineId: 'm1', metrics: { port: 0 }, registerGlobal: false, logDestination: { write: (l: string) => lines.push(l) } });
    engine = createEngine({ id: 'm1', kinds: [worker], logger: telemetry.engineLogger });
    telemetry.attach(engine);
    const ws = [0, 1, 2].map((i) => engine!.spawn(worker, { name: `w${i}` }));
    for (const w of ws) for (let i = 0; i < 10; i++) engine.send(w, 'ok');
    engine.send(ws[0]!, 'boom');
    await engine.idle();
    engine.send(ws[0]!, 'late'); // to an exited actor: a dead letter
    const { gate, def } = gated();
    const held = engine.spawn(def, { name: 'held' });
    for (let i = 0; i < 5; i++) engine.send(held, 'wait');
    await engine.idle();
    const m = await scrape(telemetry.metricsUrl!);
    expect(telemetry.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(m.get('pd_actor_spawn_total{pd_actor_kind="worker"}')).toBe(3);
    expect(m.get('pd_actor_failure_total{pd_actor_kind="worker",pd_crash_phase="receive"}')).toBe(1);
    expect(m.get('pd_actor_stopped_total{pd_actor_kind="worker",pd_exit_reason="error"}')).toBe(1);
    expect(m.get('pd_actor_live{pd_actor_kind="worker"}')).toBe(2);
    expect(m.get('pd_actor_mailbox_length{pd_actor_kind="(inline)"}')).toBe(4);
    expect(m.get('pd_deadletter_total{pd_deadletter_reason="dead"}')).toBe(1);
    expect(m.get('pd_message_handled_total{messaging_system="pd"}')).toBe(31);
    expect([...m.keys()].some((k) => k.includes('/user/') || k.includes('<'))).toBe(false); // never an id or a path
    gate();
    // The crash went to the log as one record.
    expect(lines.filter((l) => JSON.parse(l).msg === 'actor /user/w0 crashed')).toHaveLength(1);
  });

  it('times messages in the mailbox and in the handler, by kind, and counts asks started and timed out', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    engine = createEngine();
    const off = instrumentEngine(engine, { meter: provider.getMeter('t'), timingEvery: 1 });
    try {
      const w = engine.spawn(worker);
      for (let i = 0; i < 10; i++) engine.send(w, 'ok');
      // A handler that never replies: the ask times out (whenever the timer fires; no speed assumed).
      const silent = engine.spawn(defineKind<string, void>('silent', () => ({ receive: (_m: string, ctx) => void ctx.deferReply() })));
      await expect(engine.ask(silent, 'hello?', { timeoutMs: 5 })).rejects.toThrow(/no reply/);
      const { gate, def } = gated();
      const held = engine.spawn(def);
      engine.send(held, 'first');
      await engine.idle();
      gate();
      await engine.idle();
      const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}()]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      expect(value('pd_actor_mailbox_time_count{pd_actor_kind="worker",otel_scope_name="t"}')).toBe(10);
      expect(value('pd_actor_message_duration_count{pd_actor_kind="worker",otel_scope_name="t"}')).toBe(10);
      expect(value('pd_actor_message_duration_count{pd_actor_kind="silent",otel_scope_name="t"}')).toBe(1);
      // An async handler counts once it settled.
      expect(value('pd_actor_message_duration_count{pd_actor_kind="(inline)",otel_scope_name="t"}')).toBe(1);
      expect(value('pd_actor_mailbox_time_sum{pd_actor_kind="worker",otel_scope_name="t"}')).toBeGreaterThanOrEqual(0);
      expect(text).toContain('pd_actor_message_duration_bucket{pd_actor_kind="worker",otel_scope_name="t",le="0.00001"}');
      expect(text).toContain('# UNIT pd_actor_mailbox_time s');
      expect(value('pd_ask_started_total{messaging_system="pd",otel_scope_name="t"}')).toBe(1);
      expect(value('pd_ask_timeout_total{messaging_system="pd",otel_scope_name="t"}')).toBe(1);
    } finally {
      off.close();
      await provider.shutdown();
    }
  });

  it('times one message in timingEvery (the first, then every n-th), and refuses a bad ratio', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    engine = createEngine();
    expect(() => instrumentEngine(engine!, { meter: provider.getMeter('t'), timingEvery: 0 })).toThrow('timingEvery must be a positive integer, got 0');
    const off = instrumentEngine(engine, { meter: provider.getMeter('t'), timingEvery: 4 });
    const w = engine.spawn(worker);
    for (let i = 0; i < 9; i++) engine.send(w, 'ok');
    await engine.idle();
    const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
    expect(text).toContain('pd_actor_mailbox_time_count{pd_actor_kind="worker",otel_scope_name="t"} 3');
    expect(text).toContain('pd_actor_message_duration_count{pd_actor_kind="worker",otel_scope_name="t"} 3');
    expect(text).toContain('pd_message_handled_total{messaging_system="pd",otel_scope_name="t"} 9');
    off.close();
    await provider.shutdown();
  });

  it('the kernel calls the probe only for timed messages and sends that may be traced, not per message', async () => {
    const provider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
    engine = createEngine();
    const off = instrumentEngine(engine, { meter: provider.getMeter('t'), timingEvery: 64, tracing: true });
    const probe = (engine as unknown as { _probe: { queued: (...args: unknown[]) => unknown } })._probe;
    let calls = 0;
    const queued = probe.queued.bind(probe);
    probe.queued = (...args: unknown[]) => {
      calls++;
      return queued(...args);
    };
    class Bouncer extends Actor<number> {
      other: Addr<number> | null = null;
      receive(n: number, ctx: Context<number>): void {
        if (n > 0 && this.other !== null) ctx.send(this.other, n - 1);
      }
    }
    const x = new Bouncer();
    const y = new Bouncer();
    const ax = engine.spawn(x);
    x.other = engine.spawn(y);
    y.other = ax;
    await engine.idle();
    calls = 0;
    engine.send(ax, 1024); // from outside a turn: shown to the probe (it may be traced)
    await engine.idle();
    // 1025 messages: the one from outside, and one in 64 of the 1024 sent in untraced turns.
    expect(calls).toBeGreaterThanOrEqual(1 + 15);
    expect(calls).toBeLessThanOrEqual(1 + 17);
    off.close();
    await provider.shutdown();
  });

  it('one engine takes one message-timing instrumentation at a time', async () => {
    const provider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
    engine = createEngine({ id: 'twice' });
    const first = instrumentEngine(engine, { meter: provider.getMeter('a') });
    expect(() => instrumentEngine(engine!, { meter: provider.getMeter('b') })).toThrow('engine "twice" already has its messages timed or traced');
    first.close();
    instrumentEngine(engine, { meter: provider.getMeter('b') }).close();
    await provider.shutdown();
  });

  it('labels at most maxKinds kinds, the rest as (other)', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    engine = createEngine();
    const off = instrumentEngine(engine, { meter: provider.getMeter('t'), maxKinds: 2 });
    for (const name of ['a', 'b', 'c', 'd']) engine.spawn(defineKind<string, void>(name, Worker));
    await engine.idle();
    const text = new PrometheusSerializer().serialize((await exporter.collect()).resourceMetrics);
    expect(text).toContain('pd_actor_spawn_total{pd_actor_kind="a",otel_scope_name="t"} 1');
    expect(text).toContain('pd_actor_spawn_total{pd_actor_kind="b",otel_scope_name="t"} 1');
    expect(text).toContain('pd_actor_spawn_total{pd_actor_kind="(other)",otel_scope_name="t"} 2');
    off.close();
    await provider.shutdown();
  });
});

describe('health', () => {
  it('/healthz is live at once; /readyz is ready only between setReady and stopping', async () => {
    telemetry = await startTelemetry({ engineId: 'h1', metrics: { port: 0 }, registerGlobal: false, logDestination: { write: () => {} } });
    const base = telemetry.healthUrl!;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const starting = await fetch(`${base}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'not-ready', reason: 'the supervision tree is starting' });
    telemetry.setReady(true);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    telemetry.setStopping();
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'not-ready', reason: 'the engine is stopping' });
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    expect(telemetry.describe()).toEqual({ metrics: { url: `${base}/metrics` }, health: { live: `${base}/healthz`, ready: `${base}/readyz` } });
  });

  it('with metrics off there is no endpoint and no SDK', async () => {
    telemetry = await startTelemetry({ engineId: 'h2', metrics: false, logDestination: { write: () => {} } });
    expect(telemetry.metricsUrl).toBeNull();
    expect(telemetry.meterProvider).toBeNull();
    expect(telemetry.tracerProvider).toBeNull();
    expect(telemetry.describe()).toEqual({ metrics: { url: null }, health: null });
  });

  it('refuses a sampling ratio outside 0..1', async () => {
    await expect(startTelemetry({ engineId: 'x', sampling: 2 })).rejects.toThrow('sampling must be a number from 0 to 1, got 2');
  });
});

describe('logs', () => {
  it('a crash is one JSON line with time, level, engine, path, kind, reason and stack', async () => {
    const lines: string[] = [];
    const logger = createLogger({ engineId: 'l1', format: 'auto', isTTY: false, destination: { write: (l: string) => lines.push(l) } });
    engine = createEngine({ id: 'l1', kinds: [worker], logger: engineLoggerFrom(logger) });
    const w = engine.spawn(worker, { name: 'w' });
    engine.send(w, 'boom');
    await engine.idle();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.trimEnd().includes('\n')).toBe(false);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ level: 'error', engine: 'l1', path: '/user/w', kind: 'worker', phase: 'receive', reason: 'Error: worker broke', msg: 'actor /user/w crashed' });
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(record.stack).toMatch(/^Error: worker broke\n\s+at Worker\.receive/);
  });

  it('on a terminal (or format pretty) records are human lines with the stack indented', async () => {
    const lines: string[] = [];
    const logger = createLogger({ engineId: 'l2', format: 'auto', isTTY: true, destination: { write: (l: string) => lines.push(l) } });
    engine = createEngine({ id: 'l2', kinds: [worker], logger: engineLoggerFrom(logger) });
    engine.send(engine.spawn(worker, { name: 'w' }), 'boom');
    await engine.idle();
    const [text] = lines;
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR \[l2\] \/user\/w: actor \/user\/w crashed \(kind=worker, phase=receive\)\n {4}Error: worker broke\n {4}at Worker\.receive/);
    expect(prettyLine('not json')).toBe('not json');
  });

  it('respects the level', () => {
    const lines: string[] = [];
    const logger = createLogger({ engineId: 'l3', level: 'warn', format: 'json', destination: { write: (l: string) => lines.push(l) } });
    const adapter = engineLoggerFrom(logger);
    adapter.log!('info', 'hidden');
    adapter.log!('warn', 'shown', { n: 1 });
    expect(lines.map((l) => JSON.parse(l)).map((r) => [r.level, r.msg, r.n])).toEqual([['warn', 'shown', 1]]);
  });
});

describe('trace ids in logs', () => {
  it('a record written inside an active span carries trace_id, span_id and trace_flags', async () => {
    const { context, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const tracer = new BasicTracerProvider().getTracer('t');
      const lines: string[] = [];
      const logger = createLogger({ engineId: 't1', format: 'json', destination: { write: (l: string) => lines.push(l) } });
      let ids!: { traceId: string; spanId: string };
      await tracer.startActiveSpan('work', async (span) => {
        ids = span.spanContext();
        await Promise.resolve();
        logger.info('inside');
        span.end();
      });
      logger.info('outside');
      const [inside, outside] = lines.map((l) => JSON.parse(l));
      expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
      expect(outside.trace_id).toBeUndefined();
      expect(trace.getActiveSpan()).toBeUndefined();
    } finally {
      context.disable();
    }
  });
});
