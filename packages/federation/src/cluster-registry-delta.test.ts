/**
 * The cluster registry's replication is a delta-state CRDT (delta-slice.ts): over seeded
 * random histories of one node's registrations, unregistrations, prefix claims and exits, a
 * second node that receives the notices shuffled, some twice, and the full state sent at
 * connection times anywhere among them, ends with exactly the writer's names and prefixes
 * (its `list()` and `prefixes()`). A notice of a peer that predates versions is still taken
 * in connection order, and a malformed run is dropped and counted, never thrown.
 */
import { describe, expect, it } from 'vitest';
import type { AnyAddr } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { ClusterRegistry } from './index.js';
import type { Notice } from './protocol.js';

function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function fake(node: number, slot: number): AnyAddr {
  return mintAddr({ node, core: 0, slot, generation: 1, secret: 1 }, null);
}

function node(id: string, incarnation: number, peers: string[]) {
  const sent: Notice[] = [];
  let clock = 1_000;
  const registry = new ClusterRegistry({
    nodeId: id, incarnation: () => incarnation, alive: () => true, tell: () => {}, noticeTo: (_p, n) => sent.push(n), upPeers: () => peers,
    wallTime: () => clock++,
  });
  return { registry, sent };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const view = (r: ClusterRegistry) => ({
  names: r.list().map((n) => `${n.name}=${String(n.addr)}@${n.node}:${n.clock}`),
  prefixes: r.prefixes().map((p) => `${p.prefix}=${String(p.addr)}@${p.node}:${p.clock}`),
});

describe('the cluster registry replicates as a delta-state CRDT', () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))('seed %i: notices shuffled and repeated, full states anywhere: the same names and prefixes', (seed) => {
    const random = rng(seed);
    const writer = node('w', 7, ['r']);
    const actors = Array.from({ length: 5 }, (_, i) => fake(7, i + 1));
    const names = ['a', 'b', 'c', 'd'];
    const prefixes = ['/user/a', '/user/b', '/user/a/x'];
    for (let step = 0; step < 80; step++) {
      const roll = random();
      const actor = actors[Math.floor(random() * actors.length)]!;
      if (roll < 0.3) {
        const name = names[Math.floor(random() * names.length)]!;
        if (writer.registry.whereis(name) === undefined) writer.registry.register(name, actor);
      } else if (roll < 0.5) {
        const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
        if (writer.registry.prefixes().every((p) => p.prefix !== prefix)) writer.registry.registerPrefix(prefix, actor);
      } else if (roll < 0.65) {
        writer.registry.unregister(names[Math.floor(random() * names.length)]!);
      } else if (roll < 0.75) {
        writer.registry.unregisterPrefix(prefixes[Math.floor(random() * prefixes.length)]!);
      } else if (roll < 0.85) {
        writer.registry.exited(actor);
      } else {
        writer.registry.connected('r');
      }
    }
    writer.registry.connected('r');
    const final = writer.sent.pop()!;
    const schedule = shuffle([...writer.sent, ...writer.sent.filter(() => random() < 0.3)], random);
    // The last full state anywhere, or not at all: the deltas alone converge too.
    if (random() < 0.5) schedule.splice(Math.floor(random() * schedule.length), 0, final);
    const reader = node('r', 8, ['w']);
    for (const n of schedule) reader.registry.notice('w', 7, n);
    expect(reader.registry.badNotices).toBe(0);
    const want = view(writer.registry);
    expect(view(reader.registry)).toEqual(want);
    // In order, it was right all along; the writer's full state changes nothing.
    const inOrder = node('r2', 9, ['w']);
    for (const n of writer.sent) inOrder.registry.notice('w', 7, n);
    expect(view(inOrder.registry)).toEqual(want);
    inOrder.registry.notice('w', 7, final);
    expect(view(inOrder.registry)).toEqual(want);
  });

  it('a removal delivered before its registration leaves the name absent', () => {
    const writer = node('w', 7, ['r']);
    writer.registry.register('leader', fake(7, 1));
    writer.registry.unregister('leader');
    const [added, removed] = writer.sent;
    const reader = node('r', 8, ['w']);
    reader.registry.notice('w', 7, removed);
    reader.registry.notice('w', 7, added);
    expect(reader.registry.whereis('leader')).toBeUndefined();
    expect(reader.registry.badNotices).toBe(0);
  });

  it('a peer that predates versions: its deltas and full sets are taken in connection order', () => {
    const reader = node('r', 8, ['old']);
    const p = fake(3, 1);
    reader.registry.notice('old', 3, { op: 'registry', full: true, entries: [['one', p, 5], ['two', p, 6]], removed: [] });
    reader.registry.notice('old', 3, { op: 'registry', full: false, entries: [['three', p, 7]], removed: ['one'] });
    expect(reader.registry.list().map((n) => n.name)).toEqual(['three', 'two']);
    reader.registry.notice('old', 3, { op: 'registry', full: false, entries: [['one', p, 8]], removed: [] });
    reader.registry.notice('old', 3, { op: 'registry', full: true, entries: [['two', p, 6]], removed: [] });
    expect(reader.registry.list().map((n) => n.name)).toEqual(['two']);
    expect(reader.registry.badNotices).toBe(0);
  });

  it('malformed runs are dropped and counted, never thrown, and join nothing', () => {
    const reader = node('r', 8, ['w']);
    const p = fake(7, 1);
    const bad: unknown[] = [
      { op: 'registry', full: false, entries: [['x', p, 5, 3]], removed: [], from: 4, seq: 4 },
      { op: 'registry', full: false, entries: [['x', p, 5, 1]], removed: [], from: 1, seq: 'two' },
      { op: 'registry', full: false, entries: [], removed: [], seq: 3 },
      { op: 'registry', full: true, entries: [['x', p, 5, 9]], removed: [], seq: 2 },
      { op: 'registry', full: false, entries: [], removed: [], from: 2, seq: 1 },
      { op: 'registry', full: false, entries: [], removed: ['x'], removedAt: 'no', from: 1, seq: 1 },
    ];
    for (const body of bad) expect(() => reader.registry.notice('w', 7, body)).not.toThrow();
    expect(reader.registry.badNotices).toBe(bad.length);
    expect(reader.registry.list()).toEqual([]);
  });

  it('a peer restarted (another incarnation) starts from nothing: its old entries go', () => {
    const reader = node('r', 8, ['w']);
    reader.registry.notice('w', 7, { op: 'registry', full: false, entries: [['old', fake(7, 1), 5, 1]], removed: [], from: 1, seq: 1 });
    reader.registry.notice('w', 9, { op: 'registry', full: false, entries: [['new', fake(9, 1), 6, 1]], removed: [], from: 1, seq: 1 });
    expect(reader.registry.list().map((n) => n.name)).toEqual(['new']);
  });
});
