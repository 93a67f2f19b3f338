/**
 * Process groups replicate as the cluster registry does, as a delta-state CRDT
 * (delta-slice.ts): over seeded random histories of one node's joins, leaves and exits, a
 * second node that receives the notices shuffled, some twice, with full states anywhere
 * among them, ends with exactly the writer's members, and the changes its listeners heard
 * replay to that view. A notice of a peer that predates versions is still taken in
 * connection order; malformed runs are dropped and counted.
 */
import { describe, expect, it } from 'vitest';
import { ClusterGroups, type GroupChange } from './index.js';
import type { Notice } from './protocol.js';
import { rng, shuffle, fakeAddr as fake } from './seeded.test-util.js';

function node(id: string, incarnation: number, peers: string[]) {
  const sent: Notice[] = [];
  const groups = new ClusterGroups({
    nodeId: id, incarnation: () => incarnation, alive: () => true, send: () => {}, noticeTo: (_p, n) => sent.push(n), upPeers: () => peers,
  });
  return { groups, sent };
}

/** Every group's members of `node`, as sorted strings. */
function membersOf(groups: ClusterGroups, node: string): string[] {
  return groups.list().flatMap((g) => g.members.filter((m) => m.node === node).map((m) => `${g.group}:${String(m.addr)}`)).sort();
}

describe('process groups replicate as a delta-state CRDT', () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))('seed %i: notices shuffled and repeated, full states anywhere: the same members, the changes replay to them', (seed) => {
    const random = rng(seed);
    const writer = node('w', 7, ['r']);
    const actors = Array.from({ length: 5 }, (_, i) => fake(7, i + 1));
    const names = ['g1', 'g2', 'g3'];
    for (let step = 0; step < 80; step++) {
      const roll = random();
      const actor = actors[Math.floor(random() * actors.length)]!;
      const group = names[Math.floor(random() * names.length)]!;
      if (roll < 0.5) writer.groups.join(group, actor);
      else if (roll < 0.75) writer.groups.leave(group, actor);
      else if (roll < 0.88) writer.groups.exited(actor);
      else writer.groups.connected('r');
    }
    writer.groups.connected('r');
    const final = writer.sent.pop()!;
    const schedule = shuffle([...writer.sent, ...writer.sent.filter(() => random() < 0.3)], random);
    if (random() < 0.5) schedule.splice(Math.floor(random() * schedule.length), 0, final);
    const reader = node('r', 8, ['w']);
    const heard = new Set<string>();
    reader.groups.subscribe((c: GroupChange) => {
      for (const a of c.left) expect(heard.delete(`${c.group}:${String(a)}`)).toBe(true);
      for (const a of c.joined) {
        expect(heard.has(`${c.group}:${String(a)}`)).toBe(false);
        heard.add(`${c.group}:${String(a)}`);
      }
    });
    for (const n of schedule) reader.groups.notice('w', 7, n);
    expect(reader.groups.badNotices).toBe(0);
    const want = writer.groups.groups().flatMap((g) => writer.groups.localMembers(g).map((a) => `${g}:${String(a)}`)).sort();
    expect(membersOf(reader.groups, 'w')).toEqual(want);
    expect([...heard].sort()).toEqual(want);
  });

  it('a peer that predates versions: its deltas and full sets are taken in connection order', () => {
    const reader = node('r', 8, ['old']);
    const [a, b] = [fake(3, 1), fake(3, 2)];
    reader.groups.notice('old', 3, { op: 'groups', full: true, joins: [['g', [a, b]]], leaves: [] });
    reader.groups.notice('old', 3, { op: 'groups', full: false, joins: [], leaves: [['g', [a]]] });
    expect(reader.groups.members('g')).toEqual([b]);
    reader.groups.notice('old', 3, { op: 'groups', full: false, joins: [['h', [a]]], leaves: [] });
    reader.groups.notice('old', 3, { op: 'groups', full: true, joins: [['h', [a]]], leaves: [] });
    expect(reader.groups.groups()).toEqual(['h']);
    expect(reader.groups.badNotices).toBe(0);
  });

  it('a notice of an earlier incarnation is dropped and counted; a versioned member without its version is refused', () => {
    const reader = node('r', 8, ['w']);
    const a = fake(7, 1);
    reader.groups.notice('w', 9, { op: 'groups', full: false, joins: [['g', [a], [1]]], leaves: [], from: 1, seq: 1, inc: 7 });
    expect(reader.groups.staleNotices).toBe(1);
    reader.groups.notice('w', 7, { op: 'groups', full: false, joins: [['g', [a]]], leaves: [], from: 1, seq: 1 });
    expect(reader.groups.badNotices).toBe(1);
    expect(reader.groups.groups()).toEqual([]);
  });

  it('malformed runs are dropped and counted, never thrown, and join nothing', () => {
    const reader = node('r', 8, ['w']);
    const a = fake(7, 1);
    const bad: unknown[] = [
      { op: 'groups', full: false, joins: [['g', [a], [3]]], leaves: [], from: 4, seq: 4 },
      { op: 'groups', full: false, joins: [['g', [a], [1]]], leaves: [], from: 1, seq: -1 },
      { op: 'groups', full: false, joins: [], leaves: [], seq: 2 },
      { op: 'groups', full: true, joins: [['g', [a], [5]]], leaves: [], seq: 2 },
    ];
    for (const body of bad) expect(() => reader.groups.notice('w', 7, body)).not.toThrow();
    expect(reader.groups.badNotices).toBe(bad.length);
    expect(reader.groups.groups()).toEqual([]);
  });

  it('anti-entropy: a lost join and a lost leave are repaired from the period\'s digest, once per period', () => {
    const w = node('w', 7, ['r']);
    const r = node('r', 8, ['w']);
    const deliver = () => {
      for (let moved = true; moved;) {
        moved = false;
        for (const n of w.sent.splice(0)) {
          moved = true;
          r.groups.notice('w', 7, n);
        }
        for (const n of r.sent.splice(0)) {
          moved = true;
          w.groups.notice('r', 8, n);
        }
      }
    };
    const [a, b] = [fake(7, 1), fake(7, 2)];
    w.groups.join('g', a);
    deliver();
    w.groups.join('g', b);
    w.sent.pop();
    w.groups.leave('g', a);
    w.sent.pop();
    const heard: string[] = [];
    r.groups.subscribe((c) => heard.push(`${c.group}+${c.joined.length}-${c.left.length}`));
    expect(r.groups.members('g')).toEqual([a]);
    w.groups.tick();
    deliver();
    expect(r.groups.members('g')).toEqual([b]);
    expect(heard).toEqual(['g+1-1']);
    expect(r.groups.repairs).toBe(1);
    w.groups.tick();
    deliver();
    expect(r.groups.repairs).toBe(1);
  });
});
