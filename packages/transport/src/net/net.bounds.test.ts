// Bounds and configuration of the network transports: full queues (drop counted, or an
// error at send), the cap on handshakes in flight, heartbeats keeping an idle connection
// up, limits checked by name, and secrets loaded from env or files (mode 0600) and never
// shown.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Codec } from '../codec.js';
import { MessageKind } from '../envelope.js';
import { isTransportError } from '../errors.js';
import { createNetNode, loadSecret } from './config.js';
import { hostNetClock } from './host-reactor.js';
import { resolveLimits } from './limits.js';
import { NetNode } from './node.js';
import { tcpCarrier } from './tcp.js';
import { SECRET, initTo, startNode, waitFor } from './test/support.js';

const open: NetNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

function offline(policy: 'drop' | 'error'): NetNode {
  const node = new NetNode({
    clock: hostNetClock(), codec: new Codec(), carrier: tcpCarrier(), nodeId: 'a', cluster: 'test', incarnation: 1, secret: SECRET,
    limits: { maxFrameBytes: 4096, maxQueueBytes: 64 * 1024, maxControlQueueBytes: 16 * 1024, queueFullPolicy: policy },
  });
  open.push(node);
  return node;
}

describe('bounded outbound queues', () => {
  it("policy 'drop': frames beyond the bound are dropped and counted; the sender never blocks", () => {
    const node = offline('drop');
    const out = node.channel('b').out;
    const body = new Uint8Array(1000);
    for (let i = 0; i < 200; i++) out.stage(initTo(1), body, false);
    const queued = node.peer('b')!.queuedFrames;
    expect(queued).toBeGreaterThan(50);
    expect(queued + node.stats.dropped.queueFull).toBe(200);
    expect(node.peer('b')!.queuedBytes).toBeLessThanOrEqual(64 * 1024);
    // The control lane is separate: a system signal still fits while user frames are dropped.
    out.stage(initTo(1, MessageKind.exit), 'exit', false);
    expect(node.peer('b')!.queuedFrames).toBe(queued + 1);
  });

  it("policy 'error': a frame that does not fit throws net/queue-full naming the peer", () => {
    const node = offline('error');
    const out = node.channel('b').out;
    let error: unknown;
    try {
      for (let i = 0; i < 200; i++) out.stage(initTo(1), new Uint8Array(1000), false);
    } catch (e) {
      error = e;
    }
    expect(isTransportError(error, 'net/queue-full')).toBe(true);
    expect((error as Error).message).toContain("peer 'b'");
    expect(node.stats.dropped.queueFull).toBe(0);
  });
});

describe('handshakes in flight', () => {
  it('refuses connections beyond the cap with busy, and counts them', async () => {
    const b = await startNode('tcp', 'b', { limits: { maxHandshakes: 2, handshakeTimeoutMs: 5000 } });
    open.push(b.node);
    const sockets = [0, 1, 2].map(() => connect({ host: '127.0.0.1', port: b.port }).on('error', () => {}));
    await waitFor(() => (b.node.stats.handshakes.refused.busy ?? 0) === 1, 10_000, 'busy refusal');
    expect(b.node.handshakesInFlight).toBe(2);
    for (const s of sockets) s.destroy();
  });
});

describe('heartbeats', () => {
  it('keep an idle connection up past the idle timeout', async () => {
    const b = await startNode('tcp', 'b', { limits: { heartbeatMs: 50, idleTimeoutMs: 400 } });
    const a = await startNode('tcp', 'a', { limits: { heartbeatMs: 50, idleTimeoutMs: 400 } });
    open.push(a.node, b.node);
    a.node.connect('b', { host: '127.0.0.1', port: b.port });
    await waitFor(() => a.node.peer('b')?.connected === true, 10_000, 'up');
    // Wait for several idle timeouts' worth of heartbeats (counted, not timed).
    await waitFor(() => a.node.stats.heartbeats >= 20 && b.node.stats.heartbeats >= 20, 20_000, 'heartbeats both ways');
    expect(a.node.stats.disconnects).toEqual({});
    expect(a.node.peer('b')?.connected).toBe(true);
  });
});

describe('configuration', () => {
  it('checks limits by name', () => {
    expect(() => resolveLimits({ maxFrameBytes: -1 })).toThrow(/limits\.maxFrameBytes must be a positive number/);
    expect(() => resolveLimits({ heartbeatMs: 5000, idleTimeoutMs: 1000 })).toThrow(/heartbeatMs \(5000\) must be below limits\.idleTimeoutMs/);
    expect(() => resolveLimits({ queueFullPolicy: 'block' as never })).toThrow(/queueFullPolicy must be 'drop' or 'error'/);
  });

  it('needs authentication: a secret, or mutual TLS', () => {
    expect(() => new NetNode({ clock: hostNetClock(), codec: new Codec(), carrier: tcpCarrier(), nodeId: 'a', cluster: 'c', incarnation: 1, secret: null }))
      .toThrow(/secret is required unless mutual TLS/);
    expect(() => new NetNode({ clock: hostNetClock(), codec: new Codec(), carrier: tcpCarrier(), nodeId: 'a', cluster: 'c', incarnation: 1, secret: new Uint8Array(4) }))
      .toThrow(/secret must be at least 16 bytes/);
  });

  it('loads the secret from env or a 0600 file, refuses a group-readable file, and never shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-net-secret-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, 'file-secret-0123456789abcdef\n');
      chmodSync(file, 0o644);
      await expect(loadSecret({ file }, 'secret')).rejects.toThrow(/readable by group or others \(mode 644\); run chmod 600/);
      chmodSync(file, 0o600);
      expect((await loadSecret({ file }, 'secret')).toString()).toBe('file-secret-0123456789abcdef');
      await expect(loadSecret({ env: 'PD_TEST_NOPE' }, 'secret', {})).rejects.toThrow(/environment variable PD_TEST_NOPE is not set/);
      await expect(loadSecret('short', 'secret')).rejects.toThrow(/shorter than 16 bytes/);
      // Not a regular file (a named pipe would never end a read), or far too large for a secret.
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      await expect(loadSecret({ file: fifo }, 'secret')).rejects.toThrow(/fifo is not a regular file/);
      const huge = join(dir, 'huge');
      writeFileSync(huge, Buffer.alloc(65 * 1024, 0x61), { mode: 0o600 });
      await expect(loadSecret({ file: huge }, 'acceptSecrets[0]')).rejects.toMatchObject({ details: { field: 'acceptSecrets[0]' }, message: expect.stringMatching(/huge is larger than 64 KiB/) });
      const node = await createNetNode({ transport: 'tcp', nodeId: 'a', cluster: 'c', incarnation: 1 },
        { clock: hostNetClock(), codec: new Codec(), env: { PD_CLUSTER_SECRET: 'env-secret-0123456789abcdef' } });
      open.push(node);
      expect(node.carrierKind).toBe('tcp');
      expect(inspect(node, { depth: 10 })).not.toContain('env-secret');
      expect(JSON.stringify(node.stats)).not.toContain('env-secret');
      await expect(createNetNode({ transport: 'tcp', nodeId: 'a', cluster: 'c', incarnation: 1 }, { clock: hostNetClock(), codec: new Codec(), env: {} }))
        .rejects.toThrow(/PD_CLUSTER_SECRET is not set/);
      await expect(createNetNode({ transport: 'tls', nodeId: 'a', cluster: 'c', incarnation: 1, secret: 'x'.repeat(16) }, { clock: hostNetClock(), codec: new Codec() }))
        .rejects.toThrow(/transport 'tls' needs tls.cert and tls.key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
