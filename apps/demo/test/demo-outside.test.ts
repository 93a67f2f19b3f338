// The demo tells the truth about what operators did to it (issue #17, item 9): a pool that
// gave up after two desks were killed is announced, and a stop from outside (`pd stop`)
// leaves the summary with the last totals and tree seen, not zeros and an empty tree.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlClient, readState } from '@pd/control';
import { runDemo } from '../src/main.js';

describe('the demo under an operator', () => {
  it('reports an escalation and a stop from outside truthfully', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'pd-demo-'));
    const demo = runDemo({ durationMs: 60_000, verbose: false, stateDir });
    let state = await readState(stateDir, 'demo').catch(() => undefined);
    for (let i = 0; i < 500 && state === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      state = await readState(stateDir, 'demo').catch(() => undefined);
    }
    expect(state).toBeDefined();
    const client = await ControlClient.connect({ url: state!.url, token: state!.token });
    // Let orders flow, then take two desks down: the pool allows one restart in its period.
    await new Promise((r) => setTimeout(r, 1000));
    await client.call('actor.kill', { target: '/user/desks/desk-0' });
    const second = await client.call('actor.kill', { target: '/user/desks/desk-1' });
    expect(second.escalations.map((e: { supervisor: string }) => e.supervisor)).toContain('/user/desks');
    await client.call('engine.stop', {});
    await client.close();
    const summary = await demo;
    expect(summary.stoppedBy).toBe('outside');
    expect(summary.escalations.some((l) => l.startsWith('/user/desks reached its restart intensity'))).toBe(true);
    expect(summary.totals.paid).toBeGreaterThan(0);
    expect(summary.tree.map((line) => line.trim().split(' ')[0])).toEqual(expect.arrayContaining(['shop', 'ledger', 'intake']));
  }, 60_000);
});
