/**
 * The cluster registry's hybrid logical clock with skewed wall clocks, in the simulator
 * across seeds: three nodes, b's wall clock two hours ahead, c's 30 s behind. a
 * registers `leader`; b registers `far`, whose stamp is beyond the drift bound for a and c
 * (their clocks do not follow it, and count it; the name still resolves to b everywhere).
 * Cut c off; c, having heard of a's `leader`, registers `leader` too: its stamp sorts after
 * a's though its wall clock is behind, so after the heal a's wins on every node and c's
 * holder is told. (A node whose clock lags more than the drift bound does not follow the
 * others' stamps, and could win such a conflict: the rule assumes clocks agree within the
 * bound, and the refusals are counted for an operator to see.) Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, defineKind } from '@pd/actor';
import { SimWorld } from '@pd/runtime/sim';
import { staticCluster, stepper } from './static-cluster.test-util.js';
import { NAME_CONFLICT, type NameConflictMessage, hlcParts } from './index.js';

const IDS = ['a', 'b', 'c'];
/** Wall-clock skews: b's far beyond the drift bound (60 s), c's within it. */
const SKEW: Record<string, number> = { a: 0, b: 2 * 3_600_000, c: -30_000 };

async function run(seed: number) {
  const world = new SimWorld({ seed });
  const notified: string[] = [];
  const Holder = defineKind<unknown, string>('holder', (name) => ({
    receive(m: unknown) {
      const c = m as Partial<NameConflictMessage>;
      if (c?.type === NAME_CONFLICT) notified.push(`${name}:${c.name}->${c.winnerNode}`);
      return undefined;
    },
  }));
  for (const id of IDS) world.host(`h${id}`).wallOffsetMs = SKEW[id]!;
  const cluster = staticCluster(world, IDS, [Holder]);
  const nodes = cluster.nodes;
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const reg = (id: string) => nodes.get(id)!.federation.registry;
  const holderNode = cluster.holderNode;
  const step = stepper(world);
  const spawn = (id: string, name: string): AnyAddr => cluster.spawn(id, Holder, name);

  await step('start and connect every pair', cluster.connectAll);
  await step('a registers leader, b far', () => {
    reg('a').register('leader', spawn('a', 'a-leader'));
    reg('b').register('far', spawn('b', 'b-far'));
  }, () => IDS.every((id) => holderNode(id, 'leader') === 'a' && holderNode(id, 'far') === 'b'));
  const driftRefused = IDS.map((id) => reg(id).clockDriftRefused);

  world.net.partition(['ha', 'hb'], ['hc']);
  await step('c forgets a\'s names', () => undefined, () => holderNode('c', 'leader') === null);
  await step('c registers leader', () => reg('c').register('leader', spawn('c', 'c-leader')), () => holderNode('c', 'leader') === 'c');
  world.net.heal();
  await step('after the heal everyone agrees', () => undefined, () => IDS.every((id) => holderNode(id, 'leader') === 'a') && notified.length === 1);
  const conflicts = reg('c').conflicts();
  const cWall = nodes.get('c')!.engine.reactor.wallTime();
  const result = {
    driftRefused, notified: [...notified], conflicts: conflicts.map((c) => `${c.name}:${c.loser.node}<${c.winner.node}`),
    loserAfterWinner: conflicts[0]!.loser.clock > conflicts[0]!.winner.clock,
    loserAheadOfItsWall: hlcParts(conflicts[0]!.loser.clock).wallMs > cWall,
    others: ['a', 'b'].map((id) => reg(id).conflicts().length),
  };
  world.dispose();
  return result;
}

describe('the cluster registry\'s hybrid logical clock with skewed wall clocks', () => {
  it.each([1, 2, 3])('seed %i: a registration made after hearing of another sorts after it though its wall clock lags; a far-ahead stamp is not followed', async (seed) => {
    const o = await run(seed);
    // b's stamp is two hours ahead: a and c keep the entry but do not follow it; b itself refuses nothing.
    expect(o.driftRefused[0]).toBeGreaterThanOrEqual(1);
    expect(o.driftRefused[1]).toBe(0);
    expect(o.driftRefused[2]).toBeGreaterThanOrEqual(1);
    expect(o.conflicts).toEqual(['leader:c<a']);
    expect(o.others).toEqual([0, 0]);
    expect(o.notified).toEqual(['c-leader:leader->a']);
    expect(o.loserAfterWinner).toBe(true);
    expect(o.loserAheadOfItsWall).toBe(true);
  });
});
