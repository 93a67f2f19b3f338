/**
 * Shared harness for the runtime behaviour suites. Every suite is a function of a
 * {@link MakeEngine}, so the same tests run under the node reactor (test/*.test.ts) and
 * under the simulation reactor (test/sim/**). Helpers here wait only on the engine's own
 * reactor (timers, `idle()`), never on global timers or clocks, so virtual time works.
 * Must not: import a particular reactor, or leave an engine running after a test.
 */
import { afterEach, expect } from 'vitest';
import type { PdError } from '@pd/actor';
import type { Engine, EngineEvent, EngineEventType, EngineOptions } from '@pd/runtime';

/** Builds an engine for one test; suites receive it from their runner. */
export type MakeEngine = (options?: EngineOptions) => Engine;

/** A promise with its resolve and reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Wait `ms` of engine time (virtual under simulation), through the engine's reactor. */
export function sleep(engine: Engine, ms: number): Promise<void> {
  return new Promise((resolve) => {
    engine.reactor.setTimer(ms, resolve);
  });
}

/**
 * Let the engine settle: a few rounds of "one reactor timer tick, then run queue empty",
 * so async handlers that resolved on microtasks get scheduled and run.
 */
export async function settle(engine: Engine, rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await sleep(engine, 0);
    await engine.idle();
  }
}

/**
 * Poll `condition` every `stepMs` of engine time until it holds; fails the test after
 * `timeoutMs` of engine time with `what` in the message.
 */
export async function until(engine: Engine, condition: () => boolean, what: string, timeoutMs = 20_000, stepMs = 1): Promise<void> {
  const start = engine.reactor.now();
  while (!condition()) {
    if (engine.reactor.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(engine, stepMs);
  }
}

/** The engine time within which a timer is due: [now before scheduling, now after] + its delay. */
export interface DueWindow {
  readonly earliest: number;
  readonly latest: number;
}

/**
 * Schedule one timer of `delayMs` through `schedule` and return the window in which it is
 * due. On virtual time the window is one instant; on real time a busy machine can pause the
 * test between two schedules, so the window is what the test can know of the due time.
 */
export function scheduleTimer(engine: Engine, delayMs: number, schedule: () => void): DueWindow {
  const before = engine.reactor.now();
  schedule();
  return { earliest: before + delayMs, latest: engine.reactor.now() + delayMs };
}

/**
 * Assert that `fired` (indexes into `windows`, in firing order) is every timer once, in due
 * order, ties in scheduling order (index order): for each pair whose windows fix which is
 * due first, that one fired first. On virtual time every pair is fixed, so this is the exact
 * order; on real time a pair scheduled across a pause of the test may be due either way.
 */
export function expectDueOrder(fired: readonly number[], windows: readonly DueWindow[]): void {
  expect([...fired].sort((x, y) => x - y)).toEqual(windows.map((_, i) => i));
  const position = new Map(fired.map((timer, at) => [timer, at]));
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const [a, b] = [windows[i]!, windows[j]!];
      // i was scheduled first: it fires first unless j is surely due earlier.
      if (a.latest <= b.earliest) expect(position.get(i)!, `timer ${i} (due by ${a.latest}) before timer ${j} (due from ${b.earliest})`).toBeLessThan(position.get(j)!);
      else if (b.latest < a.earliest) expect(position.get(j)!, `timer ${j} (due by ${b.latest}) before timer ${i} (due from ${a.earliest})`).toBeLessThan(position.get(i)!);
    }
  }
}

/** Record engine events (all, or only `types`) until `stop()`. */
export function collectEvents(engine: Engine, types?: readonly EngineEventType[]): {
  readonly events: EngineEvent[];
  of<T extends EngineEventType>(type: T): Extract<EngineEvent, { type: T }>[];
  stop(): void;
} {
  const events: EngineEvent[] = [];
  const stop = engine.events.subscribe((e) => events.push(e), types);
  return {
    events,
    of: <T extends EngineEventType>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type),
    stop,
  };
}

/**
 * Engines for the tests of one `describe`: `engines.make()` builds one and every engine
 * built is shut down after each test (deadline `shutdownDeadlineMs`), pass or fail.
 */
export function engineFixture(make: MakeEngine, shutdownDeadlineMs = 1000): { make(options?: EngineOptions): Engine } {
  const live: Engine[] = [];
  afterEach(async () => {
    const engines = live.splice(0);
    await Promise.all(engines.map((e) => e.shutdown({ deadlineMs: shutdownDeadlineMs })));
  });
  return {
    make(options?: EngineOptions): Engine {
      const engine = make(options);
      live.push(engine);
      return engine;
    },
  };
}

/** Run `body` with a fresh engine and shut it down afterwards (for property runs). */
export async function withEngine<T>(make: MakeEngine, options: EngineOptions | undefined, body: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = make(options);
  try {
    return await body(engine);
  } finally {
    await engine.shutdown({ deadlineMs: 1000 });
  }
}

/** Assert that `fn` throws a PdError of class `cls` with `code`, whose message contains every `mentions`. */
export function expectPdError(fn: () => unknown, cls: abstract new (...args: any[]) => PdError, code: string, ...mentions: string[]): PdError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return checkPdError(thrown, cls, code, mentions);
}

/** As {@link expectPdError}, for a promise that must reject. */
export async function expectPdRejection(promise: Promise<unknown>, cls: abstract new (...args: any[]) => PdError, code: string, ...mentions: string[]): Promise<PdError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  return checkPdError(thrown, cls, code, mentions);
}

function checkPdError(thrown: unknown, cls: abstract new (...args: any[]) => PdError, code: string, mentions: string[]): PdError {
  expect(thrown, `expected a ${cls.name} with code ${code}`).toBeInstanceOf(cls);
  const error = thrown as PdError;
  expect(error.code).toBe(code);
  for (const m of mentions) expect(error.message).toContain(m);
  return error;
}
