// The envelope's trace block and OpenTelemetry span contexts convert both ways, and the
// block round-trips through a real envelope; invalid contexts become null.
import { describe, expect, it } from 'vitest';
import { TraceFlags } from '@opentelemetry/api';
import { spanContextFromTrace, traceFromSpanContext, traceparentOf } from '@pd/runtime';
import { MessageKind, type EnvelopeInit, envelopeHeaderLength, readEnvelope, writeEnvelope } from '@pd/transport';

const SPAN = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

describe('trace context in the envelope', () => {
  it('converts a span context to a trace block and back (remote)', () => {
    const trace = traceFromSpanContext(SPAN)!;
    expect(trace.traceId).toHaveLength(16);
    expect(trace.spanId).toHaveLength(8);
    expect(traceparentOf(trace)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(spanContextFromTrace(trace)).toEqual({ ...SPAN, isRemote: true });
  });

  it('the block crosses a real envelope intact', () => {
    const header: EnvelopeInit = {
      flags: 0, kind: MessageKind.user, priority: 1, source: null, destination: { node: 1, core: 1, slot: 2, generation: 3, secret: 4 },
      correlationId: 0, deadlineMs: null, trace: traceFromSpanContext(SPAN), payloadLength: 0,
    };
    const view = new DataView(new ArrayBuffer(envelopeHeaderLength(header)));
    writeEnvelope(view, 0, header);
    expect(spanContextFromTrace(readEnvelope(view, 0).trace)).toEqual({ ...SPAN, isRemote: true });
  });

  it('invalid or absent contexts are null', () => {
    expect(traceFromSpanContext(undefined)).toBeNull();
    expect(traceFromSpanContext({ ...SPAN, traceId: '0'.repeat(32) })).toBeNull();
    expect(spanContextFromTrace(null)).toBeNull();
    expect(spanContextFromTrace({ traceId: new Uint8Array(16), spanId: new Uint8Array(8).fill(1), traceFlags: 1 })).toBeNull();
    expect(spanContextFromTrace({ traceId: new Uint8Array(3), spanId: new Uint8Array(8), traceFlags: 1 })).toBeNull();
  });
});
