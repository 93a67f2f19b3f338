/**
 * The router's id table against a `Map` over seeded random runs of sets, replacements,
 * lookups and deletes: ids in sequence (asks), ids far apart and past 2^50 (node requests),
 * and ids chosen to collide on the same home slot, so runs form, wrap around the table's end
 * and are shifted back on delete. After every step the two agree on size, on each id asked
 * and, now and then, on the whole content; bursts grow the table and draining it shrinks it.
 */
import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table.js';
import { rng } from './seeded.test-util.js';

function agree(table: IdTable<number>, model: Map<number, number>): void {
  expect(table.size).toBe(model.size);
  const entries = table.entries().sort((a, b) => a[0] - b[0]);
  expect(entries).toEqual([...model].sort((a, b) => a[0] - b[0]));
}

describe('IdTable', () => {
  const pools: [string, (random: () => number, step: number) => number][] = [
    ['ids in sequence', (random, step) => step - Math.floor(random() * 40)],
    ['ids past 2^50', (random) => 2 ** 50 + Math.floor(random() * 64) * 2 ** 33 + Math.floor(random() * 8)],
    // Multiples of 1024 share their home slot in tables up to 1024 slots: long runs, wrapping.
    ['colliding ids', (random) => Math.floor(random() * 48) * 1024 + (random() < 0.2 ? 1023 : 0)],
  ];
  for (const [name, pick] of pools) {
    it(`agrees with a Map: ${name}, across seeds`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const random = rng(seed);
        const table = new IdTable<number>();
        const model = new Map<number, number>();
        for (let step = 0; step < 600; step++) {
          const id = Math.max(0, pick(random, step));
          const r = random();
          if (r < 0.45) {
            table.set(id, step);
            model.set(id, step);
          } else if (r < 0.9) {
            expect(table.delete(id)).toBe(model.delete(id));
          } else {
            expect(table.get(id)).toBe(model.get(id));
            expect(table.has(id)).toBe(model.has(id));
          }
          expect(table.size).toBe(model.size);
          expect(table.get(id)).toBe(model.get(id));
          if (step % 50 === 0) agree(table, model);
        }
        agree(table, model);
      }
    });
  }

  it('grows through a burst and shrinks as it drains, keeping every entry', () => {
    const table = new IdTable<string>();
    for (let id = 1; id <= 5000; id++) table.set(id * 3, `v${id}`);
    expect(table.size).toBe(5000);
    for (let id = 1; id <= 5000; id++) expect(table.get(id * 3)).toBe(`v${id}`);
    for (let id = 1; id <= 4990; id++) expect(table.delete(id * 3)).toBe(true);
    expect(table.entries().sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 10 }, (_, i) => [(4991 + i) * 3, `v${4991 + i}`]));
    expect(table.get(3)).toBeUndefined();
  });

  it('entries() is a snapshot: deleting while walking it removes exactly what was asked', () => {
    const table = new IdTable<number>();
    for (let id = 0; id < 200; id++) table.set(id * 16, id);
    for (const [id, v] of table.entries()) if (v % 2 === 0) table.delete(id);
    expect(table.size).toBe(100);
    for (let id = 0; id < 200; id++) expect(table.get(id * 16)).toBe(id % 2 === 0 ? undefined : id);
  });

  it('never takes an id below 0 (the empty slots\' mark) for a key: get, has and delete find nothing', () => {
    const table = new IdTable<number>();
    table.set(1, 1);
    for (const id of [-1, -2, Number.NaN]) {
      expect(table.get(id)).toBeUndefined();
      expect(table.has(id)).toBe(false);
      expect(table.delete(id)).toBe(false);
    }
    expect(table.size).toBe(1);
    expect(table.get(1)).toBe(1);
  });

  it('refuses an id that is not a non-negative safe integer', () => {
    const table = new IdTable<number>();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => table.set(bad, 1)).toThrow(/non-negative safe integer/);
    expect(table.size).toBe(0);
  });
});
