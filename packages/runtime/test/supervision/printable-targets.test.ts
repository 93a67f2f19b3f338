/**
 * Dead letters name what a stable or pool address stands for (issue #17, item 9): such an
 * address has a negative slot (so it never names an actor table slot) and no tool takes
 * `<n.c.-9.0>` as a target, so a report names the child's or the pool's path instead.
 */
import { describe, expect, it } from 'vitest';
import { startPool, startSupervisor, stableAddrInfo } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { manualHarness as make, settled } from './harness.js';

describe('dead letters to routed addresses', () => {
  it('name the stable address\'s child by path', async () => {
    const h = make();
    const sup = startSupervisor(h.engine, { children: [{ id: 't', kind: Worker, restart: 'temporary' }] });
    await h.settle();
    const t = sup.stableAddr('t');
    expect(String(t)).toMatch(/\.-\d+\.0>$/);
    h.engine.send(t, { t: 'crash' });
    await h.settle();
    expect(stableAddrInfo(t).state).toBe('closed');
    expect(h.engine.send(t, { t: 'ping' })).toBe('dead');
    const last = h.engine.deadLetters().recent.at(-1)!;
    expect(last.to).toBe(`${h.engine.info(sup.addr)!.path}/t`);
    await h.dispose();
  });

  it('name a pool by its supervisor\'s path', async () => {
    const h = make();
    const pool = startPool(h.engine, { size: 2, kind: Worker, idPrefix: 'desk', stable: { whileRestarting: 'reject' } });
    await h.settle();
    const path = h.engine.info(pool.supervisor.addr)!.path;
    await settled(h, pool.supervisor.stop());
    expect(h.engine.send(pool.addr, { t: 'ping' })).not.toBe('queued');
    const last = h.engine.deadLetters().recent.at(-1)!;
    expect(last.to).toBe(path);
    await h.dispose();
  });
});
