/**
 * Between an OpenTelemetry span context and the envelope's trace block (W3C Trace Context:
 * 16-byte trace id, 8-byte span id, flags): what a send inside a traced context will carry
 * across cores and nodes, and what the receiving core turns back into a parent or a link.
 * Pure functions; an invalid context (all-zero ids, wrong sizes) becomes null, never an error.
 */
import { type SpanContext, TraceFlags, isSpanContextValid } from '@opentelemetry/api';
import type { TraceContext } from '@pd/transport';

/** The envelope form of `span`, or null when it is not a valid context. */
export function traceFromSpanContext(span: SpanContext | undefined): TraceContext | null {
  if (span === undefined || !isSpanContextValid(span)) return null;
  return { traceId: hexToBytes(span.traceId), spanId: hexToBytes(span.spanId), traceFlags: span.traceFlags & 0xff };
}

/** The span context carried by an envelope's trace block (remote), or null when absent or invalid. */
export function spanContextFromTrace(trace: TraceContext | null): SpanContext | null {
  if (trace === null || trace.traceId.length !== 16 || trace.spanId.length !== 8) return null;
  const context: SpanContext = { traceId: bytesToHex(trace.traceId), spanId: bytesToHex(trace.spanId), traceFlags: trace.traceFlags & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(context) ? context : null;
}

/** `00-<trace>-<span>-<flags>`: the W3C `traceparent` header of a trace block. */
export function traceparentOf(trace: TraceContext): string {
  return `00-${bytesToHex(trace.traceId)}-${bytesToHex(trace.spanId)}-${(trace.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

// --- internal ---

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
