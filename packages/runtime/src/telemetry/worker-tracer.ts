/**
 * The tracer of a worker core of a multi-core engine: a worker thread has no OpenTelemetry
 * SDK, so its message probe records spans with this minimal tracer, as plain data
 * ({@link SpanData}), which the worker ships to core 0 (a `spans` control message over the
 * rings) for core 0's span processors to export (`@pd/telemetry` does). It only continues
 * traces: a span whose parent is not a valid, sampled span context is not recorded (the probe
 * starts spans only inside a sampled one; sampling is decided at the root, on another core or
 * node). Must not: record a span without a sampled parent, or keep spans unbounded.
 */
import {
  type Attributes, type AttributeValue, type Context, type Exception, type Link, type Span, type SpanContext, type SpanOptions, type SpanStatus,
  type TimeInput, type Tracer, INVALID_SPAN_CONTEXT, SpanStatusCode, TraceFlags, context, isSpanContextValid, trace,
} from '@opentelemetry/api';
import type { RandomStream, Reactor } from '../reactor.js';

/** A finished span as plain data (it crosses the rings). Times: [seconds, nanoseconds] since the epoch. */
export interface SpanData {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  /** The parent came from another core or node (the envelope's trace block). */
  readonly parentRemote: boolean;
  readonly start: readonly [number, number];
  readonly end: readonly [number, number];
  readonly attributes: Attributes;
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly traceFlags: number; readonly remote: boolean }[];
  readonly status: { readonly code: number; readonly message?: string };
}

/** Spans kept until the next flush (beyond: dropped and counted). */
export const MAX_WORKER_SPANS = 4096;

export class WorkerTracer implements Tracer {
  private spans: SpanData[] = [];
  dropped = 0;

  /**
   * @param ended told after each recorded span ends (the worker schedules a flush).
   * @param attributes on every span (the worker's `pd.core`).
   * @param reactor the engine's: span times (wall clock, sub-millisecond from its monotonic clock) and span ids.
   */
  constructor(private readonly ended: () => void, readonly attributes: Attributes, reactor: Reactor) {
    this.now = reactor.now.bind(reactor);
    this.origin = reactor.wallTime() - reactor.now();
    this.ids = reactor.entropy?.() ?? reactor.random('span-id');
  }

  private readonly now: () => number;
  /** Epoch milliseconds at the monotonic clock's 0. */
  private readonly origin: number;
  private readonly ids: RandomStream;

  /** @internal Wall-clock time as [seconds, nanoseconds] since the epoch. */
  time(): readonly [number, number] {
    const ms = this.origin + this.now();
    const seconds = Math.floor(ms / 1000);
    return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
  }

  /** @internal 16 hex digits, not all zero. */
  spanId(): string {
    const high = this.ids.nextU32();
    const low = this.ids.nextU32() || 1;
    return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
  }

  /** The spans ended since the last take. */
  take(): SpanData[] {
    const spans = this.spans;
    this.spans = [];
    return spans;
  }

  get pending(): number {
    return this.spans.length;
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    if (parent === undefined || (parent.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    return new WorkerSpan(this, name, options, parent);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args[args.length - 1] as (span: Span) => ReturnType<F>;
    const options = (args.length > 1 ? args[0] : {}) as SpanOptions;
    const ctx = (args.length > 2 ? args[1] : context.active()) as Context;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn, undefined, span);
  }

  /** @internal */
  record(span: SpanData): void {
    if (this.spans.length >= MAX_WORKER_SPANS) {
      this.dropped++;
      return;
    }
    this.spans.push(span);
    this.ended();
  }
}

class WorkerSpan implements Span {
  private readonly context: SpanContext;
  private readonly attributes: Attributes;
  private readonly links: SpanData['links'];
  private readonly kind: number;
  private readonly start: readonly [number, number];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private ended = false;

  constructor(private readonly tracer: WorkerTracer, private name: string, options: SpanOptions, private readonly parent: SpanContext) {
    this.context = { traceId: parent.traceId, spanId: tracer.spanId(), traceFlags: TraceFlags.SAMPLED };
    this.attributes = { ...tracer.attributes, ...options.attributes };
    this.links = (options.links ?? []).map((l: Link) => ({ traceId: l.context.traceId, spanId: l.context.spanId, traceFlags: l.context.traceFlags, remote: l.context.isRemote === true }));
    this.kind = options.kind ?? 0;
    this.start = tracer.time();
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (!this.ended) Object.assign(this.attributes, attributes);
    return this;
  }

  addEvent(): this {
    return this;
  }

  addLink(): this {
    return this;
  }

  addLinks(): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(_endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.tracer.record({
      name: this.name, kind: this.kind, traceId: this.context.traceId, spanId: this.context.spanId, parentSpanId: this.parent.spanId,
      parentRemote: this.parent.isRemote === true, start: this.start, end: this.tracer.time(), attributes: this.attributes, links: this.links,
      status: this.status.message === undefined ? { code: this.status.code } : { code: this.status.code, message: this.status.message },
    });
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(_exception: Exception): void {}
}
