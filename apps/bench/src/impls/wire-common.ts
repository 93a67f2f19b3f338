/**
 * What both processes of the `wire` workload share: the message, its frame header, the
 * cluster secret, and test certificates made with the openssl CLI (TLS rows only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codec, MessageKind, encodeFrame, type FrameInit } from '@pd/transport';

export type WireKind = 'tcp' | 'tls' | 'ws' | 'bare';

export const SECRET = new TextEncoder().encode('bench-cluster-secret-0123456789');
export const MESSAGE = { k: 1, body: 'hello' } as const;
export const INIT: FrameInit = {
  flags: 0, kind: MessageKind.user, priority: 0, source: null,
  destination: { node: 1, core: 0, slot: 1, generation: 1, secret: 7 }, correlationId: 0, deadlineMs: null, trace: null,
};
export const LIMITS = { heartbeatMs: 1000, idleTimeoutMs: 30_000, handshakeTimeoutMs: 10_000 };

/** One wire record of the message (length prefix, type 1, envelope frame): what the bare loop writes. */
export function recordBytes(): Uint8Array {
  const frame = encodeFrame(new Codec(), INIT, MESSAGE);
  const out = new Uint8Array(5 + frame.length);
  new DataView(out.buffer).setUint32(0, 1 + frame.length, true);
  out[4] = 1;
  out.set(frame, 5);
  return out;
}

export interface Pems { cert: string; key: string; ca: string }

/** A CA and a certificate for 127.0.0.1 it signs; throws when openssl is missing. */
export function makePems(): Pems {
  const dir = mkdtempSync(join(tmpdir(), 'pd-bench-pki-'));
  try {
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench-ca');
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=node');
    ssl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.pem', '-days', '1', '-extfile', 'ext.cnf');
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { cert: read('node.pem'), key: read('node.key'), ca: read('ca.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
