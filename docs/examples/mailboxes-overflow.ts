import type { OverflowPolicy, SendResult } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<Record<string, unknown>> {
  const engine = createEngine();
  const policies: OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'reject', 'backpressure'];
  const results: Record<string, SendResult[]> = {};
  const handled: Record<string, number[]> = {};

  for (const overflow of policies) {
    handled[overflow] = [];
    const box = engine.spawn(
      { receive: (n: number) => void handled[overflow]!.push(n) },
      { mailbox: { capacity: 2, overflow } },
    );
    // Three sends into a mailbox of two, before the actor runs.
    results[overflow] = [1, 2, 3].map((n) => engine.send(box, n));
  }

  // With `backpressure`, sendWait waits for room instead of failing.
  const slow = engine.spawn({ receive: () => {} }, { mailbox: { capacity: 1, overflow: 'backpressure' } });
  engine.send(slow, 1);
  const waited = await engine.sendWait(slow, 2);

  await engine.idle();
  const deadLetters = engine.deadLetters().byReason;
  console.log(results, handled, waited, deadLetters);
  await engine.shutdown();
  return { results, handled, waited, dropped: deadLetters.dropped, rejected: deadLetters.rejected };
}
