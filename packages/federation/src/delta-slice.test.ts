/**
 * The delta-state CRDT's join, over seeded random histories of an origin's changes (sets,
 * overwrites, removals, several to a delta) delivered to replicas under every disorder a
 * network and reconnections can make: in order; shuffled; each delta twice; full states
 * taken at random moments and delivered anywhere in the stream. Whatever the schedule, once
 * everything has arrived the replica equals the origin's map, keeps no tombstone, and its
 * context is the origin's last version; in order, it equals the origin after every step; and
 * the changes it reported, replayed, give its entries.
 */
import { describe, expect, it } from 'vitest';
import { DeltaSlice, type Dot, MAX_PENDING_RUNS, MAX_TOMBSTONES, type SliceChange, VersionCounter } from './delta-slice.js';
import { rng, shuffle } from './seeded.test-util.js';

type Message = { kind: 'delta'; from: number; to: number; dots: Dot<string>[] } | { kind: 'full'; seq: number; dots: Dot<string>[] };

/** An origin's random history: the messages it sent and its map after each one. */
function history(random: () => number, steps: number): { messages: Message[]; states: Map<string, string>[]; seq: number } {
  const counter = new VersionCounter();
  const map = new Map<string, { v: number; value: string }>();
  const messages: Message[] = [];
  const states: Map<string, string>[] = [];
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (let i = 0; i < steps; i++) {
    if (random() < 0.15) {
      messages.push({ kind: 'full', seq: counter.seq, dots: [...map].map(([key, e]) => ({ key, v: e.v, value: e.value })) });
    } else {
      const from = counter.seq + 1;
      const dots: Dot<string>[] = [];
      const changes = 1 + Math.floor(random() * 3);
      for (let c = 0; c < changes; c++) {
        const key = keys[Math.floor(random() * keys.length)]!;
        const v = counter.next();
        if (random() < 0.35) {
          map.delete(key);
          dots.push({ key, v, value: undefined });
        } else {
          const value = `${key}${v}`;
          map.set(key, { v, value });
          dots.push({ key, v, value });
        }
      }
      messages.push({ kind: 'delta', from, to: counter.seq, dots });
    }
    states.push(new Map([...map].map(([k, e]) => [k, e.value])));
  }
  return { messages, states, seq: counter.seq };
}

function deliver(slice: DeltaSlice<string>, m: Message, changes: SliceChange<string>[]): boolean {
  return m.kind === 'delta' ? slice.joinDelta(m.from, m.to, m.dots, changes) : slice.joinFull(m.seq, m.dots, changes);
}

function contents(slice: DeltaSlice<string>): Map<string, string> {
  return new Map(slice.entries());
}

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe('a delta slice (owner-written map, delta-state CRDT)', () => {
  it.each(SEEDS)('seed %i: in order, equal to the origin after every message; tombstones gone at once', (seed) => {
    const random = rng(seed);
    const { messages, states } = history(random, 60);
    const slice = new DeltaSlice<string>(1);
    messages.forEach((m, i) => {
      expect(deliver(slice, m, [])).toBe(true);
      expect(contents(slice)).toEqual(states[i]);
      expect(slice.tombstones).toBe(0);
    });
  });

  it.each(SEEDS)('seed %i: shuffled, duplicated, fulls anywhere: the same map in the end, the changes replay to it', (seed) => {
    const random = rng(seed * 7919);
    const { messages, states, seq } = history(random, 60);
    const schedule = shuffle([...messages, ...messages.filter(() => random() < 0.4)], random);
    const slice = new DeltaSlice<string>(1);
    const changes: SliceChange<string>[] = [];
    for (const m of schedule) expect(deliver(slice, m, changes)).toBe(true);
    expect(contents(slice)).toEqual(states[states.length - 1]);
    expect(slice.context).toBe(seq);
    expect(slice.tombstones).toBe(0);
    // Every reported change starts from what the previous one left.
    const replay = new Map<string, string>();
    for (const c of changes) {
      expect(replay.get(c.key)).toBe(c.before);
      if (c.after === undefined) replay.delete(c.key);
      else replay.set(c.key, c.after);
    }
    expect(replay).toEqual(contents(slice));
  });

  it.each(SEEDS)('seed %i: any two orders of the same messages give the same map (commutative, idempotent)', (seed) => {
    const random = rng(seed * 104729);
    const { messages } = history(random, 40);
    const prefix = messages.slice(0, 1 + Math.floor(random() * messages.length));
    const one = new DeltaSlice<string>(1);
    const two = new DeltaSlice<string>(1);
    for (const m of shuffle([...prefix], random)) deliver(one, m, []);
    for (const m of shuffle([...prefix, ...prefix], random)) deliver(two, m, []);
    expect(contents(one)).toEqual(contents(two));
  });

  it('refuses malformed runs and dots, joining nothing of them', () => {
    const slice = new DeltaSlice<string>(1);
    expect(slice.joinDelta(2, 1, [])).toBe(false);
    expect(slice.joinDelta(0, 1, [])).toBe(false);
    expect(slice.joinDelta(1, 2, [{ key: 'a', v: 3, value: 'x' }])).toBe(false);
    expect(slice.joinDelta(1, 2, [{ key: 'a', v: 1.5, value: 'x' }])).toBe(false);
    expect(slice.joinFull(1, [{ key: 'a', v: 2, value: 'x' }])).toBe(false);
    expect(slice.joinFull(2, [{ key: 'a', v: 1, value: undefined }])).toBe(false);
    expect(slice.joinFull(-1, [])).toBe(false);
    expect(slice.size).toBe(0);
    expect(slice.context).toBe(0);
  });

  it('past MAX_PENDING_RUNS runs above a gap it gives the gap up: bounded, and waiting until a full state', () => {
    const slice = new DeltaSlice<string>(1);
    // Version 1 never arrives: every run waits.
    for (let i = 0; i < MAX_PENDING_RUNS; i++) expect(slice.joinDelta(2 + 2 * i, 2 + 2 * i, [{ key: `k${i}`, v: 2 + 2 * i, value: 'x' }])).toBe(true);
    expect(slice.waiting).toBe(true);
    expect(slice.context).toBe(0);
    const last = 2 + 2 * MAX_PENDING_RUNS;
    expect(slice.joinDelta(last, last, [{ key: 'gone', v: last, value: undefined }])).toBe(true);
    expect(slice.context).toBe(last);
    expect(slice.tombstones).toBe(0);
    expect(slice.size).toBe(MAX_PENDING_RUNS);
    // Still behind for all it knows: the caller asks for the full state, which ends it.
    expect(slice.waiting).toBe(true);
    expect(slice.joinFull(last + 1, [{ key: 'k0', v: 2, value: 'x' }])).toBe(true);
    expect(slice.waiting).toBe(false);
    expect([...slice.entries()]).toEqual([['k0', 'x']]);
  });

  it('past MAX_TOMBSTONES removals above a gap it gives the gap up too', () => {
    const slice = new DeltaSlice<string>(1);
    const n = MAX_TOMBSTONES + 1;
    const dots = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, v: 2 + i, value: undefined }));
    expect(slice.joinDelta(2, 1 + n, dots)).toBe(true);
    expect(slice.tombstones).toBe(0);
    expect(slice.waiting).toBe(true);
  });

  it('a full state is the origin\'s word up to its seq: it replaces a wrong dot the slice took, whatever the context', () => {
    const slice = new DeltaSlice<string>(1);
    // A bogus removal of x at 52 (say, a stale notice), then the truth.
    expect(slice.joinDelta(52, 52, [{ key: 'x', v: 52, value: undefined }])).toBe(true);
    expect(slice.joinDelta(1, 1, [{ key: 'x', v: 1, value: 'one' }])).toBe(true);
    expect(slice.get('x')).toBeUndefined();
    const changes: SliceChange<string>[] = [];
    expect(slice.joinFull(60, [{ key: 'x', v: 1, value: 'one' }, { key: 'y', v: 3, value: 'three' }], changes)).toBe(true);
    expect(slice.get('x')).toBe('one');
    expect(slice.get('y')).toBe('three');
    expect(changes).toEqual([{ key: 'x', before: undefined, after: 'one' }, { key: 'y', before: undefined, after: 'three' }]);
    // Not a change newer than the full state.
    expect(slice.joinDelta(61, 61, [{ key: 'x', v: 61, value: 'newer' }])).toBe(true);
    expect(slice.joinFull(60, [{ key: 'x', v: 1, value: 'one' }])).toBe(true);
    expect(slice.get('x')).toBe('newer');
  });

  it('a removal that arrives before its key does leaves the key absent (tombstone), and is dropped once the gap fills', () => {
    const slice = new DeltaSlice<string>(1);
    expect(slice.joinDelta(2, 2, [{ key: 'a', v: 2, value: undefined }])).toBe(true);
    expect(slice.tombstones).toBe(1);
    expect(slice.joinDelta(1, 1, [{ key: 'a', v: 1, value: 'late' }])).toBe(true);
    expect(slice.get('a')).toBeUndefined();
    expect(slice.context).toBe(2);
    expect(slice.tombstones).toBe(0);
  });
});
