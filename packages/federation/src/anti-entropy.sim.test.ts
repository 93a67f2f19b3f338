/**
 * Anti-entropy in the simulator, across seeds: three nodes (static membership), every pair
 * connected. The registry's notice of a new name, and the groups' notice of a join, are lost
 * on their way from a to b on a connection that stays up (as a full outbound queue drops
 * one); c hears both at once. b does not know them until the next anti-entropy period, and
 * knows them within one period after it: a's digest shows b's copy behind, b asks, a sends
 * its full state. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { SimWorld } from '@pd/runtime/sim';
import { staticCluster, stepper } from './static-cluster.test-util.js';
import type { Notice } from './protocol.js';

const IDS = ['a', 'b', 'c'];
const Idle = defineKind<unknown, string>('idle', () => ({ receive: () => undefined }));

async function run(seed: number) {
  const world = new SimWorld({ seed });
  const cluster = staticCluster(world, IDS, [Idle]);
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const step = stepper(world);
  await step('start and connect every pair', cluster.connectAll);
  // Lose a's next registry delta and groups delta to b (the router's notices, as a full queue would drop them).
  const router = (cluster.nodes.get('a')!.federation as unknown as { nodeRouter: { noticeTo(peer: string, n: Notice): void } }).nodeRouter;
  const noticeTo = router.noticeTo.bind(router);
  const lost: string[] = [];
  router.noticeTo = (peer, n) => {
    if (peer === 'b' && (n.op === 'registry' || n.op === 'groups') && !n.full && !lost.includes(n.op) && n.seq !== undefined) {
      lost.push(n.op);
      return;
    }
    noticeTo(peer, n);
  };
  const a = cluster.nodes.get('a')!.federation;
  const b = cluster.nodes.get('b')!.federation;
  const c = cluster.nodes.get('c')!.federation;
  const actor = cluster.spawn('a', Idle, 'x');
  const t0 = world.now;
  await step('a registers a name and joins a group; c hears both', () => {
    a.registry.register('leader', actor);
    a.groups.join('pool', actor);
  }, () => c.registry.whereis('leader') !== undefined && c.groups.members('pool').length === 1);
  expect(lost).toEqual(['registry', 'groups']);
  expect(b.registry.whereis('leader')).toBeUndefined();
  expect(b.groups.members('pool')).toEqual([]);
  await step('b learns both from the anti-entropy', () => undefined, () => b.registry.whereis('leader') !== undefined && b.groups.members('pool').length === 1);
  const after = world.now - t0;
  const repairs = [b.registry.repairs, b.groups.repairs, c.registry.repairs, c.groups.repairs];
  const hash = world.trace.hash;
  world.dispose();
  return { after, repairs, hash };
}

describe('anti-entropy of the cluster registry and the groups', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: lost notices are repaired within one period', async (seed) => {
    const { after, repairs } = await run(seed);
    expect(after).toBeLessThanOrEqual(5000 + 100);
    expect(repairs).toEqual([1, 1, 0, 0]);
  });

  it('the same seed gives the same run', async () => {
    expect((await run(3)).hash).toBe((await run(3)).hash);
  });
});
