/**
 * Figures for docs/membership.md, from the simulator (virtual time, LAN defaults, latency
 * 0.2–4 ms): how long a join takes to reach every member, and how long until every live
 * member declares a crashed one dead, at N = 5, 10, 50 over six seeds. Skipped unless
 * `PD_FIGURES=1` (it takes ~10 s of CPU): `PD_FIGURES=1 npx vitest run packages/federation/test/swim-figures.test.ts`.
 */
import { expect, it } from 'vitest';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type MemberStatus, SwimMembership, carrierSwimTransport } from '../src/index.js';

async function measure(seed: number, n: number): Promise<{ joinMs: number; detectMs: number }> {
  const world = new SimWorld({ seed });
  world.net.setFaults({ latencyMs: [0.2, 4] });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes = ids.map((id) => new SwimMembership({
    nodeId: id, cluster: 'sim', advertise: { host: `h${id}`, port: 7000 }, gossip: { host: `h${id}`, port: 7946 },
    seeds: [{ host: 'hn0', port: 7946 }], transport: carrierSwimTransport(simNetCarrier(world, `h${id}`)),
  }));
  const sees = (ms: SwimMembership[], id: string, status: MemberStatus): boolean =>
    ms.every((m) => m.nodeId === id || m.memberList().some((x) => x.id === id && x.status === status));
  const joiner = n - 1;
  world.at(0, () => void Promise.all(nodes.slice(0, joiner).map((m, i) => m.start(world.reactor(`h${ids[i]}`)))));
  const first = nodes.slice(0, joiner);
  await world.run({ untilMs: 120_000, until: () => first.every((m) => m.memberList().filter((x) => x.status === 'alive').length === joiner) });
  const t0 = world.now;
  world.at(0, () => void nodes[joiner]!.start(world.reactor(`h${ids[joiner]}`)));
  await world.run({ untilMs: world.now + 120_000, until: () => sees(nodes, ids[joiner]!, 'alive') });
  const joinMs = world.now - t0;
  await world.run({ untilMs: world.now + 5000 });
  const victim = ids[n - 2]!;
  const host = world.host(`h${victim}`);
  host.up = false;
  host.epoch++;
  world.net.unlisten(`h${victim}`);
  const t1 = world.now;
  const rest = nodes.filter((m) => m.nodeId !== victim);
  await world.run({ untilMs: world.now + 200_000, until: () => sees(rest, victim, 'dead') });
  const detectMs = world.now - t1;
  world.dispose();
  return { joinMs, detectMs };
}

it.skipIf(process.env.PD_FIGURES !== '1')('figures: join convergence and crash detection at N = 5, 10, 50', async () => {
  for (const n of [5, 10, 50]) {
    const runs = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) runs.push(await measure(seed, n));
    const fmt = (xs: number[]): string => `median ${Math.round(xs.sort((a, b) => a - b)[xs.length >> 1]!)} ms, max ${Math.round(Math.max(...xs))} ms`;
    console.log(`N=${n}: join reaches all: ${fmt(runs.map((r) => r.joinMs))}; crash declared dead by all: ${fmt(runs.map((r) => r.detectMs))}`);
    for (const r of runs) expect(r.detectMs).toBeLessThan(200_000);
  }
}, 120_000);
