// The network transports over real loopback sockets, for each carrier (TCP, TLS, ws):
// handshake, refusals (wrong secret, wrong cluster, old version, a client that never
// finishes, garbage), the frame ceiling and mutual TLS. Timeouts are short but every wait
// has a generous margin; no assertion depends on how fast anything runs.
import { afterEach, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { Codec } from '../codec.js';
import { MessageKind } from '../envelope.js';
import { isTransportError } from '../errors.js';
import { decodeFrame } from '../frame.js';
import type { NetNode } from './node.js';
import { KINDS, SECRET, initTo, startNode, testPems, waitFor, type Kind, type TestNode } from './test/support.js';

const open: NetNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

async function node(kind: Kind, id: string, over: Parameters<typeof startNode>[2] = {}): Promise<TestNode> {
  const n = await startNode(kind, id, over);
  open.push(n.node);
  return n;
}

/** Reads every frame waiting on `from`'s channel at `at`, decoded. */
function drain(at: NetNode, from: string, codec = new Codec()): unknown[] {
  const out: unknown[] = [];
  at.channel(from).in.read(1e9, (source, offset, length) => out.push(decodeFrame(codec, source, offset, length).body));
  return out;
}

/** A raw client on the carrier's socket: for peers that do not speak the protocol. */
function rawClient(kind: Kind, port: number): { send(bytes: Uint8Array): void; closed: Promise<void> } {
  if (kind === 'ws') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/pd-wire`);
    const pending: Uint8Array[] = [];
    ws.on('open', () => pending.splice(0).forEach((b) => ws.send(b)));
    ws.on('error', () => {});
    return {
      send: (b) => (ws.readyState === WebSocket.OPEN ? ws.send(b) : pending.push(b)),
      closed: new Promise((resolve) => ws.on('close', () => resolve())),
    };
  }
  const socket: Socket = kind === 'tls'
    ? tlsConnect({ host: '127.0.0.1', port, ca: testPems().ca })
    : netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.on('data', () => {});
  return { send: (b) => void socket.write(b), closed: new Promise((resolve) => socket.on('close', () => resolve())) };
}

describe.each(KINDS)('%s transport on loopback', (kind) => {
  it('completes the handshake and carries frames both ways, in order', async () => {
    const a = await node(kind, 'a');
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 10_000, 'both ends up');
    expect(a.events).toContainEqual({ type: 'up', peer: 'b', incarnation: 1, restarted: false, role: 'dialer' });
    expect(b.events).toContainEqual({ type: 'up', peer: 'a', incarnation: 1, restarted: false, role: 'acceptor' });
    const out = a.node.channel('b').out;
    for (let i = 0; i < 100; i++) out.stage(initTo(1), { n: i }, false);
    out.stage(initTo(1, MessageKind.exit), { signal: 'exit' }, false);
    out.publish();
    const got: unknown[] = [];
    await waitFor(() => (got.push(...drain(b.node, 'a')), got.length === 101), 10_000, '101 frames');
    // The control lane (system signals) goes first; user frames keep their order.
    expect(got[0]).toEqual({ signal: 'exit' });
    expect(got.slice(1)).toEqual(Array.from({ length: 100 }, (_, i) => ({ n: i })));
    const back = b.node.channel('a').out;
    back.stage(initTo(1), 'pong', false);
    back.publish();
    const reply: unknown[] = [];
    await waitFor(() => (reply.push(...drain(a.node, 'b')), reply.length === 1), 10_000, 'reply');
    expect(reply).toEqual(['pong']);
    expect(a.node.stats.handshakes.ok).toBe(1);
  });

  it('disconnect drops the connection and the address: no redial until connect names one again', async () => {
    const a = await node(kind, 'a');
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up');
    a.node.disconnect('b', 'declared dead by the membership');
    await waitFor(() => a.node.peer('b')?.connected === false && b.node.peer('a')?.connected === false, 10_000, 'both ends down');
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'down', peer: 'b', reason: 'connectionLost', byPeer: false }));
    // Well past the reconnect backoff: nothing dialed b again.
    await new Promise((r) => setTimeout(r, 300));
    expect(a.node.peer('b')?.connected).toBe(false);
    expect(a.node.stats.handshakes.ok).toBe(1);
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up again');
    a.node.disconnect('nobody', 'unknown peers are ignored');
  });

  it('refuses a peer with the wrong secret, saying only "auth", and counts it', async () => {
    const a = await node(kind, 'a', { secret: new TextEncoder().encode('not-the-cluster-secret-at-all!!') });
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => (b.node.stats.handshakes.refused.auth ?? 0) >= 1 && (a.node.stats.handshakes.refusedByPeer.auth ?? 0) >= 1, 10_000, 'auth refusal');
    expect(b.node.peer('a')).toBeNull();
    const refusal = a.events.find((e) => e.type === 'refused');
    expect(refusal).toMatchObject({ type: 'refused', reason: 'auth', byPeer: true, text: 'authentication failed' });
    expect(JSON.stringify([a.events, b.events])).not.toContain('secret-0123');
  });

  it('refuses a peer of another cluster', async () => {
    const a = await node(kind, 'a', { cluster: 'elsewhere' });
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => (b.node.stats.handshakes.refused.cluster ?? 0) >= 1 && (a.node.stats.handshakes.refusedByPeer.cluster ?? 0) >= 1, 10_000, 'cluster refusal');
    expect(a.events.find((e) => e.type === 'refused')).toMatchObject({ reason: 'cluster', text: expect.stringContaining("cluster 'elsewhere'") });
  });

  it('refuses a peer that only speaks an old protocol version', async () => {
    const a = await node(kind, 'a', { versions: [0, 0] });
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => (b.node.stats.handshakes.refused.version ?? 0) >= 1, 10_000, 'version refusal');
    expect(b.events.find((e) => e.type === 'refused')).toMatchObject({ reason: 'version', text: expect.stringContaining('0..0') });
    expect(b.node.peer('a')).toBeNull();
  });

  it('closes a client that never finishes its handshake', async () => {
    const b = await node(kind, 'b');
    const client = rawClient(kind, b.port);
    client.send(new Uint8Array([0x40, 0, 0, 0, 0x10, 0x50])); // the start of a HELLO, never the rest
    await client.closed;
    expect(b.node.stats.handshakes.refused.handshakeTimeout).toBe(1);
    expect(b.node.handshakesInFlight).toBe(0);
  });

  it('refuses a peer that sends garbage, and keeps serving others', async () => {
    const b = await node(kind, 'b');
    const client = rawClient(kind, b.port);
    client.send(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4)));
    await client.closed;
    expect(b.node.stats.handshakes.refused.malformed).toBe(1);
    const a = await node(kind, 'a');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => b.node.peer('a')?.connected === true, 10_000, 'a good peer after garbage');
  });

  it('refuses a frame above the ceiling at send, with a clear error, and goes on', async () => {
    const a = await node(kind, 'a', { limits: { maxFrameBytes: 64 * 1024 } });
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    const out = a.node.channel('b').out;
    let error: unknown;
    try {
      out.stage(initTo(1), new Uint8Array(64 * 1024), false);
    } catch (e) {
      error = e;
    }
    expect(isTransportError(error, 'net/frame-too-large')).toBe(true);
    expect(String((error as Error).message)).toContain('above the frame ceiling of 65536 bytes');
    out.stage(initTo(1), 'small', false);
    out.publish();
    const got: unknown[] = [];
    await waitFor(() => (got.push(...drain(b.node, 'a')), got.length === 1), 10_000, 'the small frame');
    expect(got).toEqual(['small']);
  });

  it('closes a connection that carries a record above its own ceiling (the peer allowed more)', async () => {
    const a = await node(kind, 'a', { limits: { maxFrameBytes: 2 * 1024 * 1024, maxWriteBytes: 4 * 1024 * 1024 } });
    const b = await node(kind, 'b', { limits: { maxFrameBytes: 1024 * 1024 } });
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up');
    const out = a.node.channel('b').out;
    out.stage(initTo(1), new Uint8Array(1536 * 1024), false);
    out.publish();
    await waitFor(() => (b.node.stats.disconnects.frameTooLarge ?? 0) >= 1, 10_000, 'frameTooLarge close');
    // It reconnects by itself, the lost frame is counted, and small frames flow again.
    await waitFor(() => a.events.some((e) => e.type === 'down' && e.reason === 'frameTooLarge' && e.byPeer), 10_000, 'a sees the goodbye');
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'reconnected');
    expect(a.node.stats.dropped.lostInFlight).toBe(1);
    out.stage(initTo(1), 'after', false);
    out.publish();
    const got: unknown[] = [];
    await waitFor(() => (got.push(...drain(b.node, 'a')), got.includes('after')), 10_000, 'frame after reconnect');
  });
});

describe('mutual TLS', () => {
  it('authenticates peers by certificate alone, and refuses a certificate of another CA', async () => {
    const b = await node('tls', 'b', { secret: null, mutual: true });
    const a = await node('tls', 'a', { secret: null, mutual: true });
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => b.node.peer('a')?.connected === true, 10_000, 'mTLS up');
    const rogue = await node('tls', 'r', { secret: null, mutual: true, rogue: true });
    rogue.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => (b.node.stats.handshakes.refused.auth ?? 0) >= 1, 10_000, 'rogue refused');
    expect(b.node.peer('r')).toBeNull();
  });
});

describe('simultaneous connects', () => {
  it.each(KINDS)('%s: both dial at once and end with one connection each way, deterministically', async (kind) => {
    const a = await node(kind, 'a');
    const b = await node(kind, 'b');
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    b.node.connect('a', { host: '127.0.0.1', port: a.port });
    await waitFor(() => a.node.peer('b')?.connected === true && b.node.peer('a')?.connected === true, 10_000, 'both up');
    await new Promise((r) => setTimeout(r, 300));
    const ups = [...a.events, ...b.events].filter((e) => e.type === 'up');
    // Whatever raced, the surviving connection is the one 'a' (the lower id) dialed.
    expect(ups.at(-1)).toMatchObject(ups.at(-1)!.peer === 'a' ? { role: 'acceptor' } : { role: 'dialer' });
    const out = a.node.channel('b').out;
    out.stage(initTo(1), 'once', false);
    out.publish();
    const got: unknown[] = [];
    await waitFor(() => (got.push(...drain(b.node, 'a')), got.length >= 1), 10_000, 'frame');
    await new Promise((r) => setTimeout(r, 100));
    got.push(...drain(b.node, 'a'));
    expect(got).toEqual(['once']);
  });
});

void SECRET;
