/**
 * planted-lost-update (tagged `planted`: a deliberately broken, test-only scenario, run only
 * when named). A counter store and an incrementer: each increment reads the counter (an
 * ask), thinks for up to 2 ms, then writes back the value read plus one (another ask). Two
 * increments that overlap in time lose an update. Requests arrive at seeded times, so only
 * some seeds overlap two of them: the runner has to find one, shrink it (to two requests),
 * and replay it.
 */
import { type Addr, type Context, defineKind } from '@pd/actor';
import { defineScenario, type SimContext } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

type StoreMsg = { t: 'get' } | { t: 'set'; v: number };
type IncMsg = { t: 'go'; thinkMs: number } | { t: 'write'; v: number };

const state = perRun(() => ({ value: 0, done: 0 }));

const Store = defineKind<StoreMsg, { sim: SimContext }>('planted-store', ({ sim }) => ({
  receive(m: StoreMsg) {
    const s = state(sim);
    if (m.t === 'get') return s.value;
    s.value = m.v;
    return true;
  },
}));

const Incrementer = defineKind<IncMsg, { store: Addr<StoreMsg>; sim: SimContext }>('planted-incrementer', ({ store, sim }) => ({
  async receive(m: IncMsg, ctx: Context<IncMsg>) {
    if (m.t === 'go') {
      const v = await ctx.ask<StoreMsg, number>(store, { t: 'get' });
      ctx.sendAfter(ctx.self, { t: 'write', v }, m.thinkMs); // the race: read, think, write
      return;
    }
    await ctx.ask(store, { t: 'set', v: m.v + 1 });
    state(sim).done++;
  },
}));

export const plantedLostUpdate = defineScenario({
  name: 'planted-lost-update',
  description: 'PLANTED BUG: read-think-write increments that overlap lose an update',
  tags: ['planted'],
  nodes: 1,
  size: 10,
  durationMs: 1000,
  quietMs: 1000,
  boot(node, sim) {
    const store = node.engine.spawn(Store, { args: { sim } });
    const inc = node.engine.spawn(Incrementer, { args: { store, sim } });
    // One request per workload draw w: at floor(w / 1000) ms, thinking (w % 1000) / 500 ms.
    // Each request is self-contained, so shrinking can drop and simplify them one by one.
    for (const w of sim.workload()) sim.at(Math.floor(w / 1000), () => node.engine.send(inc, { t: 'go', thinkMs: (w % 1000) / 500 }));
  },
  converged: (sim) => state(sim).done === sim.workload().length || `${state(sim).done}/${sim.workload().length} increments done`,
  check(sim) {
    const { value, done } = state(sim);
    return value === done ? true : `lost update: the counter is ${value} after ${done} increments`;
  },
});
