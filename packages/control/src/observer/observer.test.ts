// The observer's HTTP face: the page is served without secrets; the RPC endpoint needs the
// token as a bearer header, refuses a foreign Host (DNS rebinding) and a foreign Origin,
// and runs the same methods as the WebSocket control plane. Off unless enabled.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@pd/runtime';
import { ControlServer, newToken, observerUrl, startTree } from '@pd/control';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function serve(engine: Engine, observer: boolean): Promise<{ server: ControlServer; port: number; url: string; token: string }> {
  const tree = await startTree(engine, { id: `root${observer ? 1 : 0}`, children: [] });
  const token = newToken();
  const server = new ControlServer({ engine, tree, startedAt: Date.now(), details: {}, requestStop: () => {} }, { token, observer });
  const bound = await server.listen();
  return { server, port: bound.port, url: bound.url, token };
}

describe('web observer endpoint', () => {
  let engine: Engine;
  let on: Awaited<ReturnType<typeof serve>>;
  let off: Awaited<ReturnType<typeof serve>>;
  const rpcBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'engine.status' });

  beforeAll(async () => {
    engine = createEngine({ id: 'obs' });
    on = await serve(engine, true);
    off = await serve(engine, false);
  });
  afterAll(async () => {
    await on.server.close();
    await off.server.close();
    await engine.shutdown();
  });

  it('serves the page, script and style with a strict content security policy, and no token in them', async () => {
    const page = await http(on.port, 'GET', '/observer/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<script src="app.js"></script>');
    const script = await http(on.port, 'GET', '/observer/app.js');
    expect(script.status).toBe(200);
    expect(script.body).toContain("fetch('rpc'");
    for (const r of [page, script, await http(on.port, 'GET', '/observer/style.css')]) expect(r.body).not.toContain(on.token);
    expect((await http(on.port, 'GET', '/observer')).headers.location).toBe('/observer/');
    expect(observerUrl(on.url, on.token)).toBe(`http://127.0.0.1:${on.port}/observer/#token=${on.token}`);
  });

  it('runs control-plane methods for a bearer of the token, one or a batch', async () => {
    const one = await http(on.port, 'POST', '/observer/rpc', { authorization: `Bearer ${on.token}`, 'content-type': 'application/json' }, rpcBody);
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { id: 'obs', status: 'running' } });
    const batch = JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'actor.tree' }, { jsonrpc: '2.0', id: 2, method: 'no.such' }]);
    const two = JSON.parse((await http(on.port, 'POST', '/observer/rpc', { authorization: `Bearer ${on.token}`, 'content-type': 'application/json', origin: `http://127.0.0.1:${on.port}` }, batch)).body);
    expect(two.map((r: any) => r.id)).toEqual([1, 2]);
    expect(two[1].error.message).toContain('no method "no.such"');
  });

  it('refuses a missing or wrong token, a foreign Origin, a foreign Host, a non-JSON body', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await http(on.port, 'POST', '/observer/rpc', json, rpcBody)).status).toBe(401);
    expect((await http(on.port, 'POST', '/observer/rpc', { ...json, authorization: 'Bearer nope-nope-nope-nope' }, rpcBody)).status).toBe(401);
    const good = { ...json, authorization: `Bearer ${on.token}` };
    expect((await http(on.port, 'POST', '/observer/rpc', { ...good, origin: 'http://evil.example' }, rpcBody)).status).toBe(403);
    expect((await http(on.port, 'POST', '/observer/rpc', { ...good, host: `evil.example:${on.port}` }, rpcBody)).status).toBe(421);
    expect((await http(on.port, 'GET', '/observer/', { host: `rebound.example:${on.port}` })).status).toBe(421);
    expect((await http(on.port, 'POST', '/observer/rpc', { authorization: `Bearer ${on.token}`, 'content-type': 'text/plain' }, rpcBody)).status).toBe(415);
    expect((await http(on.port, 'PUT', '/observer/rpc', good, rpcBody)).status).toBe(405);
  });

  it('refuses a body over maxRequestBytes', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'engine.status', params: { pad: 'x'.repeat(1_100_000) } });
    const r = await http(on.port, 'POST', '/observer/rpc', { authorization: `Bearer ${on.token}`, 'content-type': 'application/json' }, big).catch(() => ({ status: 413 }));
    expect(r.status).toBe(413);
  });

  it('is not served unless enabled', async () => {
    expect((await http(off.port, 'GET', '/observer/')).status).toBe(426);
    expect((await http(off.port, 'POST', '/observer/rpc', { authorization: `Bearer ${off.token}`, 'content-type': 'application/json' }, rpcBody)).status).toBe(426);
  });
});
