/**
 * The cluster registry's replication is a delta-state CRDT (delta-slice.ts): over seeded
 * random histories of one node's registrations, unregistrations, prefix claims and exits, a
 * second node that receives the notices shuffled, some twice, and the full state sent at
 * connection times anywhere among them, ends with exactly the writer's names and prefixes
 * (its `list()` and `prefixes()`). A notice of a peer that predates versions is still taken
 * in connection order, and a malformed run is dropped and counted, never thrown.
 */
import { describe, expect, it } from 'vitest';
import { ClusterRegistry } from './index.js';
import type { Notice } from './protocol.js';
import { rng, shuffle, fakeAddr as fake } from './seeded.test-util.js';

function node(id: string, incarnation: number, peers: string[]) {
  const sent: Notice[] = [];
  let clock = 1_000;
  const registry = new ClusterRegistry({
    nodeId: id, incarnation: () => incarnation, alive: () => true, tell: () => {}, noticeTo: (_p, n) => sent.push(n), upPeers: () => peers,
    wallTime: () => clock++,
  });
  return { registry, sent };
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

  it('a notice of an earlier incarnation, read after the restart\'s handshake, is dropped and counted', () => {
    const old = node('w', 7, ['r']);
    for (let i = 0; i < 5; i++) old.registry.register(`n${i}`, fake(7, i + 1));
    old.registry.register('x', fake(7, 9));
    old.registry.unregister('x');
    const late = old.sent.pop()!;
    const restarted = node('w', 8, ['r']);
    restarted.registry.connected('r');
    restarted.registry.register('x', fake(8, 1));
    const reader = node('r', 9, ['w']);
    // The router hands it up as a notice of the peer's present incarnation.
    reader.registry.notice('w', 8, late);
    for (const n of restarted.sent) reader.registry.notice('w', 8, n);
    expect(reader.registry.staleNotices).toBe(1);
    expect(reader.registry.list().map((n) => `${n.name}@${n.addr.node}`)).toEqual(['x@8']);
  });

  it('a versioned item without its version makes the notice malformed: refused and counted', () => {
    const reader = node('r', 8, ['w']);
    const p = fake(7, 1);
    reader.registry.notice('w', 7, { op: 'registry', full: false, entries: [['x', p, 5]], removed: [], from: 1, seq: 1 });
    reader.registry.notice('w', 7, { op: 'registry', full: false, entries: [], removed: ['y'], from: 2, seq: 2 });
    expect(reader.registry.badNotices).toBe(2);
    expect(reader.registry.list()).toEqual([]);
  });

  it('a peer restarted (another incarnation) starts from nothing: its old entries go', () => {
    const reader = node('r', 8, ['w']);
    reader.registry.notice('w', 7, { op: 'registry', full: false, entries: [['old', fake(7, 1), 5, 1]], removed: [], from: 1, seq: 1 });
    reader.registry.notice('w', 9, { op: 'registry', full: false, entries: [['new', fake(9, 1), 6, 1]], removed: [], from: 1, seq: 1 });
    expect(reader.registry.list().map((n) => n.name)).toEqual(['new']);
  });

  describe('anti-entropy: a notice lost on a connection that stays up is asked for again', () => {
    /** w and r wired by hand: what each sends is delivered unless `lose` says otherwise. */
    function pair() {
      const w = node('w', 7, ['r']);
      const r = node('r', 8, ['w']);
      const deliver = () => {
        for (let moved = true; moved;) {
          moved = false;
          for (const [from, to, id, inc] of [[w, r, 'w', 7], [r, w, 'r', 8]] as const) {
            for (const n of from.sent.splice(0)) {
              to.registry.notice(id, inc, n);
              moved = true;
            }
          }
        }
      };
      return { w, r, deliver };
    }

    it('a lost delta between others: the gap is seen at the next one, the full state asked for once', () => {
      const { w, r, deliver } = pair();
      w.registry.register('one', fake(7, 1));
      deliver();
      w.registry.register('two', fake(7, 2));
      w.sent.pop(); // lost on the way
      w.registry.register('three', fake(7, 3));
      w.registry.register('four', fake(7, 4));
      const fromW = w.sent.splice(0);
      for (const n of fromW) r.registry.notice('w', 7, n);
      // One ask, though two notices arrived above the gap.
      expect(r.sent.map((n) => (n as { resend?: boolean }).resend)).toEqual([true]);
      expect(r.registry.repairs).toBe(1);
      deliver();
      expect(r.registry.list().map((n) => n.name)).toEqual(['four', 'one', 'three', 'two']);
    });

    it('the last change lost: the period\'s digest (`have`) shows the copy behind; it is repaired', () => {
      const { w, r, deliver } = pair();
      w.registry.register('one', fake(7, 1));
      deliver();
      w.registry.register('two', fake(7, 2));
      w.sent.pop();
      w.registry.unregister('one');
      w.sent.pop();
      expect(r.registry.list().map((n) => n.name)).toEqual(['one']);
      w.registry.tick();
      deliver();
      expect(r.registry.list().map((n) => n.name)).toEqual(['two']);
      expect(r.registry.repairs).toBe(1);
      // Caught up: the next digests ask for nothing.
      w.registry.tick();
      r.registry.tick();
      deliver();
      expect(r.registry.repairs).toBe(1);
    });

    it('a lost answer is asked for again in the next period, not before', () => {
      const { w, r, deliver } = pair();
      w.registry.register('one', fake(7, 1));
      w.sent.pop();
      w.registry.tick();
      for (const n of w.sent.splice(0)) r.registry.notice('w', 7, n);
      for (const n of r.sent.splice(0)) w.registry.notice('r', 8, n);
      w.sent.splice(0); // the full state, lost too
      // Within the period: the digest again does not make r ask again, nor w answer twice.
      r.registry.notice('w', 7, { op: 'registry', full: false, entries: [], removed: [], have: 1 });
      expect(r.sent).toEqual([]);
      w.registry.notice('r', 8, { op: 'registry', full: false, entries: [], removed: [], resend: true });
      expect(w.sent).toEqual([]);
      r.registry.tick();
      w.registry.tick();
      deliver();
      expect(r.registry.list().map((n) => n.name)).toEqual(['one']);
      expect(r.registry.repairs).toBe(2);
    });

    it('a notice that cannot be staged (a full queue that throws) is counted, the registration stands, and is repaired', () => {
      const sent: Notice[] = [];
      let full = true;
      const w = new ClusterRegistry({
        nodeId: 'w', incarnation: () => 7, alive: () => true, tell: () => {}, upPeers: () => ['r'],
        noticeTo: (_p, n) => {
          if (full) throw new Error('net/queue-full');
          sent.push(n);
        },
      });
      expect(() => w.register('one', fake(7, 1))).not.toThrow();
      expect(w.unsent).toBe(1);
      expect(w.whereis('one')).toBeDefined();
      full = false;
      const r = node('r', 8, ['w']);
      w.tick();
      for (const n of sent.splice(0)) r.registry.notice('w', 7, n);
      for (const n of r.sent.splice(0)) w.notice('r', 8, n);
      for (const n of sent.splice(0)) r.registry.notice('w', 7, n);
      expect(r.registry.list().map((n) => n.name)).toEqual(['one']);
    });

    it('a peer that predates versions is never asked (it sends no digest, and its runs have no gaps)', () => {
      const reader = node('r', 8, ['old']);
      const p = fake(3, 1);
      reader.registry.notice('old', 3, { op: 'registry', full: false, entries: [['one', p, 5]], removed: [] });
      reader.registry.notice('old', 3, { op: 'registry', full: false, entries: [['two', p, 6]], removed: [] });
      expect(reader.sent).toEqual([]);
    });
  });
});
