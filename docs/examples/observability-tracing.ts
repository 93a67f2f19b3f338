import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type Addr, type Context, defineKind } from '@pd/actor';
import { createEngine, instrumentEngine } from '@pd/runtime';

// The cart asks the pricing actor, then answers: one request crosses two actors.
const Pricing = defineKind('pricing', () => ({ receive: (sku: string) => (sku === 'book' ? 1200 : 300) }));
const Cart = defineKind('cart', () => ({
  async receive(m: { skus: string[]; pricing: Addr<string> }, ctx: Context) {
    let total = 0;
    for (const sku of m.skus) total += (await ctx.ask(m.pricing, sku)) as number;
    return total;
  },
}));

export async function main() {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager); // spans stay active across awaits
  const exporter = new InMemorySpanExporter(); // an application would export over OTLP
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('shop');
  const engine = createEngine({ kinds: [Pricing, Cart] });
  const telemetry = instrumentEngine(engine, { tracing: tracer });
  try {
    const pricing = engine.spawn(Pricing);
    const cart = engine.spawn(Cart);
    const total = await tracer.startActiveSpan('checkout', async (span) => {
      const sum = await engine.ask(cart, { skus: ['book', 'pen'], pricing });
      span.end();
      return sum;
    });
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    console.log(total, names);
    // 1500 [ 'send cart', 'send pricing', 'process pricing', 'send pricing', 'process pricing', 'process cart', 'checkout' ]
    return { total, names, traces: new Set(spans.map((s) => s.spanContext().traceId)).size };
  } finally {
    telemetry.close();
    await engine.shutdown();
    await provider.shutdown();
    context.disable();
  }
}
