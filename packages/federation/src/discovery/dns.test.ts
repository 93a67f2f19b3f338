/**
 * DNS discovery against a tiny DNS server written here (node:dgram on 127.0.0.1, answering
 * A, AAAA and SRV from a table, NXDOMAIN for names it does not have): seeds from A records
 * plus a port and from SRV records (target resolved through the same server); a name that
 * does not resolve gives a DiscoveryError naming it; a node whose DNS name does not resolve
 * still starts and joins through its static seeds; a node joins another found through DNS.
 * Waits are for states, bounded generously.
 */
import { type Socket, createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeReactor } from '@pd/runtime';
import { DiscoveryError, type FederationNode, dnsSeeds, startNode } from '../index.js';

type Answer = { type: 'A' | 'AAAA'; address: string } | { type: 'SRV'; priority: number; weight: number; port: number; target: string };
const TYPES = { A: 1, AAAA: 28, SRV: 33 } as const;
const table = new Map<string, Answer[]>();

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').filter((l) => l !== '').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function rdata(a: Answer): Buffer {
  if (a.type === 'A') return Buffer.from(a.address.split('.').map(Number));
  if (a.type === 'AAAA') {
    const [head, tail = ''] = a.address.split('::');
    const h = head!.split(':').filter((x) => x !== '');
    const t = tail.split(':').filter((x) => x !== '');
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  }
  if (a.type !== 'SRV') throw new Error('unreachable');
  const head = Buffer.alloc(6);
  head.writeUInt16BE(a.priority, 0);
  head.writeUInt16BE(a.weight, 2);
  head.writeUInt16BE(a.port, 4);
  return Buffer.concat([head, encodeName(a.target)]);
}

/** The answer to one query: the question echoed, the table's records of that type. */
function answer(query: Buffer): Buffer {
  let i = 12;
  const labels: string[] = [];
  while (query[i]! !== 0) {
    labels.push(query.subarray(i + 1, i + 1 + query[i]!).toString('ascii'));
    i += query[i]! + 1;
  }
  const qtype = query.readUInt16BE(i + 1);
  const question = query.subarray(12, i + 5);
  const name = labels.join('.').toLowerCase();
  const records = table.get(name);
  const matching = (records ?? []).filter((r) => TYPES[r.type] === qtype);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | (records === undefined ? 3 : 0), 2); // response, RD+RA, NXDOMAIN when unknown
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(matching.length, 6);
  const rrs = matching.map((r) => {
    const data = rdata(r);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the question's name
    fixed.writeUInt16BE(TYPES[r.type], 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(5, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, question, ...rrs]);
}

let server: Socket;
let dnsPort = 0;
const servers = (): string[] => [`127.0.0.1:${dnsPort}`];

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (msg, from) => {
    try {
      server.send(answer(msg), from.port, from.address);
    } catch {
      // a query this little server cannot parse goes unanswered
    }
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  dnsPort = server.address().port;
});
afterAll(() => server.close());

const SECRET = 'dns-discovery-secret-0123456789';
const TIMING = { probeIntervalMs: 200, probeTimeoutMs: 100 };
const nodes: FederationNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop().catch(() => {});
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const reactor = new NodeReactor();
  const start = reactor.now();
  while (!condition()) {
    if (reactor.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => reactor.setTimer(20, resolve));
  }
}

async function swimNode(nodeId: string, extra: Record<string, unknown> = {}, seeds: { host: string; port: number }[] = []): Promise<FederationNode> {
  const node = await startNode({
    federation: {
      nodeId, secret: SECRET, listen: { host: '127.0.0.1', port: 0 },
      membership: { kind: 'swim', gossip: { port: 0 }, seeds, timing: TIMING, downing: { strategy: 'off' } }, ...extra,
    },
  });
  nodes.push(node);
  return node;
}

const alive = (n: FederationNode): string[] => n.federation.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort();

describe('DNS discovery', () => {
  it('gives the A records with the port, the AAAA records likewise, and SRV records with their own ports', async () => {
    table.set('pd.test', [{ type: 'A', address: '127.0.0.1' }, { type: 'A', address: '127.0.0.2' }, { type: 'AAAA', address: '::1' }]);
    table.set('pod-0.pd.test', [{ type: 'A', address: '10.1.0.7' }]);
    table.set('_gossip._tcp.pd.test', [
      { type: 'SRV', priority: 10, weight: 5, port: 7947, target: 'pod-1.elsewhere.test' },
      { type: 'SRV', priority: 0, weight: 5, port: 7946, target: 'pod-0.pd.test' },
    ]);
    expect(await dnsSeeds({ name: 'pd.test', port: 7946, servers: servers() }).seeds()).toEqual([{ host: '127.0.0.1', port: 7946 }, { host: '127.0.0.2', port: 7946 }]);
    expect(await dnsSeeds({ name: 'pd.test', type: 'AAAA', port: 7946, servers: servers() }).seeds()).toEqual([{ host: '::1', port: 7946 }]);
    // Lowest priority first; a target the server has no address for stays a name (the carrier resolves it).
    expect(await dnsSeeds({ name: '_gossip._tcp.pd.test', type: 'SRV', servers: servers() }).seeds()).toEqual([
      { host: '10.1.0.7', port: 7946 }, { host: 'pod-1.elsewhere.test', port: 7947 },
    ]);
  });

  it('names the name, the record type and the server when a name does not resolve', async () => {
    const missing = dnsSeeds({ name: 'nothing.test', port: 7946, servers: servers() });
    await expect(missing.seeds()).rejects.toBeInstanceOf(DiscoveryError);
    await expect(missing.seeds()).rejects.toThrow(`discovery/dns: seeds failed (nothing.test A @127.0.0.1:${dnsPort}): no such name`);
    table.set('only-a.test', [{ type: 'A', address: '127.0.0.1' }]);
    await expect(dnsSeeds({ name: 'only-a.test', type: 'SRV', servers: servers() }).seeds()).rejects.toThrow(/no SRV records/);
  });

  it('a node joins another found through DNS (A record + gossip port)', async () => {
    const a = await swimNode('a');
    table.set('cluster.test', [{ type: 'A', address: '127.0.0.1' }]);
    const b = await swimNode('b', { discovery: { kind: 'dns', name: 'cluster.test', type: 'A', port: a.federation.swimMembership!.gossipAddress.port, servers: servers() } });
    await until(() => alive(a).includes('b') && alive(b).includes('a'), 'a and b to see each other');
    expect(b.federation.stats().discovery).toMatchObject({ kind: 'dns', failures: 0, seeds: [{ host: '127.0.0.1', port: a.federation.swimMembership!.gossipAddress.port }] });
  });

  it('a node whose DNS name does not resolve still starts, and joins through its static seeds', async () => {
    const a = await swimNode('a');
    const b = await swimNode('b', { discovery: { kind: 'dns', name: 'missing.test', port: 7946, servers: servers(), refreshMs: 200 } }, [a.federation.swimMembership!.gossipAddress]);
    await until(() => alive(b).includes('a'), 'b to join a through its static seed');
    const stats = b.federation.stats().discovery!;
    expect(stats.failures).toBeGreaterThan(0);
    expect(stats.lastError).toContain('missing.test A');
    expect(stats.seeds).toEqual([a.federation.swimMembership!.gossipAddress]);
  });
});
