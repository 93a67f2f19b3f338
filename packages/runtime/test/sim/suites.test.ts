/**
 * The runtime's behaviour suites (test/suites/*.suite.ts, test/supervision/*.suite.ts),
 * run under the simulation reactor across seeds: seeded choices among ready actors, seeded
 * preemption and turn costs, same-instant events shuffled, virtual time. Every export
 * named `<area>Suite` (a function of MakeEngine) or `<area>Conformance` (a function of the
 * supervision HarnessFactory) is picked up, so new suites join without edits here.
 * Replay one seed: PD_SIM_SEED=3 pnpm exec vitest run packages/runtime/test/sim/suites.test.ts
 */
import { describeConformanceUnderSim, describeUnderSim, simSeeds } from './support.js';
import type { HarnessFactory } from '../supervision/harness.js';
import type { MakeEngine } from '../suites/harness.js';

type SuiteModule = Record<string, unknown>;
const modules = {
  ...(import.meta as any).glob('../suites/*.suite.ts', { eager: true }),
  ...(import.meta as any).glob('../supervision/*.suite.ts', { eager: true }),
} as Record<string, SuiteModule>;

const seeds = simSeeds(5);
for (const [file, mod] of Object.entries(modules).sort(([a], [b]) => a.localeCompare(b))) {
  for (const [name, suite] of Object.entries(mod)) {
    if (typeof suite !== 'function') continue;
    const title = `${file.replace(/^\.\.\//, '')}: ${name}`;
    if (name.endsWith('Suite')) describeUnderSim(title, suite as (make: MakeEngine) => void, seeds);
    else if (name.endsWith('Conformance')) describeConformanceUnderSim(title, suite as (factory: HarnessFactory) => void, seeds);
  }
}
