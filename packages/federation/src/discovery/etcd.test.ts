/**
 * etcd discovery and lease-majority downing against a real etcd (Debian's `etcd-server`,
 * installed by .ci/run) started here on free loopback ports with a temporary data folder,
 * killed at the end. Skipped, saying so, where no etcd binary is installed. Nodes run in
 * this process on loopback TCP; a partition is made by a carrier that refuses dials across
 * the cut (SWIM sends each message on a connection of its own, so the cut is total for it).
 * Waits are for states, bounded generously; no speed is asserted.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, reactor, until } from '../real-process.test-util.js';
import { type Carrier, type StreamPort, tcpCarrier } from '@pd/transport';
import { type DowningDecision, EtcdClient, type FederationNode, etcdDiscovery, startNode } from '../index.js';

function findEtcd(): string | null {
  if (existsSync('/usr/bin/etcd')) return '/usr/bin/etcd';
  try {
    return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const ETCD = findEtcd();
if (ETCD === null) console.warn('etcd.test.ts: skipped — no etcd binary (install Debian\'s etcd-server: apt-get install -y etcd-server; .ci/run does)');


let etcd: ChildProcess | null = null;
let dataDir = '';
let endpoint = '';
let etcdLog = '';

async function startEtcd(): Promise<void> {
  const [client, peer] = [await freePort(), await freePort()];
  endpoint = `http://127.0.0.1:${client}`;
  dataDir = mkdtempSync(join(tmpdir(), 'pd-etcd-'));
  etcd = spawn(ETCD!, [
    '--name', 'pd-test', '--data-dir', dataDir, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `pd-test=http://127.0.0.1:${peer}`,
    // Short raft timers: etcd's smallest lease TTL follows them (about 1 s here instead of 2 s).
    '--heartbeat-interval', '50', '--election-timeout', '500',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  etcd.stderr!.on('data', (chunk: Buffer) => {
    etcdLog = (etcdLog + chunk.toString()).slice(-4000);
  });
  await until(async () => {
    try {
      return ((await (await fetch(`${endpoint}/health`)).json()) as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }, `etcd to answer at ${endpoint} (its log: ${etcdLog.slice(-500)})`, 30_000);
}

function killEtcd(): void {
  etcd?.kill('SIGKILL');
  etcd = null;
}

// --- a partitionable loopback network ---

/** Federation and gossip ports, by node id, for the cut. */
const owners = new Map<number, string>();
let sideA: Set<string> | null = null;
const side = (id: string): 'A' | 'B' => (sideA!.has(id) ? 'A' : 'B');

function refused(remote: string): StreamPort {
  return {
    remote, peerCertificateVerified: false,
    attach: (events) => queueMicrotask(() => events.closed(new Error('partitioned by the test'))),
    write: () => true, end() {}, destroy() {}, pause() {}, resume() {},
  };
}

function carrierOf(id: string): Carrier {
  const tcp = tcpCarrier();
  return {
    kind: 'tcp',
    listen: (address, accept, rejected) => tcp.listen(address, accept, rejected),
    dial(address) {
      const to = owners.get(address.port);
      if (sideA !== null && to !== undefined && side(to) !== side(id)) return refused(`${address.host}:${address.port}`);
      return tcp.dial(address);
    },
  };
}

const SECRET = 'etcd-discovery-secret-0123456789';
const TIMING = { probeIntervalMs: 200, probeTimeoutMs: 100 };
const nodes: FederationNode[] = [];

afterEach(async () => {
  sideA = null;
  for (const n of nodes.splice(0)) await n.stop().catch(() => {});
  owners.clear();
});

let run = 0;
async function etcdNode(id: string, test: string, downing: Record<string, unknown> = { strategy: 'off' }): Promise<FederationNode> {
  const node = await startNode({
    federation: {
      nodeId: id, secret: SECRET, listen: { host: '127.0.0.1', port: 0 }, carrier: carrierOf(id),
      membership: { kind: 'swim', gossip: { port: 0 }, timing: TIMING, downing: downing as never },
      discovery: { kind: 'etcd', endpoints: [endpoint], prefix: `/pd-test/${test}`, ttlMs: 2000, refreshMs: 300 },
    },
  });
  owners.set(node.address!.port, id);
  owners.set(node.federation.swimMembership!.gossipAddress.port, id);
  nodes.push(node);
  return node;
}

const alive = (n: FederationNode): string[] => n.federation.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort();
const last = (n: FederationNode): DowningDecision | undefined => n.federation.members().downing?.decisions.at(-1);

describe.skipIf(ETCD === null)('etcd discovery and lease-majority downing (a real etcd)', () => {
  beforeAll(startEtcd, 40_000);
  afterAll(() => {
    killEtcd();
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  it('three nodes find each other through etcd, each registered under the prefix', async () => {
    const a = await etcdNode('a', `three-${++run}`);
    const b = await etcdNode('b', `three-${run}`);
    const c = await etcdNode('c', `three-${run}`);
    await until(() => [a, b, c].every((n) => alive(n).join() === 'a,b,c'), 'a, b and c to see each other');
    const client = new EtcdClient({ endpoints: [endpoint], reactor });
    const keys = (await client.range(`/pd-test/three-${run}/members/`)).map((kv) => kv.key).sort();
    expect(keys).toEqual(['a', 'b', 'c'].map((id) => `/pd-test/three-${run}/members/${id}`));
    expect(c.federation.stats().discovery).toMatchObject({ kind: 'etcd', registered: true });
    // A graceful stop deregisters: the entry goes with the revoked lease.
    await nodes.splice(nodes.indexOf(c), 1)[0]!.stop();
    await until(async () => (await client.range(`/pd-test/three-${run}/members/`)).length === 2, 'c to be deregistered');
  }, 120_000);

  it('an entry whose lease is not kept alive drops out of the seeds; kept-alive ones stay', async () => {
    const test = `expiry-${++run}`;
    const a = await etcdNode('a', test);
    const client = new EtcdClient({ endpoints: [endpoint], reactor });
    const { id } = await client.grant(1000);
    await client.put(`/pd-test/${test}/members/ghost`, JSON.stringify({ id: 'ghost', gossip: { host: '127.0.0.1', port: 9 } }), id);
    const view = etcdDiscovery({ endpoints: [endpoint], prefix: `/pd-test/${test}` });
    await view.start!({ nodeId: 'observer', reactor });
    expect((await view.seeds()).map((s) => s.port).sort()).toContain(9);
    await until(async () => !(await view.seeds()).some((s) => s.port === 9), 'the ghost\'s lease to expire');
    // a renews its own (ttl 2 s) all along: still listed well past its TTL.
    expect(await view.seeds()).toEqual([a.federation.swimMembership!.gossipAddress]);
    expect(a.federation.stats().discovery!.registered).toBe(true);
    await view.close();
  }, 120_000);

  it('lease-majority, a 2 | 2 split: the side that holds the lock keeps running, the other stops', async () => {
    const test = `split-${++run}`;
    const downing = { strategy: 'lease-majority', stableAfterMs: 2000, lease: { endpoints: [endpoint], key: `/pd-test/${test}/lease`, ttlMs: 2000 } };
    const all: FederationNode[] = [];
    for (const id of ['a', 'b', 'c', 'd']) all.push(await etcdNode(id, test, downing));
    await until(() => all.every((n) => alive(n).length === 4), 'the four to see each other');
    sideA = new Set(['a', 'b']);
    await until(() => all.every((n) => last(n) !== undefined), 'every node to decide', 90_000);
    const keeps = all.filter((n) => last(n)!.decision === 'keep').map((n) => n.federation.nodeId).sort();
    const downs = all.filter((n) => last(n)!.decision === 'down');
    expect(keeps.length === 2 && (keeps.join() === 'a,b' || keeps.join() === 'c,d'), `exactly one side keeps running, got ${keeps}`).toBe(true);
    for (const n of downs) expect(last(n)!.reason).toMatch(/the lease is held by [a-d], on the other side/);
    const holder = (await new EtcdClient({ endpoints: [endpoint], reactor }).range(`/pd-test/${test}/lease`))[0]?.value;
    expect(keeps).toContain(holder);
    // The losers stopped cleanly: their engines shut down, their entries gone from etcd.
    await until(async () => (await new EtcdClient({ endpoints: [endpoint], reactor }).range(`/pd-test/${test}/members/`)).length === 2, 'the losers to deregister');
    for (const n of all) if (!keeps.includes(n.federation.nodeId)) await until(() => n.engine.status === 'stopped', `${n.federation.nodeId} to stop`);
  }, 240_000);

  it('lease-majority with etcd gone: the minority stops, and so does the majority, which cannot reach the lock', async () => {
    const test = `no-etcd-${++run}`;
    const downing = { strategy: 'lease-majority', stableAfterMs: 2000, leaseWaitMs: 2000, lease: { endpoints: [endpoint], key: `/pd-test/${test}/lease`, ttlMs: 2000 } };
    const all: FederationNode[] = [];
    for (const id of ['a', 'b', 'c', 'd']) all.push(await etcdNode(id, test, downing));
    await until(() => all.every((n) => alive(n).length === 4), 'the four to see each other');
    killEtcd();
    sideA = new Set(['a', 'b', 'c']);
    await until(() => all.every((n) => last(n) !== undefined), 'every node to decide', 90_000);
    expect(all.map((n) => last(n)!.decision)).toEqual(['down', 'down', 'down', 'down']);
    expect(last(all[3]!)!.reason).toMatch(/a minority/);
    for (const n of all.slice(0, 3)) expect(last(n)!.reason).toMatch(/the lease store cannot be reached \(discovery\/etcd: .*no endpoint answered/);
  }, 240_000);
});
