/**
 * Misuse gets a typed error whose `code` says what went wrong and whose message names the
 * offending thing: sending to a non-address, registering a taken or malformed name,
 * spawning an unknown kind, asking with a non-positive timeout, using a stopped engine,
 * and out-of-range options.
 */
import { describe, expect, it } from 'vitest';
import {
  Addr, ArgumentError, AskError, Down, EngineError, PdError, RegistryError, SendError, SpawnError, defineKind, type AnyAddr, type Context,
} from '@pd/actor';
import { type MakeEngine, engineFixture, expectPdError, settle } from './harness.js';

const notAddresses: [unknown, string][] = [
  [{}, 'an object (Object)'],
  ['orders', 'string'],
  [null, 'null'],
  [undefined, 'undefined'],
  [42, 'number'],
  [{ node: 1, core: 0, slot: 0, generation: 1, key: '1.0.0.1' }, 'an object (Object)'],
  [Object.create(Addr.prototype), 'an object (Addr)'],
];

export function errorsSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('misuse errors', () => {
    it('sending to something that is not an address: SendError send/not-an-address naming what it got', () => {
      const engine = engines.make();
      for (const [bad, described] of notAddresses) {
        const e = expectPdError(() => engine.send(bad as AnyAddr, 'x'), SendError, 'send/not-an-address', 'send', described);
        expect(e.message).toContain('expected an Addr');
      }
    });

    it('every operation that takes an address names itself when given a non-address', () => {
      const engine = engines.make();
      const client = engine.client();
      const bad = { not: 'an address' } as unknown as AnyAddr;
      expectPdError(() => engine.ask(bad, 'x'), SendError, 'send/not-an-address', 'ask');
      expectPdError(() => engine.sendWait(bad, 'x'), SendError, 'send/not-an-address', 'sendWait');
      expectPdError(() => engine.stop(bad), SendError, 'send/not-an-address', 'stop');
      expectPdError(() => engine.kill(bad), SendError, 'send/not-an-address', 'kill');
      expectPdError(() => engine.swap(bad, { receive() {} }), SendError, 'send/not-an-address', 'swap');
      expectPdError(() => engine.sendAfter(bad, 'x', 1), SendError, 'send/not-an-address', 'sendAfter');
      expectPdError(() => client.monitor(bad), SendError, 'send/not-an-address', 'monitor');
      expectPdError(() => client.link(bad), SendError, 'send/not-an-address', 'link');
      expectPdError(() => client.send(bad, 'x'), SendError, 'send/not-an-address');
    });

    it('a handler that sends to a non-address crashes its actor with that SendError', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn({ receive: (_m: unknown, ctx: Context) => ctx.send('somebody' as unknown as AnyAddr, 'hi') });
      client.monitor(a);
      engine.send(a, 'go');
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type).toBe('error');
      const error = down.reason.type === 'error' ? down.reason.error : null;
      expect(error).toBeInstanceOf(SendError);
      expect((error as PdError).code).toBe('send/not-an-address');
    });

    it('a taken name: RegistryError registry/name-taken naming the name and the holder', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} }, { register: 'db' });
      const b = engine.spawn({ receive() {} });
      expectPdError(() => engine.registry.register('db', b), RegistryError, 'registry/name-taken', '"db"', String(a));
    });

    it('a malformed name: RegistryError registry/invalid-name naming it and the rule', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} });
      expectPdError(() => engine.registry.register('white space', a), RegistryError, 'registry/invalid-name', '"white space"', 'letters, digits');
      expectPdError(() => engine.spawn({ receive() {} }, { name: 'bad/name' }), RegistryError, 'registry/invalid-name', 'actor name', '"bad/name"');
    });

    it('an unknown kind: SpawnError spawn/unknown-kind naming it and the known kinds', () => {
      const engine = engines.make({ kinds: [defineKind('known-one', () => ({ receive() {} }))] });
      expectPdError(() => engine.spawn('unknwon-one'), SpawnError, 'spawn/unknown-kind', '"unknwon-one"', 'known-one');
      expect(engine.stats().spawned).toBe(0);
    });

    it('something that is not an actor definition: SpawnError spawn/invalid-definition naming what it got', () => {
      const engine = engines.make();
      expectPdError(() => engine.spawn(42 as never), SpawnError, 'spawn/invalid-definition', 'number');
      expectPdError(() => engine.spawn({ recieve() {} } as never), SpawnError, 'spawn/invalid-definition', 'an object');
      expectPdError(() => engine.spawn(null as never), SpawnError, 'spawn/invalid-definition', 'null');
    });

    it('two different kinds under one name: kind/duplicate naming it', () => {
      const engine = engines.make({ kinds: [defineKind('dup', () => ({ receive() {} }))] });
      expectPdError(() => engine.kinds.register(defineKind('dup', () => ({ receive() {} }))), PdError, 'kind/duplicate', '"dup"');
      expectPdError(() => engine.spawn(defineKind('dup', () => ({ receive() {} }))), PdError, 'kind/duplicate', '"dup"');
    });

    it('ask with a non-positive or non-finite timeout: ArgumentError arg/invalid naming timeoutMs and the value', () => {
      const engine = engines.make();
      const a = engine.spawn({ receive: () => 1 });
      for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expectPdError(() => engine.ask(a, 'q', { timeoutMs: bad }), ArgumentError, 'arg/invalid', 'timeoutMs', String(bad));
      }
      expect(engine.stats().pendingAsks).toBe(0);
    });

    it('a stopped engine: EngineError engine/stopped naming the engine and the operation', async () => {
      const engine = engines.make({ id: 'retired' });
      const a = engine.spawn({ receive() {} });
      await engine.shutdown();
      expectPdError(() => engine.spawn({ receive() {} }), EngineError, 'engine/stopped', '"retired"', 'spawn', 'stopped');
      expectPdError(() => engine.client(), EngineError, 'engine/stopped', '"retired"');
      expectPdError(() => engine.publish('t', 'x'), EngineError, 'engine/stopped', 'publish');
      expectPdError(() => engine.sendAfter(a, 'x', 1), EngineError, 'engine/stopped', 'sendAfter');
      expectPdError(() => engine.sendEvery(a, 'x', 1), EngineError, 'engine/stopped');
      // Sends to its (dead) actors are dead letters, never thrown.
      expect(engine.send(a, 'x')).toBe('dead');
      await expect(engine.ask(a, 'x')).rejects.toBeInstanceOf(AskError);
    });

    it('a stopping engine refuses new actors too', async () => {
      const engine = engines.make({ id: 'closing' });
      const never = new Promise<void>(() => {});
      engine.spawn({ receive() {}, stopping: () => never });
      const done = engine.shutdown({ deadlineMs: 20 });
      expect(engine.status).toBe('stopping');
      expectPdError(() => engine.spawn({ receive() {} }), EngineError, 'engine/stopped', '"closing"', 'stopping');
      await done;
    });

    it('an actor context used after its actor exited: actor/invalid-state naming the operation', async () => {
      const engine = engines.make();
      let saved: Context | null = null;
      const a = engine.spawn({
        receive(_m: unknown, ctx: Context) {
          saved = ctx;
        },
      });
      engine.send(a, 'keep');
      await settle(engine);
      engine.kill(a);
      expectPdError(() => saved!.spawn({ receive() {} }), PdError, 'actor/invalid-state', 'spawn', 'has exited');
      expectPdError(() => saved!.register('late'), PdError, 'actor/invalid-state', 'register');
      expectPdError(() => saved!.sendAfter(a, 'x', 1), PdError, 'actor/invalid-state', 'sendAfter');
    });

    it('out-of-range engine and spawn options: ArgumentError naming the option and the value', () => {
      const engine = engines.make();
      expectPdError(() => make({ budget: 0 }), ArgumentError, 'arg/invalid', 'budget', '0');
      expectPdError(() => make({ askTimeoutMs: -1 }), ArgumentError, 'arg/invalid', 'askTimeoutMs', '-1');
      expectPdError(() => make({ sliceMs: 0 }), ArgumentError, 'arg/invalid', 'sliceMs');
      expectPdError(() => make({ terminatedHistory: -1 }), ArgumentError, 'arg/invalid', 'terminatedHistory', '-1');
      expectPdError(() => make({ deadLetterHistory: 1.5 }), ArgumentError, 'arg/invalid', 'deadLetterHistory', '1.5');
      expectPdError(() => engine.spawn({ receive() {} }, { budget: 0 }), ArgumentError, 'arg/invalid', 'budget', '0');
      expectPdError(() => engine.spawn({ receive() {} }, { stopTimeoutMs: -3 }), ArgumentError, 'arg/invalid', 'stopTimeoutMs', '-3');
      expectPdError(() => engine.spawn({ receive() {} }, { link: true }), ArgumentError, 'arg/invalid', 'link');
      expectPdError(() => engine.spawn({ receive() {} }, 'opts' as never), ArgumentError, 'arg/invalid', 'string');
      expectPdError(() => engine.shutdown({ deadlineMs: 0 }), ArgumentError, 'arg/invalid', 'deadlineMs');
      expect(engine.status).toBe('running');
    });
  });
}
