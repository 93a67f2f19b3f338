/**
 * The runtime's behaviour suites (packages/runtime/test/suites), run again with their actors
 * on OTHER nodes than the engine the suite drives: each `make()` builds a simulated cluster
 * of three nodes in the test's SimWorld (cross-node-harness.ts) and hands the suite node a's
 * engine, whose top-level spawns run on b and c in turn; so every send, ask, timer delivery
 * and signal of the suite crosses the simulated network (seeded latency and duplication),
 * through the node router, the codec and the wire protocol, and actors on b
 * and c talk to each other across it too. Inline (closure) actors can be placed on another
 * node only because all nodes share one thread: `spawn` hands the closure to the other
 * node's engine by reference (a test aid, as multi-core's `moveClosures`; the nodes
 * themselves start with `Federation.startInSim`, which is refused outside the simulator).
 * Every test gets a fresh world, the seed's, with the host guard on; virtual time only.
 *
 * Only the suites that hold as written across nodes run here (ordering, ask, timers); the
 * others read, right after an operation, state that lives on the other node (`engine.info`
 * of a remote actor, its children, a name registered there). Within them the tests listed in
 * EXCLUDED are skipped, each with its reason (the same reason: it reads a remote actor's
 * state synchronously). The cross-node counterparts of links, monitors, exits, asks that fail
 * and supervision are in cross-node.sim.test.ts.
 *
 * Replay one seed: PD_SIM_SEED=3 pnpm exec vitest run packages/federation/test/sim/cross-node-suites.sim.test.ts
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostGuard, SimWorld } from '@pd/runtime/sim';
import type { MakeEngine } from '../../../runtime/test/suites/harness.js';
import { askSuite } from '../../../runtime/test/suites/ask.suite.js';
import { orderingSuite } from '../../../runtime/test/suites/ordering.suite.js';
import { timersSuite } from '../../../runtime/test/suites/timers.suite.js';
import { type Cluster, clusterEngine, endWorld, makeCluster, simSeeds } from './cross-node-harness.js';

const SUITES: [string, (make: MakeEngine) => void][] = [
  ['ordering', orderingSuite], ['ask', askSuite], ['timers', timersSuite],
];

/** Tests of those suites that read state kept on the node hosting the actor, by name: skipped here, each with its reason. */
const EXCLUDED: Record<string, string> = {
  // ask
  'a deferred reply can reject with the handler\'s own error': 'reads engine.info() of the remote target after the rejection (its class crossing is checked in cross-node.sim.test.ts)',
  'no reply in time rejects with ask/timeout naming the target and the timeout': 'expects the target\'s path in the asker\'s error; a path is known on the node hosting the actor, the asker names its address',
  'a reply after the timeout goes nowhere and is not an error': 'reads engine.info() of the remote target to show it still runs',
  // timers
  'an actor\'s timers die with it': 'reads engine.info().timers of the remote actor',
  'a timer to a dead actor becomes a dead letter': 'the dead letter is recorded on the node that hosted the actor, the test reads the driving engine\'s',
};

/** Frames that crossed nodes in this file's tests: the placing must really happen. */
let crossed = 0;
afterAll(() => {
  expect(crossed).toBeGreaterThan(0);
});

describe('the harness', () => {
  it('places the suite\'s spawns on b and c in turn; asks from a cross the network', async () => {
    const world = new SimWorld({ seed: 1, autoRun: true });
    const cluster = makeCluster(world);
    const engine = clusterEngine(cluster);
    const { a, b, c } = cluster.nodes;
    const first = engine.spawn({ receive: (n: number) => n + 1 });
    const second = engine.spawn({ receive: (n: number) => n + 2 });
    // The test aid gave a the incarnations of b and c: it knows where the addresses live before any handshake.
    expect([a.federation.nodeOf(first), b.federation.nodeOf(first), a.federation.nodeOf(second), c.federation.nodeOf(second)]).toEqual(['b', 'b', 'c', 'c']);
    expect(a.engine.info(first)).toBeUndefined();
    expect(await engine.ask(first, 1)).toBe(2);
    expect(await engine.ask(second, 1)).toBe(3);
    expect(a.federation.stats().peers.filter((p) => p.state === 'up').map((p) => p.id).sort()).toEqual(['b', 'c']);
    expect(b.federation.stats().router.framesIn).toBeGreaterThan(0);
    expect(c.federation.stats().router.framesIn).toBeGreaterThan(0);
    await engine.shutdown();
    world.dispose();
  });
});

for (const seed of simSeeds(3)) {
  for (const [name, suite] of SUITES) {
    describe(`${name} with its actors on other nodes [sim seed ${seed}]`, () => {
      let world: SimWorld | null = null;
      let guard: HostGuard | null = null;
      let made: Cluster[] = [];
      beforeEach((context) => {
        const why = EXCLUDED[context.task.name];
        if (why !== undefined) context.skip(why);
        world = new SimWorld({ seed, autoRun: true });
        // No reordering here: the simulated stream carrier resets a connection once more than 64
        // packets wait out of order (as a TCP window would give up on a lost packet), and a burst
        // such as 100 asks at one instant would trip it — a `noconnection`, which no single-node
        // suite expects. Reordering is in cross-node.sim.test.ts, where a reset is part of the test.
        world.net.setFaults({ latencyMs: [0.05, 1], duplicate: 0.02, reorder: false });
        guard = HostGuard.install();
      });
      afterEach(async () => {
        if (world === null) return;
        // Clusters the suite did not shut down (a failed test) are shut down here.
        await Promise.all(made.map((c) => c.shutdown(10)));
        for (const cluster of made) crossed += cluster.framesIn();
        made = [];
        const ended = world;
        world = null;
        endWorld(seed, ended, guard!);
      });
      suite((options) => {
        if (world === null) throw new Error('make() outside a test');
        const cluster = makeCluster(world, options);
        made.push(cluster);
        return clusterEngine(cluster);
      });
    });
  }
}
