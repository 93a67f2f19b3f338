/**
 * Kernel habits from issue 10: a throwing event listener is reported (counted, its failure
 * kept), not silently unsubscribed; the `routers` option refuses what is not a factory;
 * `assert()` throws an `internal/invariant` PdError naming what broke.
 */
import { describe, expect, it } from 'vitest';
import { PdError } from '@pd/actor';
import { assert, InvariantError } from '@pd/actor/internal';
import { createEngine, type RouterFactory } from '@pd/runtime';

describe('kernel habits', () => {
  it('a listener that throws is dropped and reported: counted in stats, its failure kept', async () => {
    const engine = createEngine();
    const bug = new Error('listener bug');
    engine.events.subscribe(() => {
      throw bug;
    });
    expect(engine.stats().listenerFailures).toBe(0);
    expect(engine.lastListenerFailure).toBeNull();
    engine.spawn({ receive() {} });
    engine.spawn({ receive() {} });
    expect(engine.stats().listenerFailures).toBe(1);
    expect(engine.lastListenerFailure?.error).toBe(bug);
    expect(engine.lastListenerFailure?.eventType).toBe('spawned');
    await engine.shutdown();
  });

  it('routers must be factories', () => {
    expect(() => createEngine({ routers: [{} as unknown as RouterFactory] })).toThrow(/routers must be router factories/);
  });

  it('assert() throws an internal/invariant PdError naming what broke', () => {
    expect(() => assert(1 + 1 === 2, 'arithmetic')).not.toThrow();
    try {
      assert(false, 'the table slot is empty', { slot: 3 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvariantError);
      expect(error).toBeInstanceOf(PdError);
      expect((error as PdError).code).toBe('internal/invariant');
      expect((error as PdError).message).toBe('internal/invariant: the table slot is empty');
      expect((error as PdError).details).toEqual({ slot: 3 });
    }
  });
});
