/**
 * The multi-core suite on real worker threads (`mode: 'multi'`): core 0 is the test's
 * thread, the other cores are workers that load fixtures/kinds.mjs and run the built
 * runtime (`dist`; the test command builds first). Plus what only real threads can show:
 * a worker that dies outside any handler, and a worker's crash reports reaching the logger
 * given to core 0.
 */
import { describe, expect, it } from 'vitest';
import { Down, type AnyAddr } from '@pd/actor';
import { CORE_CRASHED, type CrashReport, createEngine, multiCore } from '@pd/runtime';
import { FIXTURES, type Report, PATIENCE_MS, eventually, expectSameAddr, heldOn, multiFixture, realThreads } from './harness.js';
import { multiSuite } from './multi.suite.js';

describe('multi-core behaviour [worker threads]', () => multiSuite(realThreads));

describe('a core that dies [worker threads]', () => {
  const fixture = multiFixture(realThreads);

  it('its actors exit with core-crashed for their links and monitors, the other cores go on, the core comes back', async () => {
    const h = await fixture.make({ cores: 3 });
    const { engine } = h;
    const client = engine.client();
    const doomed = engine.spawn('dier', { placement: { core: 1 } });
    const survivor = engine.spawn('echo', { placement: { core: 2 } });
    const linked = engine.spawn('probe', { placement: { core: 2 }, args: { report: client.self, trap: true } });
    await engine.ask(linked, { do: 'link', target: doomed, sync: 'alive' });
    const ref = client.monitor(doomed);
    expect(await engine.ask(doomed, 'alive')).toBe('alive');
    engine.send(doomed, 'die');
    const got = [await client.receive<Down | Report>({ timeoutMs: PATIENCE_MS }), await client.receive<Down | Report>({ timeoutMs: PATIENCE_MS })];
    const down = got.find((m): m is Down => m instanceof Down)!;
    const signal = got.find((m): m is Report => !(m instanceof Down))!;
    expect(down.ref).toBe(ref);
    expect(down.reason).toMatchObject({ type: 'error', error: CORE_CRASHED, metadata: { core: 1 } });
    expect(signal.sig).toBe('exit');
    expectSameAddr(signal.from, doomed);
    expect(signal.reason).toMatchObject({ type: 'error', error: CORE_CRASHED });
    expect(await engine.ask(survivor, 'still here')).toBe('still here');
    await eventually(h, () => multiCore(engine).status()[1]!.state === 'up', 'core 1 back', 20_000); // a new worker thread loads the runtime: slow on a busy machine
    expect(multiCore(engine).status()[1]!.epoch).toBe(1);
    const reborn = engine.spawn('echo', { placement: { core: 1 } });
    expect(await engine.ask(reborn, 'where', { timeoutMs: PATIENCE_MS })).toBe(1);
    await expect(engine.ask(doomed, 'anyone?', { timeoutMs: PATIENCE_MS })).rejects.toMatchObject({ code: 'ask/target-exited' });
    // Core 2 reaches the restarted core 1 too.
    expect(await engine.ask(linked, { do: 'ask', to: reborn, message: 'via core 2' })).toBe('via core 2');
  });

  it('a sendWait waiting for room on a core that dies resolves dead', async () => {
    const h = await fixture.make({ cores: 3 });
    const { engine } = h;
    const client = engine.client();
    const latch = engine.spawn('latch', { placement: { core: 2 } });
    const box = engine.spawn('held', { placement: { core: 1 }, mailbox: { capacity: 1, overflow: 'backpressure' } });
    const doomed = engine.spawn('dier', { placement: { core: 1 } });
    expect(await client.sendWait(box, { hold: latch })).toBe('queued');
    await heldOn(h, latch);
    const waits = ['a', 'b'].map((m) => client.sendWait(box, m));
    const last = waits[1]!;
    let settled = false;
    void last.then(() => (settled = true));
    await h.sleep(50);
    expect(settled).toBe(false);
    engine.send(doomed, 'die');
    expect(await last).toBe('dead');
  });

  it('an entry module that fails to load makes ready() reject, naming it', async () => {
    const engine = createEngine({ mode: 'multi', cores: 2, entry: new URL('./fixtures/broken-entry.mjs', import.meta.url) });
    try {
      await expect(engine.ready()).rejects.toThrow(/broken on purpose/);
    } finally {
      await engine.shutdown({ deadlineMs: 500 });
    }
  });

  it('with coreRestart "never" the core stays gone: sends to it are dead letters, spawns go elsewhere', async () => {
    const engine = createEngine({ mode: 'multi', cores: 2, entry: FIXTURES, coreRestart: 'never' });
    try {
      await engine.ready();
      const doomed = engine.spawn('dier', { placement: { core: 1 } });
      const client = engine.client();
      client.monitor(doomed);
      engine.send(doomed, 'die');
      expect((await client.receive<Down>({ timeoutMs: PATIENCE_MS })).reason).toMatchObject({ error: CORE_CRASHED });
      await new Promise((resolve) => engine.reactor.setTimer(20, resolve));
      expect(multiCore(engine).status()[1]!.state).toBe('gone');
      expect(engine.send(doomed, 'hello')).toBe('dead');
      const elsewhere: AnyAddr = engine.spawn('echo', { placement: 'any' });
      expect(elsewhere.core).toBe(0);
    } finally {
      await engine.shutdown({ deadlineMs: 1000 });
    }
  });
});

describe('crash reports of worker cores [worker threads]', () => {
  it('go to the logger given to createEngine, once per crash, with the core, the path and the stack', async () => {
    const reports: CrashReport[] = [];
    const engine = createEngine({ id: 'crashes', mode: 'multi', cores: 2, entry: FIXTURES, logger: { crash: (r) => reports.push(r) } });
    try {
      await engine.ready();
      const worker = engine.spawn('worker', { placement: { core: 1 } });
      const local = engine.spawn('worker', { placement: { core: 0 } });
      for (const target of [worker, local]) {
        const client = engine.client();
        client.monitor(target);
        engine.send(target, 'crash');
        await client.receive({ timeoutMs: PATIENCE_MS }); // its Down: it crashed
      }
      // The report comes over the worker's port, the Down over the rings: either may be first.
      for (let waited = 0; reports.length < 2 && waited < PATIENCE_MS; waited += 20) await new Promise((r) => setTimeout(r, 20));
      const byCore = (core: number) => reports.filter((r) => r.core === core);
      expect(reports).toHaveLength(2);
      expect(byCore(1)).toEqual([expect.objectContaining({ engine: 'crashes/1', kind: 'worker', phase: 'receive', reason: 'Error: worker crash', stack: expect.stringContaining('Error: worker crash\n') })]);
      expect(byCore(1)[0]!.path).toMatch(/^\/user\//);
      expect(byCore(1)[0]!.error).toBeInstanceOf(Error);
      // Core 0's own crash: the same logger, core 0.
      expect(byCore(0)).toEqual([expect.objectContaining({ engine: 'crashes', kind: 'worker', reason: 'Error: worker crash' })]);
    } finally {
      await engine.shutdown({ deadlineMs: 1000 });
    }
  });
});
