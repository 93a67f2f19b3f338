/**
 * ordering: senders stream sequence numbers to two registered receivers, looked up by name
 * for every message, while the nemesis kills and crashes senders and receivers (a keeper
 * restarts them under their names). Safety: between one sender incarnation and one
 * receiver incarnation, messages arrive in order with no gaps and no duplicates (per-pair
 * FIFO, reliable local delivery). Liveness: once faults stop, each receiver hears from
 * every sender again.
 */
import { type Context, defineKind, ExitSignal, type Kind } from '@pd/actor';
import { defineScenario, type SimContext } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

type Seq = { from: string; seq: number };

const state = perRun(() => ({ heardSinceQuiet: new Map<string, Set<string>>() }));

const Receiver = defineKind<Seq, { name: string; sim: SimContext }>('ordering-receiver', ({ name, sim }) => {
  const last = new Map<string, number>();
  return {
    receive(m: Seq) {
      const prev = last.get(m.from);
      sim.always(prev === undefined || m.seq === prev + 1, 'per-pair FIFO with no gaps or duplicates', { at: name, ...m, prev });
      last.set(m.from, m.seq);
      if (sim.phase === 'liveness') {
        const heard = state(sim).heardSinceQuiet;
        heard.set(name, (heard.get(name) ?? new Set<string>()).add(m.from.split('#')[0]!));
      }
    },
  };
});

const Sender = defineKind<number, { name: string }>('ordering-sender', ({ name }) => {
  let seq = 0;
  return {
    started(ctx: Context<number>) {
      ctx.send(ctx.self, 0);
    },
    receive(_m: number, ctx: Context<number>) {
      // A new incarnation is a new stream: its id carries the incarnation's address.
      const from = `${name}#${String(ctx.self)}`;
      for (const r of ['r0', 'r1']) {
        const to = ctx.whereis<Seq>(r);
        if (to !== undefined) ctx.send(to, { from, seq });
      }
      seq++;
      ctx.sendAfter(ctx.self, 0, ctx.random() < 0.5 ? 0 : 1);
    },
  };
});

export const ordering = defineScenario({
  name: 'ordering',
  description: 'per-pair FIFO without gaps between live incarnations, under kills and crashes of senders and receivers',
  nodes: 1,
  size: 6,
  durationMs: 1000,
  quietMs: 5000,
  faults: { actorCrash: true, buggify: true },
  crashable: (actor) => actor.kind === 'ordering-sender' || actor.kind === 'ordering-receiver',
  boot(node, sim) {
    const specs: { name: string; kind: Kind<any, any>; args: unknown }[] = [
      ...['r0', 'r1'].map((name) => ({ name, kind: Receiver, args: { name, sim } })),
      ...Array.from({ length: sim.size }, (_, i) => ({ name: `s${i}`, kind: Sender, args: { name: `s${i}` } })),
    ];
    const byAddr = new Map<string, (typeof specs)[number]>();
    const spawn = (ctx: Context<ExitSignal>, spec: (typeof specs)[number]) => {
      byAddr.set(String(ctx.spawn(spec.kind, { link: true, register: spec.name, args: spec.args })), spec);
    };
    // The keeper restarts whatever exits, under the same name.
    node.engine.spawn({
      started(ctx: Context<ExitSignal>) {
        for (const spec of specs) spawn(ctx, spec);
      },
      receive(m: ExitSignal, ctx: Context<ExitSignal>) {
        const spec = byAddr.get(String(m.from));
        if (spec !== undefined) spawn(ctx, spec);
      },
    }, { trapExits: true });
  },
  converged(sim) {
    for (const r of ['r0', 'r1']) {
      const heard = state(sim).heardSinceQuiet.get(r)?.size ?? 0;
      if (heard < sim.size) return `${r} heard from ${heard}/${sim.size} senders since the faults stopped`;
    }
    return true;
  },
});
