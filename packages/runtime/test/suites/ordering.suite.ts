/**
 * Property: per-pair FIFO (invariant 5). Several senders (sync actors, async actors that
 * yield between sends, clients, timers) send numbered messages to one receiver in random
 * interleavings, each sender with its own priority lane (often all equal), under random
 * reduction budgets and receivers that are sometimes async or pull actors. Whatever the
 * interleaving, the receiver sees every sender's messages exactly once and in order.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pull, type AnyAddr, type Context, type Priority } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type MakeEngine, expectDueOrder, scheduleTimer, settle, withEngine } from './harness.js';

type SenderKind = 'sync' | 'async' | 'client';
type Step = { sender: number; count: number } | { pause: true };
interface Scenario {
  readonly senders: readonly { kind: SenderKind; priority: Priority; budget: number }[];
  readonly receiver: { kind: 'push' | 'pull'; budget: number; asyncEvery: number };
  readonly engineBudget: number;
  readonly steps: readonly Step[];
}

interface Numbered { readonly from: number; readonly seq: number }

const priority = fc.constantFrom<Priority>('normal', 'normal', 'high', 'low');

const scenario: fc.Arbitrary<Scenario> = fc.record({
  senders: fc.array(fc.record({ kind: fc.constantFrom<SenderKind>('sync', 'async', 'client'), priority, budget: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 4 }),
  receiver: fc.record({ kind: fc.constantFrom<'push' | 'pull'>('push', 'push', 'pull'), budget: fc.integer({ min: 1, max: 8 }), asyncEvery: fc.integer({ min: 0, max: 4 }) }),
  engineBudget: fc.integer({ min: 1, max: 16 }),
  steps: fc.array(fc.oneof(
    { weight: 6, arbitrary: fc.record({ sender: fc.nat({ max: 3 }), count: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 1, arbitrary: fc.constant({ pause: true as const }) },
  ), { minLength: 1, maxLength: 20, size: 'medium' }),
});

/** A receiver that logs what it gets; async every `asyncEvery`-th message when > 0. */
function spawnReceiver(engine: Engine, s: Scenario['receiver'], log: Numbered[]): AnyAddr {
  const slow = (n: number) => s.asyncEvery > 0 && n % s.asyncEvery === 0;
  if (s.kind === 'pull') {
    return engine.spawn(pull<Numbered>(async (ctx) => {
      for (;;) {
        const m = await ctx.receive<Numbered>();
        log.push(m);
        if (slow(log.length)) await Promise.resolve();
      }
    }), { budget: s.budget });
  }
  return engine.spawn({
    receive(m: Numbered) {
      log.push(m);
      return slow(log.length) ? Promise.resolve() : undefined;
    },
  }, { budget: s.budget });
}

export function orderingSuite(make: MakeEngine): void {
  describe('per-pair FIFO (property)', () => {
    it('every sender\'s messages arrive exactly once and in the order sent', async () => {
      await fc.assert(fc.asyncProperty(scenario, async (sc) => {
        await withEngine(make, { budget: sc.engineBudget }, async (engine) => {
          const log: Numbered[] = [];
          const receiver = spawnReceiver(engine, sc.receiver, log);
          const next = sc.senders.map(() => 0);
          const clients = sc.senders.map((s) => (s.kind === 'client' ? engine.client() : null));
          const senders = sc.senders.map((s, i) => (s.kind === 'client' ? null : engine.spawn({
            async receive(count: number, ctx: Context<number>) {
              for (let k = 0; k < count; k++) {
                ctx.send(receiver, { from: i, seq: next[i]!++ }, { priority: s.priority });
                if (s.kind === 'async' && k % 2 === 0) await Promise.resolve();
              }
            },
          }, { budget: s.budget })));
          let total = 0;
          for (const step of sc.steps) {
            if ('pause' in step) {
              await settle(engine, 1);
              continue;
            }
            const i = step.sender % sc.senders.length;
            total += step.count;
            const client = clients[i];
            if (client !== null && client !== undefined) {
              for (let k = 0; k < step.count; k++) client.send(receiver, { from: i, seq: next[i]!++ }, { priority: sc.senders[i]!.priority });
            } else {
              engine.send(senders[i]!, step.count);
            }
          }
          for (let round = 0; round < 50 && log.length < total; round++) await settle(engine, 1);
          expect(log).toHaveLength(total);
          for (let i = 0; i < sc.senders.length; i++) {
            const seqs = log.filter((m) => m.from === i).map((m) => m.seq);
            expect(seqs).toEqual(Array.from({ length: next[i]! }, (_, k) => k));
          }
        });
      }), { numRuns: 40 });
    });

    it('timer deliveries to one target come in due order, ties in scheduling order', async () => {
      await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5 }).map((k) => k * 5), { minLength: 1, maxLength: 15 }), async (delays) => {
        await withEngine(make, undefined, async (engine) => {
          const log: number[] = [];
          const target = engine.spawn({ receive: (i: number) => void log.push(i) });
          // Each timer's due time is the clock at its scheduling plus its delay: on real time
          // the test may be paused between two schedules, which moves the later ones' due times.
          const windows = delays.map((d, i) => scheduleTimer(engine, d, () => engine.sendAfter(target, i, d)));
          for (let round = 0; round < 100 && log.length < delays.length; round++) await settle(engine, 1);
          expectDueOrder(log, windows);
          if (engine.reactor.kind === 'sim') {
            // Virtual time stands still while the test schedules: due order is delay order.
            const expected = delays.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.i);
            expect(log).toEqual(expected);
          }
        });
      }), { numRuns: 15 });
    });
  });
}
