// The chunked FIFO under mailbox lanes and the run queue (kernel/deque.ts) against an array
// model: any sequence of push, shift, at, findIndex and removeAt gives what an array gives,
// across chunk boundaries, after emptying, and past the largest chunk size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque, MAX_CHUNK } from '../src/kernel/deque.js';
import { Mailbox, messageIn, slotMeta } from '../src/kernel/mailbox.js';

type Op =
  | { op: 'push'; n: number }
  | { op: 'shift'; n: number }
  | { op: 'at'; i: number }
  | { op: 'find'; i: number }
  | { op: 'removeAt'; i: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('push' as const), n: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ op: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ op: fc.constant('at' as const), i: fc.nat() }),
    fc.record({ op: fc.constant('find' as const), i: fc.nat() }),
    fc.record({ op: fc.constant('removeAt' as const), i: fc.nat() }),
  ),
  { maxLength: 120 },
);

function check(initial: number, sequence: Op[]): void {
  const d = new Deque<number>(initial);
  const model: number[] = [];
  let next = 0;
  for (const step of sequence) {
    switch (step.op) {
      case 'push':
        for (let k = 0; k < step.n; k++) {
          d.push(next);
          model.push(next++);
        }
        break;
      case 'shift':
        for (let k = 0; k < step.n; k++) expect(d.shift()).toBe(model.shift());
        break;
      case 'at':
        if (model.length > 0) expect(d.at(step.i % model.length)).toBe(model[step.i % model.length]);
        break;
      case 'find': {
        const target = model.length === 0 ? -1 : model[step.i % model.length]!;
        expect(d.findIndex((v) => v === target)).toBe(model.indexOf(target));
        break;
      }
      case 'removeAt':
        if (model.length > 0) {
          const i = step.i % model.length;
          expect(d.removeAt(i)).toBe(model.splice(i, 1)[0]);
        }
        break;
    }
    expect(d.length).toBe(model.length);
  }
  const rest: (number | undefined)[] = [];
  for (let v = d.shift(); v !== undefined; v = d.shift()) rest.push(v);
  expect(rest).toEqual(model);
  expect(d.shift()).toBeUndefined();
}

describe('Deque', () => {
  it('behaves as an array under any mix of operations (small first chunks, many boundaries)', () => {
    fc.assert(fc.property(fc.constantFrom(2, 4, 8), ops, check), { numRuns: 300, seed: 19 });
  });

  it('keeps order through chunks of the largest size, a spare chunk reused, and emptying in between', () => {
    const d = new Deque<number>(4);
    let pushed = 0;
    let taken = 0;
    for (let round = 0; round < 3; round++) {
      // A burst several chunks deep, drained halfway, then refilled past the reused spare.
      for (let k = 0; k < 3 * MAX_CHUNK + 17; k++) d.push(pushed++);
      for (let k = 0; k < 2 * MAX_CHUNK; k++) expect(d.shift()).toBe(taken++);
      for (let k = 0; k < 2 * MAX_CHUNK + 5; k++) d.push(pushed++);
      expect(d.at(0)).toBe(taken);
      expect(d.at(d.length - 1)).toBe(pushed - 1);
      expect(d.findIndex((v) => v === pushed - 1)).toBe(d.length - 1);
      while (d.length > 0) expect(d.shift()).toBe(taken++);
    }
    expect(taken).toBe(pushed);
  });

  it('removes from deep inside a long queue, across chunk boundaries, keeping the rest in order', () => {
    const d = new Deque<number>(2);
    const model: number[] = [];
    for (let k = 0; k < 3 * MAX_CHUNK; k++) {
      d.push(k);
      model.push(k);
    }
    // -1: the last value, whatever the length is by then.
    for (const at of [0, 1, MAX_CHUNK - 3, MAX_CHUNK, 2 * MAX_CHUNK + 1, -1, -1]) {
      const i = at < 0 ? model.length - 1 : at;
      expect(d.removeAt(i)).toBe(model.splice(i, 1)[0]);
    }
    for (let k = 1; k <= 10; k++) {
      d.push(-k);
      model.push(-k);
    }
    const rest: number[] = [];
    for (let v = d.shift(); v !== undefined; v = d.shift()) rest.push(v);
    expect(rest).toEqual(model);
  });

  it('empties correctly after a removeAt that freed the first place of a chunk', () => {
    const d = new Deque<number>(2);
    for (const v of [0, 1, 2]) d.push(v); // 0 and 1 fill the first chunk, 2 opens the second
    expect(d.removeAt(2)).toBe(2); // the second chunk holds nothing now
    expect([d.shift(), d.shift(), d.shift()]).toEqual([0, 1, undefined]);
    d.push(7);
    d.push(8);
    expect([d.at(0), d.at(1), d.length]).toEqual([7, 8, 2]);
    expect([d.shift(), d.shift(), d.shift()]).toEqual([7, 8, undefined]);
  });

  it('lets go of the chunks behind a tail that removeAt moved back (a mailbox drained by selective receive)', () => {
    const d = new Deque<number>(4);
    for (let k = 0; k < 5 * MAX_CHUNK; k++) d.push(k);
    while (d.length > 0) d.removeAt(d.length - 1);
    const inside = d as unknown as { head: unknown[]; tail: unknown[] };
    expect(inside.head).toBe(inside.tail);
    expect(inside.tail[inside.tail.length - 1]).toBeUndefined(); // no chain kept through the link slot
    for (let k = 0; k < 3; k++) d.push(k);
    expect([d.shift(), d.shift(), d.shift(), d.shift()]).toEqual([0, 1, 2, undefined]);
  });
});

// A selective receive's predicate is user code: it may take from the mailbox it is matching
// (a nested receive, a send to itself that evicts the oldest). The scan must neither crash
// nor lose, duplicate or misplace a message.
describe('Mailbox.takeMatching with a predicate that changes the mailbox', () => {
  function box(n: number): Mailbox {
    const b = new Mailbox();
    for (let i = 0; i < n; i++) b.push(`m${i}`, null, undefined);
    return b;
  }
  /** The next message, as a turn takes it. */
  function take(b: Mailbox): unknown {
    const slot = b.takeSlot();
    return messageIn(slot, slotMeta(slot));
  }
  function rest(b: Mailbox): unknown[] {
    const out: unknown[] = [];
    while (b.size > 0) out.push(take(b));
    return out;
  }

  it('takes several while the scan runs and still returns the one it matched', () => {
    const b = box(8);
    const taken: unknown[] = [];
    const r = b.takeMatching((m) => {
      if (m === 'm0') for (let j = 0; j < 5; j++) taken.push(take(b));
      return m === 'm7';
    });
    expect(r.found && r.message).toBe('m7');
    expect(taken).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(rest(b)).toEqual(['m5', 'm6']);
  });

  it('after a take, goes on from the same index: a message it moved past stays queued, none is removed by mistake', () => {
    // m0's call takes m0, so m1 moves to index 0 and the scan (now at index 1) passes it, as
    // the scan did before mailboxes were chunked; what it removes is only ever what matched.
    const b = box(3);
    const r = b.takeMatching((m) => {
      if (m === 'm0') take(b);
      return m === 'm1' || m === 'm2';
    });
    expect(r.found && r.message).toBe('m2');
    expect(rest(b)).toEqual(['m1']);
  });

  it('loses nothing when it takes and later messages arrive', () => {
    const b = box(6);
    const r = b.takeMatching((m) => {
      if (m === 'm0') take(b);
      return m === 'm5';
    });
    expect(r.found && r.message).toBe('m5');
    b.push('new', null, undefined);
    expect(rest(b)).toEqual(['m1', 'm2', 'm3', 'm4', 'new']);
  });

  it('finds nothing when the predicate took the very message it matched', () => {
    const b = box(3);
    const r = b.takeMatching((m) => {
      if (m === 'm1') take(b); // takes m0; m1 stays
      if (m === 'm1') take(b); // takes m1 itself
      return m === 'm1';
    });
    expect(r.found).toBe(false);
    expect(rest(b)).toEqual(['m2']);
  });

  it('scans past messages the predicate sends (only those queued when the scan began)', () => {
    const b = box(4);
    const seen: unknown[] = [];
    const r = b.takeMatching((m) => {
      seen.push(m);
      if (m === 'm1') b.push('late', null, undefined);
      return m === 'late';
    });
    expect(r.found).toBe(false);
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(rest(b)).toEqual(['m0', 'm1', 'm2', 'm3', 'late']);
  });
});
