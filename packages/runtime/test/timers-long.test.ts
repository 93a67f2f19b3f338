// Regression: delays beyond what a host timer takes (2^31-1 ms) made Node fire after 1 ms,
// and the timer heap re-armed every millisecond until the entry was due (a 1 kHz spin).
import { describe, expect, it } from 'vitest';
import { NodeReactor, createEngine, type ReactorTimer } from '@pd/runtime';

class CountingReactor extends NodeReactor {
  armed = 0;
  override setTimer(delayMs: number, callback: () => void): ReactorTimer {
    this.armed++;
    return super.setTimer(delayMs, callback);
  }
}

describe('timers longer than a host timer allows', () => {
  it('arm one host timer, do not spin, and do not fire early', async () => {
    const reactor = new CountingReactor();
    const engine = createEngine({ reactor });
    const client = engine.client();
    const ref = engine.sendAfter(client.self, 'late', 2 ** 31 + 10_000);
    await expect(client.receive({ timeoutMs: 60 })).rejects.toThrow(/receive\/timeout/);
    // One arm for the long timer, one for the receive timeout (re-arms when it fires): never dozens.
    expect(reactor.armed).toBeLessThan(5);
    expect(engine.cancelTimer(ref)).toBe(true);
    await engine.shutdown();
  });
});
