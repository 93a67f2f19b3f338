/**
 * supervised-workers: on each of two nodes a supervisor (strategy and backoff drawn per
 * seed) keeps a set of registered workers alive while the nemesis kills or crashes them,
 * crashes whole nodes and makes clocks jump; a driver keeps asking workers through the
 * supervisor's stable addresses. Safety: every registered name resolves to a live actor or
 * to nothing; every ask settles with a reply or a typed error. Liveness: once faults
 * stop, every worker runs again under its name and asks succeed.
 */
import { AskError, type Context } from '@pd/actor';
import { type Engine, inspectSupervisor, startSupervisor, type StrategyName } from '@pd/runtime';
import { defineScenario, type SimContext } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

type Work = { t: 'work'; n: number };

const STRATEGIES: readonly StrategyName[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

const state = perRun((sim: SimContext) => {
  const rng = sim.random('supervision');
  return {
    strategy: STRATEGIES[rng.nextInt(STRATEGIES.length)]!,
    backoff: rng.next() < 0.5 ? (false as const) : { initialMs: 1 + rng.nextInt(10), maxMs: 50, jitter: 0.5 },
    okSinceQuiet: 0,
    /** Asks in flight: id → (node incarnation, virtual time sent). */
    inflight: new Map<number, { incarnation: string; at: number }>(),
    nextAsk: 0,
  };
});

function names(sim: SimContext): string[] {
  return Array.from({ length: sim.size }, (_, i) => `w${i}`);
}

export const supervisedWorkers = defineScenario({
  name: 'supervised-workers',
  description: 'supervisors keep registered workers alive under actor kills, crashes, node crashes and clock jumps',
  nodes: 2,
  size: 5,
  durationMs: 2000,
  quietMs: 10_000,
  faults: { actorCrash: true, nodeCrash: true, clockJump: true, buggify: true },
  crashable: (actor) => actor.path.startsWith('/user/sup/'),
  boot(node, sim) {
    const s = state(sim);
    const engine = node.engine;
    const sup = startSupervisor(engine, {
      strategy: s.strategy,
      intensity: 10_000,
      periodMs: 1000,
      backoff: s.backoff,
      children: names(sim).map((id) => ({ id, register: id, factory: () => ({ receive: (m: Work) => m.n * 2 }) })),
    }, { name: 'sup' });
    const targets = names(sim).map((id) => sup.stableAddr<Work>(id));
    const incarnation = `${node.name}#${node.host.epoch}`;
    engine.spawn({
      started(ctx: Context<number>) {
        ctx.send(ctx.self, 0);
      },
      receive(n: number, ctx: Context<number>) {
        const i = Math.floor(ctx.random() * targets.length);
        const id = s.nextAsk++;
        s.inflight.set(id, { incarnation, at: sim.world.now });
        ctx.ask<Work, number>(targets[i]!, { t: 'work', n }, { timeoutMs: 50 }).then(
          (reply) => {
            s.inflight.delete(id);
            sim.always(reply === n * 2, 'a worker answers its own question', { n, reply });
            if (sim.phase === 'liveness') s.okSinceQuiet++;
          },
          (error: unknown) => {
            s.inflight.delete(id);
            sim.always(error instanceof AskError, 'a failed ask rejects with an AskError', String(error));
            sim.sometimes(true, 'an ask failed during a restart');
          },
        );
        ctx.sendAfter(ctx.self, n + 1, 2 + ctx.random() * 8);
      },
    }, { name: 'driver' });
  },
  start(sim) {
    sim.invariant('registered names resolve to live actors or to nothing', () => {
      for (const node of sim.nodes) {
        if (!node.up) continue;
        for (const name of names(sim)) {
          const addr = node.engine.registry.whereis(name);
          if (addr !== undefined && node.engine.info(addr) === undefined) return `${node.name}: "${name}" names a dead actor`;
        }
      }
      return true;
    });
  },
  converged(sim) {
    for (const node of sim.nodes) {
      if (!node.up) return `${node.name} is down`;
      const engine: Engine = node.engine;
      const info = inspectSupervisor(engine, '/user/sup');
      const idle = info.children.find((c) => c.status !== 'running');
      if (idle !== undefined) return `${node.name}: child ${idle.id} is ${idle.status}`;
      for (const c of info.children) {
        sim.sometimes(c.restarts > 0, 'a worker was restarted');
        if (engine.registry.whereis(c.id) === undefined) return `${node.name}: ${c.id} is not registered`;
      }
    }
    const s = state(sim);
    return s.okSinceQuiet >= 20 ? true : `only ${s.okSinceQuiet} asks answered since the faults stopped`;
  },
  check(sim) {
    // Every ask of a live incarnation settles within its timeout (those of crashed nodes are lost with them).
    const live = new Set(sim.nodes.map((n) => `${n.name}#${n.host.epoch}`));
    for (const [id, ask] of state(sim).inflight) {
      if (live.has(ask.incarnation) && ask.at < sim.world.now - 60) return `ask ${id} from ${ask.incarnation}, sent at ${ask.at.toFixed(3)} ms, never settled`;
    }
    return true;
  },
});
