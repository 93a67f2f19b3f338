/**
 * Conformance: every strategy × every restart policy × every kind of exit (normal,
 * shutdown, abnormal, killed), written from OTP's supervisor documentation. Children are
 * a, b, c (b under test, a and c permanent); for simple-one-for-one, dynamic children
 * w-1, w-2, w-3 (w-2 under test). Each case asserts the exact sequence of supervisor events
 * and the state of the tree afterwards.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, Exit, type ExitReason } from '@pd/actor';
import { type ChildInfo, type RestartPolicy, type StrategyName, startSupervisor } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, type SupervisionHarness, SupervisionLog } from './harness.js';

export type ExitKind = 'normal' | 'shutdown' | 'abnormal' | 'killed';

const STRATEGIES: readonly StrategyName[] = ['one-for-one', 'one-for-all', 'rest-for-one', 'simple-one-for-one'];
const POLICIES: readonly RestartPolicy[] = ['permanent', 'transient', 'temporary'];
const EXITS: readonly ExitKind[] = ['normal', 'shutdown', 'abnormal', 'killed'];
const REASON_TYPE: Record<ExitKind, ExitReason['type']> = { normal: 'normal', shutdown: 'shutdown', abnormal: 'error', killed: 'killed' };

/** Make `victim` exit the given way. */
export function exitChild(h: SupervisionHarness, victim: AnyAddr, kind: ExitKind): void {
  switch (kind) {
    case 'normal':
      h.engine.send(victim, { t: 'stop' });
      return;
    case 'shutdown':
      h.engine.send(victim, { t: 'stop', reason: Exit.shutdown('done') });
      return;
    case 'abnormal':
      h.engine.send(victim, { t: 'crash' });
      return;
    case 'killed':
      h.engine.kill(victim);
  }
}

/** OTP: permanent always; transient only after an abnormal exit; temporary never. */
export function restarts(policy: RestartPolicy, kind: ExitKind): boolean {
  return policy === 'permanent' || (policy === 'transient' && (kind === 'abnormal' || kind === 'killed'));
}

/** The event sequence OTP's documentation implies for the case. */
function expected(strategy: StrategyName, policy: RestartPolicy, kind: ExitKind, victim: string): string[] {
  const exited = `exited ${victim}:${REASON_TYPE[kind]}`;
  if (!restarts(policy, kind)) return policy === 'temporary' || strategy === 'simple-one-for-one' ? [exited, `removed ${victim}`] : [exited];
  switch (strategy) {
    case 'one-for-one':
    case 'simple-one-for-one':
      return [exited, `restarted ${victim}`];
    case 'one-for-all':
      return [exited, 'terminating c', 'terminated c:shutdown', 'terminating a', 'terminated a:shutdown', 'restarted a', 'restarted b', 'restarted c'];
    case 'rest-for-one':
      return [exited, 'terminating c', 'terminated c:shutdown', 'restarted b', 'restarted c'];
  }
}

export function strategyConformance(make: HarnessFactory): void {
  describe('strategy × restart policy × exit (OTP semantics)', () => {
    for (const strategy of STRATEGIES) {
      for (const policy of POLICIES) {
        for (const kind of EXITS) {
          it(`${strategy}, ${policy} child, ${kind} exit`, async () => {
            await runCase(make, strategy, policy, kind);
          });
        }
      }
    }
  });
}

async function runCase(make: HarnessFactory, strategy: StrategyName, policy: RestartPolicy, kind: ExitKind): Promise<void> {
  const h = make();
  const lifecycle: string[] = [];
  const dynamic = strategy === 'simple-one-for-one';
  const children = dynamic
    ? [{ id: 'w', kind: Worker, restart: policy, args: { log: lifecycle } }]
    : ['a', 'b', 'c'].map((id) => ({ id, kind: Worker, restart: id === 'b' ? policy : 'permanent' as const, args: { log: lifecycle } }));
  const sup = startSupervisor(h.engine, { strategy, children, intensity: 3 });
  if (dynamic) for (let i = 0; i < 3; i++) await sup.startChild({ log: lifecycle });
  await h.settle();
  const victimId = dynamic ? 'w-2' : 'b';
  const before = await sup.whichChildren();
  expect(before.map((c) => c.id)).toEqual(dynamic ? ['w-1', 'w-2', 'w-3'] : ['a', 'b', 'c']);
  expect(before.every((c) => c.status === 'running')).toBe(true);
  const victim = before.find((c) => c.id === victimId)!.addr!;
  const events = new SupervisionLog(h.engine);
  lifecycle.length = 0;

  exitChild(h, victim, kind);
  await h.settle();

  expect(events.log()).toEqual(expected(strategy, policy, kind, victimId));
  const after = await sup.whichChildren();
  const byId = new Map<string, ChildInfo>(after.map((c) => [c.id, c]));
  if (restarts(policy, kind)) {
    const restarted = byId.get(victimId)!;
    expect(restarted.status).toBe('running');
    expect(restarted.restarts).toBe(1);
    expect(restarted.lastExit?.type).toBe(REASON_TYPE[kind]);
    expect(restarted.addr!.equals(victim)).toBe(false);
    expect(h.engine.info(restarted.addr!)?.restarts).toBe(1);
    expect(lifecycle).toContain(`restarting:${victimId}:${REASON_TYPE[kind]}`);
    if (strategy === 'one-for-all') {
      expect(byId.get('a')!.restarts).toBe(1);
      expect(byId.get('a')!.lastExit?.type).toBe('shutdown');
      // Stopped newest first, one at a time; all started again only after (spawned in start
      // order, per the events; their `started` hooks then run as the scheduler picks them).
      const hooks = lifecycle.filter((l) => l !== 'stop:b' && (l.startsWith('stop:') || l.startsWith('start:')));
      expect(hooks.slice(0, 2)).toEqual(['stop:c', 'stop:a']);
      expect(hooks.slice(2).sort()).toEqual(['start:a', 'start:b', 'start:c']);
    } else if (strategy === 'rest-for-one') {
      expect(byId.get('a')!.restarts).toBe(0);
      expect(byId.get('c')!.restarts).toBe(1);
    } else if (!dynamic) {
      expect(byId.get('a')!.restarts + byId.get('c')!.restarts).toBe(0);
    }
  } else if (policy === 'temporary' || dynamic) {
    expect(byId.has(victimId)).toBe(false);
  } else {
    expect(byId.get(victimId)!.status).toBe('stopped');
    expect(byId.get(victimId)!.addr).toBeNull();
    expect(byId.get(victimId)!.lastExit?.type).toBe(REASON_TYPE[kind]);
  }
  // The siblings are untouched unless the strategy restarted them.
  expect(after.filter((c) => c.id !== victimId).every((c) => c.status === 'running')).toBe(true);
  events.stop();
  await h.dispose();
}
