// ACK records over real loopback sockets: the receiver confirms what it read on the heartbeat
// tick, so frames written to a peer incarnation that ends without confirming them — it
// restarts, or the link is closed for good — are counted (`dropped.unconfirmed`), never
// silent, and never counted twice with `lostInFlight`. A peer without the feature interoperates.
import { afterEach, describe, expect, it } from 'vitest';
import type { NetLimits } from './limits.js';
import type { NetNode } from './node.js';
import { initTo, startNode, waitFor, type TestNode } from './test/support.js';
import { WIRE_FEATURES, WireFeature } from './wire.js';

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.node.close()));
});

// An idle timeout far off, so a loaded machine does not reconnect midway.
const LIMITS: Partial<NetLimits> = { heartbeatMs: 100, idleTimeoutMs: 60_000 };

async function node(nodeId: string, over: Parameters<typeof startNode>[2] = {}): Promise<TestNode> {
  const n = await startNode('tcp', nodeId, { ...over, limits: { ...LIMITS, ...over.limits } });
  nodes.push(n);
  return n;
}

function send(from: NetNode, to: string, count: number, bytes = 0): void {
  const out = from.channel(to).out;
  for (let i = 0; i < count; i++) out.stage(initTo(1), new Uint8Array(bytes), false);
  out.publish();
}

function drain(at: NetNode, from: string): number {
  return at.channel(from).in.read(1e9, () => {});
}

/**
 * `a` connected to a `b` that stops reading (a small inbound bound, nobody reads): a flood
 * stays partly unread in socket buffers. Resolves once b confirmed all it received.
 */
async function floodUnread(): Promise<{ a: TestNode; b: TestNode }> {
  const b = await node('b', { limits: { maxInboundBytes: 64 * 1024 } });
  const a = await node('a');
  a.node.connect('b', { host: '127.0.0.1', port: b.port });
  await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 20_000, 'both ends up');
  send(a.node, 'b', 400, 16 * 1024);
  const settled = (): boolean => {
    const received = b.node.peer('a')!.received;
    return received > 0 && a.node.peer('b')!.acked === received;
  };
  // b stops reading once its inbound bound is reached (paused): wait until what it received
  // is confirmed and stays put for a few heartbeat intervals (a loaded machine may be slow to get there).
  for (let last = -1; ;) {
    await waitFor(settled, 20_000, 'b confirmed what it received');
    const received = b.node.peer('a')!.received;
    if (received === last) break;
    last = received;
    await new Promise((r) => setTimeout(r, 5 * LIMITS.heartbeatMs!));
  }
  expect(a.node.peer('b')!.written).toBeGreaterThan(a.node.peer('b')!.acked);
  return { a, b };
}

describe('ACK records', () => {
  it('confirm what the peer read on the heartbeat tick: acked reaches written', async () => {
    const a = await node('a');
    const b = await node('b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 20_000, 'up');
    send(a.node, 'b', 50);
    let read = 0;
    await waitFor(() => (read += drain(b.node, 'a'), read === 50), 20_000, '50 frames read');
    await waitFor(() => a.node.peer('b')!.acked === 50, 20_000, 'the ACK');
    expect(a.node.peer('b')).toMatchObject({ written: 50, acked: 50 });
    expect(b.node.peer('a')).toMatchObject({ received: 50, acked: 0 });
    // All confirmed: closing counts nothing.
    a.node.channel('b').out.close();
    expect(a.node.stats.dropped).toMatchObject({ unconfirmed: 0, lostInFlight: 0 });
  });

  it('a peer that restarts with unread frames: they are counted unconfirmed, once, not lost in flight', async () => {
    const { a, b } = await floodUnread();
    await b.node.close();
    await waitFor(() => a.node.peer('b')?.connected === false, 20_000, 'down');
    const { written, acked } = a.node.peer('b')!;
    const b2 = await node('b', { incarnation: 2, listen: { host: '127.0.0.1', port: b.port } });
    a.node.connect('b', { host: '127.0.0.1', port: b2.port });
    await waitFor(() => a.node.peer('b')?.connected === true && a.node.peer('b')!.incarnation === 2, 20_000, 'up with incarnation 2');
    expect(a.node.stats.dropped.unconfirmed).toBe(written - acked);
    expect(a.node.stats.dropped.lostInFlight).toBe(0);
    // The new incarnation starts from zero; closing now counts nothing more.
    expect(a.node.peer('b')).toMatchObject({ written: 0, acked: 0 });
    a.node.channel('b').out.close();
    expect(a.node.stats.dropped.unconfirmed).toBe(written - acked);
  });

  it('a link closed for good with unread frames: they are counted unconfirmed', async () => {
    const { a } = await floodUnread();
    const { written, acked } = a.node.peer('b')!;
    a.node.channel('b').out.close();
    expect(a.node.stats.dropped.unconfirmed).toBe(written - acked);
    expect(a.node.stats.dropped.lostInFlight).toBe(0);
    // The node's close stops the same link: nothing counted twice.
    await a.node.close();
    expect(a.node.stats.dropped.unconfirmed).toBe(written - acked);
  });

  it.each([['the dialer', 'a'], ['the acceptor', 'b']])('interoperates with a peer without acks (%s): no ACK, nothing counted unconfirmed', async (_what, old) => {
    const features = WIRE_FEATURES & ~WireFeature.acks;
    const b = await node('b', old === 'b' ? { features } : {});
    const a = await node('a', old === 'a' ? { features } : {});
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 20_000, 'up');
    send(a.node, 'b', 20);
    send(b.node, 'a', 20);
    let readB = 0;
    let readA = 0;
    await waitFor(() => (readB += drain(b.node, 'a'), readA += drain(a.node, 'b'), readA === 20 && readB === 20), 20_000, 'frames both ways');
    await new Promise((r) => setTimeout(r, 5 * LIMITS.heartbeatMs!));
    expect(a.node.peer('b')).toMatchObject({ written: 20, acked: 0, connected: true });
    expect(b.node.peer('a')).toMatchObject({ written: 20, acked: 0, connected: true });
    a.node.channel('b').out.close();
    b.node.channel('a').out.close();
    expect(a.node.stats.dropped.unconfirmed).toBe(0);
    expect(b.node.stats.dropped.unconfirmed).toBe(0);
    expect(a.node.stats.disconnects.malformed ?? 0).toBe(0);
    expect(b.node.stats.disconnects.malformed ?? 0).toBe(0);
  });
});
