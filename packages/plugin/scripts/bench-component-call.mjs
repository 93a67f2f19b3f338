#!/usr/bin/env node
// The cost of one call to a WebAssembly component through jco's wrapper, as an actor sees
// it: messages { call: 'add', args: [i, 1] } to an actor of the example component
// (examples/greeter-component-as), against the same messages to a TypeScript actor that
// adds. Sends, then one ask to wait for them all, so the figure is per message without an
// ask's round trip. The difference is what the component adds per call: jco's wrapper
// (argument lowering, its task bookkeeping) plus the host's meter. Prints µs per message,
// of wall time and of this process's CPU time (user + system: steadier on a shared machine).
// Also times the same call made directly on jco's wrapper (no actor, no meter), and on the
// core module's export without jco, for scale.
// Needs the package built (dist/ and the example, `pnpm build`).
// `node scripts/bench-component-call.mjs [messages]`
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@pd/runtime';
import { componentCall, loadComponent } from '../dist/index.js';
import { buildGreeterComponent } from './build-examples.mjs';

const messages = Number(process.argv[2] ?? 200_000);
const wasm = fileURLToPath(new URL('../examples/greeter-component-as/build/greeter.component.wasm', import.meta.url));
if (!existsSync(wasm)) await buildGreeterComponent();

const adder = { receive: (m) => m.args[0] + m.args[1] };

async function timeOne(spawn) {
  const engine = createEngine();
  const a = spawn(engine);
  for (let i = 0; i < 1000; i++) await engine.ask(a, componentCall('add', i, 1)); // warm-up
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < messages; i++) engine.send(a, componentCall('add', i, 1));
  const last = await engine.ask(a, componentCall('add', 41, 1), { timeoutMs: 600_000 });
  const cpu = process.cpuUsage(c0);
  const wall = ((performance.now() - t0) * 1000) / (messages + 1);
  if (last !== 42) throw new Error(`bench: expected 42, got ${last}`);
  await engine.shutdown();
  return { wall, cpu: (cpu.user + cpu.system) / (messages + 1) };
}

const metered = await loadComponent('greeter', wasm, { limits: { fuel: 1_000_000 } });
const unmetered = await loadComponent('greeter-unmetered', wasm, { limits: { fuel: false, timeoutMs: false, unmetered: true } });
const rows = [
  ['TypeScript actor (baseline)', await timeOne((e) => e.spawn(adder))],
  ['component, fuel and timeout on', await timeOne((e) => e.spawn(metered.kind))],
  ['component, unmetered', await timeOne((e) => e.spawn(unmetered.kind))],
];

/** `fn` called `messages` times in a loop: µs per call, wall and CPU. */
function timeLoop(fn) {
  for (let i = 0; i < 10_000; i++) fn(i, 1);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < messages; i++) sum += fn(i, 1);
  const cpu = process.cpuUsage(c0);
  if (!(sum > 0)) throw new Error('bench: no result');
  return { wall: ((performance.now() - t0) * 1000) / messages, cpu: (cpu.user + cpu.system) / messages };
}

// jco's wrapper without this package: transpile, instantiate with plain WebAssembly.
const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
const out = await transpileBytes(readFileSync(wasm), { name: 'component', instantiation: 'async', emitTypescriptDeclarations: false });
const dir = mkdtempSync(join(tmpdir(), 'pd-bench-component-'));
writeFileSync(join(dir, 'component.mjs'), out.files['component.js']);
const glue = await import(pathToFileURL(join(dir, 'component.mjs')).href);
rmSync(dir, { recursive: true, force: true });
const direct = await glue.instantiate((file) => new WebAssembly.Module(out.files[file]),
  { 'pd:host/log': { log: () => {} }, 'pd:host/clock': { now: () => 0 } });
const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasm.replace('component.wasm', 'core.wasm'))),
  { 'pd:host/log@0.1.0': { log: () => {} }, 'pd:host/clock@0.1.0': { now: () => 0 } });
rows.push(['jco wrapper called directly', timeLoop(direct.add)], ['core export, no jco', timeLoop(core.exports.add)]);

const base = rows[0][1];
const fmt = (us, b) => `${us.toFixed(2).padStart(7)}${b === undefined || us === b ? '         ' : ` (+${(us - b).toFixed(2)})`.padEnd(9)}`;
console.log(`${messages} messages or calls each (Node ${process.version}); µs per message or call, (+ over the baseline actor)`);
console.log(`${''.padEnd(34)} ${'wall'.padStart(7)}          ${'cpu'.padStart(7)}`);
for (const [index, [label, { wall, cpu }]] of rows.entries()) {
  const actor = index < 3; // the last rows are plain calls, not messages: no baseline
  console.log(`${label.padEnd(34)} ${fmt(wall, actor ? base.wall : undefined)} ${fmt(cpu, actor ? base.cpu : undefined)}`);
}
