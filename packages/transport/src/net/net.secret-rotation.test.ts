// Rotating the cluster secret on loopback TCP: a node proves with its own secret and takes
// peers that prove with it or an accepted one, so across the three steps of a rotation
// (accept the new one; prove with the new one, accepting the old; drop the old) nodes one
// step apart always connect, and nodes two steps apart are refused. `setSecrets`
// does the same on a running node: connections up stay up, the next handshake uses it.
import { afterEach, describe, expect, it } from 'vitest';
import type { NetNode } from './node.js';
import { SECRET as OLD, startNode, waitFor, type TestNode } from './test/support.js';

const NEW = new TextEncoder().encode('the-next-cluster-secret-98765432');
const open: NetNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

async function node(id: string, secret: Uint8Array, acceptSecrets: Uint8Array[] = []): Promise<TestNode> {
  const n = await startNode('tcp', id, { secret, acceptSecrets });
  open.push(n.node);
  return n;
}

async function connects(from: TestNode, to: TestNode, toId: string): Promise<'up' | 'refused'> {
  from.node.connect(toId, { host: '127.0.0.1', port: to.port });
  await waitFor(() => from.node.peer(toId)?.connected === true || from.events.some((e) => e.type === 'refused') || to.events.some((e) => e.type === 'refused'), 10_000, `${toId} up or refused`);
  return from.node.peer(toId)?.connected === true ? 'up' : 'refused';
}

describe('rotating the cluster secret', () => {
  it('nodes a step apart connect either way; a node that accepts neither side\'s secret is refused, saying only "auth"', async () => {
    // Step 1 done on a (proves OLD, accepts NEW), step 2 done on b (proves NEW, accepts OLD).
    const a = await node('a', OLD, [NEW]);
    const b = await node('b', NEW, [OLD]);
    expect(await connects(a, b, 'b')).toBe('up');
    const c = await node('c', NEW, [OLD]);
    const d = await node('d', OLD, [NEW]);
    expect(await connects(c, d, 'd')).toBe('up');
    // A node that never accepted NEW cannot take b's proof, though b takes its own.
    const stale = await node('stale', OLD);
    expect(await connects(stale, b, 'b')).toBe('refused');
    expect(stale.node.stats.handshakes.refused.auth).toBe(1);
    expect(stale.node.peer('b')?.connected ?? false).toBe(false);
    // Step 3 on e (NEW only): b (step 2) connects; a (step 1) is refused. So each step starts
    // once every node has finished the one before.
    const e = await node('e', NEW);
    expect(await connects(b, e, 'e')).toBe('up');
    expect(await connects(a, e, 'e')).toBe('refused');
    expect(e.node.stats.handshakes.refused.auth).toBe(1);
    const logged = JSON.stringify([a.events, b.events, e.events, stale.events]);
    expect(logged).not.toContain('cluster-secret');
  });

  it('setSecrets on running nodes: the connection up stays up; later handshakes use the new secrets', async () => {
    const a = await node('a', OLD);
    const b = await node('b', OLD);
    expect(await connects(a, b, 'b')).toBe('up');
    for (const n of [a, b]) n.node.setSecrets(OLD, [NEW]);
    b.node.setSecrets(NEW, [OLD]);
    expect(b.node.peer('a')?.connected).toBe(true);
    a.node.disconnect('b', 'test: reconnect under the new secrets');
    await waitFor(() => a.node.peer('b')?.connected === false && b.node.peer('a')?.connected === false, 10_000, 'both ends down');
    expect(await connects(a, b, 'b')).toBe('up');
    // The rotation's end: both prove with NEW only.
    a.node.setSecrets(NEW);
    b.node.setSecrets(NEW);
    a.node.disconnect('b', 'test: reconnect after the rotation');
    await waitFor(() => a.node.peer('b')?.connected === false && b.node.peer('a')?.connected === false, 10_000, 'both ends down again');
    expect(await connects(a, b, 'b')).toBe('up');
    expect(a.node.stats.handshakes.ok).toBe(3);
  });

  it('refuses a short secret naming the field, and changes nothing', async () => {
    const a = await node('a', OLD);
    expect(() => a.node.setSecrets(new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'net/config', details: { field: 'secret' } }));
    expect(() => a.node.setSecrets(NEW, [OLD, new Uint8Array(3)])).toThrow(expect.objectContaining({ details: { field: 'acceptSecrets[1]' } }));
    await expect(startNode('tcp', 'x', { acceptSecrets: [new Uint8Array(15)] })).rejects.toMatchObject({ details: { field: 'acceptSecrets[0]' } });
    // Still OLD: a peer with OLD connects.
    const b = await node('b', OLD);
    expect(await connects(b, a, 'a')).toBe('up');
  });
});
