// Per-peer traffic counts (NetNode.peer) over real loopback sockets: bytes written on one
// side are bytes read on the other, frames are counted per peer, heartbeats each way, and
// the last-heard and connected-at times are the node clock's. The clock's now() is set by
// the test, so times are checked exactly and nothing depends on how fast anything runs.
import { afterEach, describe, expect, it } from 'vitest';
import { Codec } from '../codec.js';
import { ENVELOPE_FIXED_BYTES } from '../envelope.js';
import { decodeFrame } from '../frame.js';
import type { NetClock } from './clock.js';
import { hostNetClock } from './host-reactor.js';
import type { NetNode } from './node.js';
import { KINDS, initTo, startNode, waitFor, type Kind, type TestNode } from './test/support.js';

const open: NetNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

/** The time every test node's clock reads: real timers, a `now()` the test moves. */
let now = 0;
function testClock(): NetClock {
  return { ...hostNetClock(), now: () => now };
}

async function node(kind: Kind, id: string, over: Parameters<typeof startNode>[2] = {}): Promise<TestNode> {
  const n = await startNode(kind, id, { clock: testClock(), ...over });
  open.push(n.node);
  return n;
}

function drain(at: NetNode, from: string): unknown[] {
  const codec = new Codec();
  const out: unknown[] = [];
  at.channel(from).in.read(1e9, (source, offset, length) => out.push(decodeFrame(codec, source, offset, length).body));
  return out;
}

/** No heartbeat within a test: what crosses is only the handshake and the frames sent. */
const QUIET = { heartbeatMs: 60_000, idleTimeoutMs: 180_000 };

describe.each(KINDS)('%s: per-peer traffic counts', (kind) => {
  it('bytes written on one side equal bytes read on the other, and frames are counted per peer', async () => {
    now = 1_000;
    const a = await node(kind, 'a', { limits: QUIET });
    const b = await node(kind, 'b', { limits: QUIET });
    expect(a.node.peer('b')).toBeNull();
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 10_000, 'both ends up');
    expect(a.node.peer('b')).toMatchObject({ connectedAt: 1_000, framesOut: 0, framesIn: 0, heartbeatsOut: 0, heartbeatsIn: 0 });
    now = 2_000;
    const out = a.node.channel('b').out;
    for (let i = 0; i < 100; i++) out.stage(initTo(1), { n: i }, false);
    out.publish();
    const got: unknown[] = [];
    await waitFor(() => (got.push(...drain(b.node, 'a')), got.length === 100), 10_000, '100 frames on b');
    now = 3_000;
    const back = b.node.channel('a').out;
    back.stage(initTo(1), 'pong', false);
    back.publish();
    await waitFor(() => drain(a.node, 'b').length === 1, 10_000, 'the reply on a');
    // Each side has read everything the other wrote (nothing else is sent: no heartbeats).
    const ab = a.node.peer('b')!;
    const ba = b.node.peer('a')!;
    expect(ab).toMatchObject({ framesOut: 100, framesIn: 1, written: 100, received: 1, lastHeardAt: 3_000, connectedAt: 1_000 });
    expect(ba).toMatchObject({ framesOut: 1, framesIn: 100, written: 1, received: 100, lastHeardAt: 2_000, connectedAt: 1_000 });
    expect(ab.bytesOut).toBe(ba.bytesIn);
    expect(ab.bytesIn).toBe(ba.bytesOut);
    expect(ab.bytesOut).toBeGreaterThan(100 * ENVELOPE_FIXED_BYTES);
    // The node-wide count has only what was flushed after the handshake; the peer's has the handshake too.
    expect(ab.bytesOut).toBeGreaterThan(a.node.stats.bytesWritten);
    expect([ab.heartbeatsOut, ab.heartbeatsIn, ba.heartbeatsOut, ba.heartbeatsIn]).toEqual([0, 0, 0, 0]);
  });
});

describe('per-peer liveness', () => {
  it('heartbeats are counted each way and move the last-heard time; counts outlive a reconnect', async () => {
    now = 10_000;
    // Heartbeats often; an idle timeout far off, so a loaded machine does not reconnect midway.
    const limits = { heartbeatMs: 100, idleTimeoutMs: 60_000 };
    const a = await node('tcp', 'a', { limits });
    const b = await node('tcp', 'b', { limits });
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 10_000, 'both ends up');
    // Nothing to say: each side sends heartbeats, and hearing one moves the last-heard time.
    now = 20_000;
    const heardBy = (at: TestNode, from: string): number => at.node.peer(from)!.heartbeatsIn;
    const start = heardBy(b, 'a');
    await waitFor(() => heardBy(b, 'a') > start && b.node.peer('a')!.lastHeardAt === 20_000, 10_000, 'a heartbeat heard by b at 20 s');
    now = 30_000;
    const next = heardBy(a, 'b');
    await waitFor(() => heardBy(a, 'b') > next && a.node.peer('b')!.lastHeardAt === 30_000, 10_000, 'a heartbeat heard by a at 30 s');
    expect(a.node.peer('b')!.heartbeatsOut).toBeGreaterThan(0);
    expect(b.node.peer('a')!.heartbeatsOut).toBeGreaterThan(0);
    expect(a.node.peer('b')!.connectedAt).toBe(10_000);
    // Down: no connected-at, the counts stay; up again: they go on from there.
    const before = a.node.peer('b')!;
    a.node.disconnect('b', 'test');
    await waitFor(() => a.node.peer('b')?.connected === false, 10_000, 'down');
    expect(a.node.peer('b')).toMatchObject({ connectedAt: null, lastHeardAt: 30_000 });
    expect(a.node.peer('b')!.bytesOut).toBeGreaterThanOrEqual(before.bytesOut);
    now = 40_000;
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up again');
    const after = a.node.peer('b')!;
    expect(after.connectedAt).toBe(40_000);
    expect(after.lastHeardAt).toBe(40_000);
    expect(after.bytesIn).toBeGreaterThan(before.bytesIn);
    expect(after.bytesOut).toBeGreaterThan(before.bytesOut);
    expect(after.heartbeatsIn).toBeGreaterThanOrEqual(before.heartbeatsIn);
  });
});
