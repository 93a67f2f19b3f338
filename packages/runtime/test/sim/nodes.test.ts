/**
 * Nodes and cores in one thread: a scenario's nodes each run one engine per core on the
 * world's clock; a node crash loses its incarnation (engines, timers, endpoint) and a
 * restart boots a new one with new addresses; explicit fault schedules apply at their
 * virtual times.
 */
import { describe, expect, it } from 'vitest';
import type { AnyAddr, Context } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { defineScenario, runScenario, type SimContext } from '../../src/sim/index.js';

describe('sim nodes', () => {
  it('runs nodes × cores, crashes a node on schedule and boots a new incarnation', async () => {
    const boots: string[] = [];
    const engines: Engine[] = [];
    const ticks = new Map<string, number>();
    let firstAddr: AnyAddr | null = null;
    let sim!: SimContext;
    const scenario = defineScenario({
      name: 'two-by-two',
      description: 'two nodes of two cores, one crash',
      nodes: 2,
      cores: 2,
      durationMs: 100,
      quietMs: 100,
      faults: { nodeCrash: true },
      boot(node, ctx) {
        sim = ctx;
        boots.push(`${node.name}#${node.host.epoch}@${ctx.world.now}`);
        for (const engine of node.engines) {
          engines.push(engine);
          const a = engine.spawn({
            started: (c: Context<number>) => void c.sendEvery(c.self, 1, 10),
            receive: () => void ticks.set(engine.id, (ticks.get(engine.id) ?? 0) + 1),
          });
          if (node.name === 'n1' && firstAddr === null) firstAddr = a;
        }
      },
    });
    const r = await runScenario(scenario, { seed: 5, faults: [{ at: 30, kind: 'crash-node', node: 1, ms: 25 }] });
    expect(r.failure).toBeNull();
    expect(r.applied).toEqual([{ at: 30, kind: 'crash-node', node: 1, ms: 25 }]);
    expect(boots).toEqual(['n0#0@0', 'n1#0@0', 'n1#1@55']);
    expect(engines.map((e) => `${e.id}:${e.core}`)).toEqual(['n0/0:0', 'n0/1:1', 'n1/0:0', 'n1/1:1', 'n1/0:0', 'n1/1:1']);
    // Cores of one node share its incarnation; a restarted node has a new one.
    expect(engines[2]!.incarnation).toBe(engines[3]!.incarnation);
    expect(engines[4]!.incarnation).not.toBe(engines[2]!.incarnation);
    expect(sim.node('n1').engine).toBe(engines[4]);
    expect(sim.node('n1').engine.send(firstAddr!, 1)).toBe('dead');
    // n0's engines ticked all along; n1's first incarnation stopped at the crash (t=30).
    expect(ticks.get('n0/0')).toBeGreaterThanOrEqual(19);
    expect(sim.node('n1').crashes).toBe(1);
    expect(sim.node('n1').restarts).toBe(1);
  });
});
