/**
 * Harness for the multi-core suites: a suite is a function of {@link MakeMulti}, so the
 * same tests run on real worker threads (`mode: 'multi'`, kinds from fixtures/kinds.mjs)
 * and on simulated cores in one thread (SimCores, across seeds). Helpers wait on the
 * engine's reactor (virtual time under simulation), never on global timers.
 */
import { existsSync } from 'node:fs';
import { afterEach, expect } from 'vitest';
import type { AnyAddr, ExitReason, Kind } from '@pd/actor';
import { createEngine, type Engine, type PlacementPolicy, SimCores } from '@pd/runtime';
import { loadKinds } from '../../src/multi/kinds-entry.js';
import { describeViolations, HostGuard, SimError, SimWorld } from '../../src/sim/index.js';

/**
 * How long a test waits for something that must come (a reply, a Down): only a bound on a
 * failure, never a measure, so it is generous — worker threads on a loaded machine can stall
 * for seconds. Under simulation it is virtual time and costs nothing.
 */
export const PATIENCE_MS = 20_000;

/** A running multi-core engine for one test (core 0 is `engine`). */
export interface MultiHarness {
  readonly engine: Engine;
  readonly cores: number;
  /** Wait `ms` of engine time. */
  sleep(ms: number): Promise<void>;
  /** Shut everything down (and check the simulation, when there is one). */
  close(deadlineMs?: number): Promise<void>;
}

export interface MultiOptions {
  readonly cores?: number;
  readonly placement?: PlacementPolicy;
}

export type MakeMulti = (options?: MultiOptions) => Promise<MultiHarness>;

export const FIXTURES = new URL('./fixtures/kinds.mjs', import.meta.url);

const WORKER_SCRIPT = new URL('../../dist/multi/worker.js', import.meta.url);

/** Real worker threads. Workers run the built runtime (`dist`), so build before testing. */
export const realThreads: MakeMulti = async (options = {}) => {
  if (!existsSync(WORKER_SCRIPT)) {
    throw new Error(`worker threads run the built runtime, and ${WORKER_SCRIPT.pathname} is missing: run \`pnpm --filter @pd/runtime run build\` (pnpm test builds first)`);
  }
  const engine = createEngine({ mode: 'multi', cores: options.cores ?? 3, entry: FIXTURES, ...(options.placement ? { placement: options.placement } : {}) });
  await engine.ready();
  return {
    engine, cores: options.cores ?? 3,
    sleep: (ms) => new Promise((resolve) => engine.reactor.setTimer(ms, resolve)),
    close: async (deadlineMs = 2000) => void (await engine.shutdown({ deadlineMs })),
  };
};

let fixtureKinds: Promise<Kind[]> | null = null;

/** Simulated cores in one thread, under `seed`, with the host guard on. */
export function simulated(seed: number): MakeMulti {
  return async (options = {}) => {
    const kinds = await (fixtureKinds ??= loadKinds(FIXTURES.href));
    const world = new SimWorld({ seed, autoRun: true });
    const guard = HostGuard.install();
    const cores = new SimCores(world, { cores: options.cores ?? 3, kinds, ...(options.placement ? { placement: options.placement } : {}) });
    const engine = cores.engine;
    return {
      engine, cores: options.cores ?? 3,
      sleep: (ms) => new Promise((resolve) => engine.reactor.setTimer(ms, resolve)),
      close: async (deadlineMs = 2000) => {
        try {
          await engine.shutdown({ deadlineMs });
        } finally {
          const leaks = guard.violations;
          guard.uninstall();
          const failure = world.failure;
          world.dispose();
          if (failure !== null) throw new Error(`simulation failure at seed ${seed}, step ${failure.step}: ${failure.message}`);
          if (leaks.length > 0) throw new SimError('sim/host-leak', `seed ${seed}: ${describeViolations(leaks)}`);
        }
      },
    };
  };
}

/** Harnesses made in a test are closed after it, pass or fail. */
export function multiFixture(make: MakeMulti): { make(options?: MultiOptions): Promise<MultiHarness> } {
  const open: MultiHarness[] = [];
  afterEach(async () => {
    const all = open.splice(0);
    await Promise.all(all.map((h) => h.close()));
  });
  return {
    async make(options) {
      const h = await make(options);
      open.push(h);
      return h;
    },
  };
}

/**
 * Poll `condition` every few ms of engine time until it holds (fails after `timeoutMs`). It
 * returns as soon as the condition holds, so the limit is generous: on real threads a busy
 * machine can leave a worker core unscheduled for a good part of a second.
 */
export async function eventually(h: MultiHarness, condition: () => boolean | Promise<boolean>, what: string, timeoutMs = PATIENCE_MS): Promise<void> {
  const start = h.engine.reactor.now();
  while (!(await condition())) {
    if (h.engine.reactor.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await h.sleep(2);
  }
}

/**
 * Waits until one ask waits on `latch` (the fixtures' `latch` kind): the actor that sent it has
 * taken its hold out of its mailbox and blocks, and an `open` sent now cannot overtake the `wait`.
 */
export async function heldOn(h: MultiHarness, latch: AnyAddr): Promise<void> {
  await eventually(h, async () => (await h.engine.ask<string, number>(latch, 'waiters')) === 1, 'the held actor blocked on the latch');
}

/** The `error` message of an exit reason (errors cross cores as Error with the same message). */
export function errorOf(reason: ExitReason): unknown {
  return reason.type === 'error' ? (reason.error instanceof Error ? reason.error.message : reason.error) : undefined;
}

/** A report a probe sent. */
export interface Report {
  readonly sig?: 'exit' | 'down';
  readonly from?: AnyAddr;
  readonly addr?: AnyAddr;
  readonly ref?: number;
  readonly reason?: ExitReason;
  readonly got?: unknown;
  readonly at: AnyAddr;
}

export function expectSameAddr(a: AnyAddr | null | undefined, b: AnyAddr): void {
  expect(a, `expected ${String(a)} to be ${String(b)}`).toBeDefined();
  expect(a!.equals(b), `expected ${String(a)} to be ${String(b)}`).toBe(true);
}
