/**
 * worker_threads `postMessage` peer for the cross-core workloads: the baseline a
 * shared-memory core-to-core path has to beat. One small object per message, structured
 * clone, the receiver on its own thread (so on its own core on a 2-core machine).
 */
import { Worker } from 'node:worker_threads';
import { Latencies, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';

async function startWorker(mode: 'count' | 'echo', expect: number): Promise<Worker> {
  const w = new Worker(new URL('./pm-worker.js', import.meta.url), { workerData: { mode, expect } });
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
