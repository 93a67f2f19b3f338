#!/usr/bin/env node
// What an idle actor's layout costs the spawn loop, without any runtime code: a million
// "actors" made and kept alive per round, in the object layouts below, each layout in its
// own processes (alternated), `--single-threaded-gc` so the collector runs on the timed thread
// (wall time of each round).
// The spawn workload is mostly garbage collection of what it keeps (docs/benchmarks.md,
// "Issue 19: what spawn's 0.8× takes"); this isolates the layout from everything else a
// spawn does. `node apps/bench/layouts/actor-layout.mjs [processes]` (default 4). Prints,
// per layout, the median over processes of the mean of each process's five fastest rounds
// of ten, and its ratio to `bare` (the bare-v8 implementation's actor).
/* global console, process */
/* eslint-disable no-unused-private-class-members -- the fields stand for what a runtime keeps; this only makes them */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const N = 1_000_000;
const ROUNDS = 10;

// The objects, as the implementations make them (Node 20: no pointer compression, so 8 bytes a
// field and 24 a header). Every layout also keeps the actor in the benchmark's array (8 B).
class Idle { receive() {} }
class Fifo { constructor() { this.buf = null; this.head = 0; this.tail = 0; } }
/** bare-v8's actor: itself 56 B + its FIFO 48 B + the behaviour 24 B = 128 B (+ 8). */
class BareActor { constructor(sys, beh) { this.box = new Fifo(); this.queued = false; this.sys = sys; this.beh = beh; } }
/** pd's cell today: seven fields, 80 B. */
class Cell { constructor(k, b, up) { this.k = k; this.flags = 0; this.self = null; this.behavior = b; this.q = null; this.handled = 0; this.up = up; } }
/** pd's address today: four public numbers, the secret and the target, 72 B. */
class Addr { #target; #secret; constructor(node, core, slot, gen, secret, target) { this.#target = target; this.#secret = secret; this.node = node; this.core = core; this.slot = slot; this.generation = gen; } }
/** The address and the cell as one object (the cell's fields private to it): eleven fields, 112 B. */
class OneObject {
  #secret; #k; #flags; #behavior; #q; #handled; #up;
  constructor(node, core, slot, gen, secret, k, b, up) {
    this.#secret = secret; this.node = node; this.core = core; this.slot = slot; this.generation = gen;
    this.#k = k; this.#flags = 0; this.#behavior = b; this.#q = null; this.#handled = 0; this.#up = up;
  }
}
const CELL = Cell.prototype;
const KIND = { name: 'idle' };

/** The actor table, as the runtime's: cells by slot in chunks of 4096 (a new chunk is young while it fills). */
class Table {
  chunks = [];
  slots = 0;
  put(cell) {
    const slot = this.slots++;
    const chunk = this.chunks[slot >>> 12] ??= new Array(4096);
    chunk[slot & 4095] = cell;
    return slot;
  }
}

// Each makes a fresh "engine" (its table and id sequence) per round, so a round keeps only its own actors.
const layouts = {
  // 56 + 48 + 24 = 128 B (+ 8)
  bare: () => (b) => new BareActor(KIND, b),
  // 80 + 72 + 24 + the table's slot 8 = 184 B (+ 8)
  pd: () => { const table = new Table(); let gen = 0; return (b) => { const cell = new Cell(KIND, b, null); const a = new Addr(1, 0, table.slots, ++gen, 12345, cell); cell.self = a; table.put(cell); return a; }; },
  // As pd, the cell made by an object literal. Once most of a literal's objects survive, V8
  // makes them in the old generation (allocation-site pretenuring), and with them what the
  // same optimized code makes and stores into them: here the address, and the behaviour
  // too, which this loop makes in the same code (checked with `%InYoungGeneration` under
  // --allow-natives-syntax): the scavenger copies nothing an actor keeps. In the runtime the
  // behaviour is made elsewhere and would stay young.
  'pd-pretenured': () => { const table = new Table(); let gen = 0; return (b) => { const cell = { __proto__: CELL, k: KIND, flags: 0, self: null, behavior: b, q: null, handled: 0, up: null }; const a = new Addr(1, 0, table.slots, ++gen, 12345, cell); cell.self = a; table.put(cell); return a; }; },
  // 112 + 24 + 8 = 144 B (+ 8)
  'one-object': () => { const table = new Table(); let gen = 0; return (b) => { const a = new OneObject(1, 0, table.slots, ++gen, 12345, KIND, b, null); table.put(a); return a; }; },
};

function child(name) {
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const spawn = layouts[name]();
    const keep = new Array(N);
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) keep[i] = spawn(new Idle());
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (keep.length !== N) throw new Error('lost actors');
  }
  times.sort((x, y) => x - y);
  const best = times.slice(0, 5);
  process.stdout.write(String(best.reduce((s, x) => s + x, 0) / best.length));
}

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else {
  const procs = Number(process.argv[2] ?? 4);
  const self = fileURLToPath(import.meta.url);
  const ms = Object.fromEntries(Object.keys(layouts).map((k) => [k, []]));
  for (let p = 0; p < procs; p++) {
    for (const name of Object.keys(layouts)) {
      const out = execFileSync(process.execPath, ['--single-threaded-gc', self, '--child', name], { encoding: 'utf8' });
      ms[name].push(Number(out));
    }
  }
  const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const bare = median(ms.bare);
  console.log(`layout            ms per 1M (median of ${procs})   × bare   per process`);
  for (const [name, v] of Object.entries(ms)) {
    console.log(`${name.padEnd(18)}${median(v).toFixed(0).padStart(10)}${(bare / median(v)).toFixed(2).padStart(20)}×   ${v.map((x) => x.toFixed(0)).join(' ')}`);
  }
}
