// Throughput micro-measure (not a test): small messages from the main thread to a worker,
// through the shared-memory ring versus worker_threads postMessage. Needs a build first
// (`pnpm --filter @pd/transport run build`). Usage:
//   node packages/transport/bench/ring-vs-postmessage.mjs [messages=1000000] [runs=3] [batch=256]
// Each run gets a fresh worker; the clock runs from the first send until the worker has
// decoded the last message and said so. Figures are messages per second, median of runs.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import {
  Codec, MessageKind, RingConsumer, RingProducer, createRing, decodeFrame, stageBatchFrame, stageFrame,
} from '../dist/index.js';

const HEADER = {
  flags: 0, kind: MessageKind.user, priority: 0, source: { node: 1, core: 0, slot: 1, generation: 1, secret: 11 },
  destination: { node: 1, core: 1, slot: 2, generation: 1, secret: 22 }, correlationId: 0, deadlineMs: null, trace: null,
};
const message = (i) => ({ seq: i, op: 'put', key: `user-${i & 1023}`, value: i * 3, ok: true });

if (isMainThread) await main();
else await worker();

async function main() {
  const total = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const batch = Number(process.argv[4] ?? 256);
  const variants = {
    'postMessage, one object per call': () => viaPostMessage(total, 1),
    [`postMessage, arrays of ${batch}`]: () => viaPostMessage(total, batch),
    'ring, one frame per message (publish per batch)': () => viaRing(total, batch, 'frames', false),
    [`ring, ${batch} messages per frame, records off`]: () => viaRing(total, batch, 'batch', false),
    [`ring, ${batch} messages per frame, records on`]: () => viaRing(total, batch, 'batch', true),
  };
  console.log(`node ${process.version}, ${total} messages, median of ${runs} runs, ${navigatorCores()} cores`);
  // Variants take turns within each round, so load that drifts during the run hits all alike.
  const rates = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, run] of Object.entries(variants)) rates[name].push(await run());
  }
  const results = {};
  for (const [name, list] of Object.entries(rates)) {
    const sorted = [...list].sort((a, b) => a - b);
    results[name] = sorted[Math.floor(sorted.length / 2)];
    console.log(`${name.padEnd(52)} ${fmt(results[name])} msg/s   (runs: ${list.map(fmt).join(', ')})`);
  }
  const best = results[`ring, ${batch} messages per frame, records on`];
  console.log(`ratio batched ring (records on) / postMessage per object: ${(best / results['postMessage, one object per call']).toFixed(2)}x`);
  console.log(`ratio batched ring (records on) / postMessage arrays:     ${(best / results[`postMessage, arrays of ${batch}`]).toFixed(2)}x`);
}

function navigatorCores() {
  return globalThis.navigator?.hardwareConcurrency ?? '?';
}

function fmt(rate) {
  return `${(rate / 1e6).toFixed(2)}M`;
}

function spawn(data) {
  const w = new Worker(new URL(import.meta.url), { workerData: data });
  const done = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return { w, done };
}

async function viaPostMessage(total, batch) {
  const { w, done } = spawn({ mode: 'postMessage', total });
  await new Promise((resolve) => w.once('online', resolve));
  const start = performance.now();
  if (batch === 1) {
    for (let i = 0; i < total; i++) w.postMessage(message(i));
  } else {
    for (let i = 0; i < total;) {
      const group = [];
      for (let j = 0; j < batch && i < total; j++) group.push(message(i++));
      w.postMessage(group);
    }
  }
  const received = await done;
  const rate = total / ((performance.now() - start) / 1000);
  await w.terminate();
  if (received !== total) throw new Error(`postMessage: ${received} of ${total} arrived`);
  return rate;
}

async function viaRing(total, batch, mode, records) {
  const buffer = createRing(1 << 20);
  const { w, done } = spawn({ mode, total, buffer });
  await new Promise((resolve) => w.once('online', resolve));
  const codec = new Codec({ records });
  const producer = new RingProducer(buffer);
  const group = [];
  const start = performance.now();
  for (let i = 0; i < total;) {
    group.length = 0;
    for (let j = 0; j < batch && i < total; j++) group.push(message(i++));
    if (mode === 'batch') stageBatchFrame(producer, codec, HEADER, group);
    else for (const m of group) stageFrame(producer, codec, HEADER, m);
    producer.publish();
    // Backpressure: keep overflow small by waiting (without blocking) for the consumer.
    while (producer.overflowBytes > (1 << 20)) {
      await producer.waitForSpace();
      producer.flush();
    }
  }
  while (!producer.flush()) await producer.waitForSpace();
  const received = await done;
  const rate = total / ((performance.now() - start) / 1000);
  await w.terminate();
  if (received !== total) throw new Error(`ring: ${received} of ${total} arrived`);
  return rate;
}

async function worker() {
  const { mode, total } = workerData;
  if (mode === 'postMessage') {
    let count = 0;
    parentPort.on('message', (m) => {
      count += Array.isArray(m) ? m.length : 1;
      if (count >= total) parentPort.postMessage(count);
    });
    return;
  }
  // The parentPort listener keeps this thread alive while it sits in Atomics.waitAsync.
  parentPort.on('message', () => {});
  const codec = new Codec();
  const consumer = new RingConsumer(workerData.buffer);
  let count = 0;
  let checksum = 0;
  let header = null;
  const onFrame = (_bytes, offset, length) => {
    const frame = decodeFrame(codec, consumer, offset, length, header);
    header = frame.header;
    if (mode === 'batch') {
      for (const m of frame.body) checksum += m.seq;
      count += frame.body.length;
    } else {
      checksum += frame.body.seq;
      count++;
    }
  };
  while (count < total) {
    if (consumer.read(256, onFrame) === 0) await consumer.waitAsync();
  }
  if (checksum !== (total * (total - 1)) / 2) throw new Error('ring: checksum mismatch');
  parentPort.postMessage(count);
}
