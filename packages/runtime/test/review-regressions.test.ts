// Regressions found by a review of the single-core runtime (each was a failing repro first).
import { describe, expect, it } from 'vitest';
import { Exit, ExitSignal, type Context, type ExitReason } from '@pd/actor';
import { NodeReactor, createEngine } from '@pd/runtime';
import { sleep, until } from './suites/harness.js';

// These run on the node reactor: a turn the engine schedules (a stop, a crash, a timeout's
// kill) runs after a yield to the event loop, so a fixed `sleep` before checking its outcome
// races it on a busy machine. They wait `until` the outcome instead (failing after seconds
// if it never comes); a fixed sleep stays only where the check is that nothing happened.

describe('scheduler', () => {
  it('never has more than one drain outstanding under sustained load (timers are not starved)', async () => {
    const base = new NodeReactor({ seed: 1 });
    let outstanding = 0;
    let maxOutstanding = 0;
    const reactor = Object.create(base) as NodeReactor;
    reactor.yieldThen = (cb: () => void) => {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      base.yieldThen(() => {
        outstanding--;
        cb();
      });
    };
    const engine = createEngine({ reactor });
    let stop = false;
    const bounce = { receive(m: any, ctx: Context<any>) { if (!stop) ctx.send(m, ctx.self); } };
    const a = engine.spawn(bounce);
    const b = engine.spawn(bounce);
    engine.send(a, b);
    for (let i = 0; i < 10; i++) await sleep(engine, 1);
    stop = true;
    expect(maxOutstanding).toBeLessThanOrEqual(1);
    await engine.shutdown();
  });
});

describe('timers', () => {
  it('cancelling many timers from a firing callback does not wedge the heap', async () => {
    const engine = createEngine();
    const a = engine.spawn({
      started(ctx: Context<number>) { for (let i = 0; i < 1500; i++) ctx.sendAfter(ctx.self, i, 60_000 + i); },
      receive() {},
      stopping: () => new Promise<void>(() => {}), // never finishes: killed at its stop timeout
    }, { stopTimeoutMs: 20 });
    await engine.idle();
    engine.stop(a);
    await until(engine, () => engine.info(a) === undefined, 'the stop timeout to kill the actor');
    expect(engine.stats().timers).toBe(0);
    await engine.shutdown();
  });

  it('a periodic timer to an actor that exited stops', async () => {
    const engine = createEngine();
    const a = engine.spawn({ receive() {} });
    engine.sendEvery(a, 'tick', 1);
    engine.stop(a);
    await until(engine, () => engine.stats().timers === 0, 'the periodic timer to stop');
    await engine.shutdown();
  });

  it('a throwing receive match leaves no timer armed', async () => {
    const engine = createEngine();
    const client = engine.client();
    const pending = client.receive({ timeoutMs: 3_600_000, match: ((_m: unknown) => { throw new Error('match'); }) as never });
    client.send(client.self, 1);
    await expect(pending).rejects.toThrow('match');
    expect(engine.stats().timers).toBe(0);
    await engine.shutdown();
  });
});

describe('crash containment', () => {
  it.each([
    ['a then getter that throws', () => ({ get then() { throw new Error('getter'); } })],
    ['a then() that throws', () => ({ then() { throw new Error('then'); } })],
  ])('a handler returning %s crashes only its actor', async (_name, result) => {
    const engine = createEngine();
    const bad = engine.spawn({ receive: result });
    const good = engine.spawn({ receive: (n: number) => n + 1 });
    engine.send(bad, 1);
    await until(engine, () => engine.info(bad) === undefined, 'the bad handler to crash its actor');
    expect(engine.terminated().at(-1)?.reason.type).toBe('error');
    expect(await engine.ask(good, 1)).toBe(2);
    await engine.shutdown();
  });

  it('a receive getter that throws is the handler failing: a crash in receive, of its actor only', async () => {
    const engine = createEngine();
    let broken = false; // spawn reads it too (is it a push actor?): it breaks after
    const bad = engine.spawn({
      get receive(): (m: number) => void {
        if (broken) throw new Error('no handler today');
        return () => {};
      },
    });
    broken = true;
    const good = engine.spawn({ receive: (n: number) => n + 1 });
    engine.send(bad, 1);
    await until(engine, () => engine.info(bad) === undefined, 'the bad behaviour to crash its actor');
    const reason = engine.terminated().at(-1)?.reason;
    expect(reason?.type).toBe('error');
    expect(reason).toMatchObject({ metadata: { phase: 'receive' } });
    expect(await engine.ask(good, 1)).toBe(2);
    await engine.shutdown();
  });

  it('a thenable that calls back twice does not run two handlers at once', async () => {
    const engine = createEngine();
    let running = 0;
    let maxRunning = 0;
    const a = engine.spawn({
      receive(m: string) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (m === 'a') return { then(ok: () => void) { running--; ok(); engine.reactor.setTimer(10, ok); } };
        return new Promise<void>((r) => engine.reactor.setTimer(30, () => { running--; r(); }));
      },
    });
    engine.send(a, 'a');
    engine.send(a, 'b');
    engine.send(a, 'c');
    await sleep(engine, 90);
    expect(maxRunning).toBe(1);
    await engine.shutdown();
  });

  it('an ask whose handler throws an unprintable value fails with ask/target-exited', async () => {
    const engine = createEngine();
    const bad = engine.spawn({ receive() { throw Object.create(null); } });
    await expect(engine.ask(bad, 1, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'ask/target-exited' });
    await engine.shutdown();
  });

  it('a bad priority is refused at the call, before anything changes', async () => {
    const engine = createEngine();
    const a = engine.spawn({ receive: () => 1 }, { mailbox: { capacity: 1, overflow: 'backpressure' } });
    expect(() => engine.ask(a, 1, { priority: 'urgent' as never })).toThrow(/priority/);
    expect(() => engine.sendWait(a, 2, { priority: 'urgent' as never })).toThrow(/priority/);
    expect(engine.stats().pendingAsks).toBe(0);
    await engine.shutdown();
  });

  it('a bad mailbox option leaves no half-spawned actor holding the name', () => {
    const engine = createEngine();
    expect(() => engine.spawn({ receive() {} }, { name: 'svc', mailbox: { capacity: 0 } })).toThrow(/capacity/);
    expect(engine.stats().live).toBe(0);
    expect(() => engine.spawn({ receive() {} }, { name: 'svc' })).not.toThrow();
  });
});

describe('exits', () => {
  it('a parent killed at its stop timeout while its children stop runs no stop hook', async () => {
    const engine = createEngine({ stopTimeoutMs: 30 });
    const hook: string[] = [];
    const parent = engine.spawn({
      started(ctx: Context) { ctx.spawn({ receive() {}, stopping: () => new Promise<void>(() => {}) }, { stopTimeoutMs: 1000 }); },
      receive() {},
      stopping(reason: ExitReason) { hook.push(reason.type); },
    });
    await engine.idle();
    engine.stop(parent);
    await until(engine, () => engine.info(parent) === undefined, 'the stop timeout to kill the parent');
    expect(hook).toEqual([]);
    await engine.shutdown();
  });

  it('an exiting actor cannot start children, so shutdown always completes', async () => {
    const engine = createEngine();
    const errors: unknown[] = [];
    const parent = engine.spawn({
      receive() {},
      stopping(_r: ExitReason, ctx: Context) {
        try { ctx.spawn({ receive() {} }); } catch (error) { errors.push((error as { code: string }).code); }
      },
    });
    await engine.idle();
    engine.stop(parent);
    await until(engine, () => engine.info(parent) === undefined, 'the parent to stop');
    expect(errors).toEqual(['actor/invalid-state']);
    expect(engine.stats().live).toBe(0);
    await expect(engine.shutdown({ deadlineMs: 200 })).resolves.toEqual({ stopped: 0, killed: 0 });
  });

  it('an actor that fails to become something else handles no further messages', async () => {
    const engine = createEngine();
    const seen: unknown[] = [];
    const a = engine.spawn({
      receive(m: unknown, ctx: Context) {
        seen.push(m);
        if (m === 'swap') ctx.become({ migrate() { throw new Error('migrate'); }, receive() {} });
      },
      stopping: () => sleep(engine, 20),
    });
    engine.send(a, 'swap');
    engine.send(a, 'x');
    engine.send(a, 'y');
    await sleep(engine, 40);
    expect(seen).toEqual(['swap']);
    await engine.shutdown();
  });

  it('an exit signal and a later message from the same actor arrive in order at a trapping actor', async () => {
    const engine = createEngine();
    const client = engine.client();
    client.trapExits(true);
    const a = engine.spawn({ receive(_m: unknown, ctx: Context) { ctx.exit(client.self, Exit.shutdown('x')); ctx.send(client.self, 'after-exit'); } });
    engine.send(a, 'go');
    expect(await client.receive({ timeoutMs: 500 })).toBeInstanceOf(ExitSignal);
    expect(await client.receive({ timeoutMs: 500 })).toBe('after-exit');
    await engine.shutdown();
  });

  it("a killed actor's leftover async code reaches nobody", async () => {
    const engine = createEngine();
    const victim = engine.spawn({ receive() {} });
    const zombie = engine.spawn({ async receive(_m: unknown, ctx: Context) { await sleep(engine, 20); ctx.kill(victim); ctx.stop(victim); } });
    engine.send(zombie, 1);
    await sleep(engine, 5);
    engine.kill(zombie);
    await sleep(engine, 40);
    expect(engine.info(victim)).toBeDefined();
    await engine.shutdown();
  });

  it('exit events and the terminated history are leaves-first', async () => {
    const engine = createEngine();
    const order: string[] = [];
    engine.events.subscribe((ev) => { if (ev.type === 'exited') order.push(ev.path); }, ['exited']);
    const p = engine.spawn({ started(ctx: Context) { ctx.spawn({ receive() {} }, { name: 'child' }); }, receive() {} }, { name: 'parent' });
    await engine.idle();
    engine.stop(p);
    await until(engine, () => engine.info(p) === undefined, 'the parent to stop');
    expect(order).toEqual(['/user/parent/child', '/user/parent']);
    expect(engine.terminated().map((t) => t.path)).toEqual(['/user/parent/child', '/user/parent']);
    await engine.shutdown();
  });

  it.skipIf(typeof (globalThis as { gc?: unknown }).gc !== 'function')('a behaviour swapped out is not kept alive by the actor (its cached handler is dropped)', async () => {
    const engine = createEngine();
    let ref!: WeakRef<object>;
    const addr = (() => {
      const first = { big: new Array(100_000).fill(1), receive(m: unknown): unknown { return m; } };
      ref = new WeakRef(first);
      return engine.spawn(first);
    })();
    expect(await engine.ask(addr, 1)).toBe(1); // the turn has looked the first behaviour's handler up
    engine.swap(addr, { receive: (m: unknown) => m });
    await engine.idle();
    (globalThis as unknown as { gc: () => void }).gc();
    await sleep(engine, 10);
    (globalThis as unknown as { gc: () => void }).gc();
    expect(ref.deref()).toBeUndefined();
    expect(await engine.ask(addr, 2)).toBe(2);
    await engine.shutdown();
  });

  it.skipIf(typeof (globalThis as { gc?: unknown }).gc !== 'function')('a dead actor keeps no state reachable through its address', async () => {
    const engine = createEngine({ terminatedHistory: 0 });
    let ref!: WeakRef<object>;
    const addr = (() => {
      const state = { big: new Array(100_000).fill(1) };
      ref = new WeakRef(state);
      return engine.spawn({ state, receive() {} });
    })();
    engine.stop(addr);
    await until(engine, () => engine.info(addr) === undefined, 'the actor to stop');
    (globalThis as unknown as { gc: () => void }).gc();
    await sleep(engine, 10);
    (globalThis as unknown as { gc: () => void }).gc();
    expect(ref.deref()).toBeUndefined();
    expect(String(addr)).toMatch(/^</);
    await engine.shutdown();
  });
});
