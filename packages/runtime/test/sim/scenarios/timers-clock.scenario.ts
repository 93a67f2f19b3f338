/**
 * timers-clock: actors on two nodes set one-shot and periodic timers, cancel some, and
 * measure them with their node's clock, while clocks jump (forward: a stalled process;
 * backward: the wall clock only) and buggify makes host timers late. Safety: no timer fires
 * early, a periodic timer never ticks more often than its interval, a timer cancelled in time
 * never fires, a one-shot fires at most once, the monotonic clock never goes back.
 * Liveness: every one-shot timer that was not cancelled fires.
 */
import type { Context, TimerRef } from '@pd/actor';
import { defineScenario } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

type Msg = { t: 'arm'; round: number } | { t: 'fire'; id: number } | { t: 'tick'; id: number };

interface Timer { due: number; cancelled: boolean; fired: number; ref: TimerRef | null }

const state = perRun(() => ({ timers: new Map<string, Timer>(), armed: 0 }));

export const timersClock = defineScenario({
  name: 'timers-clock',
  description: 'one-shot and periodic timers never fire early, twice or after cancel, under clock jumps and late host timers',
  nodes: 2,
  size: 8,
  durationMs: 1500,
  quietMs: 5000,
  faults: { clockJump: true, buggify: true },
  boot(node, sim) {
    const s = state(sim);
    for (let a = 0; a < sim.size; a++) {
      let lastNow = -Infinity;
      let ticks = 0;
      let tickStart = 0;
      let tickMs = 1;
      const key = (id: number) => `${node.name}#${node.host.epoch}/${a}/${id}`;
      const actor = node.engine.spawn({
        started(ctx: Context<Msg>) {
          tickStart = ctx.now();
          tickMs = 5 + Math.floor(ctx.random() * 20);
          ctx.sendEvery(ctx.self, { t: 'tick', id: 0 }, tickMs);
        },
        receive(m: Msg, ctx: Context<Msg>) {
          const now = ctx.now();
          sim.always(now >= lastNow, 'the monotonic clock never goes back', { lastNow, now });
          lastNow = now;
          if (m.t === 'tick') {
            // Never more ticks than intervals elapsed (late ticks may coalesce; none comes early).
            ticks++;
            sim.always(ticks <= Math.floor((now - tickStart) / tickMs + 1e-9), 'a periodic timer never ticks early', { ticks, now, tickStart, tickMs });
            return;
          }
          if (m.t === 'fire') {
            const t = s.timers.get(key(m.id))!;
            sim.always(!t.cancelled, 'a cancelled timer never fires', key(m.id));
            sim.always(t.fired === 0, 'a one-shot timer fires once', key(m.id));
            sim.always(now >= t.due, 'a timer never fires early', { id: key(m.id), due: t.due, now });
            sim.sometimes(now - t.due > 10, 'a timer fired more than 10 ms late');
            t.fired++;
            return;
          }
          // Arm a timer, and now and then cancel an earlier one that has not fired.
          const id = m.round;
          const delay = Math.floor(ctx.random() * 100);
          const t: Timer = { due: now + delay, cancelled: false, fired: 0, ref: null };
          t.ref = ctx.sendAfter(ctx.self, { t: 'fire', id }, delay);
          s.timers.set(key(id), t);
          s.armed++;
          if (id > 0 && ctx.random() < 0.3) {
            const victim = s.timers.get(key(Math.floor(ctx.random() * id)))!;
            if (victim.fired === 0 && !victim.cancelled) {
              // False when it already fired and its message waits in the mailbox: it is still handled.
              victim.cancelled = ctx.cancelTimer(victim.ref!);
              sim.sometimes(!victim.cancelled, 'a cancel lost the race with its timer');
            }
          }
          if (id + 1 < 40) ctx.sendAfter(ctx.self, { t: 'arm', round: id + 1 }, 1 + Math.floor(ctx.random() * 30));
        },
      });
      node.engine.send(actor, { t: 'arm', round: 0 });
    }
  },
  converged(sim) {
    for (const [id, t] of state(sim).timers) if (!t.cancelled && t.fired === 0) return `timer ${id} (due ${t.due.toFixed(3)}) has not fired`;
    return state(sim).armed === 40 * sim.size * sim.nodes.length ? true : 'not every timer was armed yet';
  },
});
