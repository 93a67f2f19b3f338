// Reconnects over real loopback sockets: a peer process killed and restarted (a new
// incarnation), and per-pair FIFO over a million frames with the connection cut in the
// middle — nothing duplicated, nothing reordered, every loss counted.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Codec } from '../codec.js';
import { hostNetClock } from './host-reactor.js';
import { NetNode } from './node.js';
import type { Carrier, StreamPort } from './stream.js';
import { removeTranspiled, startPeer } from './test/child.js';
import { FAST, KINDS, SECRET, carrier, initTo, startNode, testPems, waitFor, type Kind } from './test/support.js';

const nodes: NetNode[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
afterAll(() => removeTranspiled());

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The correlation id of each frame read (the tests number frames with it). */
function readSeqs(node: NetNode, from: string, into: number[]): void {
  node.channel(from).in.read(1e9, (source, offset) => {
    into.push(source.view.getUint32(offset + 8, true) + source.view.getUint32(offset + 12, true) * 0x1_0000_0000);
  });
}

describe.each(KINDS)('%s: a peer process killed and restarted', (kind) => {
  it('reconnects to the new incarnation, drops frames queued for the old one (counted), and carries new ones', async () => {
    const port = await freePort();
    const secret = new TextDecoder().decode(SECRET);
    const pems = kind === 'tls' ? testPems() : undefined;
    let child = await startPeer(kind, 'b', 1, port, secret, pems);
    children.push(child);
    const a = new NetNode({
      clock: hostNetClock(), codec: new Codec(), carrier: carrier(kind), nodeId: 'a', cluster: 'test', incarnation: 1, secret: SECRET, limits: FAST,
    });
    nodes.push(a);
    const events: string[] = [];
    const a2 = a;
    void a2;
    const out = a.connect('b', { host: '127.0.0.1', port }).out;
    const echoes: number[] = [];
    await waitFor(() => a.peer('b')?.connected === true, 10_000, 'up');
    for (let i = 1; i <= 10; i++) out.stage(initTo(1, 1, i), new Uint8Array(0), false);
    out.publish();
    await waitFor(() => (readSeqs(a, 'b', echoes), echoes.length === 10), 10_000, 'echoes from incarnation 1');
    expect(echoes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    child.kill('SIGKILL');
    await waitFor(() => a.peer('b')?.connected === false, 10_000, 'down after kill');
    // Frames for the dead incarnation wait in the queue, then are dropped when 'b' comes back as a new one.
    for (let i = 11; i <= 15; i++) out.stage(initTo(1, 1, i), new Uint8Array(0), false);
    out.publish();
    child = await startPeer(kind, 'b', 2, port, secret, pems);
    children.push(child);
    await waitFor(() => a.peer('b')?.connected === true && a.peer('b')?.incarnation === 2, 15_000, 'up with incarnation 2');
    expect(a.stats.dropped.staleIncarnation).toBe(5);
    for (let i = 16; i <= 20; i++) out.stage(initTo(2, 1, i), new Uint8Array(0), false);
    out.publish();
    await waitFor(() => (readSeqs(a, 'b', echoes), echoes.length === 15), 10_000, 'echoes from incarnation 2');
    expect(echoes.slice(10)).toEqual([16, 17, 18, 19, 20]);
    void events;
  });
});

/** Wraps a carrier so a test can cut every live connection (both ends see it close). */
function cuttable(inner: Carrier): Carrier & { cut(): void } {
  const ports = new Set<StreamPort>();
  const track = (p: StreamPort): StreamPort => (ports.add(p), p);
  return {
    kind: inner.kind,
    listen: (address, accept, rejected) => inner.listen(address, (p) => accept(track(p)), rejected),
    dial: (address) => track(inner.dial(address)),
    cut: () => {
      for (const p of ports) p.destroy();
      ports.clear();
    },
  };
}

describe('per-pair FIFO across a reconnect', () => {
  it.each(KINDS)('%s: 1M frames, the connection cut halfway; in order, no duplicates, every loss counted', async (kind: Kind) => {
    const TOTAL = 1_000_000;
    const c = cuttable(carrier(kind));
    const b = await startNode(kind, 'b');
    nodes.push(b.node);
    const a = await startNode(kind, 'a', { carrier: c, limits: { ...FAST, maxQueueBytes: 4 << 20 } });
    nodes.push(a.node);
    const out = a.node.connect('b', { host: '127.0.0.1', port: b.port }).out;
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up');
    const got: number[] = [];
    let last = 0;
    let duplicatesOrReordered = 0;
    const inbound = b.node.channel('a').in;
    const pump = (): void => {
      inbound.read(1e9, (source, offset) => {
        const seq = source.view.getUint32(offset + 8, true);
        if (seq <= last) duplicatesOrReordered++;
        last = seq;
        got.push(seq);
      });
      inbound.arm(pump);
    };
    inbound.arm(pump);
    const empty = new Uint8Array(0);
    let cut = false;
    for (let seq = 1; seq <= TOTAL; seq++) {
      out.stage(initTo(1, 1, seq), empty, false);
      if (seq % 2000 === 0) {
        out.publish();
        if (!cut && seq >= TOTAL / 2) {
          cut = true;
          c.cut();
        }
        // Stay under the queue bound: let the socket drain (a full queue would drop, counted, which is legal but not this test).
        while (out.backlog > 20_000) await new Promise((r) => setImmediate(r));
      }
    }
    out.publish();
    const lost = (): number => a.node.stats.dropped.lostInFlight + a.node.stats.dropped.queueFull + a.node.stats.dropped.staleIncarnation;
    await waitFor(() => got.length + lost() >= TOTAL && out.backlog === 0, 60_000, `all ${TOTAL} frames received or counted lost`);
    expect(duplicatesOrReordered).toBe(0);
    expect(got.length + lost()).toBe(TOTAL);
    expect(new Set(got).size).toBe(got.length);
    expect(a.node.stats.handshakes.ok).toBeGreaterThanOrEqual(2);
    expect(a.node.stats.dropped.queueFull).toBe(0);
  }, 120_000);
});
