import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defineKind, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';
import {
  ControlClient, ControlError, ControlServer, bootEngine, startTree, validateConfig, type RunningEngine,
} from '@pd/control';

type HoldMsg = { type: 'hold' } | { type: 'release' };
/** Replies to `hold` only when `release` arrives: keeps calls in flight. */
const holder = defineKind<HoldMsg, void>('holder', () => {
  const waiting: { resolve(v: unknown): void }[] = [];
  return {
    receive(msg: HoldMsg, ctx: Context<HoldMsg>) {
      if (msg.type === 'hold') waiting.push(ctx.deferReply()!);
      else for (const w of waiting.splice(0)) w.resolve('released');
    },
  };
});
const echo = defineKind<unknown, void>('echo', () => ({ receive: (msg: unknown) => msg }));
const broken = defineKind<unknown, void>('broken', () => {
  throw new Error('broken on purpose');
});

function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', reject);
  });
}

/** Send raw text on an authenticated socket and return the next message. */
async function rawExchange(url: string, token: string, text: string): Promise<any> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  await new Promise((r) => ws.once('open', r));
  const reply = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
  ws.send(text);
  const out = JSON.parse(await reply);
  ws.close();
  return out;
}

describe('control plane', () => {
  let running: RunningEngine;
  let dir: string;
  let client: ControlClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-control-'));
    const config = validateConfig({
      version: 1, engine: { id: 'unit' }, control: { maxConnections: 3, maxInFlight: 2, maxRequestBytes: 4096 },
      tree: { id: 'app', children: [{ id: 'holder', kind: 'holder', register: 'holder' }, { id: 'echo', kind: 'echo' }] },
    });
    running = await bootEngine(config, { stateDir: dir, kinds: [holder, echo] });
    client = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
  });

  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  it('writes the state file with mode 0600 in a 0700 folder, and binds loopback', async () => {
    const file = join(dir, 'unit.json');
    expect(running.stateFile).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const state = JSON.parse(await readFile(file, 'utf8'));
    expect(state).toMatchObject({ version: 1, id: 'unit', pid: process.pid, host: '127.0.0.1' });
    expect(state.url).toBe(`ws://127.0.0.1:${state.port}/`);
    expect(state.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a wrong token, a missing token and browser origins', async () => {
    const url = running.state!.url;
    const wrong = await ControlClient.connect({ url, token: 'x'.repeat(43) }).catch((e) => e);
    expect(wrong).toBeInstanceOf(ControlError);
    expect(wrong.code).toBe('conn/bad-token');
    expect(await rawRequest(url, {})).toEqual({ status: 401, body: 'a bearer token is required\n' });
    expect((await rawRequest(url, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await rawRequest(url, { authorization: `Bearer ${running.state!.token}`, origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawRequest(url, { authorization: `Bearer ${running.state!.token}` })).status).toBe(101);
  });

  it('answers the status and lists its methods', async () => {
    const status = await client.call('engine.status');
    expect(status).toMatchObject({ id: 'unit', status: 'running', pid: process.pid, mode: 'single', supervised: true });
    expect(status.kinds).toEqual(expect.arrayContaining(['echo', 'holder']));
    const { methods } = await client.call('rpc.methods');
    const names = methods.map((m: { name: string }) => m.name);
    for (const m of ['engine.status', 'engine.stop', 'actor.list', 'actor.info', 'actor.tree', 'actor.stop', 'actor.kill', 'actor.restart', 'actor.spawn',
      'msg.send', 'msg.call', 'registry.list', 'events.subscribe', 'events.unsubscribe', 'supervisor.children', 'metrics.snapshot', 'actor.terminated', 'deadletters.list']) {
      expect(names).toContain(m);
    }
  });

  it('speaks JSON-RPC 2.0: parse errors, invalid requests, unknown methods and params, batches, notifications', async () => {
    const { url, token } = running.state!;
    expect((await rawExchange(url, token, '{nope')).error).toMatchObject({ code: -32700, data: { code: 'rpc/parse' } });
    expect((await rawExchange(url, token, '{"id":1,"method":"engine.status"}')).error.code).toBe(-32600);
    expect((await rawExchange(url, token, '{"jsonrpc":"2.0","id":1,"method":"nope"}')).error).toMatchObject({ code: -32601, data: { hint: 'call rpc.methods for the list' } });
    const bad = await rawExchange(url, token, '{"jsonrpc":"2.0","id":"a","method":"actor.info","params":{"target":"/user/app","x":1}}');
    expect(bad).toMatchObject({ id: 'a', error: { code: -32602 } });
    expect(bad.error.message).toContain('unknown param "x"');
    const batch = await rawExchange(url, token, '[{"jsonrpc":"2.0","id":1,"method":"kind.list"},{"jsonrpc":"2.0","method":"kind.list"}]');
    expect(batch.map((r: { id: number }) => r.id)).toEqual([1]);
    expect(batch[0].result.kinds).toContain('echo');
    const mixed = await rawExchange(url, token, '[{"jsonrpc":"2.0","id":1,"method":"kind.list"},{"jsonrpc":"2.0","id":2,"method":"nope"}]');
    expect(mixed.map((r: { id: number }) => r.id)).toEqual([1, 2]);
    expect(mixed[1].error.code).toBe(-32601);
    const tooMany = await rawExchange(url, token, JSON.stringify([1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'kind.list' }))));
    expect(tooMany.error).toMatchObject({ code: -32000, data: { code: 'rpc/busy' } });
  });

  it('bounds requests in flight per connection', async () => {
    const held = [client.call('msg.call', { target: 'holder', message: { type: 'hold' } }), client.call('msg.call', { target: 'holder', message: { type: 'hold' } })];
    const third = await client.call('engine.status').catch((e) => e);
    expect(third).toBeInstanceOf(ControlError);
    expect(third.code).toBe('rpc/busy');
    const other = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
    expect((await other.call('msg.send', { target: 'holder', message: { type: 'release' } })).result).toBe('queued');
    await other.close();
    expect((await Promise.all(held)).map((r) => r.reply)).toEqual(['released', 'released']);
  });

  it('bounds the request size (the connection is closed) and the number of connections', async () => {
    const big = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
    const closed = new Promise<number>((r) => big.onClose((code) => r(code)));
    const error = await big.call('msg.send', { target: 'echo', message: 'x'.repeat(10_000) }).catch((e) => e);
    expect(error.code).toBe('conn/closed');
    expect(await closed).toBe(1009);
    const extra = [await ControlClient.connect({ url: running.state!.url, token: running.state!.token }), await ControlClient.connect({ url: running.state!.url, token: running.state!.token })];
    const refused = await ControlClient.connect({ url: running.state!.url, token: running.state!.token }).catch((e) => e);
    expect(refused.code).toBe('conn/busy'); // the engine answered: busy, not unreachable (#17)
    expect(refused.message).toContain('too many connections (at most 3)');
    await Promise.all(extra.map((c) => c.close()));
  });

  it('sends and calls with JSON messages, turning {"$addr": target} into an address', async () => {
    expect(await client.call('msg.call', { target: '/user/app/echo', message: { hello: [1, 2] } })).toMatchObject({ reply: { hello: [1, 2] } });
    const reply = await client.call('msg.call', { target: '/user/app/echo', message: { to: { $addr: 'holder' } } });
    expect(reply.reply.to).toMatch(/^<\d+\.0\.\d+\.\d+>$/);
    const byAddr = await client.call('msg.call', { target: reply.reply.to, message: { type: 'release' } });
    expect(byAddr.addr).toBe(reply.reply.to);
    const unknown = await client.call('msg.send', { target: 'nobody', message: 1 }).catch((e) => e);
    expect(unknown).toMatchObject({ code: 'target/unknown' });
    const hint = await client.call('msg.send', { target: 'app', message: 1 }).catch((e) => e);
    expect(hint.hint).toContain('did you mean the path /user/app');
  });

  it('streams events to subscribers, filtered by type, and stops on unsubscribe', async () => {
    const seen: any[] = [];
    const off = client.on('events.event', (p) => seen.push(p));
    const { subscription } = await client.call('events.subscribe', { types: ['spawned', 'exited'] });
    const spawned = await client.call('actor.spawn', { kind: 'echo', name: 'e1' });
    await client.call('actor.kill', { target: spawned.path });
    await expect.poll(() => seen.length).toBe(2);
    expect(seen.map((p) => [p.subscription, p.event.type, p.event.path])).toEqual([[subscription, 'spawned', '/user/e1'], [subscription, 'exited', '/user/e1']]);
    expect(seen[1].event.reason).toEqual({ type: 'killed', text: 'killed' });
    expect(await client.call('events.unsubscribe', { subscription })).toEqual({ unsubscribed: true });
    await client.call('actor.spawn', { kind: 'echo', name: 'e2' });
    await client.call('engine.status');
    expect(seen).toHaveLength(2);
    off();
  });

  it('restarts supervised children through their supervisor, and lists a supervisor\'s children', async () => {
    const before = await client.call('actor.info', { target: '/user/app/echo' });
    const restarted = await client.call('actor.restart', { target: '/user/app/echo' });
    expect(restarted).toMatchObject({ path: '/user/app/echo', restarts: 1, previous: { type: 'shutdown' } });
    expect(restarted.addr).not.toBe(before.addr);
    expect((await client.call('actor.info', { target: '/user/app/echo' })).restarts).toBe(1);
    const { supervised, children } = await client.call('supervisor.children', { target: '/user/app' });
    expect(supervised).toBe(true);
    expect(children.map((c: any) => [c.id, c.type, c.kind, c.status, c.restarts, c.path])).toEqual([
      ['holder', 'worker', 'holder', 'running', 0, '/user/app/holder'], ['echo', 'worker', 'echo', 'running', 1, '/user/app/echo'],
    ]);
    const notSup = await client.call('supervisor.children', { target: '/user/app/echo' }).catch((e) => e);
    expect(notSup.code).toBe('target/not-supervisor');
    const spawned = await client.call('actor.spawn', { kind: 'echo', name: 'loose', args: { a: 1 } });
    const again = await client.call('actor.restart', { target: spawned.path });
    expect(again).toMatchObject({ path: '/user/loose', restarts: 1, previous: { type: 'shutdown' } });
    expect((await client.call('actor.list', { path: '/user/loose' })).actors[0].restarts).toBe(1);
    const plain = await client.call('actor.restart', { target: '/user/app/nope' }).catch((e) => e);
    expect(plain.code).toBe('target/unknown');
  });

  it('lets the supervisor restart a crashed child on its own', async () => {
    const before = await client.call('actor.info', { target: '/user/app/echo' });
    const exited = new Promise<void>((resolve) => client.on('events.event', (p) => p.event.type === 'restarted' && p.event.path === '/user/app/echo' && resolve()));
    await client.call('events.subscribe', { types: ['restarted'] });
    await client.call('actor.kill', { target: '/user/app/echo' });
    await exited;
    const after = await client.call('actor.info', { target: '/user/app/echo' });
    expect(after.addr).not.toBe(before.addr);
    expect(after.restarts).toBe(before.restarts + 1);
  });

  it('refuses to bind a non-loopback host unless allowed', () => {
    const engine = createEngine();
    const host = { engine, tree: null as never, startedAt: 0, details: {}, requestStop() {} };
    expect(() => new ControlServer(host, { token: 't'.repeat(32), host: '0.0.0.0' })).toThrow(/not a loopback address/);
    expect(() => new ControlServer(host, { token: 't'.repeat(32), host: '0.0.0.0', allowRemote: true })).not.toThrow();
    void engine.shutdown();
  });

  it('refuses to start an engine whose id is already running', async () => {
    const other = await mkdtemp(join(tmpdir(), 'pd-control-'));
    await writeFile(join(other, 'dup.json'), JSON.stringify({ version: 1, id: 'dup', pid: process.ppid, url: 'ws://127.0.0.1:1/', host: '127.0.0.1', port: 1, token: 't', startedAt: 0, config: null, log: null }));
    const error = await bootEngine(validateConfig({ version: 1, engine: { id: 'dup' } }), { stateDir: other }).catch((e) => e);
    expect(error).toMatchObject({ code: 'engine/already-running' });
  });

  it('reports a tree that does not start, naming the config entry', async () => {
    const engine = createEngine({ kinds: [broken, echo] });
    const error = await startTree(engine, validateConfig({ version: 1, tree: { children: [{ id: 'ok', kind: 'echo' }, { id: 'b', kind: 'broken' }] } }).tree).catch((e) => e);
    expect(error).toMatchObject({ code: 'spawn/failed' });
    expect(error.message).toContain('tree.children[1] (/user/root/b): it exited (error: Error: broken on purpose)');
    await engine.shutdown();
  });

  it('stops through engine.stop: closes connections and removes the state file', async () => {
    const d = await mkdtemp(join(tmpdir(), 'pd-control-'));
    const r = await bootEngine(validateConfig({ version: 1, engine: { id: 'stopper' } }), { stateDir: d });
    const c = await ControlClient.connect({ url: r.state!.url, token: r.state!.token });
    const closed = new Promise<void>((resolve) => c.onClose(() => resolve()));
    expect(await c.call('engine.stop')).toMatchObject({ stopping: true, id: 'stopper' });
    await r.stopped;
    await closed;
    await expect(stat(join(d, 'stopper.json'))).rejects.toThrow();
  });
});
