// Regression: delays beyond what a host timer takes (2^31-1 ms) made Node fire after 1 ms,
// and the timer heap re-armed every millisecond until the entry was due (a 1 kHz spin).
import { describe, expect, it } from 'vitest';
import { NodeReactor, createEngine, type ReactorTimer } from '@pd/runtime';

const MAX_HOST_DELAY_MS = 2 ** 31 - 1;

class CountingReactor extends NodeReactor {
  readonly delays: number[] = [];
  override setTimer(delayMs: number, callback: () => void): ReactorTimer {
    this.delays.push(delayMs);
    return super.setTimer(delayMs, callback);
  }
}

const hostSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('timers longer than a host timer allows', () => {
  it('arm one host timer, do not spin, and do not fire early', async () => {
    const reactor = new CountingReactor();
    const engine = createEngine({ reactor });
    const client = engine.client();
    const ref = engine.sendAfter(client.self, 'late', 2 ** 31 + 10_000);
    await expect(client.receive({ timeoutMs: 60 })).rejects.toThrow(/receive\/timeout/);
    // The long timer is armed at the host's maximum: once at first, once more when the
    // receive's earlier deadline leaves the heap. (Short re-arms of the receive's own deadline
    // are legitimate: Node may fire a timer early by as much as its loop time is stale, and the
    // heap then waits for the rest — on a loaded machine that can happen more than once.)
    const long = reactor.delays.filter((d) => d > 60);
    expect(long).toEqual([MAX_HOST_DELAY_MS, MAX_HOST_DELAY_MS]);
    // And nothing more while the long timer waits: a spin re-arms every millisecond.
    const before = reactor.delays.length;
    await hostSleep(50);
    expect(reactor.delays.slice(before)).toEqual([]);
    expect(engine.cancelTimer(ref)).toBe(true);
    await engine.shutdown();
  });
});
