#!/usr/bin/env node
// The cost of one call to a WebAssembly component through jco's wrapper, as an actor sees
// it: messages { call: 'add', args: [i, 1] } to an actor of the example component
// (examples/greeter-component-as), against the same messages to a TypeScript actor that
// adds. Sends, then one ask to wait for them all, so the figure is per message without an
// ask's round trip. The difference is what the component adds per call: jco's wrapper
// (argument lowering, its task bookkeeping) plus the host's meter. Prints µs per message,
// of wall time and of this process's CPU time (user + system: steadier on a shared machine).
// Needs the package built (dist/ and the example, `pnpm build`).
// `node scripts/bench-component-call.mjs [messages]`
import { existsSync } from 'node:fs';
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
const base = rows[0][1];
const fmt = (us, b) => `${us.toFixed(2).padStart(7)}${us === b ? '         ' : ` (+${(us - b).toFixed(2)})`.padEnd(9)}`;
console.log(`${messages} messages each (Node ${process.version}); µs per message, (+ over the baseline)`);
console.log(`${''.padEnd(34)} ${'wall'.padStart(7)}          ${'cpu'.padStart(7)}`);
for (const [label, { wall, cpu }] of rows) console.log(`${label.padEnd(34)} ${fmt(wall, base.wall)} ${fmt(cpu, base.cpu)}`);
