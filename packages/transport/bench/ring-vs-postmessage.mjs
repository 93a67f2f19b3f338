// Throughput micro-measure (not a test): small messages from the main thread to a worker,
// through the shared-memory ring versus worker_threads postMessage. Needs a build first
// (`pnpm --filter @pd/transport run build`). Usage:
//   node packages/transport/bench/ring-vs-postmessage.mjs [messages=1000000] [runs=5] [batch=256]
// Each run: a fresh worker, a warm-up of 20% untimed, then the clock runs from the first timed
// send until the worker has decoded the last message. Variants take turns within each round.
/* global console, process, URL */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
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
  const runs = Number(process.argv[3] ?? 5);
  const batch = Number(process.argv[4] ?? 256);
  const names = {
    pm: 'postMessage, one object per call',
    pmBatch: `postMessage, arrays of ${batch}`,
    ringFrames: 'ring, one frame per message (publish per batch)',
    ringOff: `ring, ${batch} messages per frame, records off`,
    ringOn: `ring, ${batch} messages per frame, records on`,
  };
  const variants = {
    pm: () => viaPostMessage(total, 1),
    pmBatch: () => viaPostMessage(total, batch),
    ringFrames: () => viaRing(total, batch, 'frames', false),
    ringOff: () => viaRing(total, batch, 'batch', false),
    ringOn: () => viaRing(total, batch, 'batch', true),
  };
  console.log(`node ${process.version}, ${availableParallelism()} cores, ${total} messages per run, median of ${runs} runs`);
  const rates = Object.fromEntries(Object.keys(variants).map((key) => [key, []]));
  for (let r = 0; r < runs; r++) {
    for (const [key, run] of Object.entries(variants)) rates[key].push(await run());
  }
  const median = {};
  for (const [key, list] of Object.entries(rates)) {
    median[key] = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    console.log(`${names[key].padEnd(50)} ${fmt(median[key])} msg/s   (runs: ${list.map(fmt).join(', ')})`);
  }
  console.log(`batched ring (records on) / postMessage per object: ${(median.ringOn / median.pm).toFixed(2)}x`);
  console.log(`batched ring (records on) / postMessage arrays:     ${(median.ringOn / median.pmBatch).toFixed(2)}x`);
}

function fmt(rate) {
  return `${(rate / 1e6).toFixed(2)}M`;
}

/** Starts a worker; `next()` resolves with its next message. */
function spawn(data) {
  const w = new Worker(new URL(import.meta.url), { workerData: data });
  const inbox = [];
  const waiting = [];
  w.on('message', (m) => (waiting.length > 0 ? waiting.shift().resolve(m) : inbox.push(m)));
  w.on('error', (error) => waiting.splice(0).forEach((p) => p.reject(error)));
  const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  return { w, next };
}

async function viaPostMessage(total, batch) {
  const warm = Math.floor(total / 5);
  const { w, next } = spawn({ mode: 'postMessage', warm, total });
  const send = (count) => {
    if (batch === 1) {
      for (let i = 0; i < count; i++) w.postMessage(message(i));
      return;
    }
    for (let i = 0; i < count;) {
      const group = [];
      for (let j = 0; j < batch && i < count; j++) group.push(message(i++));
      w.postMessage(group);
    }
  };
  send(warm);
  await next();
  const start = performance.now();
  send(total);
  const received = await next();
  const rate = total / ((performance.now() - start) / 1000);
  await w.terminate();
  if (received !== warm + total) throw new Error(`postMessage: ${received} of ${warm + total} arrived`);
  return rate;
}

async function viaRing(total, batch, mode, records) {
  const warm = Math.floor(total / 5);
  const buffer = createRing(1 << 20);
  const { w, next } = spawn({ mode, warm, total, buffer, records });
  const codec = new Codec({ records });
  const producer = new RingProducer(buffer);
  const group = [];
  const send = async (count) => {
    for (let i = 0; i < count;) {
      group.length = 0;
      for (let j = 0; j < batch && i < count; j++) group.push(message(i++));
      if (mode === 'batch') stageBatchFrame(producer, codec, HEADER, group);
      else for (const m of group) stageFrame(producer, codec, HEADER, m);
      producer.publish();
      // Overflow is the safety net, not the plan: when the ring is full, wait (without blocking).
      while (producer.overflowFrames > 0) {
        await producer.waitForSpace();
        producer.flush();
      }
    }
  };
  await send(warm);
  await next();
  const start = performance.now();
  await send(total);
  const received = await next();
  const rate = total / ((performance.now() - start) / 1000);
  await w.terminate();
  if (received !== warm + total) throw new Error(`ring: ${received} of ${warm + total} arrived`);
  if (process.env.RING_STATS) console.log(`  ${mode} records=${records}: ${JSON.stringify(producer.stats)}`);
  return rate;
}

async function worker() {
  const { mode, warm, total } = workerData;
  const all = warm + total;
  if (mode === 'postMessage') {
    let count = 0;
    parentPort.on('message', (m) => {
      count += Array.isArray(m) ? m.length : 1;
      if (count === warm || count === all) parentPort.postMessage(count);
    });
    return;
  }
  // The parentPort listener keeps this thread alive while it sits in Atomics.waitAsync.
  parentPort.on('message', () => {});
  const codec = new Codec({ records: workerData.records });
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
    if (count === warm) parentPort.postMessage(count);
  };
  while (count < all) {
    if (consumer.read(256, onFrame) === 0) await consumer.waitAsync();
  }
  if (checksum !== (warm * (warm - 1)) / 2 + (total * (total - 1)) / 2) throw new Error('ring: checksum mismatch');
  parentPort.postMessage(count);
}
