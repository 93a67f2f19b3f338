/**
 * The telemetry message probe (the kernel's {@link MessageProbe}): times each user message's
 * wait in its mailbox and its handler (histograms by actor kind), and carries trace context
 * with messages — on the message's meta within an engine (the span context object itself,
 * no encoding), in the envelope's trace block across cores (the routers ask {@link outgoing}).
 * After the OpenTelemetry messaging conventions, a message sent inside a sampled span gets a
 * `send <kind>` PRODUCER span (`send` across cores, where the kind is not known) and carries
 * its context; its handler runs inside a `process <kind>` CONSUMER span, a child of the
 * producer and linked to it, so what the handler sends carries the trace on.
 *
 * Which span a send belongs to: inside an actor turn, the probe's own record of the traced
 * handler running now (none for an untraced one) — not the async context, which a drain may
 * have inherited from whichever traced code scheduled it, and which costs a lookup per send;
 * outside a turn (code outside actors, the continuation of an async handler), the active
 * OpenTelemetry context.
 *
 * Installed only when something records: an engine without telemetry has no probe and pays
 * nothing per message. Must not: allocate for a message when neither timing nor a sampled
 * trace needs it, or swallow or rethrow differently what a handler throws.
 */
import {
  type Attributes, type Context as OtelContext, type Histogram, type Span, type SpanContext, type Tracer, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags,
  context, isSpanContextValid, trace,
} from '@opentelemetry/api';
import type { Behavior, Context } from '@pd/actor';
import type { TraceContext } from '@pd/transport';
import { MessageMeta } from '../kernel/mailbox.js';
import type { MessageProbe } from '../kernel/probe.js';
import type { KindLabels } from './kind-labels.js';
import { ATTR } from './names.js';
import { spanContextFromTrace, traceFromSpanContext } from './trace-context.js';

/** What the probe records with; either part may be absent (not both: then no probe is installed). */
export interface ProbeSetup {
  /**
   * Mailbox time and handler duration, in seconds, by kind, of one message in `every` (a
   * clock read costs about as much as handling a small message); null: no timing.
   */
  readonly timing: { readonly wait: Histogram; readonly duration: Histogram; readonly kinds: KindLabels; readonly every: number } | null;
  /** Consumer spans and context propagation; null: no tracing. */
  readonly tracer: Tracer | null;
  /** The engine's clock, in ms. */
  readonly now: () => number;
}

const SEND = { [ATTR.messagingSystem]: 'pd', [ATTR.messagingOperationName]: 'send', [ATTR.messagingOperationType]: 'send' } as const;

/** The countdown's period when nothing is timed: it only resets when it runs out. */
const UNTIMED_PERIOD = 2 ** 30;

/** `meta.trace` when the probe looked for a context and found none (a frame without a trace block). */
const NO_TRACE = false;

export class TelemetryProbe implements MessageProbe {
  readonly traces: boolean;
  private readonly timing: ProbeSetup['timing'];
  private readonly tracer: Tracer | null;
  private readonly now: () => number;
  /**
   * Messages until the next one is timed (the kernel counts down and calls {@link queued} at
   * 0): the first message is, then one in `every`. Without timing, a period long enough that
   * reaching 0 is rare (it then only resets).
   */
  countdown = 1;
  /** The context of the traced handler whose synchronous part runs now; null in an untraced one. */
  private current: OtelContext | null = null;
  /**
   * For the kernel: show every message queued to {@link queued} — when tracing, outside actor
   * turns (the active OpenTelemetry context decides) and during a traced handler's synchronous
   * part; never in an untraced handler's turn, so those sends cost no call.
   */
  watch: boolean;
  /** Whether the engine's scheduler is draining actor turns (told by {@link turns}). */
  private turning = false;

  constructor(setup: ProbeSetup) {
    this.timing = setup.timing;
    this.tracer = setup.tracer;
    this.traces = setup.tracer !== null;
    this.watch = this.traces;
    this.now = setup.now;
  }

  queued(kind: string, meta: MessageMeta | null): MessageMeta | null {
    // Called when the countdown ran out (time this one), or for a send that may be traced.
    if (this.countdown <= 0) {
      const timing = this.timing;
      this.countdown = timing === null ? UNTIMED_PERIOD : timing.every;
      if (timing !== null) {
        meta ??= new MessageMeta(Infinity, null);
        // A message held for a restarting address and queued later keeps its first time.
        if (meta.queuedAt < 0) meta.queuedAt = this.now();
      }
    }
    if (this.tracer !== null && (meta === null || meta.trace === null)) {
      const producer = this.produce(kind);
      if (producer !== null) (meta ??= new MessageMeta(Infinity, null)).trace = producer;
    }
    return meta;
  }

  handle(kind: string, behavior: Behavior, message: unknown, ctx: Context<any>, meta: MessageMeta | null): unknown {
    const timing = this.timing;
    let start = 0;
    let labels: Attributes | null = null;
    // Timed when it was stamped at queueing (one in `every`); the rest cost no clock read.
    if (timing !== null && meta !== null && meta.queuedAt >= 0) {
      start = this.now();
      labels = timing.kinds.of(kind);
      timing.wait.record(Math.max(0, start - meta.queuedAt) / 1000, labels);
    }
    const parent = this.tracer === null || meta === null ? null : meta.trace;
    if (parent !== null && parent !== NO_TRACE) return this.traced(kind, behavior, message, ctx, parent as SpanContext, start, labels);
    let result: unknown;
    try {
      result = behavior.receive(message, ctx);
    } catch (error) {
      if (labels !== null) this.recordDuration(start, labels);
      throw error;
    }
    if (labels !== null) this.afterHandler(result, start, labels, null);
    return result;
  }

  turns(inTurn: boolean): void {
    this.turning = inTurn;
    this.watch = this.traces && (this.current !== null || !inTurn);
  }

  outgoing(): TraceContext | null {
    if (this.tracer === null) return null;
    const producer = this.produce(null);
    return producer === null ? null : traceFromSpanContext(producer);
  }

  incoming(block: TraceContext | null): unknown {
    if (this.tracer === null || block === null) return NO_TRACE;
    return sampledContext(spanContextFromTrace(block) ?? undefined) ?? NO_TRACE;
  }

  // --- internal ---

  /**
   * Inside a sampled span: a PRODUCER span for one send, ended at once (a send is done when
   * it is queued or framed), whose context the message carries; null otherwise (the cheap,
   * usual case: in a turn one field read, outside one a context lookup; no allocation).
   */
  private produce(kind: string | null): SpanContext | null {
    const active = this.turning ? this.current : context.active();
    if (active === null || sampledContext(trace.getSpanContext(active)) === null) return null;
    const span = this.tracer!.startSpan(kind === null ? 'send' : `send ${kind}`, { kind: SpanKind.PRODUCER, attributes: kind === null ? SEND : { ...SEND, [ATTR.messagingDestination]: kind } }, active);
    span.end();
    return sampledContext(span.spanContext());
  }

  private traced(kind: string, behavior: Behavior, message: unknown, ctx: Context<any>, parent: SpanContext, start: number, labels: Attributes | null): unknown {
    const span = this.tracer!.startSpan(`process ${kind}`, {
      kind: SpanKind.CONSUMER,
      links: [{ context: parent }],
      attributes: { [ATTR.messagingSystem]: 'pd', [ATTR.messagingOperationName]: 'process', [ATTR.messagingOperationType]: 'process', [ATTR.messagingDestination]: kind },
    }, trace.setSpanContext(ROOT_CONTEXT, parent));
    const active = trace.setSpan(ROOT_CONTEXT, span);
    const outer = this.current;
    this.current = active;
    this.watch = true;
    let result: unknown;
    try {
      // The async context too: an async handler's code after an `await` runs outside the turn.
      result = context.with(active, () => behavior.receive(message, ctx));
    } catch (error) {
      if (labels !== null) this.recordDuration(start, labels);
      endWithError(span, error);
      throw error;
    } finally {
      this.current = outer;
      this.watch = outer !== null || !this.turning;
    }
    this.afterHandler(result, start, labels, span);
    return result;
  }

  /** Duration and span end when the handler is done: now, or when its promise settles. */
  private afterHandler(result: unknown, start: number, labels: Attributes | null, span: Span | null): void {
    if (result instanceof Promise) {
      result.then(
        () => {
          if (labels !== null) this.recordDuration(start, labels);
          span?.end();
        },
        (error: unknown) => {
          if (labels !== null) this.recordDuration(start, labels);
          if (span !== null) endWithError(span, error);
        },
      );
      return;
    }
    if (labels !== null) this.recordDuration(start, labels);
    span?.end();
  }

  private recordDuration(start: number, labels: Attributes): void {
    this.timing!.duration.record(Math.max(0, this.now() - start) / 1000, labels);
  }
}

/** `span` when it is a valid, sampled context; null otherwise (an unsampled trace carries nothing). */
function sampledContext(span: SpanContext | undefined | null): SpanContext | null {
  if (span === undefined || span === null || (span.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(span)) return null;
  return span;
}

function endWithError(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
  span.end();
}
