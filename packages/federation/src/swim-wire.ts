/**
 * The membership protocol's messages and their encoding: JSON, prefixed by an
 * HMAC-SHA256 of the body when the cluster has a secret. Owns: the shapes and one check of
 * everything a peer sends (sizes, types, counts), so swim.ts only ever sees well-formed
 * messages. Must not: act on a message (swim.ts does) or throw for a bad one (decode
 * returns null and the caller counts it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A member's liveness as gossiped. `left`: it said goodbye (graceful leave); `dead`: others declared it. */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/** One membership update: what a node believes about one member, at one incarnation. */
export interface Update {
  readonly id: string;
  readonly status: MemberStatus;
  readonly incarnation: number;
  /** Its federation address. */
  readonly host: string;
  readonly port: number;
  /** Its membership endpoint. */
  readonly gHost: string;
  readonly gPort: number;
  /** Who says so (the accuser, for `suspect`: Lifeguard counts independent accusers). */
  readonly by: string;
  /** When the member's run started, ms on its own wall clock: the join order `keep-oldest` downing uses (absent from older senders). */
  readonly since?: number;
}

/** What one node sends another. Every message names its sender and where to answer it. */
export type SwimMessage =
  /** Are you alive? Answered by `ack` with the same `seq`. */
  | { readonly t: 'ping'; readonly seq: number; readonly target: string }
  /** Please ping `target` (at `tHost:tPort`) for me; answer `ack` (it did) or `nack` (it did not, in time). */
  | { readonly t: 'ping-req'; readonly seq: number; readonly target: string; readonly tHost: string; readonly tPort: number }
  | { readonly t: 'ack'; readonly seq: number }
  | { readonly t: 'nack'; readonly seq: number }
  /** Updates only. */
  | { readonly t: 'gossip' }
  /** Push-pull: the sender's whole state (in `updates`); `reply` asks for the receiver's in return. */
  | { readonly t: 'sync'; readonly reply: boolean };

/** A message with its envelope: the cluster, the sender and its endpoint, piggybacked updates. */
export type Envelope = SwimMessage & {
  readonly cluster: string;
  readonly from: string;
  readonly fHost: string;
  readonly fPort: number;
  readonly updates: readonly Update[];
};

const STATUSES: ReadonlySet<string> = new Set(['alive', 'suspect', 'dead', 'left']);
/** Updates one message may carry (a sync carries the whole state). */
export const MAX_UPDATES = 8192;
const MAC_BYTES = 32;

/** Encodes and decodes envelopes, signing them when a secret is set. */
export class SwimCodec {
  private readonly key: Buffer | null;

  constructor(secret: string | Uint8Array | undefined) {
    this.key = secret === undefined ? null : Buffer.from(secret as Uint8Array);
  }

  encode(envelope: Envelope): Uint8Array {
    const body = Buffer.from(JSON.stringify(envelope));
    if (this.key === null) return body;
    return Buffer.concat([createHmac('sha256', this.key).update(body).digest(), body]);
  }

  /** The envelope in `bytes`, or null when it is not one (bad MAC, bad JSON, bad shape). */
  decode(bytes: Uint8Array, cluster: string): Envelope | null {
    let body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.key !== null) {
      if (body.length <= MAC_BYTES) return null;
      const mac = createHmac('sha256', this.key).update(body.subarray(MAC_BYTES)).digest();
      if (!timingSafeEqual(mac, body.subarray(0, MAC_BYTES))) return null;
      body = body.subarray(MAC_BYTES);
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    return checkEnvelope(value, cluster);
  }
}

function checkEnvelope(value: unknown, cluster: string): Envelope | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.cluster !== cluster || !isId(v.from) || !isHost(v.fHost) || !isPort(v.fPort)) return null;
  if (!Array.isArray(v.updates) || v.updates.length > MAX_UPDATES || !v.updates.every(isUpdate)) return null;
  switch (v.t) {
    case 'ping':
      return isSeq(v.seq) && isId(v.target) ? (v as Envelope) : null;
    case 'ping-req':
      return isSeq(v.seq) && isId(v.target) && isHost(v.tHost) && isPort(v.tPort) ? (v as Envelope) : null;
    case 'ack':
    case 'nack':
      return isSeq(v.seq) ? (v as Envelope) : null;
    case 'gossip':
      return v as Envelope;
    case 'sync':
      return typeof v.reply === 'boolean' ? (v as Envelope) : null;
    default:
      return null;
  }
}

function isUpdate(value: unknown): value is Update {
  if (typeof value !== 'object' || value === null) return false;
  const u = value as Record<string, unknown>;
  return isId(u.id) && typeof u.status === 'string' && STATUSES.has(u.status) && isSeq(u.incarnation)
    && isHost(u.host) && isPort(u.port) && isHost(u.gHost) && isPort(u.gPort) && isId(u.by)
    && (u.since === undefined || (typeof u.since === 'number' && Number.isFinite(u.since) && u.since >= 0));
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= 255;
}

function isHost(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= 255;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
