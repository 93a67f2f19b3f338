/**
 * The envelope: the fixed little-endian header before every payload that crosses a core
 * or a node (layout and version policy: docs/envelope.md). Owns: the layout, kinds, flags
 * and the checked write/read. Must not: touch the payload, or allocate on read beyond the
 * header it returns (`readEnvelopeInto`: nothing). Reads never trust the bytes: a short,
 * garbled or foreign header is a `TransportError`, never a crash.
 */
import type { AddrIdentity } from '@pd/actor';
import { TransportError } from './errors.js';

/** The envelope version this code writes, and the only one it reads. */
export const ENVELOPE_VERSION = 1;
/** Bytes of the fixed header (everything except the optional trace block). */
export const ENVELOPE_FIXED_BYTES = 72;
/** Bytes of the trace block, present only when {@link EnvelopeFlags.hasTrace} is set. */
export const ENVELOPE_TRACE_BYTES = 32;
/** The largest header: fixed part plus trace block. */
export const ENVELOPE_MAX_HEADER_BYTES = ENVELOPE_FIXED_BYTES + ENVELOPE_TRACE_BYTES;

/** What a message is. System signals (16 and up) overtake user messages (invariant 6). */
export const MessageKind = {
  /** A plain `send`. */
  user: 1,
  /** A request that expects a `reply` with the same correlation id. */
  ask: 2,
  /** The answer to an `ask`. */
  reply: 3,
  exit: 16,
  link: 17,
  unlink: 18,
  monitor: 19,
  demonitor: 20,
  down: 21,
  stop: 22,
  kill: 23,
  swap: 24,
  suspend: 25,
  resume: 26,
} as const;
/** A message kind code. */
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** Bits of the flags byte. Bits 6 and 7 are reserved and must be zero. */
export const EnvelopeFlags = {
  /** The message answers `correlationId` (replies, error replies). */
  response: 0x01,
  /** `deadlineMs` is set. Derived by the writer from `deadlineMs !== null`. */
  hasDeadline: 0x02,
  /** A 32-byte trace block follows the fixed header. Derived from `trace !== null`. */
  hasTrace: 0x04,
  /** The payload is opaque bytes (a `Uint8Array` passed through), not msgpack. */
  raw: 0x08,
  /** The payload is a msgpack array of messages that share this header (same pair, kind). */
  batch: 0x10,
  /** `source` is set. Derived from `source !== null`. */
  hasSource: 0x20,
} as const;

/** Message priority, 0 (normal) to 3 (most urgent). */
export type Priority = 0 | 1 | 2 | 3;

/** A W3C trace context: 16-byte trace id, 8-byte parent span id, trace flags. */
export interface TraceContext {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceFlags: number;
}

/** The fields of an envelope header. `flags` may carry `response`, `raw` and `batch`. */
export interface EnvelopeHeader {
  version: number;
  flags: number;
  kind: MessageKind;
  priority: Priority;
  source: AddrIdentity | null;
  destination: AddrIdentity;
  /** Pairs an ask with its reply; a safe integer, 0 when unused. */
  correlationId: number;
  /** Absolute deadline on the sending engine's clock, in ms; null when none. */
  deadlineMs: number | null;
  trace: TraceContext | null;
  /** Bytes of payload that follow the header. */
  payloadLength: number;
}

/** What a writer supplies: a header without its version (always {@link ENVELOPE_VERSION}). */
export type EnvelopeInit = Omit<EnvelopeHeader, 'version'>;

/** Header bytes for a header with or without a trace block. */
export function envelopeHeaderLength(header: { readonly trace: TraceContext | null }): number {
  return header.trace == null ? ENVELOPE_FIXED_BYTES : ENVELOPE_MAX_HEADER_BYTES;
}

/** True for kinds that are system signals (overtake user messages). */
export function isSystemKind(kind: number): boolean {
  return kind >= 16 && KIND_VALID[kind] === 1;
}

/**
 * Writes `header` at `offset` and returns the header length. The payload, written by the
 * caller, must follow immediately. Checks every field first (throws `envelope/invalid`
 * naming it) so that a written header always reads back.
 */
export function writeEnvelope(view: DataView, offset: number, header: EnvelopeInit): number {
  return writeEnvelopeWith(view, offset, header, header.flags, header.payloadLength);
}

/**
 * @internal {@link writeEnvelope} of `fields` with these flags and this payload length (a
 * frame's init, whose flags the writer completes): no header object filled per frame.
 */
export function writeEnvelopeWith(view: DataView, offset: number, fields: Omit<EnvelopeInit, 'payloadLength'>, flags: number, payloadLength: number): number {
  const bad = headerProblem(fields, flags, payloadLength);
  if (bad !== null) throw new TransportError('envelope/invalid', `cannot write header: ${bad}`, { field: bad.split(' ')[0] });
  const length = envelopeHeaderLength(fields);
  if (!Number.isSafeInteger(offset) || offset < 0 || view.byteLength - offset < length) {
    throw new TransportError('envelope/invalid', `cannot write a ${length}-byte header at offset ${offset} of a ${view.byteLength}-byte view`, { offset });
  }
  // `== null`: a JavaScript caller's undefined means absent, like null.
  const derived = (fields.deadlineMs == null ? 0 : F.hasDeadline) | (fields.trace == null ? 0 : F.hasTrace) |
    (fields.source == null ? 0 : F.hasSource);
  // Version, flags, kind and priority: four bytes in one store (kind and priority checked above).
  view.setUint32(offset, ENVELOPE_VERSION | (((flags & CALLER_FLAGS) | derived) << 8) | (fields.kind << 16) | (fields.priority << 24), true);
  view.setUint32(offset + 4, payloadLength, true);
  writeU53(view, offset + 8, fields.correlationId);
  view.setFloat64(offset + 16, fields.deadlineMs ?? 0, true);
  writeIdentity(view, offset + 24, fields.source ?? null);
  writeIdentity(view, offset + 48, fields.destination);
  if (fields.trace == null) return ENVELOPE_FIXED_BYTES;
  writeTrace(view, offset + ENVELOPE_FIXED_BYTES, fields.trace);
  return ENVELOPE_MAX_HEADER_BYTES;
}

/**
 * Reads and validates the header at `offset`, including that its declared payload lies
 * within the view. Returns a new header object; the payload starts at
 * `offset + envelopeHeaderLength(header)`.
 */
export function readEnvelope(view: DataView, offset: number): EnvelopeHeader {
  return readEnvelopeInto(view, offset, null);
}

/**
 * Like {@link readEnvelope}, but reuses `into` (and its nested identity and trace
 * objects) so that a hot loop allocates nothing. Pass null to get a fresh header.
 */
export function readEnvelopeInto(view: DataView, offset: number, into: EnvelopeHeader | null): EnvelopeHeader {
  const available = checkReadable(view, offset);
  const flags = view.getUint8(offset + 1);
  const kind = view.getUint8(offset + 2);
  const priority = view.getUint8(offset + 3);
  if ((flags & RESERVED_FLAGS) !== 0) fail('envelope/invalid', `reserved flag bits set (flags 0x${flags.toString(16)})`, offset + 1);
  if (KIND_VALID[kind] !== 1) fail('envelope/invalid', `unknown message kind ${kind}`, offset + 2);
  if (priority > 3) fail('envelope/invalid', `priority byte ${priority} has reserved bits set`, offset + 3);
  const headerLength = (flags & F.hasTrace) === 0 ? ENVELOPE_FIXED_BYTES : ENVELOPE_MAX_HEADER_BYTES;
  if (available < headerLength) fail('envelope/truncated', `header needs ${headerLength} bytes, ${available} left`, offset);
  const payloadLength = view.getUint32(offset + 4, true);
  if (payloadLength > available - headerLength) {
    fail('envelope/truncated', `payload of ${payloadLength} bytes, ${available - headerLength} left after the header`, offset + 4);
  }
  const h = into ?? blankHeader();
  h.version = ENVELOPE_VERSION;
  h.flags = flags;
  h.kind = kind as MessageKind;
  h.priority = priority as Priority;
  h.payloadLength = payloadLength;
  h.correlationId = readU53(view, offset + 8, 'correlationId');
  h.deadlineMs = readDeadline(view, offset + 16, (flags & F.hasDeadline) !== 0);
  h.source = (flags & F.hasSource) === 0 ? readAbsent(view, offset + 24) : readIdentity(view, offset + 24, h.source);
  h.destination = readIdentity(view, offset + 48, h.destination);
  h.trace = (flags & F.hasTrace) === 0 ? null : readTrace(view, offset + ENVELOPE_FIXED_BYTES, h.trace);
  return h;
}

// --- internal ---

const F = EnvelopeFlags;
const CALLER_FLAGS = F.response | F.raw | F.batch;
const RESERVED_FLAGS = 0xc0;
const TWO_32 = 0x1_0000_0000;
const U53_HIGH_MAX = 0x1f_ffff;
const KIND_VALID = new Uint8Array(256);
for (const code of Object.values(MessageKind)) KIND_VALID[code] = 1;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function fail(code: 'envelope/truncated' | 'envelope/invalid' | 'envelope/version', message: string, at: number): never {
  throw new TransportError(code, `${message} (at byte ${at})`, { offset: at });
}

function blankHeader(): EnvelopeHeader {
  return {
    version: ENVELOPE_VERSION, flags: 0, kind: MessageKind.user, priority: 0, source: null,
    destination: { node: 0, core: 0, slot: 0, generation: 0, secret: 0 },
    correlationId: 0, deadlineMs: null, trace: null, payloadLength: 0,
  };
}

/** Checks offset and version; returns the bytes available from `offset`. */
function checkReadable(view: DataView, offset: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) fail('envelope/invalid', `offset ${offset} is not a byte index`, 0);
  const available = view.byteLength - offset;
  if (available < 1) fail('envelope/truncated', `no bytes left for a header (view has ${view.byteLength})`, offset);
  const version = view.getUint8(offset);
  if (version !== ENVELOPE_VERSION) {
    throw new TransportError('envelope/version', `envelope version ${version}, this reader speaks ${ENVELOPE_VERSION}`,
      { offset, version, supported: [ENVELOPE_VERSION] });
  }
  if (available < ENVELOPE_FIXED_BYTES) fail('envelope/truncated', `header needs ${ENVELOPE_FIXED_BYTES} bytes, ${available} left`, offset);
  return available;
}

function writeU53(view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}

function readU53(view: DataView, at: number, field: string): number {
  const high = view.getUint32(at + 4, true);
  if (high > U53_HIGH_MAX) fail('envelope/invalid', `${field} is above 2^53 - 1`, at);
  return high * TWO_32 + view.getUint32(at, true);
}

function readDeadline(view: DataView, at: number, present: boolean): number | null {
  if (!present) {
    if (view.getUint32(at, true) !== 0 || view.getUint32(at + 4, true) !== 0) fail('envelope/invalid', 'deadline bytes set without the deadline flag', at);
    return null;
  }
  const deadlineMs = view.getFloat64(at, true);
  if (!Number.isFinite(deadlineMs)) fail('envelope/invalid', `deadline ${deadlineMs} is not finite`, at);
  return deadlineMs;
}

function writeIdentity(view: DataView, at: number, id: AddrIdentity | null): void {
  if (id === null) {
    // 24 zero bytes (+0 is all zero bits).
    view.setFloat64(at, 0, true);
    view.setFloat64(at + 8, 0, true);
    view.setFloat64(at + 16, 0, true);
    return;
  }
  view.setUint32(at, id.node, true);
  view.setUint32(at + 4, id.slot, true);
  view.setUint32(at + 8, id.generation, true);
  // The core (a u16, checked) and the two reserved zero bytes after it.
  view.setUint32(at + 12, id.core, true);
  writeU53(view, at + 16, id.secret);
}

function readIdentity(view: DataView, at: number, reuse: AddrIdentity | null): AddrIdentity {
  if (view.getUint16(at + 14, true) !== 0) fail('envelope/invalid', 'reserved address bytes set', at + 14);
  const id = (reuse ?? { node: 0, core: 0, slot: 0, generation: 0, secret: 0 }) as Mutable<AddrIdentity>;
  id.node = view.getUint32(at, true);
  id.slot = view.getUint32(at + 4, true);
  id.generation = view.getUint32(at + 8, true);
  id.core = view.getUint16(at + 12, true);
  id.secret = readU53(view, at + 16, 'address secret');
  return id;
}

function readAbsent(view: DataView, at: number): null {
  for (let i = 0; i < 24; i += 4) {
    if (view.getUint32(at + i, true) !== 0) fail('envelope/invalid', 'source bytes set without the source flag', at + i);
  }
  return null;
}

function writeTrace(view: DataView, at: number, trace: TraceContext): void {
  for (let i = 0; i < 16; i++) view.setUint8(at + i, trace.traceId[i]!);
  for (let i = 0; i < 8; i++) view.setUint8(at + 16 + i, trace.spanId[i]!);
  view.setUint8(at + 24, trace.traceFlags);
  for (let i = 25; i < 32; i++) view.setUint8(at + i, 0);
}

function readTrace(view: DataView, at: number, reuse: TraceContext | null): TraceContext {
  for (let i = 25; i < 32; i++) if (view.getUint8(at + i) !== 0) fail('envelope/invalid', 'reserved trace bytes set', at + i);
  const trace = (reuse ?? { traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceFlags: 0 }) as Mutable<TraceContext>;
  let anyTrace = 0;
  let anySpan = 0;
  for (let i = 0; i < 16; i++) anyTrace |= (trace.traceId[i] = view.getUint8(at + i));
  for (let i = 0; i < 8; i++) anySpan |= (trace.spanId[i] = view.getUint8(at + 16 + i));
  if (anyTrace === 0 || anySpan === 0) fail('envelope/invalid', 'all-zero trace or span id (invalid in W3C trace context)', at);
  trace.traceFlags = view.getUint8(at + 24);
  return trace;
}

/** Names the first field that cannot be written, or null. */
function headerProblem(h: Omit<EnvelopeInit, 'payloadLength'>, flags: number, payloadLength: number): string | null {
  if (KIND_VALID[h.kind & 0xff] !== 1 || (h.kind & 0xff) !== h.kind) return `kind ${String(h.kind)} is not a MessageKind`;
  if ((flags & ~RESERVED_FLAGS & 0xff) !== flags) return `flags ${String(flags)} is not a byte without the reserved bits 6 and 7`;
  if ((h.priority & 3) !== h.priority) return `priority ${String(h.priority)} is not 0..3`;
  if ((payloadLength >>> 0) !== payloadLength) return `payloadLength ${String(payloadLength)} is not a u32`;
  if (!isU53(h.correlationId)) return `correlationId ${String(h.correlationId)} is not a safe non-negative integer`;
  if (h.deadlineMs != null && !Number.isFinite(h.deadlineMs)) return `deadlineMs ${String(h.deadlineMs)} is not finite`;
  if (h.destination == null) return 'destination is missing';
  const badSource = h.source == null ? null : identityProblem(h.source);
  if (badSource !== null) return `source.${badSource}`;
  const badDestination = identityProblem(h.destination);
  if (badDestination !== null) return `destination.${badDestination}`;
  if (h.trace != null && (h.trace.traceId.length !== 16 || h.trace.spanId.length !== 8 || (h.trace.traceFlags & 0xff) !== h.trace.traceFlags)) {
    return 'trace needs a 16-byte traceId, an 8-byte spanId and a u8 traceFlags';
  }
  return null;
}

function identityProblem(id: AddrIdentity): string | null {
  if ((id.node >>> 0) !== id.node) return `node ${String(id.node)} is not a u32`;
  if ((id.core & 0xffff) !== id.core) return `core ${String(id.core)} is not a u16`;
  if ((id.slot >>> 0) !== id.slot) return `slot ${String(id.slot)} is not a u32`;
  if ((id.generation >>> 0) !== id.generation) return `generation ${String(id.generation)} is not a u32`;
  if (!isU53(id.secret)) return 'secret is not a safe non-negative integer';
  return null;
}

function isU53(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
