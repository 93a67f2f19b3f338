/**
 * Connections without a token cost little (issue #17, item 3): a socket that never finishes
 * an authenticated handshake is closed at the deadline, such sockets have their own cap,
 * and a client that the engine turns away is told "engine busy", not "no engine".
 * Real sockets; deadlines are set short through options and waited for generously.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '@pd/runtime';
import { ControlClient, ControlError, ControlServer, startTree, validateConfig } from '@pd/control';

const TOKEN = 'a-token-of-at-least-16-chars';
const opened: Socket[] = [];

function idleSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.resume(); // Read (and drop) whatever the server says, so its close is seen.
    socket.on('error', reject);
    opened.push(socket);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

async function refusal(promise: Promise<unknown>): Promise<ControlError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ControlError);
  return error as ControlError;
}

describe('control plane handshakes', () => {
  const engine = createEngine({ id: 'handshake' });
  const servers: ControlServer[] = [];

  async function serve(options: { handshakeTimeoutMs?: number; maxPendingConnections?: number; maxConnections?: number }) {
    const tree = await startTree(engine, validateConfig({ version: 1 }).tree);
    const server = new ControlServer({ engine, tree, startedAt: 0, details: {}, requestStop: () => {} } as never, { token: TOKEN, ...options });
    servers.push(server);
    return { server, ...(await server.listen()) };
  }

  afterEach(() => {
    for (const socket of opened.splice(0)) socket.destroy();
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await engine.shutdown();
  });

  it('closes a connection that never sends a handshake at the deadline', async () => {
    const { server, port } = await serve({ handshakeTimeoutMs: 200 });
    const socket = await idleSocket(port);
    await until('the server counts it', () => server.pendingConnections === 1);
    // Node's own header timeout would hold it for a minute or more; the test allows 15 s.
    await closed(socket);
    await until('no longer counted', () => server.pendingConnections === 0);
  }, 15_000);

  it('caps connections in their handshake apart from authenticated ones, and says "engine busy"', async () => {
    const { server, port, url } = await serve({ handshakeTimeoutMs: 60_000, maxPendingConnections: 4, maxConnections: 4 });
    const authed = await ControlClient.connect({ url, token: TOKEN });
    for (let i = 0; i < 4; i++) await idleSocket(port);
    await until('four pending', () => server.pendingConnections === 4);
    // More idle sockets are answered and closed at once: they hold nothing.
    const extra = await Promise.all([idleSocket(port), idleSocket(port), idleSocket(port)]);
    await Promise.all(extra.map(closed));
    expect(server.pendingConnections).toBe(4);
    const error = await refusal(ControlClient.connect({ url, token: TOKEN }));
    expect(error.code).toBe('conn/busy');
    expect(error.message).toContain('engine busy');
    // An authenticated connection is not affected.
    expect((await authed.call('engine.status')).id).toBe('handshake');
    await authed.close();
    for (const socket of opened.splice(0)) socket.destroy();
    await until('the idle ones are gone', () => server.pendingConnections === 0);
    const again = await ControlClient.connect({ url, token: TOKEN });
    expect((await again.call('engine.status')).id).toBe('handshake');
    await again.close();
  }, 20_000);

  it('says "engine busy" when every authenticated slot is taken', async () => {
    const { url } = await serve({ maxConnections: 1 });
    const first = await ControlClient.connect({ url, token: TOKEN });
    const error = await refusal(ControlClient.connect({ url, token: TOKEN }));
    expect(error.code).toBe('conn/busy');
    expect(error.message).toContain('too many connections (at most 1)');
    await first.close();
  });
});
