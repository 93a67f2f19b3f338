/**
 * Cross-core races explored by seed: three simulated cores in one thread, with jittery,
 * small (often full) rings. Each scenario runs under many seeds and checks an invariant on
 * every one, and that the interesting interleaving really happened on some.
 * Replay a seed: PD_SIM_SEED=17 pnpm exec vitest run packages/runtime/test/multi/sim-races.test.ts
 */
import { describe, expect, it } from 'vitest';
import type { AnyAddr, Context, Kind } from '@pd/actor';
import { defineKind } from '@pd/actor';
import { SimCores, type Engine } from '@pd/runtime';
import { SimWorld } from '../../src/sim/index.js';
import { simSeeds } from '../sim/support.js';

const seeds = simSeeds(40);
const LINK = { latencyMs: [0, 2] as const, capacityFrames: 2 };

/** Keeps what it gets; `dump` answers it. */
const Log = defineKind('race.log', () => ({
  items: [] as unknown[],
  receive(m: unknown) {
    if (m === 'dump') return this.items;
    this.items.push(m);
    return undefined;
  },
}));

/** Sends `{ note }` to `to` as soon as it hears of `to`. */
const Relay = defineKind('race.relay', () => ({
  receive(m: { to: AnyAddr; note: string }, ctx: Context) {
    ctx.send(m.to, m.note);
  },
}));

/** Sends `count` numbered messages to `to`, then crashes if asked to. */
const Burst = defineKind('race.burst', () => ({
  receive(m: { to: AnyAddr; id: number; count: number; crash: boolean }, ctx: Context) {
    for (let i = 0; i < m.count; i++) ctx.send(m.to, { from: m.id, seq: i });
    if (m.crash) throw new Error('after the burst');
  },
}));

/** Traps exits and logs both messages and exit signals, in arrival order. */
const Trapper = defineKind('race.trapper', () => ({
  items: [] as unknown[],
  started(ctx: Context) {
    ctx.trapExits(true);
  },
  receive(m: unknown, ctx: Context) {
    if (m === 'dump') return this.items;
    if (m !== null && typeof m === 'object' && 'do' in m) return void ctx.link((m as { target: AnyAddr }).target);
    this.items.push(m !== null && typeof m === 'object' && 'reason' in m ? 'EXIT' : m);
    return undefined;
  },
}));

/** `sendWait`s `{ note }` to `to`, then reports the result to `report`. */
const WaitRelay = defineKind('race.wait-relay', () => ({
  async receive(m: { to: AnyAddr; note: string; report: AnyAddr }, ctx: Context) {
    ctx.send(m.report, await ctx.sendWait(m.to, m.note));
  },
}));

const KINDS: Kind[] = [Log, Relay, Burst, Trapper, WaitRelay];

async function inWorld<T>(seed: number, body: (engine: Engine, cores: SimCores) => Promise<T>): Promise<T> {
  const world = new SimWorld({ seed, autoRun: true });
  const cores = new SimCores(world, { cores: 3, kinds: KINDS, link: LINK });
  try {
    const result = await body(cores.engine, cores);
    await cores.engine.shutdown({ deadlineMs: 100 });
    if (world.failure !== null) throw new Error(`simulation failure at seed ${seed}: ${world.failure.message}`);
    return result;
  } finally {
    world.dispose();
  }
}

describe('cross-core races over seeds', () => {
  it('a message that overtakes the spawn of its target (on another ring) waits for it and is delivered', async () => {
    let overtaken = 0;
    for (const seed of seeds) {
      const held = await inWorld(seed, async (engine, cores) => {
        const target = engine.spawn(Log, { placement: { core: 2 } });
        const relay = engine.spawn(Relay, { placement: { core: 1 } });
        engine.send(relay, { to: target, note: 'via core 1' });
        engine.send(target, 'from core 0');
        let items: unknown[] = [];
        for (let i = 0; i < 50 && items.length < 2; i++) items = await engine.ask<string, unknown[]>(target, 'dump');
        expect(items.slice().sort(), `seed ${seed}`).toEqual(['from core 0', 'via core 1']);
        return cores.routers[2]!.stats.heldForSpawn;
      });
      if (held > 0) overtaken++;
    }
    // The race is real: on some seeds the relayed message arrived before the spawn request.
    if (seeds.length >= 20) expect(overtaken).toBeGreaterThan(0);
  });

  it('a sendWait that overtakes the spawn of its target waits for it, is delivered and resolves queued', async () => {
    let overtaken = 0;
    for (const seed of seeds) {
      const held = await inWorld(seed, async (engine, cores) => {
        const report = engine.spawn(Log, { placement: { core: 0 } });
        const target = engine.spawn(Log, { placement: { core: 2 } });
        const relay = engine.spawn(WaitRelay, { placement: { core: 1 } });
        engine.send(relay, { to: target, note: 'waited', report });
        let results: unknown[] = [];
        // (The report is local: each round trip to core 2 lets the simulation move on.)
        for (let i = 0; i < 50 && results.length < 1; i++) {
          await engine.ask(target, 'dump');
          results = await engine.ask<string, unknown[]>(report, 'dump');
        }
        expect(results, `seed ${seed}`).toEqual(['queued']);
        expect(await engine.ask(target, 'dump'), `seed ${seed}`).toEqual(['waited']);
        return cores.routers[2]!.stats.heldForSpawn;
      });
      if (held > 0) overtaken++;
    }
    if (seeds.length >= 20) expect(overtaken).toBeGreaterThan(0);
  });

  it('per-pair FIFO holds through full rings and overflow, for senders on every core', async () => {
    let overflowed = 0;
    for (const seed of seeds) {
      overflowed += await inWorld(seed, async (engine, cores) => {
        const sink = engine.spawn(Log, { placement: { core: 1 } });
        const counts = [30, 45, 20];
        counts.forEach((count, id) => engine.send(engine.spawn(Burst, { placement: { core: id === 1 ? 2 : id } }), { to: sink, id, count, crash: false }));
        const total = counts.reduce((a, b) => a + b, 0);
        let items: { from: number; seq: number }[] = [];
        for (let i = 0; i < 100 && items.length < total; i++) items = await engine.ask<string, typeof items>(sink, 'dump');
        for (const [id, count] of counts.entries()) {
          expect(items.filter((m) => m.from === id).map((m) => m.seq), `seed ${seed}, sender ${id}`).toEqual(Array.from({ length: count }, (_, k) => k));
        }
        return cores.links.flat().reduce((n, link) => n + (link?.stats.overflowed ?? 0), 0);
      });
    }
    expect(overflowed).toBeGreaterThan(0);
  });

  it('an exit signal never overtakes the messages its actor sent before crashing (same ring)', async () => {
    for (const seed of seeds) {
      await inWorld(seed, async (engine) => {
        const trapper = engine.spawn(Trapper, { placement: { core: 2 } });
        const burst = engine.spawn(Burst, { placement: { core: 1 } });
        await engine.ask(trapper, { do: 'link', target: burst });
        // Whether the link request reaches core 1 before the crash (the crash's exit comes
        // back) or after it (a noproc comes back), the exit travels the ring behind the messages.
        engine.send(burst, { to: trapper, id: 0, count: 5, crash: true });
        let items: unknown[] = [];
        for (let i = 0; i < 50 && items.length < 6; i++) items = await engine.ask<string, unknown[]>(trapper, 'dump');
        expect(items, `seed ${seed}`).toEqual([0, 1, 2, 3, 4].map((seq) => ({ from: 0, seq })).concat(['EXIT' as never]));
      });
    }
  });
});
