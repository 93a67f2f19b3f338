/**
 * Scenario helper: state that belongs to one run of a scenario (a scenario object is
 * shared by every run; its `boot`, `start` and checks find their run's state through the
 * context they are given).
 */
import type { SimContext } from '../../../src/sim/index.js';

export function perRun<T>(init: (sim: SimContext) => T): (sim: SimContext) => T {
  const states = new WeakMap<SimContext, T>();
  return (sim) => {
    let state = states.get(sim);
    if (state === undefined) {
      state = init(sim);
      states.set(sim, state);
    }
    return state;
  };
}
