/**
 * The control plane over a multi-core engine booted from a config: the methods see every
 * core as one engine. A supervisor on core 0 with a child on core 1, and a top-level actor
 * on core 1 with a child on core 0: each actor is listed once, at its place in one tree,
 * with its core; targets on either core resolve; counters are summed. Nothing here waits
 * for time, only for what the engine reports.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, bootEngine, parseConfig, type RunningEngine } from '@pd/control';

// Plain { name, create } kinds: every core imports this file through pd's entry module.
const KINDS = `
export const kinds = [
  { name: 'counter', create: () => ({ n: 0, receive(m) { if (m === 'get') return this.n; this.n++; } }) },
  { name: 'leaf', create: () => ({ receive: () => 'leaf' }) },
  { name: 'parent', create: () => ({ started(ctx) { ctx.spawn('leaf', { name: 'leaf', placement: { core: 0 } }); }, receive() {} }) },
];
`;

type Node = { path: string; core: number; kind: string; children: Node[] };
const shape = (nodes: Node[]): unknown[] => nodes.map((n) => [n.path, n.core, ...(n.children.length > 0 ? [shape(n.children)] : [])]);

describe('control plane over a multi-core engine', () => {
  let running: RunningEngine;
  let client: ControlClient;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-multi-'));
    await writeFile(join(dir, 'kinds.mjs'), KINDS);
    const config = parseConfig(JSON.stringify({
      version: 1,
      engine: { id: 'multi-unit', mode: 'multi', cores: 2, placement: { kinds: { counter: { core: 1 }, parent: { core: 1 } } } },
      modules: ['./kinds.mjs'],
      tree: { id: 'app', children: [{ id: 'counter', kind: 'counter', register: 'count' }] },
    }), join(dir, 'pd.json'));
    running = await bootEngine(config, { stateDir: join(dir, 'state') });
    client = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  it('one tree across the cores, each actor once, with its core', { timeout: 60_000 }, async () => {
    const spawned = await client.call<any>('actor.spawn', { kind: 'parent', name: 'p' });
    expect(spawned).toMatchObject({ path: '/user/p', core: 1, status: 'running' });
    // The leaf is spawned by /user/p once it has started on core 1: wait until core 0 has it
    // (the bound is only for a leaf that never comes).
    let tree: { roots: Node[] } = { roots: [] };
    for (const until = Date.now() + 30_000; Date.now() < until && !JSON.stringify(tree).includes('/user/p/leaf"');) {
      tree = await client.call('actor.tree');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(shape(tree.roots)).toEqual([['/user/app', 0, [['/user/app/counter', 1]]], ['/user/p', 1, [['/user/p/leaf', 0]]]]);
    expect((await client.call<any>('actor.tree', { path: '/user/p' })).roots.map((n: Node) => n.kind)).toEqual(['parent']);

    const list = await client.call<any>('actor.list');
    expect(list.actors.map((a: any) => [a.path, a.kind, a.core, a.parent])).toEqual([
      ['/user/app', 'supervisor', 0, null],
      ['/user/app/counter', 'counter', 1, '/user/app'],
      ['/user/p', 'parent', 1, null],
      ['/user/p/leaf', 'leaf', 0, '/user/p'],
    ]);
    expect((await client.call<any>('actor.list', { path: '/user/p' })).total).toBe(2);
    expect((await client.call<any>('actor.list', { kind: 'counter' })).actors.map((a: any) => a.core)).toEqual([1]);
  });

  it('targets on either core: path, registered name, address; messages reach them', async () => {
    const counter = await client.call<any>('actor.info', { target: '/user/app/counter' });
    expect(counter).toMatchObject({ kind: 'counter', core: 1, parent: '/user/app' });
    expect((await client.call<any>('actor.info', { target: 'count' })).addr).toBe(counter.addr);
    expect(await client.call<any>('actor.info', { target: '/user/p/leaf' })).toMatchObject({ core: 0, parent: '/user/p' });
    expect(await client.call<any>('actor.info', { target: '/user/app' })).toMatchObject({ core: 0, parent: null, children: ['/user/app/counter'] });
    expect((await client.call<any>('actor.info', { target: counter.addr })).path).toBe('/user/app/counter');
    await client.call('msg.send', { target: 'count', message: 'inc' });
    expect((await client.call<any>('msg.call', { target: '/user/app/counter', message: 'get' })).reply).toBe(1);
    await expect(client.call('actor.info', { target: '/user/nobody' })).rejects.toMatchObject({ code: 'target/unknown' });
  });

  it('status sums the cores and gives each core its counters', async () => {
    const status = await client.call<any>('engine.status');
    expect(status).toMatchObject({ mode: 'multi', cores: 2 });
    expect(status.coreStats.map((c: any) => c.core)).toEqual([0, 1]);
    expect(status.stats.messagesHandled).toBe(status.coreStats[0].messagesHandled + status.coreStats[1].messagesHandled);
  });
});
