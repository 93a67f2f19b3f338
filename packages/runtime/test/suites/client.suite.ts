/**
 * Client handles (`engine.client()`): code that is not an actor gets an address of its
 * own to send, ask, receive (selectively, with a timeout), monitor, and close.
 */
import { describe, expect, it } from 'vitest';
import { Down, Exit, PdError, type AnyAddr, type Context } from '@pd/actor';
import { type MakeEngine, engineFixture, expectPdRejection, settle } from './harness.js';

export function clientSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('clients', () => {
    it('a client has its own address that actors can reply to', async () => {
      const engine = engines.make();
      const client = engine.client<string>();
      const echo = engine.spawn({ receive: (m: { from: AnyAddr; text: string }, ctx: Context) => void ctx.send(m.from, `echo:${m.text}`) });
      expect(client.send(echo, { from: client.self, text: 'hi' })).toBe('queued');
      expect(await client.receive({ timeoutMs: 1000 })).toBe('echo:hi');
      expect(engine.list()).toHaveLength(1);
    });

    it('asks an actor', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive: (n: number) => n * 2 });
      expect(await client.ask(a, 21)).toBe(42);
    });

    it('receive is selective and keeps the others, in order', async () => {
      const engine = engines.make();
      const client = engine.client();
      for (const m of [1, 'two', 3, 'four']) engine.send(client.self, m);
      expect(client.pending).toBe(4);
      expect(await client.receive({ match: (m): m is string => typeof m === 'string' })).toBe('two');
      expect(await client.receive()).toBe(1);
      expect(await client.receive()).toBe(3);
      expect(await client.receive()).toBe('four');
      expect(client.pending).toBe(0);
    });

    it('receive times out with receive/timeout', async () => {
      const engine = engines.make();
      const client = engine.client();
      await expectPdRejection(client.receive({ timeoutMs: 5 }), PdError, 'receive/timeout', '5 ms');
    });

    it('monitors an actor and receives its Down', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive() {} });
      const ref = client.monitor(a);
      engine.stop(a, Exit.shutdown('bye'));
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.ref).toBe(ref);
      expect(down.reason).toEqual(Exit.shutdown('bye'));
    });

    it('demonitor cancels the Down', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive() {} });
      client.demonitor(client.monitor(a));
      engine.kill(a);
      await settle(engine);
      expect(client.pending).toBe(0);
    });

    it('close makes the address dead and fires monitors with the reason', async () => {
      const engine = engines.make();
      const client = engine.client();
      const watcher = engine.client();
      watcher.monitor(client.self);
      expect(client.closed).toBe(false);
      client.close(Exit.shutdown('done'));
      expect(client.closed).toBe(true);
      expect((await watcher.receive<Down>({ timeoutMs: 1000 })).reason).toEqual(Exit.shutdown('done'));
      expect(engine.send(client.self, 'late')).toBe('dead');
    });

    it('a receive pending when the client closes is rejected, and so is one after', async () => {
      const engine = engines.make();
      const client = engine.client();
      const pending = client.receive();
      client.close();
      await expectPdRejection(pending, PdError, 'actor/invalid-state', 'closed');
      await expectPdRejection(client.receive(), PdError, 'actor/invalid-state', 'closed');
    });

    it('engine shutdown closes clients and rejects their pending receives', async () => {
      const engine = engines.make();
      const client = engine.client();
      const pending = client.receive();
      await engine.shutdown();
      expect(client.closed).toBe(true);
      await expectPdRejection(pending, PdError, 'actor/invalid-state', 'closed');
    });

    it('clients do not show in list, tree or stats().live, but are counted in stats().clients', () => {
      const engine = engines.make();
      const client = engine.client();
      expect(engine.list()).toEqual([]);
      expect(engine.tree()).toEqual([]);
      expect(engine.stats().live).toBe(0);
      expect(engine.stats().clients).toBe(1);
      client.close();
      expect(engine.stats().clients).toBe(0);
    });
  });
}
