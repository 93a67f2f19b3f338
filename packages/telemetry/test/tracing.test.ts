// Trace propagation with the SDK's in-memory exporter: a send inside a sampled span makes a
// `send` producer span whose context the message carries to the receiving actor (same core:
// on the message; across cores: in the envelope's trace block), whose handler runs in a
// `process <kind>` consumer span, a child of the producer and linked to it. Two simulated cores in one thread, so every core's
// spans reach the one exporter; and two federation nodes in one process on loopback (across
// nodes: in the network frame's trace block); two simulated multi-core nodes, where the
// trace crosses a worker core, the gateway (core 0) and the network on each side; and real
// worker threads (a multi-core engine, and a multi-core node's gateway), whose spans are
// shipped to core 0 and exported there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type AnyAddr, type Context, defineKind } from '@pd/actor';
import { SimCores, createEngine, instrumentEngine, silentLogger } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { createFederation, startNode } from '@pd/federation';
import { startTelemetry } from '../src/index.js';

const FIXTURES = new URL('../../runtime/test/multi/fixtures/kinds.mjs', import.meta.url);

/** Forwards `{ to }` as a `hop` to `to`. */
const Relay = defineKind('trace.relay', () => ({
  receive(m: { to: AnyAddr }, ctx: Context) {
    ctx.send(m.to, 'hop');
  },
}));

/** Counts hops; `count` answers how many. */
const Sink = defineKind('trace.sink', () => ({
  hops: 0,
  receive(m: string) {
    if (m === 'count') return this.hops;
    this.hops++;
    return undefined;
  },
}));

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const manager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(manager.enable());
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

/** The spans named `name`. */
function spans(name: string) {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

describe('message tracing', () => {
  it('carries one trace from a root span through an actor on core 0 to an actor on core 1', async () => {
    exporter.reset();
    const world = new SimWorld({ seed: 1, autoRun: true });
    const cores = new SimCores(world, { cores: 2, kinds: [Relay, Sink] });
    const instrumented = cores.engines.map((e) => instrumentEngine(e, { tracing: tracer }));
    try {
      const engine = cores.engine;
      await engine.ready();
      const relay = engine.spawn(Relay, { placement: { core: 0 } });
      const sink = engine.spawn(Sink, { placement: { core: 1 } });
      const root = tracer.startActiveSpan('root', (span) => {
        engine.send(relay, { to: sink });
        span.end();
        return span;
      });
      let hops = 0;
      for (let i = 0; i < 100 && hops < 1; i++) hops = await engine.ask<string, number>(sink, 'count');
      expect(hops).toBe(1);

      const [sendRelay] = spans('send trace.relay');
      const [relaySpan] = spans('process trace.relay');
      const [sendSink] = spans('send');
      const [sinkSpan] = spans('process trace.sink');
      for (const s of [sendRelay, relaySpan, sendSink, sinkSpan]) expect(s).toBeDefined();
      const traceId = root.spanContext().traceId;
      // One trace: root → send → process relay (core 0) → send → process sink (core 1, via the envelope).
      for (const s of [sendRelay, relaySpan, sendSink, sinkSpan]) expect(s!.spanContext().traceId).toBe(traceId);
      const parentOf = (s: typeof sinkSpan) => s!.parentSpanContext?.spanId;
      expect(parentOf(sendRelay)).toBe(root.spanContext().spanId);
      expect(parentOf(relaySpan)).toBe(sendRelay!.spanContext().spanId);
      expect(parentOf(sendSink)).toBe(relaySpan!.spanContext().spanId);
      expect(parentOf(sinkSpan)).toBe(sendSink!.spanContext().spanId);
      expect(sinkSpan!.parentSpanContext?.isRemote).toBe(true);
      // Producer and consumer spans, the consumer linked to its producer (messaging conventions).
      expect([sendRelay!.kind, sendSink!.kind]).toEqual([SpanKind.PRODUCER, SpanKind.PRODUCER]);
      expect([relaySpan!.kind, sinkSpan!.kind]).toEqual([SpanKind.CONSUMER, SpanKind.CONSUMER]);
      expect(relaySpan!.links.map((l) => l.context.spanId)).toEqual([sendRelay!.spanContext().spanId]);
      expect(sinkSpan!.links.map((l) => l.context.spanId)).toEqual([sendSink!.spanContext().spanId]);
      expect(sendRelay!.attributes).toMatchObject({ 'messaging.system': 'pd', 'messaging.operation.type': 'send', 'messaging.destination.name': 'trace.relay' });
      expect(sinkSpan!.attributes).toMatchObject({ 'messaging.system': 'pd', 'messaging.operation.type': 'process', 'messaging.destination.name': 'trace.sink' });
      // The asks made outside any span were not traced.
      expect(spans('process trace.sink')).toHaveLength(1);
      await engine.shutdown({ deadlineMs: 100 });
      if (world.failure !== null) throw new Error(`simulation failure: ${world.failure.message}`);
    } finally {
      for (const i of instrumented) i.close();
      world.dispose();
    }
  });

  it('traces asks, and a handler that throws ends its span with an error', async () => {
    exporter.reset();
    const engine = createEngine({ kinds: [Sink], logger: silentLogger });
    const metrics = instrumentEngine(engine, { tracing: tracer });
    try {
      const echo = engine.spawn({ receive: (m: string) => { if (m === 'boom') throw new Error('bad input'); return m; } });
      await tracer.startActiveSpan('asker', async (span) => {
        expect(await engine.ask(echo, 'hi')).toBe('hi');
        await expect(engine.ask(echo, 'boom')).rejects.toThrow(/crashed/);
        span.end();
      });
      const handled = spans('process (inline)');
      expect(handled).toHaveLength(2);
      expect(spans('send (inline)')).toHaveLength(2);
      expect(handled.map((s) => s.status.code)).toEqual([0, 2]); // UNSET, ERROR
      expect(new Set(handled.map((s) => s.spanContext().traceId)).size).toBe(1);
    } finally {
      metrics.close();
      await engine.shutdown();
    }
  });

  it('an untraced message handled in a drain that a traced send started stays untraced', async () => {
    exporter.reset();
    const engine = createEngine({ kinds: [Relay, Sink] });
    const traced = instrumentEngine(engine, { tracing: tracer });
    try {
      const first = engine.spawn(Sink);
      const relay = engine.spawn(Relay);
      const sink = engine.spawn(Sink);
      // The traced send schedules the engine's drain from inside the span: the drain inherits
      // that async context, but the relay's message (sent outside the span) is not part of it.
      tracer.startActiveSpan('traced', (span) => {
        engine.send(first, 'hop');
        span.end();
      });
      engine.send(relay, { to: sink });
      await engine.idle();
      expect(await engine.ask(sink, 'count')).toBe(1);
      expect(spans('process trace.sink')).toHaveLength(1); // the traced 'hop' to `first` only
      expect(spans('process trace.relay')).toHaveLength(0);
      expect(spans('send trace.sink')).toHaveLength(1);
    } finally {
      traced.close();
      await engine.shutdown();
    }
  });

  it('leaves untraced messages alone: no span outside a sampled context, none without the option', async () => {
    exporter.reset();
    const engine = createEngine({ kinds: [Sink] });
    const sink = engine.spawn(Sink);
    // Instrumented with a no-op meter and no tracing: no per-message probe at all.
    const plain = instrumentEngine(engine);
    expect((engine as unknown as { _probe: unknown })._probe).toBeNull();
    tracer.startActiveSpan('ignored', (span) => {
      engine.send(sink, 'hop');
      span.end();
    });
    await engine.idle();
    plain.close();
    const traced = instrumentEngine(engine, { tracing: tracer });
    try {
      context.with(ROOT_CONTEXT, () => engine.send(sink, 'hop'));
      await engine.idle();
      expect(await engine.ask(sink, 'count')).toBe(2);
      expect(spans('process trace.sink')).toHaveLength(0);
      expect(trace.getActiveSpan()).toBeUndefined();
    } finally {
      traced.close();
      await engine.shutdown();
    }
  });
});

describe('message tracing across nodes', () => {
  it('carries one trace from an actor on node a to an actor on node b (the frame\'s trace block)', async () => {
    exporter.reset();
    // Two federation nodes in this process on loopback TCP; both engines traced into the one exporter.
    const secret = 'tracing-test-secret-0123456789';
    const b = await startNode({ federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } }, engine: { kinds: [Sink], logger: silentLogger } });
    const a = await startNode({
      federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] },
      engine: { kinds: [Relay], logger: silentLogger },
    });
    const instrumented = [a.engine, b.engine].map((e) => instrumentEngine(e, { tracing: tracer }));
    try {
      const sink = await a.federation.spawn<string>('trace.sink', { node: 'b' });
      const relay = a.engine.spawn(Relay);
      const root = tracer.startActiveSpan('root', (span) => {
        a.engine.send(relay, { to: sink });
        span.end();
        return span;
      });
      let hops = 0;
      for (let i = 0; i < 200 && hops < 1; i++) hops = await a.engine.ask<string, number>(sink, 'count');
      expect(hops).toBe(1);

      const [sendRelay] = spans('send trace.relay');
      const [relaySpan] = spans('process trace.relay');
      const [sendSink] = spans('send'); // to another node: the receiving kind is not known on a
      const [sinkSpan] = spans('process trace.sink');
      for (const s of [sendRelay, relaySpan, sendSink, sinkSpan]) expect(s).toBeDefined();
      const traceId = root.spanContext().traceId;
      // One trace: root → send → process relay (node a) → send → process sink (node b, via the frame's trace block).
      for (const s of [sendRelay, relaySpan, sendSink, sinkSpan]) expect(s!.spanContext().traceId).toBe(traceId);
      expect(relaySpan!.parentSpanContext?.spanId).toBe(sendRelay!.spanContext().spanId);
      expect(sendSink!.parentSpanContext?.spanId).toBe(relaySpan!.spanContext().spanId);
      expect(sinkSpan!.parentSpanContext?.spanId).toBe(sendSink!.spanContext().spanId);
      expect(sinkSpan!.parentSpanContext?.isRemote).toBe(true);
      expect(sendSink!.kind).toBe(SpanKind.PRODUCER);
      expect(sinkSpan!.kind).toBe(SpanKind.CONSUMER);
      expect(sinkSpan!.links.map((l) => l.context.spanId)).toEqual([sendSink!.spanContext().spanId]);
      // The asks made outside any span carried nothing: one consumer span on b, the traced hop's.
      expect(spans('process trace.sink')).toHaveLength(1);

      // An ask across nodes inside a span: its request is traced on b too, in the asker's trace.
      exporter.reset();
      const asker = await tracer.startActiveSpan('asker', async (span) => {
        expect(await a.engine.ask<string, number>(sink, 'count')).toBe(1);
        span.end();
        return span;
      });
      const [askSend] = spans('send');
      const [askProcess] = spans('process trace.sink');
      expect(askSend?.parentSpanContext?.spanId).toBe(asker.spanContext().spanId);
      expect(askProcess?.spanContext().traceId).toBe(asker.spanContext().traceId);
      expect(askProcess?.parentSpanContext?.spanId).toBe(askSend!.spanContext().spanId);
    } finally {
      for (const i of instrumented) i.close();
      await a.stop();
      await b.stop();
    }
  });
});

describe('message tracing across the gateway of multi-core nodes', () => {
  it('carries one trace from core 1 of node a through both gateways (core 0) to core 1 of node b', async () => {
    exporter.reset();
    // Two cluster nodes in the simulator, each with two simulated cores: the federation runs on
    // core 0 (the gateway); relays and sinks live on core 1, so the traced hop goes
    // a core 1 -> ring -> a core 0 -> network -> b core 0 -> ring -> b core 1.
    const world = new SimWorld({ seed: 7 });
    const secret = 'sim-tracing-secret-0123456789abc';
    const limits = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
    const nodes = ['a', 'b'].map((id) => {
      const host = `h${id}`;
      const federation = createFederation({
        nodeId: id, cluster: 'sim', secret, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits,
        peers: [{ id: id === 'a' ? 'b' : 'a', host: id === 'a' ? 'hb' : 'ha', port: 7000 }], requestTimeoutMs: 5000,
      });
      const cores = new SimCores(world, {
        id, host, cores: 2, gateway: true, kinds: [Relay, Sink], routers: [federation.router], askTimeoutMs: 5000,
        placement: { kinds: { 'trace.relay': { core: 1 }, 'trace.sink': { core: 1 } } }, logger: silentLogger,
      });
      return { cores, federation };
    });
    const a = nodes[0]!;
    // Every core of both nodes traced (the gateways included: they add no span, they pass the context on).
    const instrumented = nodes.flatMap((n) => n.cores.engines.map((e) => instrumentEngine(e, { tracing: tracer })));
    let outcome: { root: ReturnType<typeof tracer.startSpan>; hops: number; asked: ReturnType<typeof tracer.startSpan>; answer: number } | null = null;
    let failure: unknown = null;
    const script = async (): Promise<void> => {
      for (const n of nodes) await n.federation.start(n.cores.engine);
      const engine = a.cores.engine;
      const sink = await a.federation.spawn<string>('trace.sink', { node: 'b' });
      const relay = engine.spawn(Relay);
      expect([relay.core, sink.core]).toEqual([1, 1]);
      const root = tracer.startActiveSpan('root', (span) => {
        engine.send(relay, { to: sink });
        span.end();
        return span;
      });
      let hops = 0;
      for (let i = 0; i < 200 && hops < 1; i++) hops = await engine.ask<string, number>(sink, 'count');
      // An ask from core 0 of a, in a span, to core 1 of b: its request crosses b's gateway traced.
      const asked = await tracer.startActiveSpan('asker', async (span) => {
        const answer = await engine.ask<string, number>(sink, 'count');
        span.end();
        return { span, answer };
      });
      outcome = { root, hops, asked: asked.span, answer: asked.answer };
      await Promise.all(nodes.map((n) => n.federation.close()));
    };
    world.at(0, () => {
      script().catch((error: unknown) => (failure = error));
    });
    try {
      await world.run({ untilMs: 8000 });
      if (failure !== null) throw failure;
      expect(outcome).not.toBeNull();
      const { root, hops, asked, answer } = outcome!;
      expect([hops, answer]).toEqual([1, 1]);
      const traceId = root.spanContext().traceId;
      const inRoot = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const [sendRelay] = inRoot.filter((s) => s.name === 'send');
      const [relaySpan] = inRoot.filter((s) => s.name === 'process trace.relay');
      const [sinkSpan] = inRoot.filter((s) => s.name === 'process trace.sink');
      for (const s of [sendRelay, relaySpan, sinkSpan]) expect(s).toBeDefined();
      expect(sendRelay!.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(relaySpan!.parentSpanContext?.spanId).toBe(sendRelay!.spanContext().spanId);
      // The relay's send on a's core 1 (to another node: a `send` span), then the sink's handler on
      // b's core 1 is its child and linked to it: nothing on the way (two gateways, the network) lost it.
      const [sendSink] = inRoot.filter((s) => s.name === 'send' && s.parentSpanContext?.spanId === relaySpan!.spanContext().spanId);
      expect(sendSink).toBeDefined();
      expect(sinkSpan!.parentSpanContext?.spanId).toBe(sendSink!.spanContext().spanId);
      expect(sinkSpan!.parentSpanContext?.isRemote).toBe(true);
      expect(sinkSpan!.links.map((l) => l.context.spanId)).toEqual([sendSink!.spanContext().spanId]);
      expect(inRoot.filter((s) => s.name === 'process trace.sink')).toHaveLength(1);
      // The traced ask: a send on a's core 0, the handler on b's core 1 in the asker's trace.
      const inAsk = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === asked.spanContext().traceId);
      const [askSend] = inAsk.filter((s) => s.name === 'send');
      const [askProcess] = inAsk.filter((s) => s.name === 'process trace.sink');
      expect(askSend?.parentSpanContext?.spanId).toBe(asked.spanContext().spanId);
      expect(askProcess?.parentSpanContext?.spanId).toBe(askSend!.spanContext().spanId);
      // The untraced asks (outside any span) made no consumer span.
      expect(exporter.getFinishedSpans().filter((s) => s.name === 'process trace.sink')).toHaveLength(2);
    } finally {
      for (const i of instrumented) i.close();
      world.dispose();
    }
  });
});

/**
 * A traced 2-core engine: `log` on core 0, `sender` on core 1 (warmed up with an untraced
 * ask, so core 1 is up and recording), spans kept in memory.
 */
async function tracedTwoCores(id: string) {
  const memory = new InMemorySpanExporter();
  const telemetry = await startTelemetry({
    engineId: id, metrics: false, sampling: 1, spanProcessors: [new SimpleSpanProcessor(memory)], registerGlobal: false, logDestination: { write: () => true },
  });
  const engine = createEngine({ id, mode: 'multi', cores: 2, entry: FIXTURES, logger: silentLogger });
  await engine.ready();
  telemetry.attach(engine);
  const rootTracer = telemetry.tracerProvider!.getTracer('test');
  const log = engine.spawn<unknown>('log', { placement: { core: 0 } });
  const sender = engine.spawn<unknown>('sender', { placement: { core: 1 } });
  expect(await engine.ask(sender, { count: 0, to: log, id: 'warm' })).toBe(0);
  return { memory, telemetry, engine, rootTracer, log, sender };
}

describe('message tracing across worker-thread cores', () => {
  it('carries one trace from core 0 to a handler on core 1 (a worker thread) and back; the worker\'s spans reach core 0\'s processors', async () => {
    const { memory, telemetry, engine, rootTracer, log, sender } = await tracedTwoCores('traced-multi');
    try {
      // Core 0 (outside actors, in a span) -> sender on core 1 -> its send -> log on core 0.
      const root = await rootTracer.startActiveSpan('root', async (span) => {
        expect(await engine.ask(sender, { count: 1, to: log, id: 's' })).toBe(1);
        span.end();
        return span;
      });
      const traceId = root.spanContext().traceId;
      const inRoot = () => memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      // The worker ships its spans about every 100 ms: wait for them (generously, for a loaded machine).
      const arrived = () => ['process log', 'process sender'].every((name) => inRoot().some((s) => s.name === name)) && inRoot().filter((s) => s.name === 'send').length >= 2;
      for (let i = 0; i < 200 && !arrived(); i++) await new Promise((r) => setTimeout(r, 50));
      const spansOf = (name: string) => inRoot().filter((s) => s.name === name);
      const [askSend] = spansOf('send').filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
      const [senderSpan] = spansOf('process sender');
      expect(askSend).toBeDefined();
      expect(senderSpan).toBeDefined();
      // Recorded on core 1 (the worker thread), a child of core 0's send, linked to it.
      expect(senderSpan!.attributes['pd.core']).toBe(1);
      expect(senderSpan!.kind).toBe(SpanKind.CONSUMER);
      expect(senderSpan!.parentSpanContext?.spanId).toBe(askSend!.spanContext().spanId);
      expect(senderSpan!.parentSpanContext?.isRemote).toBe(true);
      expect(senderSpan!.links.map((l) => l.context.spanId)).toEqual([askSend!.spanContext().spanId]);
      // What the handler sent on core 1 carried the trace back to core 0.
      const [workerSend] = spansOf('send').filter((s) => s.parentSpanContext?.spanId === senderSpan!.spanContext().spanId);
      expect(workerSend).toBeDefined();
      expect(workerSend!.kind).toBe(SpanKind.PRODUCER);
      expect(workerSend!.attributes['pd.core']).toBe(1);
      const [logSpan] = spansOf('process log');
      expect(logSpan!.parentSpanContext?.spanId).toBe(workerSend!.spanContext().spanId);
      expect(logSpan!.attributes['pd.core']).toBeUndefined(); // core 0's own span, from the SDK's tracer
      // The untraced warm-up ask made no span on core 1.
      expect(memory.getFinishedSpans().filter((s) => s.name === 'process sender')).toHaveLength(1);
    } finally {
      await engine.shutdown({ deadlineMs: 2000 });
      await telemetry.close();
    }
  }, 60_000);

  it('keeps the trace across an `await` in an async handler on core 1 (the worker has a context manager)', async () => {
    const { memory, telemetry, engine, rootTracer, log, sender } = await tracedTwoCores('traced-await');
    try {
      // The sender sends seq 0–3, awaits, then sends seq 4 and 5: all six from inside its span.
      const root = await rootTracer.startActiveSpan('root', async (span) => {
        expect(await engine.ask(sender, { count: 6, to: log, id: 'a' })).toBe(6);
        span.end();
        return span;
      });
      expect((await engine.ask<string, { seq: number }[]>(log, 'dump')).map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      const traceId = root.spanContext().traceId;
      const inRoot = () => memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      // The worker ships its spans about every 100 ms: wait for them (generously, for a loaded machine).
      const arrived = () => inRoot().some((s) => s.name === 'process sender') && inRoot().filter((s) => s.name === 'process log').length >= 6;
      for (let i = 0; i < 200 && !arrived(); i++) await new Promise((r) => setTimeout(r, 50));
      const [senderSpan] = inRoot().filter((s) => s.name === 'process sender');
      expect(senderSpan).toBeDefined();
      expect(senderSpan!.attributes['pd.core']).toBe(1);
      // Every send, before the `await` and after it, is a child of the sender's span on core 1 …
      const sends = inRoot().filter((s) => s.name === 'send' && s.parentSpanContext?.spanId === senderSpan!.spanContext().spanId);
      expect(sends).toHaveLength(6);
      for (const s of sends) expect(s.attributes['pd.core']).toBe(1);
      // … and each message's handler on core 0 runs in that trace, under its send.
      const logSpans = inRoot().filter((s) => s.name === 'process log');
      expect(logSpans).toHaveLength(6);
      expect(new Set(logSpans.map((s) => s.parentSpanContext?.spanId))).toEqual(new Set(sends.map((s) => s.spanContext().spanId)));
    } finally {
      await engine.shutdown({ deadlineMs: 2000 });
      await telemetry.close();
    }
  }, 60_000);
});

describe('message tracing across the gateway of a multi-core node (worker threads)', () => {
  it('carries one trace node a -> gateway -> worker core 1 of node b, and worker core 1 -> gateway -> node a', async () => {
    exporter.reset();
    const secret = 'tracing-test-secret-0123456789';
    // b: a multi-core node, the federation on core 0 (its gateway), the fixtures' log and sender on core 1.
    const b = await startNode({
      federation: { nodeId: 'b', secret, listen: { host: '127.0.0.1', port: 0 } },
      engine: { mode: 'multi', cores: 2, entry: FIXTURES, placement: { kinds: { log: { core: 1 }, sender: { core: 1 } } }, logger: silentLogger },
    });
    const a = await startNode({
      federation: { nodeId: 'a', secret, peers: [{ id: 'b', host: '127.0.0.1', port: b.address!.port }] },
      engine: { kinds: [Relay, Sink], logger: silentLogger },
    });
    // b traced through @pd/telemetry (its worker core's spans reach the same exporter), a with the test's tracer.
    const telemetryB = await startTelemetry({
      engineId: 'b', metrics: false, sampling: 1, spanProcessors: [new SimpleSpanProcessor(exporter)], registerGlobal: false, logDestination: { write: () => true },
    });
    telemetryB.attach(b.engine);
    const traced = instrumentEngine(a.engine, { tracing: tracer });
    try {
      const log = await a.federation.spawn<unknown>('log', { node: 'b' });
      const sender = await a.federation.spawn<unknown>('sender', { node: 'b' });
      expect([log.core, sender.core]).toEqual([1, 1]);
      const relay = a.engine.spawn(Relay);
      const sink = a.engine.spawn(Sink);
      expect(await a.engine.ask(sender, { count: 0, to: sink, id: 'warm' })).toBe(0);
      const inTrace = (root: { spanContext(): { traceId: string } }) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
      const waitFor = async (root: { spanContext(): { traceId: string } }, names: string[]) => {
        for (let i = 0; i < 200 && !names.every((n) => inTrace(root).some((s) => s.name === n)); i++) await new Promise((r) => setTimeout(r, 50));
      };

      // a -> network -> b core 0 (gateway) -> ring -> b core 1.
      const inbound = tracer.startActiveSpan('inbound', (span) => {
        a.engine.send(relay, { to: log });
        span.end();
        return span;
      });
      await waitFor(inbound, ['process trace.relay', 'process log']);
      const [relaySpan] = inTrace(inbound).filter((s) => s.name === 'process trace.relay');
      const [toB] = inTrace(inbound).filter((s) => s.name === 'send' && s.parentSpanContext?.spanId === relaySpan?.spanContext().spanId);
      const [logSpan] = inTrace(inbound).filter((s) => s.name === 'process log');
      expect(toB).toBeDefined();
      expect(logSpan).toBeDefined();
      expect(logSpan!.attributes['pd.core']).toBe(1);
      expect(logSpan!.parentSpanContext?.spanId).toBe(toB!.spanContext().spanId);
      expect(logSpan!.links.map((l) => l.context.spanId)).toEqual([toB!.spanContext().spanId]);

      // b core 1 -> ring -> b core 0 (gateway) -> network -> a.
      const outbound = await tracer.startActiveSpan('outbound', async (span) => {
        expect(await a.engine.ask(sender, { count: 1, to: sink, id: 's' })).toBe(1);
        span.end();
        return span;
      });
      await waitFor(outbound, ['process sender', 'process trace.sink']);
      const [senderSpan] = inTrace(outbound).filter((s) => s.name === 'process sender');
      const [fromWorker] = inTrace(outbound).filter((s) => s.name === 'send' && s.parentSpanContext?.spanId === senderSpan?.spanContext().spanId);
      const [sinkSpan] = inTrace(outbound).filter((s) => s.name === 'process trace.sink');
      expect(senderSpan!.attributes['pd.core']).toBe(1);
      expect(fromWorker).toBeDefined();
      expect(fromWorker!.attributes['pd.core']).toBe(1);
      expect(sinkSpan).toBeDefined();
      expect(sinkSpan!.parentSpanContext?.spanId).toBe(fromWorker!.spanContext().spanId);
      expect(sinkSpan!.parentSpanContext?.isRemote).toBe(true);
      // The untraced warm-up ask made no span.
      expect(exporter.getFinishedSpans().filter((s) => s.name === 'process sender')).toHaveLength(1);
    } finally {
      traced.close();
      await a.stop();
      await b.stop({ deadlineMs: 2000 });
      await telemetryB.close();
    }
  }, 60_000);
});
