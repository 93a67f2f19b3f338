/**
 * Rotating the cluster secret of a running cluster, on loopback TCP with SWIM: three nodes
 * go through the three steps with `federation.setSecrets` (accept the new secret; prove and
 * seal with it, accepting the old; drop the old), one node at a time, and no member is ever
 * suspected, while every message stays sealed. After it, a node with the new secret joins
 * and asks across a fresh connection, and a node with the old one is kept out: its
 * membership messages are dropped and its handshakes refused. Bad sources are refused
 * naming the field, changing nothing. Waits are on observable conditions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { type FederationNode, startNode } from './index.js';
import { until } from './real-process.test-util.js';

const OLD = 'the-old-cluster-secret-0123456789';
const NEW = 'the-new-cluster-secret-9876543210';
const Echo = defineKind<string, void, string>('rotation.echo', () => ({ receive: (m: string) => `echo ${m}` }));

describe('rotating the cluster secret of a running cluster', () => {
  const nodes: FederationNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0).reverse()) await n.stop({ deadlineMs: 500 });
  });

  const node = async (nodeId: string, secret: string, seed?: FederationNode): Promise<FederationNode> => {
    const n = await startNode({
      federation: {
        nodeId, secret, listen: { host: '127.0.0.1', port: 0 },
        membership: {
          kind: 'swim', gossip: { port: 0 }, encryption: 'always', ...(seed === undefined ? {} : { seeds: [gossipOf(seed)] }),
          // Quick gossip and push-pull; LAN probe timing, so a loaded machine raises no false suspicion.
          timing: { gossipIntervalMs: 50, pushPullIntervalMs: 500 }, downing: { strategy: 'off' },
        },
      },
      engine: { kinds: [Echo] },
    });
    nodes.push(n);
    return n;
  };
  const gossipOf = (n: FederationNode) => n.federation.members().members.find((m) => m.id === n.federation.nodeId)!.gossip;
  const statuses = (n: FederationNode): string => n.federation.members().members.map((m) => `${m.id}:${m.status}`).sort().join(' ');

  it('three steps, one node at a time: nobody is suspected; then the new secret joins and the old one is kept out', async () => {
    const a = await node('a', OLD);
    const b = await node('b', OLD, a);
    const c = await node('c', OLD, a);
    const all = [a, b, c];
    const whole = 'a:alive b:alive c:alive';
    await until(() => all.every((n) => statuses(n) === whole), 'three members alive everywhere');
    const suspected: string[] = [];
    // Watch every view while the steps run: any member not alive anywhere is a failure.
    const watch = setInterval(() => {
      for (const n of all) if (statuses(n) !== whole) suspected.push(`${n.federation.nodeId}: ${statuses(n)}`);
    }, 20);
    try {
      const steps: [string, string[]][] = [[OLD, [NEW]], [NEW, [OLD]], [NEW, []]];
      for (const [secret, accept] of steps) {
        for (const n of all) {
          await n.federation.setSecrets(secret, accept);
          // A few push-pulls and probes under the node's new secrets before the next one moves.
          const seen = n.federation.stats().swim!.messagesIn;
          await until(() => n.federation.stats().swim!.messagesIn >= seen + 6, `${n.federation.nodeId} hearing its members`);
        }
      }
    } finally {
      clearInterval(watch);
    }
    expect(suspected).toEqual([]);
    expect(all.map((n) => n.federation.stats().swim!.badMessages)).toEqual([0, 0, 0]);

    // A node with the new secret joins, and asks across a connection made after the rotation.
    const d = await node('d', NEW, b);
    await until(() => [a, b, c, d].every((n) => statuses(n) === `${whole} d:alive`), 'd alive everywhere');
    const echo = await d.federation.spawn<string, void, string>('rotation.echo', { node: 'a' });
    await expect(d.engine.ask(echo, 'hi', { timeoutMs: 10_000 })).resolves.toBe('echo hi');

    // A node with the old secret: its membership messages are dropped, its handshake refused.
    const badBefore = a.federation.stats().swim!.badMessages;
    const stale = await node('stale', OLD, a);
    await until(() => a.federation.stats().swim!.badMessages > badBefore, 'the stale node\'s messages dropped at a');
    const dialer = await startNode({
      federation: { nodeId: 'stale-dialer', secret: OLD, peers: [{ id: 'a', host: '127.0.0.1', port: a.address!.port }], requestTimeoutMs: 2000 },
    });
    nodes.push(dialer);
    await expect(dialer.federation.connect('a')).rejects.toThrow();
    expect(a.federation.stats().net!.handshakes.refused.auth).toBeGreaterThanOrEqual(1);
    expect(statuses(a)).toBe(`${whole} d:alive`);
    expect(statuses(stale)).toBe('stale:alive');
  }, 120_000);

  it('refuses a source that does not load, naming the field, and changes nothing', async () => {
    const a = await node('a', OLD);
    await expect(a.federation.setSecrets('short')).rejects.toMatchObject({ details: { field: 'secret' } });
    await expect(a.federation.setSecrets(NEW, [OLD, { env: 'PD_NO_SUCH_SECRET_VARIABLE' }])).rejects.toMatchObject({ details: { field: 'acceptSecrets[1]' } });
    // Still the old secret: a node with it joins.
    const b = await node('b', OLD, a);
    await until(() => statuses(a) === 'a:alive b:alive', 'b alive at a');
    await expect(b.federation.connect('a')).resolves.toBeUndefined();
  });
});
