/**
 * The runtime's behaviour suites, run again with their actors spread over the cores of a
 * simulated multi-core engine: three cores in one thread (SimCores), each its own reactor,
 * joined by simulated rings; spawns without a placement go by hash of their path (unnamed
 * ones round robin), so most messages and asks of a suite cross cores through the router,
 * the codec and the rings. Inline actors may move only because all cores share the thread
 * (`moveClosures`, a test aid). Seeds as for the sim suites: PD_SIM_SEED=3.
 *
 * Only the suites that hold as written across cores run here. The others check, right
 * after an operation, what on several cores arrives one ring hop later (`engine.info` of an
 * actor on another core, a name just freed there, a spawn error raised there — the links
 * suite among them: 11 of its 16 tests pass over cores, the other 5 read a remote actor's
 * state, `info` or children, synchronously); their cross-core counterparts are in
 * multi.suite.ts (links, monitors, Down and ExitSignal forwarded between cores,
 * supervision, registry, pub-sub, ...).
 */
import { afterAll, afterEach, beforeEach, describe, expect } from 'vitest';
import { SimCores } from '@pd/runtime';
import { describeViolations, HostGuard, SimError, SimWorld } from '../../src/sim/index.js';
import { simSeeds } from '../sim/support.js';
import type { MakeEngine } from '../suites/harness.js';
import { askSuite } from '../suites/ask.suite.js';
import { orderingSuite } from '../suites/ordering.suite.js';
import { pullSuite } from '../suites/pull.suite.js';
import { timersSuite } from '../suites/timers.suite.js';

const SUITES: [string, (make: MakeEngine) => void][] = [
  ['ordering', orderingSuite], ['ask', askSuite], ['timers', timersSuite], ['pull', pullSuite],
];

/** Messages that crossed cores in this file's tests: the spreading must really happen. */
let crossed = 0;
afterAll(() => {
  expect(crossed).toBeGreaterThan(0);
});

for (const seed of simSeeds(2)) {
  for (const [name, suite] of SUITES) {
    describe(`${name} over 3 simulated cores [sim seed ${seed}]`, () => {
      let world: SimWorld | null = null;
      let guard: HostGuard | null = null;
      let made: SimCores[] = [];
      beforeEach(() => {
        world = new SimWorld({ seed, autoRun: true });
        guard = HostGuard.install();
      });
      afterEach(() => {
        for (const cores of made) crossed += cores.routers.reduce((n, r) => n + r.stats.messagesIn, 0);
        made = [];
        const failure = world!.failure;
        const leaks = guard!.violations;
        guard!.uninstall();
        world!.dispose();
        world = null;
        if (failure !== null) throw new Error(`simulation failure at seed ${seed}, step ${failure.step}: ${failure.message}`);
        if (leaks.length > 0) throw new SimError('sim/host-leak', `seed ${seed}: ${describeViolations(leaks)}`);
      });
      suite((options) => {
        if (world === null) throw new Error('make() outside a test');
        const cores = new SimCores(world, { ...options, cores: 3, host: `cores${made.length}`, placement: { default: 'hash' }, moveClosures: true });
        made.push(cores);
        return cores.engine;
      });
    });
  }
}
