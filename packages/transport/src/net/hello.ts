/**
 * Handshake records: HELLO, AUTH and REFUSE bodies, written and read with every field
 * checked (layouts: docs/wire-protocol.md), and the HMAC-SHA256 proofs over both HELLOs.
 * Must not: decide anything (handshake.ts does) or let the secret leave this file other
 * than as a MAC. A short or foreign body reads as null, never as a throw.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ACK_BODY_BYTES, HELLO_MAGIC, RECORD_PREFIX_BYTES, RECORD_TYPE_BYTES, RecordType, type RefuseReason } from './wire.js';

/** What a HELLO says. */
export interface Hello {
  readonly versionMin: number;
  readonly versionMax: number;
  readonly features: number;
  readonly incarnation: number;
  readonly nonce: Uint8Array;
  readonly cluster: string;
  readonly nodeId: string;
  /** The node the dialer means to reach ('' when any, and from an acceptor). */
  readonly wanted: string;
}

const HELLO_FIXED = 48;
const NAME_MAX = 255;
const MAC_LABEL_DIALER = Buffer.from('pd-wire/1 dialer\0');
const MAC_LABEL_ACCEPTOR = Buffer.from('pd-wire/1 acceptor\0');
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A whole record (length prefix, type, body). */
export function record(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_PREFIX_BYTES + RECORD_TYPE_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, RECORD_TYPE_BYTES + body.length, true);
  out[RECORD_PREFIX_BYTES] = type;
  out.set(body, RECORD_PREFIX_BYTES + RECORD_TYPE_BYTES);
  return out;
}

/** A HELLO body. Names longer than 255 UTF-8 bytes are a programming error (config checks them). */
export function writeHello(hello: Hello): Uint8Array {
  const cluster = encoder.encode(hello.cluster);
  const node = encoder.encode(hello.nodeId);
  const wanted = encoder.encode(hello.wanted);
  if (cluster.length > NAME_MAX || node.length > NAME_MAX || wanted.length > NAME_MAX) throw new RangeError('hello: a name is longer than 255 bytes');
  const body = new Uint8Array(HELLO_FIXED + 3 + cluster.length + node.length + wanted.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, HELLO_MAGIC, true);
  v.setUint16(4, hello.versionMin, true);
  v.setUint16(6, hello.versionMax, true);
  v.setUint32(8, hello.features >>> 0, true);
  v.setUint32(12, hello.incarnation >>> 0, true);
  body.set(hello.nonce.subarray(0, 32), 16);
  let at = HELLO_FIXED;
  for (const name of [cluster, node, wanted]) {
    body[at++] = name.length;
    body.set(name, at);
    at += name.length;
  }
  return body;
}

/** Reads a HELLO body; null when it is not one (short, bad magic, bad names, trailing bytes). */
export function readHello(bytes: Uint8Array): Hello | null {
  if (bytes.length < HELLO_FIXED + 3) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== HELLO_MAGIC) return null;
  const names: string[] = [];
  let at = HELLO_FIXED;
  for (let i = 0; i < 3; i++) {
    if (at >= bytes.length) return null;
    const n = bytes[at++]!;
    if (at + n > bytes.length) return null;
    try {
      names.push(decoder.decode(bytes.subarray(at, at + n)));
    } catch {
      return null;
    }
    at += n;
  }
  if (at !== bytes.length || names[1] === '') return null;
  return {
    versionMin: v.getUint16(4, true), versionMax: v.getUint16(6, true), features: v.getUint32(8, true),
    incarnation: v.getUint32(12, true), nonce: copy(bytes, 16, 48), cluster: names[0]!, nodeId: names[1]!, wanted: names[2]!,
  };
}

/** What an AUTH carries besides the proof: the resume counts that make losses across a reconnect exact. */
export interface Resume {
  /** The receiver's incarnation as the sender last knew it (0 = none): the context of `received`. */
  readonly knownIncarnation: number;
  /** Frames the sender received from (receiver, knownIncarnation) so far. */
  readonly received: number;
}

const RESUME_BYTES = 12;

/**
 * The proof one side sends: HMAC-SHA256(secret, label ‖ dialer's HELLO body ‖ acceptor's
 * HELLO body ‖ the sender's resume counts). Both nonces and every negotiated field are
 * inside, so a proof can be neither replayed nor moved to another negotiation.
 */
export function proof(secret: Uint8Array, role: 'dialer' | 'acceptor', dialerHello: Uint8Array, acceptorHello: Uint8Array, resume: Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(role === 'dialer' ? MAC_LABEL_DIALER : MAC_LABEL_ACCEPTOR)
    .update(dialerHello).update(acceptorHello).update(resume).digest();
}

/** The resume counts as bytes: u32 known incarnation, f64 frames received. */
export function writeResume(resume: Resume): Uint8Array {
  const out = new Uint8Array(RESUME_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, resume.knownIncarnation >>> 0, true);
  v.setFloat64(4, resume.received, true);
  return out;
}

/** An AUTH body: u8 proof length (0 or 32), the proof, the resume counts. */
export function writeAuth(mac: Uint8Array, resume: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + mac.length + RESUME_BYTES);
  out[0] = mac.length;
  out.set(mac, 1);
  out.set(resume, 1 + mac.length);
  return out;
}

/** Reads an AUTH body; null when malformed. */
export function readAuth(bytes: Uint8Array): { mac: Uint8Array; resumeBytes: Uint8Array; resume: Resume } | null {
  if (bytes.length < 1) return null;
  const n = bytes[0]!;
  if ((n !== 0 && n !== 32) || bytes.length !== 1 + n + RESUME_BYTES) return null;
  const resumeBytes = copy(bytes, 1 + n, bytes.length);
  const v = new DataView(resumeBytes.buffer);
  const received = v.getFloat64(4, true);
  if (!Number.isSafeInteger(received) || received < 0) return null;
  return { mac: copy(bytes, 1, 1 + n), resumeBytes, resume: { knownIncarnation: v.getUint32(0, true), received } };
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Uint8Array, received: Uint8Array): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** A REFUSE (or GOODBYE) body: reason code and a short text the other side can log. */
export function writeReason(reason: RefuseReason, text: string): Uint8Array {
  const bytes = encoder.encode(text.slice(0, 200));
  const body = new Uint8Array(3 + bytes.length);
  body[0] = reason;
  new DataView(body.buffer).setUint16(1, bytes.length, true);
  body.set(bytes, 3);
  return body;
}

/** Reads a REFUSE/GOODBYE body; null when malformed. */
export function readReason(bytes: Uint8Array): { reason: number; text: string } | null {
  if (bytes.length < 3) return null;
  const n = bytes[1]! | (bytes[2]! << 8);
  if (3 + n !== bytes.length) return null;
  try {
    return { reason: bytes[0]!, text: decoder.decode(bytes.subarray(3)) };
  } catch {
    return null;
  }
}

/** Record helpers. */
export const records = {
  hello: (body: Uint8Array) => record(RecordType.hello, body),
  auth: (mac: Uint8Array, resume: Uint8Array) => record(RecordType.auth, writeAuth(mac, resume)),
  refuse: (reason: RefuseReason, text: string) => record(RecordType.refuse, writeReason(reason, text)),
  goodbye: (reason: RefuseReason, text: string) => record(RecordType.goodbye, writeReason(reason, text)),
  heartbeat: () => record(RecordType.heartbeat, new Uint8Array(0)),
  ack: (received: number) => {
    const out = record(RecordType.ack, new Uint8Array(ACK_BODY_BYTES));
    new DataView(out.buffer).setFloat64(RECORD_PREFIX_BYTES + RECORD_TYPE_BYTES, received, true);
    return out;
  },
};

/** Reads an ACK body at `view[offset, offset + length)`: the count, or -1 when malformed. */
export function readAck(view: DataView, offset: number, length: number): number {
  if (length !== ACK_BODY_BYTES) return -1;
  const received = view.getFloat64(offset, true);
  return Number.isSafeInteger(received) && received >= 0 ? received : -1;
}

/** A copy in its own memory (a Buffer's `slice` is a view, which would share the socket's chunk). */
export function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
