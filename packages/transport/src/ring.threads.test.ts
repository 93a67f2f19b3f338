// The ring between two real threads (worker_threads), both directions: every frame once,
// in order and intact, through wrap-around, full rings, overflow and sleeping ends.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { createRing } from './ring.js';
import { RingConsumer } from './ring-consumer.js';
import { RingProducer } from './ring-producer.js';

// A worker thread runs plain JavaScript, while vitest runs this package from TypeScript
// source. So the ring's own modules are transpiled (no bundling, no build step) into a
// temporary folder that the worker imports: both threads run the code under test.
const MODULES = ['errors', 'ring', 'ring-producer', 'ring-consumer'];
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-ring-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  // The ring modules import @pd/actor (their errors are PdErrors): the built package, as in production.
  mkdirSync(join(dir, 'node_modules', '@pd'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../../actor', import.meta.url)), join(dir, 'node_modules', '@pd', 'actor'), 'dir');
  for (const name of MODULES) {
    const source = readFileSync(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    writeFileSync(join(dir, `${name}.js`), outputText);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Frame `seq`: its length varies with seq (4..300 bytes), its bytes follow a pattern. */
const FRAME_SOURCE = `
function frame(seq) {
  const length = 4 + ((seq * 7919) % 297);
  const bytes = new Uint8Array(length);
  new DataView(bytes.buffer).setUint32(0, seq, true);
  for (let i = 4; i < length; i++) bytes[i] = (seq + i) & 0xff;
  return bytes;
}
function check(bytes, offset, length, expected) {
  const seq = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
  if (seq !== expected) throw new Error('expected frame ' + expected + ', got ' + seq);
  if (length !== 4 + ((seq * 7919) % 297)) throw new Error('frame ' + seq + ' has length ' + length);
  for (let i = 4; i < length; i++) if (bytes[offset + i] !== ((seq + i) & 0xff)) throw new Error('frame ' + seq + ' corrupt at ' + i);
}`;
const { frame, check } = new Function(`${FRAME_SOURCE}; return { frame, check };`)() as {
  frame: (seq: number) => Uint8Array;
  check: (bytes: Uint8Array, offset: number, length: number, expected: number) => void;
};

function startWorker(body: string, workerData: Record<string, unknown>): { worker: Worker; done: Promise<unknown> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    ${FRAME_SOURCE}
    // A pending Atomics.waitAsync does not keep a thread alive: this handle does (an engine's reactor holds one).
    const keepAlive = setInterval(() => {}, 1 << 30);
    (async () => {
      const { RingProducer } = await import(workerData.dir + '/ring-producer.js');
      const { RingConsumer } = await import(workerData.dir + '/ring-consumer.js');
      ${body}
    })().then((result) => parentPort.postMessage({ ok: true, result }), (error) => parentPort.postMessage({ ok: false, error: String(error && error.stack || error) }))
      .finally(() => clearInterval(keepAlive));`;
  const worker = new Worker(code, { eval: true, workerData: { ...workerData, dir: pathToFileURL(dir).href } });
  const done = new Promise<unknown>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; result?: unknown; error?: string }) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (code ${code}) before reporting`)));
  });
  return { worker, done };
}

const FRAMES = 30_000;

describe('ring between two real threads', () => {
  it('carries every frame once, in order, from a worker producer to a main-thread consumer (waitAsync)', async () => {
    const buffer = createRing(4096); // small: forces wrap-around, full rings and overflow
    const { worker, done } = startWorker(`
      const producer = new RingProducer(workerData.buffer);
      let seq = 0;
      while (seq < workerData.frames) {
        const batch = 1 + ((seq * 31) % 17);
        for (let i = 0; i < batch && seq < workerData.frames; i++) producer.stage(frame(seq++));
        producer.publish();
        while (producer.overflowFrames > 32) {
          await producer.waitForSpace();
          producer.flush();
        }
      }
      while (!producer.flush()) await producer.waitForSpace();
      return producer.stats;`, { buffer, frames: FRAMES });
    done.catch(() => consumer.close()); // a failing worker must not leave the consumer asleep

    const consumer = new RingConsumer(buffer);
    let expected = 0;
    while (expected < FRAMES) {
      const n = consumer.read(64, (bytes, offset, length) => check(bytes, offset, length, expected++));
      if (n === 0 && (await consumer.waitAsync()) === 'closed') break;
    }
    const stats = (await done) as { framesWritten: number; framesOverflowed: number };
    expect(expected).toBe(FRAMES);
    expect(stats.framesWritten).toBe(FRAMES);
    expect(consumer.isEmpty).toBe(true);
    await worker.terminate();
  });

  it('carries every frame once, in order, from the main thread to a worker consumer (waitSync)', async () => {
    const buffer = createRing(8192);
    const { worker, done } = startWorker(`
      const consumer = new RingConsumer(workerData.buffer);
      let expected = 0;
      while (expected < workerData.frames) {
        const n = consumer.read(128, (bytes, offset, length) => check(bytes, offset, length, expected++));
        if (n === 0 && consumer.waitSync() === 'closed') break;
      }
      return expected;`, { buffer, frames: FRAMES });
    done.catch(() => producer.close());

    const producer = new RingProducer(buffer);
    const frames: Uint8Array[] = [];
    for (let seq = 0; seq < FRAMES;) {
      frames.length = 0;
      const batch = 1 + ((seq * 13) % 40);
      for (let i = 0; i < batch && seq < FRAMES; i++) frames.push(frame(seq++));
      producer.writeMany(frames);
      while (producer.overflowFrames > 64 && (await producer.waitForSpace()) !== 'closed') producer.flush();
    }
    while (!producer.flush() && (await producer.waitForSpace()) !== 'closed');
    expect(await done).toBe(FRAMES);
    await worker.terminate();
  });
});
