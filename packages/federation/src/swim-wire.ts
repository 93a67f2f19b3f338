/**
 * The membership protocol's messages and their encoding: JSON, sealed (encrypted and
 * authenticated) or signed with the cluster secret when the cluster has one (swim-seal.ts).
 * Owns: the shapes and one check of everything a peer sends (sizes, types, counts), so
 * swim.ts only ever sees well-formed messages. Must not: act on a message (swim.ts does) or
 * throw for a bad one (decode returns null and the caller counts it).
 */
import { type NonceSource, SwimSeal } from './swim-seal.js';

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
  /**
   * The sender opens sealed messages (swim-seal.ts). Set on every message of a node with a
   * secret that does not refuse to seal; versions before sealing never set it, so a node
   * seals only to endpoints that said they can open it.
   */
  readonly seal?: true;
};

/** An envelope as it arrived. */
export interface Received {
  readonly envelope: Envelope;
  /** Whether it came sealed (else signed, or plain without a secret). */
  readonly sealed: boolean;
}

const STATUSES: ReadonlySet<string> = new Set(['alive', 'suspect', 'dead', 'left']);
/** Updates one message may carry (a sync carries the whole state). */
export const MAX_UPDATES = 8192;

/** Encodes and decodes one cluster's envelopes: sealed or signed when a secret is set, plain JSON without. */
export class SwimCodec {
  readonly #seal: SwimSeal | null;

  /** Encodes under `secret`; decodes under it or any of `accept` (secrets being rotated). */
  constructor(secret: string | Uint8Array | undefined, private readonly cluster: string, accept: readonly (string | Uint8Array)[] = []) {
    this.#seal = secret === undefined ? null : new SwimSeal(secret, cluster, accept);
  }

  /** `envelope` as bytes: sealed with a nonce from `nonces` when given (and there is a secret), else signed (or plain). */
  encode(envelope: Envelope, nonces: NonceSource | null): Uint8Array {
    const body = Buffer.from(JSON.stringify(envelope));
    if (this.#seal === null) return body;
    return nonces !== null ? this.#seal.seal(body, nonces) : this.#seal.sign(body);
  }

  /** The envelope in `bytes`, or null when it is not one (not sealed or signed with the secret, bad JSON, bad shape, another cluster). */
  decode(bytes: Uint8Array): Received | null {
    let body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let sealed = false;
    if (this.#seal !== null) {
      const opened = this.#seal.open(body);
      if (opened === null) return null;
      body = opened.body;
      sealed = opened.sealed;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    const envelope = checkEnvelope(value, this.cluster);
    return envelope === null ? null : { envelope, sealed };
  }
}

function checkEnvelope(value: unknown, cluster: string): Envelope | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.cluster !== cluster || !isId(v.from) || !isHost(v.fHost) || !isPort(v.fPort)) return null;
  if (!Array.isArray(v.updates) || v.updates.length > MAX_UPDATES || !v.updates.every(isUpdate)) return null;
  if (v.seal !== undefined && v.seal !== true) return null;
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
