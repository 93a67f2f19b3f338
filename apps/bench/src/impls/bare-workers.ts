/**
 * bare-v8-workers: the machine's own scaling ceiling for `multi-scale`. `cores` worker
 * threads, each running the bare-V8 ping-pong (./bare.ts's FIFO mailboxes and run queue,
 * one handler call per message) alone, with no traffic between them: pair `i` of `pairs`
 * plays on thread `i % cores`, `rounds / pairs` round trips each, with the same messages as
 * pd-multi's pairs (a `{ k, from }` ball out, the number back). The clock runs from the
 * start signal to the last thread's answer, as pd-multi's runs from the first serve to the
 * last `done`. The bench thread only waits (pd-multi uses it as core 0). Threads are kept per
 * core count for the process, so the warm-up runs warm them too (as pd-multi keeps its engine).
 */
import { Worker } from 'node:worker_threads';
import { nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';

/** The thread's module as a worker loads it (the built file, also when running from source). */
const THREAD = import.meta.url.endsWith('.ts')
  ? new URL(import.meta.url.replace(/\/src\/impls\/bare-workers\.ts$/, '/dist/impls/bare-workers-thread.js'))
  : new URL('./bare-workers-thread.js', import.meta.url);

const pools = new Map<number, Promise<Worker[]>>();

function pool(cores: number): Promise<Worker[]> {
  let p = pools.get(cores);
  if (p === undefined) {
    p = Promise.all(
      Array.from({ length: cores }, () => {
        const w = new Worker(THREAD);
        return new Promise<Worker>((resolve, reject) => {
          w.once('message', () => resolve(w));
          w.once('error', reject);
        });
      }),
    );
    pools.set(cores, p);
  }
  return p;
}

/** Terminate the kept threads (tests; the bench's child process just exits). */
export async function closeWorkers(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  for (const p of all) await Promise.all((await p).map((w) => w.terminate()));
}

/** multi-scale on `cores` of the kept threads (bare-v8's row is this on one). */
export async function threadsScale(cores: number, p: Params): Promise<RunResult> {
  const pairs = p.pairs!, rounds = p.rounds!;
  const per = Math.max(1, Math.floor(rounds / pairs));
  const ws = await pool(cores);
  const share = ws.map((_, k) => Math.floor(pairs / cores) + (k < pairs % cores ? 1 : 0));
  const t0 = nowSec();
  const played = await Promise.all(
    ws.map(
      (w, k) =>
        new Promise<number>((resolve, reject) => {
          if (share[k] === 0) return resolve(0);
          w.once('message', (n: number) => resolve(n));
          w.once('error', reject);
          w.postMessage({ pairs: share[k], per });
        }),
    ),
  );
  const seconds = nowSec() - t0;
  for (const w of ws) w.removeAllListeners('error');
  const ops = played.reduce((a, b) => a + b, 0);
  if (ops !== per * pairs) throw new Error(`threads played ${ops} round trips, expected ${per * pairs}`);
  return { ops, seconds };
}

export const impl: Impl = {
  name: 'bare-v8-workers',
  available: async () => null,
  workloads: { 'multi-scale': (p) => threadsScale(Math.max(1, p.cores ?? 2), p) },
};
