/**
 * Issue #13's cluster scenarios: whole SWIM clusters (five federations, each an engine with
 * the cluster registry) in one thread, seeded (harness: cluster-harness.ts).
 *
 * - `cluster-partition`: keep-majority downing; seeded cuts of the live nodes into a
 *   majority and a minority, short (healed before downing can decide) or long (the minority
 *   must stop itself); the same name registered on both sides during a cut.
 * - `cluster-churn`: nodes join, leave gracefully, crash and come back with new
 *   incarnations on a seeded schedule (downing off: every crash would otherwise be downed).
 * - `cluster-stall`: one node's event loop stalls 2 s again and again; two clusters in the
 *   same world under the same stalls, one with Lifeguard (defaults), one "plain"
 *   (`awarenessMaxMultiplier: 1`, `suspicionMaxTimeoutMult: 1`: no health scaling, a fixed
 *   suspicion timeout). A live node declared dead is a false positive: none allowed with
 *   Lifeguard; the plain count is reported.
 *
 * Safety, checked after every step: a node declared dead could not be reached from its
 * observer (cut, down, stopped or stalled) at some time in the last DEAD_WINDOW_MS; no
 * message reaches an actor of an incarnation other than the one it was addressed to. Then
 * the liveness phase heals the network and boots every node that is not live; within
 * `quietMs` every live node must see exactly the live nodes alive, and every live node must
 * resolve every registered name to the same live holder, held on one node only.
 */
import { defineScenario, type SimContext } from '@pd/runtime/sim';
import { Cluster, type ClusterNode } from './cluster-harness.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];
/** A death must follow unreachability within this (the longest suspicion timeout at N = 5 is 16.8 s, plus probing). */
const DEAD_WINDOW_MS = 40_000;
/** The liveness bound, virtual ms after the faults stop. */
export const CLUSTER_QUIET_MS = 60_000;
/**
 * A cut this long must end with the minority stopped: detection (a probe round and a
 * suspicion timeout, up to 16.8 s at N = 5), `stableAfterMs` (20 s), and again
 * `stableAfterMs` when a minority node that stopped first changes its peers' view (it leaves).
 */
const LONG_CUT_MS = 75_000;

/** Figures of finished runs (`scenario/seed`), for the tests and docs/membership.md; written only, never read by a run. */
export const clusterFigures = new Map<string, Record<string, number>>();

function perRun<T>(init: (sim: SimContext) => T): (sim: SimContext) => T {
  const states = new WeakMap<SimContext, T>();
  return (sim) => {
    let s = states.get(sim);
    if (s === undefined) states.set(sim, (s = init(sim)));
    return s;
  };
}

/** Deaths must follow unreachability (the invariant fails on the first that did not); or each goes to `onDeath`. */
function watchDeaths(sim: SimContext, cluster: Cluster, onDeath?: (o: ClusterNode, m: ClusterNode) => void): void {
  sim.invariant(`${cluster.options.cluster}: a node declared dead was unreachable`, () => {
    for (const [o, m, inc] of cluster.newDeaths()) {
      sim.trace(`dead ${o.id}>${m.id}`, inc);
      if (onDeath !== undefined) {
        onDeath(o, m);
        continue;
      }
      // The verdict may be gossip from the node that could not reach m (the other side of a healed cut).
      if (!cluster.wasUnreachable(m, DEAD_WINDOW_MS)) return `${o.id} saw ${m.id} (incarnation ${inc}) dead at ${sim.world.now.toFixed(0)} ms, though no node had been cut from it in the last ${DEAD_WINDOW_MS} ms`;
      sim.sometimes(!cluster.wereApart(o, m, DEAD_WINDOW_MS), 'a death verdict reached a node that could reach the member (gossip from the other side)');
    }
    return true;
  });
}

/** The liveness phase: heal, boot what is not live (once), then membership and registry must agree. */
function convergence(sim: SimContext, clusters: readonly Cluster[], st: { healedAt: number; convergedAfter: number }): true | string {
  if (st.healedAt < 0) {
    st.healedAt = sim.world.now;
    sim.at(0, () => {
      for (const c of clusters) {
        c.heal();
        c.restartAll();
      }
    });
    return 'healing';
  }
  for (const c of clusters) {
    const m = c.membershipConverged();
    if (m !== true) return `${c.options.cluster}: ${m}`;
    const r = c.registryAgrees();
    if (r !== true) return `${c.options.cluster}: ${r}`;
  }
  if (st.convergedAfter < 0) st.convergedAfter = sim.world.now - st.healedAt;
  return true;
}

function finalCheck(sim: SimContext, clusters: readonly Cluster[], scenario: string, figures: Record<string, number>): true | string {
  for (const c of clusters) {
    if (c.staleDeliveries > 0) return `${c.options.cluster}: ${c.staleDeliveries} messages reached a stale incarnation`;
    const r = c.registryAgrees();
    if (r !== true) return `${c.options.cluster}: ${r}`;
  }
  clusterFigures.set(`${scenario}/${sim.seed}`, figures);
  return true;
}

// --- cluster-partition ---

interface Cut { readonly at: number; readonly ms: number; minority: string[]; majority: string[] }

const partitionState = perRun((sim) => ({
  cluster: new Cluster(sim, { ids: IDS, cluster: 'sim', names: (n) => [`home-${n.id}`] }),
  cuts: [] as Cut[],
  current: null as Cut | null,
  downs: [] as string[],
  healedAt: -1,
  convergedAfter: -1,
}));

export const clusterPartition = defineScenario({
  name: 'cluster-partition',
  description: '5 SWIM nodes with keep-majority downing and the cluster registry, cut in two at seeded times (short and long cuts), the same name registered on both sides; then healed',
  durationMs: 160_000,
  quietMs: CLUSTER_QUIET_MS,
  start(sim) {
    const st = partitionState(sim);
    const c = st.cluster;
    sim.net.setFaults({ latencyMs: [0.2, 4], loss: 0, duplicate: 0, reorder: false });
    sim.at(0, () => {
      for (const n of c.nodes) c.start(n);
    });
    c.drive();
    watchDeaths(sim, c);
    // Downing: a node that stopped itself must be on the minority side of the cut in force (or the last one).
    sim.invariant('keep-majority: only the minority of a cut stops itself', () => {
      for (const n of c.nodes) {
        if (n.state !== 'up' || n.engine?.status === 'running' || st.downs.includes(n.id)) continue;
        st.downs.push(n.id);
        sim.trace(`downed ${n.id}`);
        const cut = st.current ?? st.cuts[st.cuts.length - 1];
        if (cut === undefined || !cut.minority.includes(n.id)) return `${n.id} stopped itself, but it was not in the minority of a cut (${cut === undefined ? 'no cut' : `${cut.majority.join('')} | ${cut.minority.join('')}`})`;
      }
      return true;
    });
    const rng = sim.random('cuts');
    let t = 5000 + rng.nextInt(5000);
    let index = 0;
    while (t < 130_000) {
      const long = rng.next() < 0.5;
      const ms = long ? LONG_CUT_MS + rng.nextInt(10_000) : 3000 + rng.nextInt(12_000);
      const i = index++;
      const pick = rng.nextU32();
      const extra = rng.nextU32();
      sim.at(t, () => {
        const live = c.nodes.filter((n) => n.live);
        if (live.length < 3) return;
        // A seeded split: a minority of 1..floor((k-1)/2) live nodes.
        const shuffled = [...live].sort((x, y) => hash(`${pick}/${x.id}`) - hash(`${pick}/${y.id}`));
        const size = 1 + (extra % Math.floor((live.length - 1) / 2));
        const minority = shuffled.slice(0, size);
        const majority = shuffled.slice(size);
        const cut: Cut = { at: sim.world.now, ms, minority: minority.map((n) => n.id).sort(), majority: majority.map((n) => n.id).sort() };
        st.current = cut;
        st.cuts.push(cut);
        c.partition(majority, minority);
        // The same name on both sides once each side has lost the other.
        sim.at(2000, () => {
          const onMajority = majority.find((n) => n.live);
          const onMinority = minority.find((n) => n.live);
          if (onMajority !== undefined && c.register(onMajority, `cut-${i}`)) sim.sometimes(true, 'a name registered on the majority side of a cut');
          if (onMinority !== undefined && c.register(onMinority, `cut-${i}`)) sim.sometimes(true, 'the same name registered on the minority side');
        });
        sim.at(ms, () => {
          // A cut still on when the faults stop was ended by the liveness phase, which healed and booted every node.
          if (st.healedAt >= 0) return;
          if (ms >= LONG_CUT_MS) {
            const ok = minority.every((n) => !n.live) && majority.every((n) => n.live);
            sim.always(ok, 'keep-majority: after a long cut the minority has stopped itself and the majority runs', {
              majority: majority.map((n) => `${n.id}:${n.live}`), minority: minority.map((n) => `${n.id}:${n.live}`),
            });
            sim.sometimes(ok, 'a long cut: the minority stopped itself');
          } else {
            sim.sometimes(true, 'a short cut, healed before downing decides');
          }
          st.current = null;
          c.heal();
        });
      });
      t += ms + 5000 + rng.nextInt(10_000);
    }
  },
  converged: (sim) => convergence(sim, [partitionState(sim).cluster], partitionState(sim)),
  check(sim) {
    const st = partitionState(sim);
    const c = st.cluster;
    return finalCheck(sim, [c], 'cluster-partition', {
      cuts: st.cuts.length, downed: st.downs.length, convergedAfterMs: st.convergedAfter, sent: c.sent, staleSends: c.staleSends,
    });
  },
});

// --- cluster-churn ---

const CHURN_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

const churnState = perRun((sim) => ({
  cluster: new Cluster(sim, { ids: CHURN_IDS, cluster: 'sim', downing: { strategy: 'off' }, names: (n) => [`svc-${n.id}`, 'leader'] }),
  actions: { join: 0, crash: 0, leave: 0, restart: 0 },
  healedAt: -1,
  convergedAfter: -1,
}));

export const clusterChurn = defineScenario({
  name: 'cluster-churn',
  description: 'SWIM nodes join, leave gracefully, crash and restart with new incarnations on a seeded schedule; old addresses must be dead letters',
  durationMs: 60_000,
  quietMs: CLUSTER_QUIET_MS,
  start(sim) {
    const st = churnState(sim);
    const c = st.cluster;
    sim.net.setFaults({ latencyMs: [0.2, 4], loss: 0, duplicate: 0, reorder: false });
    sim.at(0, () => {
      for (const n of c.nodes.slice(0, 5)) c.start(n);
    });
    c.drive();
    watchDeaths(sim, c);
    const rng = sim.random('churn');
    for (let t = 3000 + rng.nextInt(3000); t < 57_000; t += 2000 + rng.nextInt(6000)) {
      const roll = rng.next();
      const pick = rng.nextU32();
      sim.at(t, () => {
        const idle = c.nodes.filter((n) => n.state === 'down' || n.state === 'left');
        const live = c.nodes.filter((n) => n.live);
        if (idle.length > 0 && (roll < 0.4 || live.length <= 2)) {
          const n = idle[pick % idle.length]!;
          st.actions[n.generation < 0 ? 'join' : 'restart']++;
          sim.sometimes(n.generation >= 0, 'a node came back with a new incarnation');
          c.start(n);
        } else if (live.length > 2) {
          const n = live[pick % live.length]!;
          if (roll < 0.75) {
            st.actions.crash++;
            c.crash(n);
          } else {
            st.actions.leave++;
            c.leave(n);
          }
        }
      });
    }
  },
  converged: (sim) => convergence(sim, [churnState(sim).cluster], churnState(sim)),
  check(sim) {
    const st = churnState(sim);
    const c = st.cluster;
    return finalCheck(sim, [c], 'cluster-churn', { ...st.actions, convergedAfterMs: st.convergedAfter, sent: c.sent, staleSends: c.staleSends });
  },
});

// --- cluster-stall ---

const STALL_MS = 2000;

const stallState = perRun((sim) => ({
  lifeguard: new Cluster(sim, { ids: IDS, cluster: 'lg', names: (n) => [`home-${n.id}`] }),
  plain: new Cluster(sim, { ids: IDS, cluster: 'plain', names: (n) => [`home-${n.id}`], timing: { awarenessMaxMultiplier: 1, suspicionMaxTimeoutMult: 1 } }),
  falsePositives: { lg: 0, plain: 0 },
  stalls: 0,
  healedAt: -1,
  convergedAfter: -1,
}));

export const clusterStall = defineScenario({
  name: 'cluster-stall',
  description: 'one node\'s event loop stalls 2 s again and again: false positives with Lifeguard (must be 0) and with plain SWIM (counted), same stalls, same run',
  durationMs: 60_000,
  quietMs: CLUSTER_QUIET_MS,
  start(sim) {
    const st = stallState(sim);
    const clusters = [st.lifeguard, st.plain];
    sim.net.setFaults({ latencyMs: [0.2, 4], loss: 0, duplicate: 0, reorder: false });
    sim.at(0, () => {
      for (const c of clusters) for (const n of c.nodes) c.start(n);
    });
    // Registered now, so the runner lists it as never reached when plain SWIM had no false positive.
    sim.sometimes(false, 'plain SWIM declared the stalled node dead');
    for (const c of clusters) {
      c.drive();
      // Nothing but stalls here: every death is a false positive.
      watchDeaths(sim, c, (o, m) => {
        st.falsePositives[c.options.cluster as 'lg' | 'plain']++;
        sim.always(c !== st.lifeguard, 'Lifeguard: a stalled node is never declared dead', { observer: o.id, member: m.id, at: sim.world.now });
        sim.sometimes(c === st.plain, 'plain SWIM declared the stalled node dead');
      });
    }
    const rng = sim.random('stalls');
    const victim = IDS[rng.nextInt(IDS.length)]!;
    for (let t = 3000 + rng.nextInt(2000); t < 55_000; t += STALL_MS + 300 + rng.nextInt(4000)) {
      sim.at(t, () => {
        st.stalls++;
        for (const c of clusters) c.stall(c.node(victim), STALL_MS);
      });
    }
  },
  converged: (sim) => convergence(sim, [stallState(sim).lifeguard, stallState(sim).plain], stallState(sim)),
  check(sim) {
    const st = stallState(sim);
    return finalCheck(sim, [st.lifeguard, st.plain], 'cluster-stall', {
      stalls: st.stalls, falsePositivesLifeguard: st.falsePositives.lg, falsePositivesPlain: st.falsePositives.plain, convergedAfterMs: st.convergedAfter,
    });
  },
});

/** A small string hash (FNV-1a), for seeded orderings independent of object identity. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
