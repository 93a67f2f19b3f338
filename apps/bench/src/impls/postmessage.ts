/**
 * worker_threads `postMessage` peers for the cross-core workloads: the baselines a
 * shared-memory core-to-core path has to beat, the receiver on its own thread (so on its own
 * core on a 2-core machine), structured clone.
 *   - `postMessage`: one small object per call (both workloads);
 *   - `postMessage-batch` (`cross-core` only): the same objects in arrays of up to `batch`
 *     (default 1024) per call, the receiver counting each array's length: what a program
 *     that batches by hand gets from postMessage, without any actor machinery.
 */
import { Worker } from 'node:worker_threads';
import { Latencies, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';

/** The worker's module as a thread loads it (the built file, also when running from source). */
const WORKER = import.meta.url.endsWith('.ts')
  ? new URL(import.meta.url.replace(/\/src\/impls\/postmessage\.ts$/, '/dist/impls/pm-worker.js'))
  : new URL('./pm-worker.js', import.meta.url);

async function startWorker(mode: 'count' | 'count-batch' | 'echo', expect: number): Promise<Worker> {
  const w = new Worker(WORKER, { workerData: { mode, expect } });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  return w;
}

async function crossCore(p: Params): Promise<RunResult> {
  const n = p.messages!;
  const w = await startWorker('count', n);
  const done = new Promise<void>((r) => w.once('message', () => r()));
  const t0 = nowSec();
  for (let i = 0; i < n; i++) w.postMessage({ to: 7, k: i, body: 'hello' });
  await done;
  const seconds = nowSec() - t0;
  await w.terminate();
  return { ops: n, seconds };
}

async function crossCoreBatch(p: Params): Promise<RunResult> {
  const n = p.messages!, batch = Math.max(1, p.batch ?? 1024);
  const w = await startWorker('count-batch', n);
  const done = new Promise<void>((r) => w.once('message', () => r()));
  const t0 = nowSec();
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + batch);
    const arr: { to: number; k: number; body: string }[] = [];
    for (; i < end; i++) arr.push({ to: 7, k: i, body: 'hello' });
    w.postMessage(arr);
  }
  await done;
  const seconds = nowSec() - t0;
  await w.terminate();
  return { ops: n, seconds };
}

async function crossCoreRtt(p: Params): Promise<RunResult> {
  const rounds = p.rounds!;
  const w = await startWorker('echo', 0);
  const lat = new Latencies(rounds);
  let resolveReply: (m: unknown) => void = () => undefined;
  w.on('message', (m: unknown) => resolveReply(m));
  const t0 = nowSec();
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    const r = (await new Promise<unknown>((res) => {
      resolveReply = res;
      w.postMessage({ to: 7, k: i, body: 'hello' });
    })) as { k: number };
    lat.add((performance.now() - s) * 1000);
    if (r.k !== i) throw new Error('bad echo');
  }
  const seconds = nowSec() - t0;
  await w.terminate();
  return { ops: rounds, seconds, ...lat.summary() };
}

export const impl: Impl = {
  name: 'postMessage',
  available: async () => null,
  workloads: { 'cross-core': crossCore, 'cross-core-rtt': crossCoreRtt },
};

export const batchImpl: Impl = {
  name: 'postMessage-batch',
  available: async () => null,
  workloads: { 'cross-core': crossCoreBatch },
};

export const impls = { postMessage: impl, 'postMessage-batch': batchImpl };
