// The demo is the README's main job: it must keep its promises — orders flow through the
// pool, the flaky gateway crashes and is restarted by its supervisor, nothing is lost.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/main.js';

describe('the demo engine', () => {
  it('processes orders while the flaky gateway is restarted with backoff', async () => {
    const summary = await runDemo({ durationMs: 2500, control: false, verbose: false });
    expect(summary.totals.paid).toBeGreaterThan(10);
    expect(summary.gatewayRestarts).toBeGreaterThanOrEqual(1);
    expect(summary.totals.retried).toBeGreaterThanOrEqual(1);
    expect(summary.tree.map((line) => line.trim().split(' ')[0])).toEqual(
      expect.arrayContaining(['shop', 'ledger', 'stock', 'payments', 'desks', 'desk-0', 'desk-3', 'intake']),
    );
  });
});
