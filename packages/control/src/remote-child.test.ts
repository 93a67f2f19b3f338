/**
 * A config tree's worker placed on another node (`"placement": { "node": "b" }`): two engines
 * booted in this process as two nodes (SWIM on loopback), each with its control plane. Node
 * a's tree has the worker; it runs on b, and a's supervisor supervises its stand-in: a call
 * through the stand-in's path on a reaches the counter on b, `pd restart` (actor.restart)
 * of the child starts a fresh one on b and stops the old one there. Every wait is for what
 * the nodes report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootPair, until, type NodePair } from './control.test-util.js';

describe('a config worker placed on another node', () => {
  let pair: NodePair;
  let clients: NodePair['clients'];

  beforeAll(async () => {
    pair = await bootPair('remote-child', (node) => ({ id: 'app', intensity: 10, backoff: { initialMs: 100, maxMs: 1000 }, children: node === 'a' ? [{ id: 'pay', kind: 'counter', args: { start: 7 }, placement: { node: 'b' } }] : [] }), 'b');
    ({ clients } = pair);
  }, 60_000);

  afterAll(() => pair?.stop(), 60_000);

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
