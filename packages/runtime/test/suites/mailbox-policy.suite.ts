/**
 * Property: bounded mailboxes behave as a model says. For a random capacity, overflow
 * policy and sequence of sends, sendWaits and asks (with random priorities) to an actor
 * held inside an async handler, the model predicts each send's result, which asks fail
 * with ask/rejected, the dropped/rejected counts, and the order the actor then handles
 * the survivors in (priority lanes, FIFO within a lane, backpressure waiters admitted in
 * order as room appears, and a sendWait beyond `maxWaiters` refused at once).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AskError, type OverflowPolicy, type Priority, type SendResult } from '@pd/actor';
import { MAILBOX_DEFAULTS } from '@pd/runtime';
import { type MakeEngine, deferred, settle, until, withEngine } from './harness.js';

type OpKind = 'send' | 'sendWait' | 'ask';
interface Op { readonly kind: OpKind; readonly priority: Priority }

const LANES: readonly Priority[] = ['high', 'normal', 'low'];

/** What the model says happens. */
interface Prediction {
  /** Per op: the send result (sendWait: what its promise resolves to; ask: 'queued' or 'rejected'). */
  results: (SendResult | 'ask-rejected')[];
  /** Op indices in the order the actor handles them. */
  handled: number[];
  dropped: number;
  rejected: number;
}

function predict(capacity: number, policy: OverflowPolicy, maxWaiters: number, ops: readonly Op[]): Prediction {
  const lanes = new Map<Priority, number[]>(LANES.map((p) => [p, []]));
  const waiters: number[] = [];
  const results: Prediction['results'] = [];
  const fate = new Map<number, 'queued' | 'evicted'>();
  let dropped = 0;
  let rejected = 0;
  const size = () => LANES.reduce((n, p) => n + lanes.get(p)!.length, 0);
  const push = (i: number) => {
    lanes.get(ops[i]!.priority)!.push(i);
    fate.set(i, 'queued');
  };
  ops.forEach((op, i) => {
    const full = size() >= capacity || waiters.length > 0;
    if (op.kind === 'sendWait' && policy === 'backpressure' && full && waiters.length < maxWaiters) {
      waiters.push(i);
      results[i] = 'queued';
      return;
    }
    if (!full) {
      push(i);
      results[i] = 'queued';
      return;
    }
    switch (policy) {
      case 'drop-newest':
        dropped++;
        results[i] = op.kind === 'ask' ? 'ask-rejected' : 'dropped';
        return;
      case 'drop-oldest': {
        const lane = [...LANES].reverse().map((p) => lanes.get(p)!).find((l) => l.length > 0)!;
        fate.set(lane.shift()!, 'evicted');
        dropped++;
        push(i);
        results[i] = 'queued';
        return;
      }
      default:
        rejected++;
        results[i] = op.kind === 'ask' ? 'ask-rejected' : 'rejected';
    }
  });
  for (const [i, f] of fate) if (f === 'evicted' && ops[i]!.kind === 'ask') results[i] = 'ask-rejected';
  // The actor is released: it takes by priority; each take admits one waiter when there is room.
  const handled: number[] = [];
  while (size() > 0) {
    const lane = LANES.map((p) => lanes.get(p)!).find((l) => l.length > 0)!;
    handled.push(lane.shift()!);
    if (waiters.length > 0 && size() < capacity) push(waiters.shift()!);
  }
  return { results, handled, dropped, rejected };
}

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<OpKind>('send', 'send', 'sendWait', 'ask'),
  priority: fc.constantFrom<Priority>('normal', 'normal', 'high', 'low'),
});

export function mailboxPolicySuite(make: MakeEngine): void {
  describe('bounded mailbox policies (property)', () => {
    it('results, drops, rejections and handled order match the model', async () => {
      const arb = fc.record({
        capacity: fc.integer({ min: 1, max: 5 }),
        policy: fc.constantFrom<OverflowPolicy>('drop-newest', 'drop-oldest', 'reject', 'backpressure'),
        ops: fc.array(op, { minLength: 0, maxLength: 16, size: 'medium' }),
        budget: fc.integer({ min: 1, max: 4 }),
        maxWaiters: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      });
      await fc.assert(fc.asyncProperty(arb, async ({ capacity, policy, ops, budget, maxWaiters }) => {
        const model = predict(capacity, policy, maxWaiters ?? MAILBOX_DEFAULTS.maxWaiters, ops);
        await withEngine(make, undefined, async (engine) => {
          const gate = deferred();
          const handled: number[] = [];
          const target = engine.spawn({
            receive(m: number | 'gate') {
              if (m === 'gate') return gate.promise;
              handled.push(m);
              return `reply:${m}`;
            },
          }, { mailbox: { capacity, overflow: policy, ...(maxWaiters === undefined ? {} : { maxWaiters }) }, budget });
          engine.send(target, 'gate');
          await settle(engine, 1);
          const outcomes: Promise<SendResult | 'ask-rejected' | string>[] = ops.map((o, i) => {
            const options = { priority: o.priority };
            if (o.kind === 'send') return Promise.resolve(engine.send(target, i, options));
            if (o.kind === 'sendWait') return engine.sendWait(target, i, options);
            return engine.ask(target, i, { ...options, timeoutMs: 60_000 }).then(
              () => 'queued',
              (e: unknown) => (e instanceof AskError && e.code === 'ask/rejected' ? 'ask-rejected' : `unexpected: ${String(e)}`),
            );
          });
          expect(engine.stats().dropped).toBe(model.dropped);
          expect(engine.deadLetters().byReason.rejected).toBe(model.rejected);
          gate.resolve();
          await until(engine, () => handled.length >= model.handled.length, `${model.handled.length} handled messages`);
          await settle(engine, 1);
          expect(handled).toEqual(model.handled);
          expect(await Promise.all(outcomes)).toEqual(model.results);
          expect(engine.deadLetters().byReason.dropped).toBe(model.dropped);
        });
      }), { numRuns: 60 });
    });

    // Issue #17 (item 4): waiters were unbounded (1M pending sendWaits held ~300 MiB).
    it('sendWait callers beyond the bound (default 10 000) do not wait: they resolve rejected at once, as dead letters', async () => {
      await withEngine(make, undefined, async (engine) => {
        const gate = deferred();
        const target = engine.spawn({ receive: (m: string) => (m === 'gate' ? gate.promise : undefined) }, { mailbox: { capacity: 1, overflow: 'backpressure' } });
        engine.send(target, 'gate');
        await settle(engine, 1);
        expect(engine.send(target, 'fills')).toBe('queued');
        const bound = MAILBOX_DEFAULTS.maxWaiters;
        let settled = 0;
        const waits = Array.from({ length: bound + 50 }, () => engine.sendWait(target, 'w').then((r) => (settled++, r)));
        await settle(engine, 1);
        expect(settled).toBe(50);
        expect(await Promise.all(waits.slice(bound))).toEqual(Array(50).fill('rejected'));
        expect(engine.deadLetters().byReason.rejected).toBe(50);
        expect(() => engine.spawn({ receive: () => {} }, { mailbox: { maxWaiters: -1 } })).toThrow(/mailbox\.maxWaiters must be an integer >= 0/);
        gate.resolve();
        expect(await Promise.all(waits.slice(0, 3))).toEqual(['queued', 'queued', 'queued']);
      });
    });
  });
}
