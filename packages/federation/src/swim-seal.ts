/**
 * How a membership message is protected with the cluster secret. Two forms:
 *
 * - *sealed* (this version's): `0x01 ‖ nonce(12) ‖ AES-256-GCM(body) ‖ tag(16)`, under a key
 *   derived from the secret and the cluster's name with HKDF-SHA256 — private and
 *   authenticated, bound to one cluster;
 * - *signed* (every version before, and `encryption: 'never'`): `HMAC-SHA256(body) ‖ body` —
 *   authenticated, readable by anyone on the path.
 *
 * Messages go out under the secret; they are opened under it or any accepted secret (one
 * being rotated in or out, docs/federation.md#rotating-the-cluster-secret).
 *
 * Owns: the keys and both forms. Must not: parse bodies (swim-wire.ts does) or throw for
 * anything a peer sends (open returns null), or pick nonces (the caller passes the reactor's
 * `entropy()` stream — the OS's random source — or, in a simulation, a seeded one).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Where nonces come from: unpredictable (a repeated nonce under one key gives the key away). */
export interface NonceSource {
  nextU32(): number;
}

/** The first byte of a sealed message (a signed one starts with its MAC: any byte). */
export const SEALED_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAC_BYTES = 32;
/** The header the tag also covers: the version byte and the nonce. */
const HEADER_BYTES = 1 + NONCE_BYTES;

/** A body as it was protected, once it passed its check. */
export interface Opened {
  readonly body: Buffer;
  /** Whether it came sealed (else signed). */
  readonly sealed: boolean;
}

/** Seals, signs and opens membership messages with one cluster's secret. */
export class SwimSeal {
  // Private fields (#): util.inspect and JSON never show the keys.
  /** Signing keys, the secret's first, then each accepted one's. */
  readonly #macKeys: Buffer[];
  /** Sealing keys, in the same order. */
  readonly #sealKeys: Buffer[];

  constructor(secret: string | Uint8Array, cluster: string, accept: readonly (string | Uint8Array)[] = []) {
    // The signing key is the secret itself, as before this version, so signed messages still
    // pass between versions; the sealing key is derived, so it is never the same as a key used
    // for anything else (the federation's handshake proofs, the signatures).
    this.#macKeys = [secret, ...accept].map((s) => Buffer.from(s as Uint8Array));
    this.#sealKeys = this.#macKeys.map((key) => Buffer.from(hkdfSync('sha256', key, 'pd-swim-seal', `v1 ${cluster}`, 32)));
  }

  seal(body: Buffer, nonces: NonceSource): Uint8Array {
    const out = Buffer.allocUnsafe(HEADER_BYTES + body.length + TAG_BYTES);
    out[0] = SEALED_V1;
    for (let i = 1; i < HEADER_BYTES; i += 4) out.writeUInt32LE(nonces.nextU32() >>> 0, i);
    const nonce = out.subarray(1, HEADER_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKeys[0]!, nonce);
    cipher.setAAD(out.subarray(0, HEADER_BYTES));
    const encrypted = cipher.update(body);
    encrypted.copy(out, HEADER_BYTES);
    cipher.final();
    cipher.getAuthTag().copy(out, HEADER_BYTES + encrypted.length);
    return out;
  }

  sign(body: Buffer): Uint8Array {
    return Buffer.concat([createHmac('sha256', this.#macKeys[0]!).update(body).digest(), body]);
  }

  /** The body of a sealed or signed message, or null when it is neither (a wrong key, an altered byte, a truncation). */
  open(bytes: Buffer): Opened | null {
    if (bytes.length > HEADER_BYTES + TAG_BYTES && bytes[0] === SEALED_V1) {
      for (const key of this.#sealKeys) {
        const body = unseal(key, bytes);
        if (body !== null) return { body, sealed: true };
      }
      // One signed message in 256 starts with this byte too: try it as one.
    }
    if (bytes.length <= MAC_BYTES) return null;
    for (const key of this.#macKeys) {
      const mac = createHmac('sha256', key).update(bytes.subarray(MAC_BYTES)).digest();
      if (timingSafeEqual(mac, bytes.subarray(0, MAC_BYTES))) return { body: bytes.subarray(MAC_BYTES), sealed: false };
    }
    return null;
  }
}

function unseal(key: Buffer, bytes: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, HEADER_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const body = decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES));
    decipher.final();
    return body;
  } catch {
    return null;
  }
}
