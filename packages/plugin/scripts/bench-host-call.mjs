#!/usr/bin/env node
// The cost of one host call from a plugin: a guest loop making `calls` calls to pd.random
// (the cheapest host function) and, separately, to pd.send to a live actor, 1000 per
// message, against the same loop without the call (which includes the per-message cost). Prints ns per call. Needs the package built (dist/).
// `node scripts/bench-host-call.mjs [calls]`
import { performance } from 'node:perf_hooks';
import wabtInit from 'wabt';
import { createEngine } from '@pd/runtime';
import { PluginHost } from '../dist/index.js';

const calls = Number(process.argv[2] ?? 1_000_000);
/** Calls per message: the sink drains between messages, as it would in an application. */
const PER_MESSAGE = 1000;
const wabt = await wabtInit();
const toBytes = (text) => {
  const m = wabt.parseWat('b.wat', text, { bulk_memory: true });
  return new Uint8Array(m.toBinary({}).buffer);
};
const moduleFor = (body) => toBytes(`(module
  (import "pd" "random" (func $random (result i32)))
  (import "pd" "send" (func $send (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1) (func (export "pd_abi_version_1"))
  (func (export "pd_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32) (local $i i32)
    (memory.copy (i32.const 4096) (local.get $p) (local.get $n))
    (i32.store8 (i32.const 8192) (i32.const 1))
    (loop $l ${body}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const ${PER_MESSAGE}))))
    (i32.const 0)))`);

const BODIES = {
  'empty loop': '',
  'pd.random': '(drop (call $random))',
  'pd.send (the integer 1, to a live actor)': '(drop (call $send (i32.const 4096) (local.get $n) (i32.const 8192) (i32.const 1)))',
};

async function timeOne(body, limits) {
  const engine = createEngine();
  const host = new PluginHost(engine);
  host.load(moduleFor(body), { name: 'b', limits });
  const a = host.spawn('b');
  let received = 0;
  const sink = engine.spawn({ receive: () => { received++; } });
  for (let i = 0; i < 100; i++) await engine.ask(a, sink); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < calls / PER_MESSAGE; i++) await engine.ask(a, sink);
  await engine.ask(sink, 'flush');
  const ms = performance.now() - t0;
  if (process.env.DEBUG) console.log('received', received, 'dead letters', engine.deadLetters().total);
  await engine.shutdown();
  return ms;
}

for (const [label, limits] of [['unmetered', { fuel: false, timeoutMs: false, unmetered: true, hostCallsPerMessage: 2 ** 31 }],
  ['fuel on', { fuel: 2 ** 40, timeoutMs: false, hostCallsPerMessage: 2 ** 31 }]]) {
  const base = await timeOne(BODIES['empty loop'], limits);
  for (const [name, body] of Object.entries(BODIES)) {
    if (name === 'empty loop') continue;
    const ms = await timeOne(body, limits);
    console.log(`${label}: ${name}: ${((ms - base) * 1e6 / calls).toFixed(0)} ns per call (loop alone ${(base * 1e6 / calls).toFixed(1)} ns/iteration)`);
  }
}

// Metering on compute: one message running a tight arithmetic loop (a hash of the counter),
// uninstrumented against fuel on. The worst case for the counter: every iteration is one
// short run plus a loop-header check.
const ITERATIONS = 20_000_000;
const compute = toBytes(`(module
  (memory (export "memory") 1) (func (export "pd_abi_version_1"))
  (func (export "pd_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32) (local $i i32) (local $h i32)
    (loop $l
      (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $i)) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const ${ITERATIONS}))))
    (i32.store (i32.const 0) (local.get $h))
    (i32.const 0)))`);
const computeMs = {};
for (const [label, limits] of [['unmetered', { fuel: false, timeoutMs: false, unmetered: true }], ['fuel on', { fuel: 2 ** 40, timeoutMs: false }], ['fuel on + 1 s deadline', { fuel: 2 ** 40, timeoutMs: 1000 }]]) {
  const engine = createEngine();
  const host = new PluginHost(engine);
  host.load(compute, { name: 'c', limits });
  const a = host.spawn('c');
  await engine.ask(a, 0);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await engine.ask(a, 0);
    best = Math.min(best, performance.now() - t0);
  }
  computeMs[label] = best;
  console.log(`compute loop, ${label}: ${(best * 1e6 / ITERATIONS).toFixed(2)} ns per iteration (best of 5), ${(best / computeMs.unmetered).toFixed(2)}× unmetered; fuel per message ${host.info('c').fuelUsed / 6}`);
  await engine.shutdown();
}
