/**
 * A config tree's worker placed on another node (`"placement": { "node": "b" }`): two engines
 * booted in this process as two nodes (SWIM on loopback), each with its control plane. Node
 * a's tree has the worker; it runs on b, and a's supervisor supervises its stand-in: a call
 * through the stand-in's path on a reaches the counter on b, `pd restart` (actor.restart)
 * of the child starts a fresh one on b and stops the old one there. Every wait is for what
 * the nodes report.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, bootEngine, validateConfig, type RunningEngine } from '@pd/control';
import { counter, until } from './control.test-util.js';

describe('a config worker placed on another node', () => {
  const nodes: Record<'a' | 'b', RunningEngine | undefined> = { a: undefined, b: undefined };
  const clients: Record<'a' | 'b', ControlClient | undefined> = { a: undefined, b: undefined };
  const timing = { probeIntervalMs: 200, probeTimeoutMs: 100, gossipIntervalMs: 50, pushPullIntervalMs: 2000 };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-remote-child-'));
    const secretFile = join(dir, 'cluster.secret');
    await writeFile(secretFile, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(secretFile, 0o600);
    const config = (node: 'a' | 'b', seeds: { host: string; port: number }[], children: unknown[]) => validateConfig({
      version: 1, engine: { id: `remote-child-${node}-${process.pid}` },
      federation: { nodeId: node, secretFile, membership: { kind: 'swim', seeds, timing, downing: { strategy: 'off' } } },
      tree: { id: 'app', intensity: 10, backoff: { initialMs: 100, maxMs: 1000 }, children },
    });
    nodes.b = await bootEngine(config('b', [], []), { stateDir: join(dir, 'state'), kinds: [counter] });
    const gossip = nodes.b.federation!.swimMembership!.gossipAddress;
    nodes.a = await bootEngine(config('a', [{ host: '127.0.0.1', port: gossip.port }], [
      { id: 'pay', kind: 'counter', args: { start: 7 }, placement: { node: 'b' } },
    ]), { stateDir: join(dir, 'state'), kinds: [counter] });
    for (const n of ['a', 'b'] as const) clients[n] = await ControlClient.connect({ url: nodes[n]!.state!.url, token: nodes[n]!.state!.token });
  }, 60_000);

  afterAll(async () => {
    for (const n of ['a', 'b'] as const) {
      await clients[n]?.close();
      await nodes[n]?.stop();
    }
  }, 60_000);

  const counters = async (n: 'a' | 'b') => ((await clients[n]!.call('actor.list', { kind: 'counter' })) as { actors: { path: string; addr: string }[] }).actors;

  it('runs on b behind a RemoteChild stand-in on a; calls reach it; a restart replaces it on b', { timeout: 60_000 }, async () => {
    const onB = await until(async () => ((await counters('b')).length === 1 ? (await counters('b'))[0] : null), 'the counter on b');
    expect(await counters('a')).toEqual([]);
    const standIn = (await clients.a!.call('actor.info', { target: '/user/app/pay' })) as { kind: string };
    expect(standIn.kind).toBe('RemoteChild');
    await clients.a!.call('msg.send', { target: '/user/app/pay', message: { type: 'inc' } });
    expect(((await clients.a!.call('msg.call', { target: '/user/app/pay', message: { type: 'get' } })) as { reply: unknown }).reply).toBe(8);

    await clients.a!.call('actor.restart', { target: '/user/app/pay' });
    const fresh = await until(async () => {
      const list = await counters('b');
      return list.length === 1 && list[0]!.addr !== onB.addr ? list[0] : null;
    }, 'the fresh counter on b (the old one stopped)');
    expect(fresh.path).not.toBe(onB.path);
    expect(((await clients.a!.call('msg.call', { target: '/user/app/pay', message: { type: 'get' } })) as { reply: unknown }).reply).toBe(7);
  });
});
