/**
 * Misuse gets a clear error: a SupervisorError whose `reason` names the problem, whose
 * `code` is one of the runtime's error codes, and whose message names the child or field.
 */
import { describe, expect, it } from 'vitest';
import { PdError } from '@pd/actor';
import { type ChildSpec, SupervisorError, createStableAddr, startPathSupervisor, startSupervisor, supervisor } from '@pd/runtime';
import { Worker } from './fixtures.js';
import { type HarnessFactory, settled } from './harness.js';

function thrown(fn: () => unknown): SupervisorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toBeInstanceOf(PdError);
    return error as SupervisorError;
  }
  throw new Error('expected a SupervisorError, nothing was thrown');
}

export function misuseConformance(make: HarnessFactory): void {
  describe('misuse gets a clear error', () => {
    it('duplicate child ids', () => {
      const e = thrown(() => supervisor({ children: [{ id: 'db', kind: Worker }, { id: 'api', kind: Worker }, { id: 'db', kind: Worker }] }));
      expect(e).toMatchObject({ reason: 'duplicate-child', code: 'arg/invalid' });
      expect(e.message).toBe('arg/invalid: supervisor: duplicate child id "db" (children #1 and #3)');
    });

    it('a negative (or fractional) intensity, a bad period', () => {
      expect(thrown(() => supervisor({ intensity: -1 })).message).toBe('arg/invalid: supervisor: intensity must be a non-negative integer, got -1');
      expect(thrown(() => supervisor({ intensity: 1.5 })).reason).toBe('invalid-spec');
      expect(thrown(() => supervisor({ periodMs: 0 })).message).toMatch(/periodMs must be a positive finite number, got 0/);
    });

    it('a spec whose kind does not exist: refused when the tree is started, nested ones included', () => {
      const h = make();
      const e = thrown(() => startSupervisor(h.engine, { children: [{ id: 'db', kind: 'no.such.kind' }] }));
      expect(e).toMatchObject({ reason: 'unknown-kind', code: 'spawn/unknown-kind' });
      expect(e.message).toMatch(/child "db": no kind named "no.such.kind" is registered/);
      const nested = supervisor({ children: [{ id: 'leaf', kind: 'missing' }] });
      expect(thrown(() => startSupervisor(h.engine, { children: [{ id: 'mid', kind: nested }] })).message).toMatch(/child "mid\/leaf": no kind named "missing"/);
      expect(h.engine.list()).toEqual([]);
    });

    it('an unknown child in a runtime call', async () => {
      const h = make();
      const sup = startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker }] });
      await expect(settled(h, sup.terminateChild('b'))).rejects.toMatchObject({ reason: 'unknown-child', code: 'arg/invalid', message: expect.stringMatching(/has no child "b" \(children: a\)/) });
      await h.dispose();
    });

    it('malformed child specs name the child and the field', () => {
      const bad: [Partial<ChildSpec> & Record<string, unknown>, RegExp][] = [
        [{ kind: Worker }, /child #1: invalid id/],
        [{ id: 'a/b', kind: Worker }, /child #1: invalid id/],
        [{ id: 'a' }, /child "a": give exactly one of kind and factory/],
        [{ id: 'a', kind: Worker, factory: () => ({ receive() {} }) }, /give exactly one of kind and factory/],
        [{ id: 'a', kind: { receive() {} } as never }, /inline behaviour object cannot be rebuilt/],
        [{ id: 'a', kind: 42 as never }, /kind must be a Kind, a kind name, an actor class or a supervisor definition, got number/],
        [{ id: 'a', kind: Worker, restart: 'sometimes' as never }, /child "a": restart must be permanent, transient or temporary/],
        [{ id: 'a', kind: Worker, shutdown: -5 }, /child "a": shutdown must be a positive number of ms/],
        [{ id: 'a', kind: Worker, mailbox: { capacity: 0 } }, /child "a": mailbox: .*capacity/],
        [{ id: 'a', kind: Worker, backoff: { factor: 0.5 } }, /child "a": backoff.factor must be a finite number >= 1/],
        [{ id: 'a', kind: Worker, stable: 'nope' as never }, /child "a": stable must be an address made by createStableAddr/],
      ];
      for (const [child, message] of bad) {
        const e = thrown(() => supervisor({ children: [child as ChildSpec] }));
        expect(e.reason).toBe('invalid-spec');
        expect(e.message).toMatch(message);
      }
    });

    it('malformed supervisor specs', () => {
      expect(thrown(() => supervisor({ strategy: 'one-for-some' as never })).message).toMatch(/strategy must be one of one-for-one, one-for-all, rest-for-one, simple-one-for-one/);
      expect(thrown(() => supervisor({ strategy: 'simple-one-for-one', children: [] })).message).toMatch(/exactly one child spec \(the template/);
      expect(thrown(() => supervisor({ backoff: { jitter: 2 } })).message).toMatch(/backoff.jitter must be a number in \[0, 1\]/);
      expect(thrown(() => supervisor({ backoff: { initialMs: 500, maxMs: 100 } })).message).toMatch(/maxMs must be a number of ms >= initialMs/);
      expect(thrown(() => supervisor({ maxChildren: 0 })).message).toMatch(/maxChildren must be a positive integer/);
      expect(thrown(() => supervisor({ stable: { whileRestarting: 'drop' as never } })).message).toMatch(/whileRestarting must be "queue" or "reject"/);
      expect(thrown(() => startPathSupervisor(make().engine, { prefix: 'svc' })).message).toMatch(/path supervisor: prefix/);
    });

    it('a child whose start throws fails the supervisor\'s start, naming the child', () => {
      const h = make();
      const e = thrown(() => startSupervisor(h.engine, { children: [{ id: 'ok', kind: Worker }, { id: 'taken', kind: Worker, register: 'dup' }, { id: 'again', kind: Worker, register: 'dup' }] }));
      expect(e).toMatchObject({ reason: 'failed-to-start' });
      expect(e.message).toMatch(/child "again" of \/user\/\$\d+ failed to start: .*"dup" is already registered/);
    });

    it('a stable address bound to another live supervisor\'s child', () => {
      const h = make();
      const shared = createStableAddr(h.engine);
      startSupervisor(h.engine, { children: [{ id: 'a', kind: Worker, stable: shared }] });
      expect(thrown(() => startSupervisor(h.engine, { children: [{ id: 'b', kind: Worker, stable: shared }] })).reason).toBe('stable-bound');
    });
  });
}
