/**
 * Test support for the simulation: run a behaviour suite (a function of `MakeEngine`)
 * under the simulation reactor, once per seed. Each test gets a fresh self-driven world
 * with the seed and the host guard on; after the test (and after the suite's own engine
 * shutdown) a simulation failure or a real timer, clock or Math.random used by the code
 * under test fails it, naming where.
 *
 * Seeds: PD_SIM_SEEDS=N runs seeds 1..N (default `defaultCount`); PD_SIM_SEED=S runs only S
 * (to replay a failure: the describe title names the seed).
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { MakeEngine } from '../suites/harness.js';
import type { HarnessFactory } from '../supervision/harness.js';
import { describeViolations, HostGuard, SimError, SimWorld, type SimWorldOptions } from '../../src/sim/index.js';

export function simSeeds(defaultCount = 5): number[] {
  const one = process.env.PD_SIM_SEED;
  if (one !== undefined && one !== '') return [Number(one)];
  const count = Number(process.env.PD_SIM_SEEDS ?? defaultCount);
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** `describe` the suite once per seed, each test in a fresh self-driven world. */
export function describeUnderSim(name: string, suite: (make: MakeEngine) => void, seeds: readonly number[], options: Omit<SimWorldOptions, 'seed' | 'autoRun'> = {}): void {
  for (const seed of seeds) {
    describe(`${name} [sim seed ${seed}]`, () => {
      let world: SimWorld | null = null;
      let guard: HostGuard | null = null;
      beforeEach(() => {
        world = new SimWorld({ ...options, seed, autoRun: true });
        guard = HostGuard.install();
      });
      // Registered first, so it runs after the suite's own afterEach (engine shutdown).
      afterEach(() => {
        const failure = world!.failure;
        const leaks = guard!.violations;
        guard!.uninstall();
        world!.dispose();
        world = null;
        if (failure !== null) throw new Error(`simulation failure at seed ${seed}, step ${failure.step}: ${failure.message}`);
        if (leaks.length > 0) throw new SimError('sim/host-leak', `seed ${seed}: ${describeViolations(leaks)}`);
      });
      suite((engineOptions) => {
        if (world === null) throw new Error('make() outside a test');
        return world.engine(engineOptions);
      });
    });
  }
}

/**
 * `describe` a supervision conformance suite (a function of a `HarnessFactory`) once per
 * seed. Its harness holds virtual time: time moves only with `advance(ms)`, as on the
 * manual reactor the suite was written against, while scheduling is the simulation's.
 */
export function describeConformanceUnderSim(name: string, suite: (factory: HarnessFactory) => void, seeds: readonly number[], options: Pick<SimWorldOptions, 'schedule'> = {}): void {
  for (const seed of seeds) {
    describe(`${name} [sim seed ${seed}]`, () => {
      let worlds: SimWorld[] = [];
      let guard: HostGuard | null = null;
      beforeEach(() => {
        guard = HostGuard.install();
      });
      afterEach(() => {
        const failure = worlds.map((w) => w.failure).find((f) => f !== null);
        const leaks = guard!.violations;
        guard!.uninstall();
        for (const w of worlds) w.dispose();
        worlds = [];
        if (failure != null) throw new Error(`simulation failure at seed ${seed}, step ${failure.step}: ${failure.message}`);
        if (leaks.length > 0) throw new SimError('sim/host-leak', `seed ${seed}: ${describeViolations(leaks)}`);
      });
      suite((harness = {}) => {
        const world = new SimWorld({ seed: (seed + (harness.seed ?? 0)) >>> 0, autoRun: true, minTimerMs: 0, schedule: { ...options.schedule, turnCostMs: 0 } });
        world.holdTime();
        worlds.push(world);
        const engine = world.engine(harness.kinds === undefined ? {} : { kinds: harness.kinds });
        return {
          engine,
          settle: () => world.settle(),
          advance: (ms: number) => world.advanceTime(ms),
          now: () => engine.reactor.now(),
          delay: (ms: number) => new Promise<void>((resolve) => engine.reactor.setTimer(ms, resolve)),
          async dispose(): Promise<void> {
            const done = engine.shutdown({ deadlineMs: 1 });
            for (let i = 0; i < 5; i++) await world.advanceTime(1);
            await done;
          },
        };
      });
    });
  }
}
