/**
 * Path prefixes of the cluster registry as `pd` prints them (`pd registry --cluster`, `pd
 * cluster names`, `pd events`): the `cluster.registry` result's `prefixes` and
 * `prefixConflicts` as tables after the names, the config's `clusterPrefix`es not held here,
 * and a `prefix-conflict` event as a line. A result from an engine that predates prefixes
 * (no such fields) prints as before. And `pd cluster register-prefix` / `unregister-prefix`:
 * the control calls they make and what they print (against a stand-in for the engine), as
 * for `join-group`, `leave-group` and `set-secret`.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printClusterNames } from '../src/commands/inspect.js';
import { formatEvent } from '../src/commands/events.js';
import { clusterCommand } from '../src/commands/cluster.js';
import { CommandContext } from '../src/command.js';
import { UsageError } from '../src/exit.js';

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

  it('prints the replication\'s troubles only when there are some', () => {
    const zero = { repairs: 0, unsent: 0, stale: 0, malformed: 0 };
    expect(printed({ ...base, replication: { registry: zero, groups: zero } })).not.toContain('replication');
    const text = printed({ ...base, replication: { registry: { ...zero, repairs: 2, stale: 1 }, groups: zero } });
    expect(text).toMatch(/\nreplication: names 2 repaired by anti-entropy, 0 unsent, 1 stale, 0 malformed$/);
  });

  it('prints a prefix-conflict event', () => {
    const line = formatEvent({ type: 'prefix-conflict', at: 0, prefix: '/user/carts', loser: { node: 'a', clock: 5120 }, winner: { node: 'b', clock: 4100 } });
    expect(line).toMatch(/prefix-conflict +path prefix \/user\/carts  lost to node b \(clock 4100 against 5120\)$/);
  });
});

/** Runs `pd cluster ARGS` against a stand-in engine answering every call with `reply`; the calls made and the text printed. */
async function run(args: string[], reply: Record<string, unknown>): Promise<{ calls: [string, unknown][]; text: string }> {
  const calls: [string, unknown][] = [];
  const out: string[] = [];
  const output = { text: (s: string) => out.push(s), data: (d: unknown) => out.push(JSON.stringify(d)) };
  const ctx = new (class extends CommandContext {
    override async call<T>(method: string, params?: Record<string, unknown>): Promise<T> {
      calls.push([method, params]);
      return reply as T;
    }
  })(clusterCommand, args, {}, output as never, {}, new Promise(() => {}));
  await clusterCommand.run(ctx);
  return { calls, text: out.join('\n') };
}

describe('pd cluster join-group / leave-group / set-secret', () => {
  it('join-group and leave-group call with the group and target, and print what happened', async () => {
    const joined = await run(['join-group', 'workers', '/user/app/w1'], { nodeId: 'a', group: 'workers', addr: '<1.0.1.1>', path: '/user/app/w1', already: false, members: 3 });
    expect(joined.calls).toEqual([['cluster.joinGroup', { group: 'workers', target: '/user/app/w1' }]]);
    expect(joined.text).toBe('<1.0.1.1> (/user/app/w1) joined workers on node a: 3 members as this node sees it (it leaves when it exits; a restart is a new actor)');
    const left = await run(['leave-group', 'workers', '/user/app/w1'], { nodeId: 'a', group: 'workers', addr: '<1.0.1.1>', path: '/user/app/w1', left: false, members: 2 });
    expect(left.calls).toEqual([['cluster.leaveGroup', { group: 'workers', target: '/user/app/w1' }]]);
    expect(left.text).toBe('<1.0.1.1> (/user/app/w1) was not in workers');
    await expect(run(['join-group', 'workers'], {})).rejects.toBeInstanceOf(UsageError);
    await expect(run(['leave-group', 'workers', 'x', 'y'], {})).rejects.toBeInstanceOf(UsageError);
  });

  it('set-secret sends absolute paths (the engine reads them), and needs a file', async () => {
    const r = await run(['set-secret', 'new.secret', '/etc/pd/old.secret'], { nodeId: 'a', secretFile: 'x', acceptFiles: [] });
    expect(r.calls).toEqual([['cluster.setSecrets', { secretFile: resolve('new.secret'), acceptFiles: ['/etc/pd/old.secret'] }]]);
    await expect(run(['set-secret'], {})).rejects.toBeInstanceOf(UsageError);
  });
});

describe('pd cluster register-prefix / unregister-prefix', () => {
  const claimed = { nodeId: 'a', prefix: '/user/app/orders', node: 'a', clock: 2048, addr: '<1.0.2.1>', path: '/user/app/orders', already: false };

  it('claims PREFIX for the actor at it by default, or for TARGET', async () => {
    const own = await run(['register-prefix', '/user/app/orders'], claimed);
    expect(own.calls).toEqual([['cluster.registerPrefix', { prefix: '/user/app/orders', target: '/user/app/orders' }]]);
    expect(own.text).toBe('claimed /user/app/orders for <1.0.2.1> (/user/app/orders) on node a, clock 2048');
    const other = await run(['register-prefix', '/user/app/orders', '/user/app/sup'], { ...claimed, path: '/user/app/sup', already: true });
    expect(other.calls).toEqual([['cluster.registerPrefix', { prefix: '/user/app/orders', target: '/user/app/sup' }]]);
    expect(other.text).toBe('/user/app/orders is already claimed for <1.0.2.1> (/user/app/sup) on node a');
  });

  it('unregister-prefix drops the claim and says when a config clusterPrefix is released', async () => {
    const r = await run(['unregister-prefix', '/user/app/orders'], { nodeId: 'a', prefix: '/user/app/orders', unregistered: true, released: true });
    expect(r.calls).toEqual([['cluster.unregisterPrefix', { prefix: '/user/app/orders' }]]);
    expect(r.text).toBe('unregistered /user/app/orders on node a; the config\'s clusterPrefix is released (not kept again until `pd cluster register-prefix` or a restart)');
  });

  it('register and unregister of names call and print as before', async () => {
    const r = await run(['register', 'payments', '/user/app/pay'], { nodeId: 'a', name: 'payments', node: 'a', clock: 7, addr: '<1.0.1.1>', path: '/user/app/pay', already: false });
    expect(r.calls).toEqual([['cluster.register', { name: 'payments', target: '/user/app/pay' }]]);
    expect(r.text).toBe('registered payments for <1.0.1.1> (/user/app/pay) on node a, clock 7');
    const u = await run(['unregister', 'payments'], { nodeId: 'a', name: 'payments', unregistered: false, released: true });
    expect(u.text).toBe('node a held no registration of payments; the config\'s clusterName is released (not kept again until `pd cluster register` or a restart)');
    await expect(run(['register', 'payments'], {})).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses a missing PREFIX and extra arguments', async () => {
    await expect(run(['register-prefix'], {})).rejects.toThrow(/missing PREFIX/);
    await expect(run(['register-prefix', '/a', '/b', '/c'], {})).rejects.toThrow(/unexpected argument "\/c"/);
    await expect(run(['unregister-prefix', '/a', '/b'], {})).rejects.toThrow(/unexpected argument "\/b"/);
  });

  it('lists the config\'s path prefixes not held here after its names', () => {
    const text = printed({
      ...base, conflicts: [],
      configured: [
        { name: 'payments', path: '/user/app/pay', at: 'tree.children[0].clusterName', state: 'held' },
        { prefix: '/user/app/pay', path: '/user/app/pay', at: 'tree.children[0].clusterPrefix', state: 'released' },
        { prefix: '/user/app/orders', path: '/user/app/orders', at: 'tree.children[1].clusterPrefix', state: 'elsewhere', node: 'b' },
      ],
    });
    expect(text).not.toContain('config names not held here');
    expect(text).toMatch(/\nconfig path prefixes not held here:\nPREFIX +STATE\n\/user\/app\/pay +released \(pd cluster unregister-prefix\)\n\/user\/app\/orders +held by node b$/);
  });
});
