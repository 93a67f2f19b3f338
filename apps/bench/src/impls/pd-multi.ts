/**
 * pd-multi: Palladium in multi-core mode (`mode: 'multi'`: the bench thread is core 0, the
 * other cores are worker threads, joined by shared-memory rings). Workloads:
 *   - `cross-core`: a driver actor on core 0 sends `messages` small objects (in chunks of
 *     `chunk` per turn) to a counting actor placed on core 1; ends when it has counted all;
 *   - `cross-core-rtt`: the bench thread asks an echo actor on core 1, one request at a
 *     time; rate and round-trip latency;
 *   - `multi-scale`: independent work (`pairs` ping-pong pairs, `rounds` round trips in all)
 *     spread over `cores` cores; the `pd` row runs the same work on one core, so the ratio
 *     is the scaling over one core.
 * Kinds live in ./pd-multi-kinds.ts, which every core loads. The engine of a core count is
 * kept for the process (see `withMulti`); each run spawns its own actors.
 */
import type { Addr } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { Latencies, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';
import { type CrossMessage, kinds } from './pd-multi-kinds.js';

/** The kinds module as the worker threads load it (the built file, also when running from source). */
const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL(import.meta.url.replace(/\/src\/impls\/pd-multi\.ts$/, '/dist/impls/pd-multi-kinds.js'))
  : new URL('./pd-multi-kinds.js', import.meta.url);

/**
 * One engine per core count for the whole process, as a server keeps its engine: the
 * warm-up runs then warm the worker threads' code too (a fresh engine per run would
 * measure cold worker JIT). The child process exits after its runs.
 */
const engines = new Map<number, Promise<Engine>>();

async function withMulti<T>(cores: number, body: (engine: Engine) => Promise<T>): Promise<T> {
  let ready = engines.get(cores);
  if (ready === undefined) {
    const engine = cores === 1 ? createEngine({ id: 'bench', kinds }) : createEngine({ id: 'bench', mode: 'multi', cores, entry: ENTRY, kinds });
    engines.set(cores, (ready = engine.ready().then(() => engine)));
  }
  return body(await ready);
}

/** Shut the cached engines down (tests; the bench's child process just exits). */
export async function closeEngines(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  await Promise.all(all.map(async (e) => (await e).shutdown()));
}

/** Resolves once the actors spawned so far on the cores of `addrs` exist there (one ask per core, FIFO behind the spawns). */
async function landed(engine: Engine, addrs: readonly Addr<any>[]): Promise<void> {
  const cores = [...new Set(addrs.map((a) => a.core))];
  await Promise.all(cores.map(async (core) => {
    const probe = engine.spawn<CrossMessage>('bench.echo', { placement: { core } });
    await engine.ask(probe, { to: 0, k: 0, body: '' });
    engine.stop(probe);
  }));
}

const crossCore = (p: Params): Promise<RunResult> =>
  withMulti(2, async (engine) => {
    const n = p.messages!, chunk = p.chunk ?? 2000;
    const client = engine.client<string>();
    const sink = engine.spawn<CrossMessage>('bench.sink', { placement: { core: 1 }, args: { expect: n, notify: client.self } });
    const driver = engine.spawn('bench.driver');
    // The sink exists on core 1 before the clock starts.
    await landed(engine, [sink]);
    const t0 = nowSec();
    engine.send(driver, { to: sink, n, chunk });
    await client.receive({ timeoutMs: 600_000 });
    const seconds = nowSec() - t0;
    client.close();
    engine.stop(driver);
    engine.stop(sink);
    return { ops: n, seconds };
  });

const crossCoreRtt = (p: Params): Promise<RunResult> =>
  withMulti(2, async (engine) => {
    const rounds = p.rounds!;
    const echo = engine.spawn<CrossMessage>('bench.echo', { placement: { core: 1 } });
    await engine.ask(echo, { to: 7, k: -1, body: 'warm' });
    const lat = new Latencies(rounds);
    const t0 = nowSec();
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      const r = await engine.ask<CrossMessage, CrossMessage>(echo, { to: 7, k: i, body: 'hello' });
      lat.add((performance.now() - s) * 1000);
      if (r.k !== i) throw new Error('bad echo');
    }
    const seconds = nowSec() - t0;
    engine.stop(echo);
    return { ops: rounds, seconds, ...lat.summary() };
  });

/** `pairs` ping-pong pairs playing `rounds` round trips in all, spread over `cores` cores. */
export const multiScaleOn = (cores: number, p: Params): Promise<RunResult> =>
  withMulti(cores, async (engine) => {
    const pairs = p.pairs!, rounds = p.rounds!;
    const per = Math.max(1, Math.floor(rounds / pairs));
    const client = engine.client<string>();
    const pingers: Addr<unknown>[] = [];
    const pongers: Addr<unknown>[] = [];
    for (let i = 0; i < pairs; i++) {
      const placement = { core: i % cores };
      pingers.push(engine.spawn('bench.pinger', { placement }));
      pongers.push(engine.spawn('bench.ponger', { placement }));
    }
    // Every actor exists on its core before the clock starts.
    await landed(engine, pongers);
    const t0 = nowSec();
    for (let i = 0; i < pairs; i++) engine.send(pingers[i]!, { peer: pongers[i], rounds: per, notify: client.self });
    for (let i = 0; i < pairs; i++) await client.receive({ timeoutMs: 600_000 });
    const seconds = nowSec() - t0;
    client.close();
    for (const a of [...pingers, ...pongers]) engine.stop(a);
    return { ops: per * pairs, seconds };
  });

export const impl: Impl = {
  name: 'pd-multi',
  available: async () => null,
  workloads: {
    'cross-core': crossCore,
    'cross-core-rtt': crossCoreRtt,
    'multi-scale': (p) => multiScaleOn(p.cores ?? 2, p),
  },
};
