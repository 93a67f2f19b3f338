/**
 * Downing in the simulator, across seeds: a cluster whose federations run SWIM
 * (`membership: { kind: 'swim', downing }`) is partitioned cleanly; every node decides on
 * its own, from its own view, once that view is stable. Checked: both sides decide, the
 * decisions are consistent (one side keeps running with every node saying `keep`, the
 * other stops itself with every node saying `down` and its engine shut down), never both
 * sides running (no split brain) and never both stopped. Scenarios: keep-majority 2 | 3,
 * keep-majority 2 | 2 (the side with the lowest id keeps), static-quorum 3 with 2 | 3,
 * keep-oldest 2 | 3 with the oldest in the minority, `off` (both sides run, nobody
 * decides), a single crash (the survivors keep, the crashed one is downed). Pure cases of
 * the strategies are checked directly too. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type DowningDecision, type DowningOptions, type Federation, createFederation, decideDowning } from './index.js';
import { Downing } from './downing.js';
import type { MemberStatus } from './swim-wire.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };

interface NodeOutcome {
  readonly decisions: readonly string[];
  readonly running: boolean;
}

async function run(seed: number, ids: readonly string[], cut: readonly (readonly string[])[] | 'crash', downing: DowningOptions): Promise<Record<string, NodeOutcome>> {
  const world = new SimWorld({ seed });
  const Sink = defineKind<unknown>('sink', () => ({ receive: () => undefined }));
  const nodes = new Map<string, { engine: Engine; federation: Federation; decisions: DowningDecision[] }>();
  let failure: unknown = null;
  let booted = false;
  world.at(0, () => {
    (async () => {
      // Started one after another: the first is the oldest (keep-oldest's join order).
      for (const id of ids) {
        const host = `h${id}`;
        const federation = createFederation({
          nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
          membership: { kind: 'swim', gossip: { port: 7946 }, seeds: [{ host: `h${ids[0]}`, port: 7946 }], downing },
        });
        const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Sink], routers: [federation.router] });
        nodes.set(id, { engine, federation, decisions: [] });
        await federation.start(engine);
        await new Promise<void>((resolve) => world.at(10, resolve));
      }
      booted = true;
    })().catch((error: unknown) => {
      failure ??= error;
    });
  });
  const alive = (o: string): boolean => nodes.get(o)!.federation.members().members.every((m) => m.status === 'alive');
  await world.run({ untilMs: 60_000, until: () => failure !== null || (booted && ids.every((o) => nodes.get(o)!.federation.members().members.length === ids.length && alive(o))) });
  if (failure !== null) throw failure;
  expect(booted).toBe(true);

  if (cut === 'crash') {
    const victim = `h${ids[ids.length - 1]}`;
    world.host(victim).up = false;
    world.host(victim).epoch++;
    world.net.unlisten(victim);
  } else {
    world.net.partition(cut[0]!.map((id) => `h${id}`), cut[1]!.map((id) => `h${id}`));
  }
  const survivors = cut === 'crash' ? ids.slice(0, -1) : ids;
  const decided = (id: string): boolean => (nodes.get(id)!.federation.members().downing?.decisions.length ?? 0) > 0;
  // Long enough for suspicion, death, a stable view and (for the losing side) the engine's shutdown.
  await world.run({ untilMs: world.now + 180_000, until: () => failure !== null || (survivors.every(decided) && survivors.every((id) => {
    const d = nodes.get(id)!.federation.members().downing!.decisions;
    return d[d.length - 1]!.decision === 'keep' || nodes.get(id)!.engine.status === 'stopped';
  })) });
  if (downing.strategy === 'off') await world.run({ untilMs: world.now + 60_000 });
  if (failure !== null) throw failure;
  const out: Record<string, NodeOutcome> = {};
  for (const id of survivors) {
    const n = nodes.get(id)!;
    out[id] = { decisions: (n.federation.members().downing?.decisions ?? []).map((d) => d.decision), running: n.engine.status === 'running' };
  }
  world.dispose();
  return out;
}

/** One side all `keep` and running, the other all `down` and stopped. */
function expectOneSideRuns(o: Record<string, NodeOutcome>, keeps: readonly string[], downs: readonly string[]): void {
  for (const id of keeps) expect(o[id], `${id} keeps running`).toEqual({ decisions: ['keep'], running: true });
  for (const id of downs) expect(o[id], `${id} stops itself`).toEqual({ decisions: ['down'], running: false });
}

describe('downing in the simulator (a SWIM cluster, cut cleanly)', () => {
  it.each([1, 2, 3, 4])('seed %i: keep-majority, 2 | 3: the three keep running, the two stop themselves', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd', 'e'], [['a', 'b'], ['c', 'd', 'e']], {});
    expectOneSideRuns(o, ['c', 'd', 'e'], ['a', 'b']);
  });

  it.each([1, 2, 3, 4])('seed %i: keep-majority, 2 | 2: the side with the lowest id (a) keeps running', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd'], [['c', 'a'], ['b', 'd']], {});
    expectOneSideRuns(o, ['a', 'c'], ['b', 'd']);
  });

  it.each([1, 2, 3])('seed %i: static-quorum 3, 2 | 3: the side of three keeps running', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd', 'e'], [['d', 'e'], ['a', 'b', 'c']], { strategy: 'static-quorum', quorumSize: 3 });
    expectOneSideRuns(o, ['a', 'b', 'c'], ['d', 'e']);
  });

  it.each([1, 2, 3])('seed %i: keep-oldest, 2 | 3 with the oldest (a, started first) in the two: the two keep running', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd', 'e'], [['a', 'b'], ['c', 'd', 'e']], { strategy: 'keep-oldest' });
    expectOneSideRuns(o, ['a', 'b'], ['c', 'd', 'e']);
  });

  it.each([1, 2])('seed %i: off: both sides keep running and nobody decides (the split brain downing prevents)', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd', 'e'], [['a', 'b'], ['c', 'd', 'e']], { strategy: 'off' });
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(o[id]).toEqual({ decisions: [], running: true });
  });

  it.each([1, 2, 3])('seed %i: a crashed member: the survivors keep running and down it', async (seed) => {
    const o = await run(seed, ['a', 'b', 'c', 'd'], 'crash', {});
    for (const id of ['a', 'b', 'c']) expect(o[id]).toEqual({ decisions: ['keep'], running: true });
  });
});

describe('decideDowning (the strategies, pure)', () => {
  const view = (alive: string[], dead: string[]) => [...alive.map((id, i) => ({ id, status: 'alive' as const, age: i })), ...dead.map((id, i) => ({ id, status: 'dead' as const, age: 10 + i }))];
  it('keep-majority: majority keeps, minority downs, an even split goes to the side of the lowest id', () => {
    expect(decideDowning('c', view(['c', 'd', 'e'], ['a', 'b']), {}).decision).toBe('keep');
    expect(decideDowning('a', view(['a', 'b'], ['c', 'd', 'e']), {}).decision).toBe('down');
    expect(decideDowning('c', view(['c', 'a'], ['b', 'd']), {}).decision).toBe('keep');
    expect(decideDowning('b', view(['b', 'd'], ['a', 'c']), {}).decision).toBe('down');
  });
  it('static-quorum and keep-oldest, both sides of one cut opposite', () => {
    const q = { strategy: 'static-quorum', quorumSize: 3 } as const;
    expect(decideDowning('a', view(['a', 'b', 'c'], ['d', 'e']), q).decision).toBe('keep');
    expect(decideDowning('d', view(['d', 'e'], ['a', 'b', 'c']), q).decision).toBe('down');
    const oldest = { strategy: 'keep-oldest' } as const;
    // a is the oldest (age 0) wherever it is.
    const cut = (side: string[], other: string[]) => [
      ...side.map((id) => ({ id, status: 'alive' as const, age: id.charCodeAt(0) })), ...other.map((id) => ({ id, status: 'dead' as const, age: id.charCodeAt(0) })),
    ];
    expect(decideDowning('a', cut(['a', 'b'], ['c', 'd', 'e']), oldest).decision).toBe('keep');
    expect(decideDowning('c', cut(['c', 'd', 'e'], ['a', 'b']), oldest).decision).toBe('down');
    // The oldest alone: it stops, the others keep running.
    expect(decideDowning('a', cut(['a'], ['b', 'c']), oldest).decision).toBe('down');
    expect(decideDowning('b', cut(['b', 'c'], ['a']), oldest).decision).toBe('keep');
  });
});

describe('Downing waits for a picture that cannot change its verdict', () => {
  type Row = { id: string; status: MemberStatus; incarnation: number; age: number; heardAt: number };
  /** A Downing of `a` over a view the test edits, on a simulated clock; returns its decisions. */
  function watch(view: Row[]): { decisions: DowningDecision[]; world: SimWorld; downing: Downing } {
    const world = new SimWorld({ seed: 1 });
    const decisions: DowningDecision[] = [];
    const downing = new Downing('a', { downingView: () => view }, world.reactor('ha'), { stableAfterMs: 5000 }, (d) => decisions.push(d));
    world.at(0, () => downing.start());
    return { decisions, world, downing };
  }
  const row = (id: string, status: MemberStatus, heardAt = 0): Row => ({ id, status, incarnation: 0, age: id.charCodeAt(0), heardAt });

  it('a minority with suspects left decides down without waiting for their verdicts', async () => {
    // a is cut off from everyone: three dead, one still suspect (Lifeguard slowed a's probing).
    const view = [row('a', 'alive'), row('b', 'dead'), row('c', 'dead'), row('d', 'dead'), row('e', 'suspect')];
    const { decisions, world, downing } = watch(view);
    await world.run({ untilMs: 20_000, until: () => decisions.length > 0 });
    downing.stop();
    expect(decisions.map((d) => d.decision)).toEqual(['down']);
  });

  it('a member not heard from since the view changed is not counted reachable until it is heard', async () => {
    // a and d are cut off from b, c and e at 1 s; a has not probed e since, so e still looks alive.
    const view = [row('a', 'alive'), row('b', 'alive'), row('c', 'alive'), row('d', 'alive'), row('e', 'alive')];
    const { decisions, world, downing } = watch(view);
    world.at(1000, () => {
      view[1] = row('b', 'dead');
      view[2] = row('c', 'dead');
      view[3] = row('d', 'alive', 1e9);
    });
    await world.run({ untilMs: 30_000 });
    // 3 of 5 if e is reachable, 2 of 5 if not: no verdict yet (before, a said keep: split brain).
    expect(decisions).toEqual([]);
    // The probe of e fails at last: suspect (it might still refute: no verdict), then dead, and
    // a's side is a minority either way. Stability counts from e going out of reach (30 s), not
    // from its death (34 s): a suspect then declared dead was out of reach all along.
    view[4] = row('e', 'suspect');
    await world.run({ untilMs: 34_000 });
    expect(decisions).toEqual([]);
    view[4] = row('e', 'dead');
    await world.run({ untilMs: 60_000, until: () => decisions.length > 0 });
    downing.stop();
    expect(decisions.map((d) => [d.decision, d.unreachable])).toEqual([['down', ['b', 'c', 'e']]]);
    expect(decisions[0]!.atMs).toBeLessThan(34_000 + 5000);
  });

  it('a majority keeps once its picture is settled, downing the partition as a whole', async () => {
    const view = [row('a', 'alive'), row('b', 'alive', 1e9), row('c', 'alive', 1e9), row('d', 'dead'), row('e', 'suspect')];
    const { decisions, world, downing } = watch(view);
    // Keep either way, but e is still open: no piecemeal downing of d alone.
    await world.run({ untilMs: 20_000 });
    expect(decisions).toEqual([]);
    view[4] = row('e', 'dead');
    await world.run({ untilMs: 40_000, until: () => decisions.length > 0 });
    downing.stop();
    expect(decisions.map((d) => [d.decision, d.unreachable, d.members])).toEqual([['keep', ['d', 'e'], 5]]);
  });
});
