// Helpers for the network transport tests: nodes on loopback for each carrier, test
// certificates made with the openssl CLI at test time, frames that carry a sequence number.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codec } from '../../codec.js';
import { MessageKind } from '../../envelope.js';
import type { FrameInit } from '../../frame.js';
import { hostNetClock } from '../host-reactor.js';
import type { NetLimits } from '../limits.js';
import { NetNode, type NetEvent, type NetNodeOptions } from '../node.js';
import type { Carrier } from '../stream.js';
import { tcpCarrier } from '../tcp.js';
import { tlsCarrier } from '../tls.js';
import { wsCarrier } from '../ws.js';

export type Kind = 'tcp' | 'tls' | 'ws';
export const KINDS: readonly Kind[] = ['tcp', 'tls', 'ws'];
export const SECRET = new TextEncoder().encode('a-test-cluster-secret-0123456789');

/** Short timeouts with generous margins: nothing here depends on tight timing. */
export const FAST: Partial<NetLimits> = { handshakeTimeoutMs: 1500, heartbeatMs: 200, idleTimeoutMs: 3000, reconnectMinMs: 20, reconnectMaxMs: 300 };

export interface Pems { ca: string; cert: string; key: string; rogueCert: string; rogueKey: string; rogueCa: string }
let pems: Pems | null = null;

/** A CA and a node certificate it signs (for 127.0.0.1), plus a rogue CA's pair. */
export function testPems(): Pems {
  if (pems !== null) return pems;
  const dir = mkdtempSync(join(tmpdir(), 'pd-net-pki-'));
  try {
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    for (const name of ['ca', 'rogue-ca']) {
      ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
    }
    for (const [name, ca] of [['node', 'ca'], ['rogue', 'rogue-ca']] as const) {
      ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', 'ext.cnf');
    }
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    pems = { ca: read('ca.pem'), cert: read('node.pem'), key: read('node.key'), rogueCert: read('rogue.pem'), rogueKey: read('rogue.key'), rogueCa: read('rogue-ca.pem') };
    return pems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function carrier(kind: Kind, options: { mutual?: boolean; rogue?: boolean; limits?: Partial<NetLimits> } = {}): Carrier {
  if (kind === 'tcp') return tcpCarrier();
  if (kind === 'ws') {
    const maxFrame = options.limits?.maxFrameBytes ?? 1024 * 1024;
    return wsCarrier({ maxPayload: (options.limits?.maxWriteBytes ?? 1024 * 1024) + maxFrame + 64 });
  }
  const p = testPems();
  return options.rogue === true
    ? tlsCarrier({ cert: p.rogueCert, key: p.rogueKey, ca: p.ca, mutual: options.mutual ?? false })
    : tlsCarrier({ cert: p.cert, key: p.key, ca: p.ca, mutual: options.mutual ?? false });
}

export interface TestNode {
  node: NetNode;
  events: NetEvent[];
  port: number;
}

/** A started node listening on 127.0.0.1, port chosen by the OS. */
export async function startNode(kind: Kind, nodeId: string, over: Partial<NetNodeOptions> & { mutual?: boolean; rogue?: boolean } = {}): Promise<TestNode> {
  const events: NetEvent[] = [];
  const limits = { ...FAST, ...over.limits };
  const node = new NetNode({
    clock: hostNetClock(), codec: new Codec(), carrier: over.carrier ?? carrier(kind, { mutual: over.mutual ?? false, rogue: over.rogue ?? false, limits }),
    nodeId, cluster: 'test', incarnation: 1, secret: SECRET, listen: { host: '127.0.0.1', port: 0 }, onEvent: (e) => events.push(e),
    ...over, limits,
  });
  const bound = await node.start();
  return { node, events, port: bound?.port ?? 0 };
}

/** Polls `condition` until true or `timeoutMs` (generous) passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A frame header to a destination on node incarnation `node`. */
export function initTo(node: number, kind: number = MessageKind.user, correlationId = 0): FrameInit {
  return {
    flags: 0, kind: kind as FrameInit['kind'], priority: 0, source: null,
    destination: { node, core: 0, slot: 1, generation: 1, secret: 7 }, correlationId, deadlineMs: null, trace: null,
  };
}
