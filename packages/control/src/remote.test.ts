/**
 * The read-only methods another node may run here (remote.ts), through a stand-in
 * federation that hands the service's handler to the test: a method that steers (stop,
 * kill, spawn, send) is refused whatever the peer sends, a query of the wrong shape is a
 * control error and never a crash, and a forwarded call's errors come back as raised
 * there — unless their code is one this side does not know.
 */
import { describe, expect, it } from 'vitest';
import type { Federation, NodeService } from '@pd/federation';
import { createEngine } from '@pd/runtime';
import { ControlError } from './errors.js';
import type { ControlHost } from './methods/types.js';
import { CONTROL_SERVICE, forwardToNode, serveRemoteMethods } from './remote.js';
import { BUILTIN_METHODS } from './server.js';

function standIn(answer?: (service: string, query: unknown) => unknown): { federation: Federation; served: Map<string, NodeService> } {
  const served = new Map<string, NodeService>();
  const federation = {
    nodeId: 'b',
    serve: (service: string, handler: NodeService) => {
      served.set(service, handler);
      return () => served.delete(service);
    },
    query: async (_node: string, service: string, query: unknown) => answer!(service, query),
  } as unknown as Federation;
  return { federation, served };
}

function host(federation?: Federation): ControlHost {
  const engine = createEngine({ id: 'remote-test' });
  return { engine, tree: {} as never, startedAt: 0, details: {}, requestStop: () => {}, ...(federation === undefined ? {} : { federation }) };
}

describe('remote control methods', () => {
  it('serves the read-only methods and refuses the others, whatever the query', async () => {
    const { federation, served } = standIn();
    const stop = serveRemoteMethods(federation, host(federation), BUILTIN_METHODS);
    const handler = served.get(CONTROL_SERVICE)!;
    expect(await handler({ method: 'actor.list', params: {} }, 'a')).toMatchObject({ ok: { actors: expect.any(Array) } });
    for (const query of [{ method: 'actor.stop', params: { target: '/user/x' } }, { method: 'msg.send' }, { method: 'rpc.methods' }, null, 'actor.list', { method: 42 }]) {
      expect(await handler(query, 'a')).toMatchObject({ error: { code: 'rpc/unknown-method', message: expect.stringMatching(/^node b runs no method/) } });
    }
    expect(await handler({ method: 'actor.info', params: { target: 'nobody' } }, 'a')).toMatchObject({ error: { code: 'target/unknown' } });
    expect(await handler({ method: 'actor.list', params: { bogus: 1 } }, 'a')).toMatchObject({ error: { code: 'rpc/invalid-params' } });
    stop();
    expect(served.size).toBe(0);
  });

  it('forwards, and turns what comes back into control errors naming the node', async () => {
    const h = host(standIn((_s, q) => ((q as { method: string }).method === 'actor.tree' ? { ok: { roots: [] } } : { error: { code: 'target/unknown', message: 'gone', hint: 'h' } })).federation);
    expect(await forwardToNode(h, BUILTIN_METHODS, 'actor.tree', { node: 'a' }, 'a')).toEqual({ roots: [] });
    await expect(forwardToNode(h, BUILTIN_METHODS, 'actor.info', { node: 'a', target: 'x' }, 'a')).rejects.toMatchObject({ code: 'target/unknown', message: 'node a: gone', hint: 'h' });
    const liar = host(standIn(() => ({ error: { code: 'made/up', message: 'x' } })).federation);
    await expect(forwardToNode(liar, BUILTIN_METHODS, 'actor.list', { node: 'a' }, 'a')).rejects.toMatchObject({ code: 'cluster/failed' });
    const odd = host(standIn(() => 7).federation);
    await expect(forwardToNode(odd, BUILTIN_METHODS, 'actor.list', { node: 'a' }, 'a')).rejects.toMatchObject({ code: 'cluster/failed' });
    await expect(forwardToNode(host(), BUILTIN_METHODS, 'actor.list', { node: 'a' }, 'a')).rejects.toBeInstanceOf(ControlError);
    await expect(forwardToNode(h, BUILTIN_METHODS, 'actor.list', { node: '' }, '')).rejects.toMatchObject({ code: 'rpc/invalid-params' });
  });
});
