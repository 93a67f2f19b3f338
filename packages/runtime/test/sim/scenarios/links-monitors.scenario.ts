/**
 * links-monitors: a keeper (trapping exits) keeps `size` pairs alive: each pair is a head
 * and a tail it spawns linked, so either one's crash takes the other down. A watcher
 * monitors every actor of every pair. The nemesis kills actors or sends them abnormal
 * exits. Safety (after every step): no pair is half alive; every Down is for a monitor the
 * watcher holds, and arrives once. Liveness: once faults stop, all pairs are whole again
 * and the watcher holds exactly one monitor per live actor.
 */
import { type Addr, type AnyAddr, type Context, defineKind, Down, ExitSignal, type MonitorRef } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { defineScenario } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

interface Pair { head: AnyAddr; tail: AnyAddr | null }
type KeeperMsg = { t: 'tail'; head: AnyAddr; tail: AnyAddr } | ExitSignal;
type WatcherMsg = { t: 'watch'; addr: AnyAddr } | Down;

const PairTail = defineKind<unknown>('pair-tail', () => ({ receive() {} }));
const PairHead = defineKind<unknown, { keeper: Addr<KeeperMsg> }>('pair-head', ({ keeper }) => ({
  started(ctx: Context<unknown>) {
    // The tail is linked at spawn: there is no moment where both live unlinked.
    const tail = ctx.spawn(PairTail, { link: true });
    ctx.send(keeper, { t: 'tail', head: ctx.self, tail });
  },
  receive() {},
}));

const state = perRun(() => ({
  pairs: new Map<number, Pair>(),
  /** Monitor ref id → target the watcher holds a monitor on. */
  watching: new Map<number, AnyAddr>(),
  downs: 0,
  engine: null as Engine | null,
}));

export const linksMonitors = defineScenario({
  name: 'links-monitors',
  description: 'linked pairs die together and every death reaches its monitor once, under kills and abnormal exits',
  nodes: 1,
  size: 6,
  durationMs: 1000,
  quietMs: 5000,
  faults: { actorCrash: true, clockJump: true, buggify: true },
  crashable: (actor) => actor.kind === 'pair-head' || actor.kind === 'pair-tail',
  boot(node, sim) {
    const s = state(sim);
    const engine = (s.engine = node.engine);
    const watcher = engine.spawn({
      receive(m: WatcherMsg, ctx: Context<WatcherMsg>) {
        if (m instanceof Down) {
          sim.always(s.watching.has(m.ref.id), 'a Down is for a monitor held, once', m.ref.id);
          s.watching.delete(m.ref.id);
          s.downs++;
          return;
        }
        const ref: MonitorRef = ctx.monitor(m.addr);
        s.watching.set(ref.id, m.addr);
      },
    });
    const spawnPair = (ctx: Context<KeeperMsg>, slot: number) => {
      const head = ctx.spawn(PairHead, { link: true, args: { keeper: ctx.self } });
      s.pairs.set(slot, { head, tail: null });
      ctx.send(watcher, { t: 'watch', addr: head });
    };
    engine.spawn({
      started(ctx: Context<KeeperMsg>) {
        for (let slot = 0; slot < sim.size; slot++) spawnPair(ctx, slot);
      },
      receive(m: KeeperMsg, ctx: Context<KeeperMsg>) {
        if (!(m instanceof ExitSignal)) {
          for (const pair of s.pairs.values()) {
            if (pair.head.equals(m.head)) {
              pair.tail = m.tail;
              ctx.send(watcher, { t: 'watch', addr: m.tail });
            }
          }
          return;
        }
        for (const [slot, pair] of s.pairs) {
          if (pair.head.equals(m.from)) {
            sim.sometimes(m.reason.type === 'killed', 'a head was killed');
            spawnPair(ctx, slot);
          }
        }
      },
    }, { trapExits: true });
  },
  start(sim) {
    sim.invariant('no pair is half alive', () => {
      const s = state(sim);
      for (const [slot, { head, tail }] of s.pairs) {
        if (tail === null) continue;
        const headAlive = s.engine!.info(head) !== undefined;
        const tailAlive = s.engine!.info(tail) !== undefined;
        if (headAlive !== tailAlive) return `pair ${slot}: head ${headAlive ? 'alive' : 'dead'}, tail ${tailAlive ? 'alive' : 'dead'}`;
      }
      return true;
    });
  },
  converged(sim) {
    const s = state(sim);
    const engine = s.engine!;
    for (const [slot, { head, tail }] of s.pairs) {
      if (tail === null || engine.info(head) === undefined || engine.info(tail) === undefined) return `pair ${slot} is not whole`;
    }
    if (s.watching.size !== 2 * sim.size) return `the watcher holds ${s.watching.size} monitors, expected ${2 * sim.size}`;
    for (const addr of s.watching.values()) if (engine.info(addr) === undefined) return `a monitor on a dead actor never fired (${String(addr)})`;
    sim.sometimes(s.downs > 0, 'a Down arrived');
    return true;
  },
});
