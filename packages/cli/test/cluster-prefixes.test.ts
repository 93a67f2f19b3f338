/**
 * Path prefixes of the cluster registry as `pd` prints them (`pd registry --cluster`, `pd
 * cluster names`, `pd events`): the `cluster.registry` result's `prefixes` and
 * `prefixConflicts` as tables after the names, and a `prefix-conflict` event as a line. A
 * result from an engine that predates prefixes (no such fields) prints as before.
 */
import { describe, expect, it } from 'vitest';
import { printClusterNames } from '../src/commands/inspect.js';
import { formatEvent } from '../src/commands/events.js';
import type { CommandContext } from '../src/command.js';

function printed(result: unknown): string {
  const out: string[] = [];
  const ctx = { output: { text: (s: string) => out.push(s), streams: { out: {} } } } as unknown as CommandContext;
  printClusterNames(ctx, result);
  return out.join('\n');
}

const base = {
  nodeId: 'a', names: [{ name: 'leader', node: 'a', clock: 1024, addr: '<1.0.1.1>' }], configured: [], groups: [],
  conflicts: [{ name: 'leader', loser: { node: 'c', clock: 3072, addr: '<3.0.1.1>' }, winner: { node: 'a', clock: 1024, addr: '<1.0.1.1>' } }],
};

describe('pd: the cluster registry\'s path prefixes', () => {
  it('lists the prefixes claimed and the prefix conflicts lost, after the names', () => {
    const text = printed({
      ...base,
      prefixes: [{ prefix: '/user/orders', node: 'a', clock: 2048, addr: '<1.0.2.1>' }, { prefix: '/user/orders/eu', node: 'b', clock: 4096, addr: '<2.0.5.1>' }],
      prefixConflicts: [{ prefix: '/user/carts', loser: { node: 'a', clock: 5120, addr: '<1.0.3.1>' }, winner: { node: 'b', clock: 4100, addr: '<2.0.6.1>' } }],
    });
    expect(text).toMatch(/\npath prefixes:\nPREFIX +NODE +CLOCK +HOLDER\n\/user\/orders +a +2048 +<1\.0\.2\.1>\n\/user\/orders\/eu +b +4096 +<2\.0\.5\.1>\n/);
    expect(text).toMatch(/\nconflicts lost here:\nNAME +LOSER +WINNER\nleader +c \(clock 3072\) +a \(clock 1024\)\n/);
    expect(text).toMatch(/\npath prefix conflicts lost here:\nPREFIX +LOSER +WINNER\n\/user\/carts +a \(clock 5120\) +b \(clock 4100\)$/);
  });

  it('a result without prefixes (an older engine, or none claimed) prints as before', () => {
    for (const result of [base, { ...base, prefixes: [], prefixConflicts: [] }]) {
      const text = printed(result);
      expect(text).not.toContain('prefix');
      expect(text).toMatch(/\nconflicts lost here:\nNAME +LOSER +WINNER\nleader +c \(clock 3072\) +a \(clock 1024\)$/);
    }
  });

  it('prints a prefix-conflict event', () => {
    const line = formatEvent({ type: 'prefix-conflict', at: 0, prefix: '/user/carts', loser: { node: 'a', clock: 5120 }, winner: { node: 'b', clock: 4100 } });
    expect(line).toMatch(/prefix-conflict +path prefix \/user\/carts  lost to node b \(clock 4100 against 5120\)$/);
  });
});
