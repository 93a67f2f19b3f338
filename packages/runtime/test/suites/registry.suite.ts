/**
 * Registry: unique names (register, unregister, whereis; a taken name is an error and is
 * never overwritten; names vanish when their actor exits) and hierarchical paths
 * (registerPath, whereisPath, children, directChildren, watch a prefix).
 */
import { describe, expect, it } from 'vitest';
import { PdError, RegistryError, type AnyAddr, type Context } from '@pd/actor';
import type { Engine, RegistryChange } from '@pd/runtime';
import { type MakeEngine, engineFixture, expectPdError, settle } from './harness.js';

/** An actor that runs registry calls on its own context and replies with the result or the error. */
function registrar(engine: Engine, name?: string): AnyAddr {
  return engine.spawn({
    receive(m: { op: string; arg: string }, ctx: Context) {
      try {
        switch (m.op) {
          case 'register': return ctx.register(m.arg);
          case 'unregister': return ctx.unregister(m.arg);
          case 'whereis': return ctx.whereis(m.arg);
          case 'registerPath': return ctx.registerPath(m.arg);
          case 'whereisPath': return ctx.whereisPath(m.arg);
          default: return undefined;
        }
      } catch (error) {
        return { error };
      }
    },
  }, name === undefined ? {} : { name });
}

export function registrySuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('names', () => {
    it('register binds a name that whereis resolves, from the engine and from actors', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      const b = registrar(engine);
      await engine.ask(a, { op: 'register', arg: 'alpha' });
      engine.registry.register('beta', b);
      expect(engine.registry.whereis('alpha')?.equals(a)).toBe(true);
      expect(((await engine.ask(a, { op: 'whereis', arg: 'beta' })) as AnyAddr).equals(b)).toBe(true);
      expect(engine.registry.whereis('gamma')).toBeUndefined();
      expect(engine.registry.registered().map((r) => r.name)).toEqual(['alpha', 'beta']);
      expect(engine.info(a)?.names).toEqual(['alpha']);
      expect(engine.resolve('alpha')?.equals(a)).toBe(true);
    });

    it('an actor may hold several names; registering its own name again is a no-op', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      engine.registry.register('one', a);
      engine.registry.register('two', a);
      engine.registry.register('one', a);
      expect(engine.info(a)?.names.sort()).toEqual(['one', 'two']);
    });

    it('a taken name is an error naming it, and the holder keeps it', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      const b = registrar(engine);
      engine.registry.register('solo', a);
      expectPdError(() => engine.registry.register('solo', b), RegistryError, 'registry/name-taken', '"solo"');
      const reply = (await engine.ask(b, { op: 'register', arg: 'solo' })) as { error: unknown };
      expect(reply.error).toBeInstanceOf(RegistryError);
      expect((reply.error as PdError).code).toBe('registry/name-taken');
      expect(engine.registry.whereis('solo')?.equals(a)).toBe(true);
    });

    it('spawn with register: binds the name, and refuses a taken one without spawning', async () => {
      const engine = engines.make();
      const a = engine.spawn({ receive() {} }, { register: 'svc' });
      expect(engine.registry.whereis('svc')?.equals(a)).toBe(true);
      const before = engine.stats().spawned;
      expectPdError(() => engine.spawn({ receive() {} }, { register: 'svc' }), RegistryError, 'registry/name-taken', '"svc"');
      expect(engine.stats().spawned).toBe(before);
      expect(engine.registry.whereis('svc')?.equals(a)).toBe(true);
    });

    it('names vanish when their actor exits, and can then be taken again', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      engine.registry.register('transient', a);
      engine.stop(a);
      await settle(engine);
      expect(engine.registry.whereis('transient')).toBeUndefined();
      expect(engine.registry.registered()).toEqual([]);
      const b = registrar(engine);
      engine.registry.register('transient', b);
      expect(engine.registry.whereis('transient')?.equals(b)).toBe(true);
      engine.kill(b);
      expect(engine.registry.whereis('transient')).toBeUndefined();
    });

    it('unregister removes the name; with an address only that actor\'s', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      const b = registrar(engine);
      engine.registry.register('n', a);
      expect(engine.registry.unregister('n', b)).toBe(false);
      expect(engine.registry.whereis('n')?.equals(a)).toBe(true);
      await engine.ask(a, { op: 'unregister', arg: 'n' });
      expect(engine.registry.whereis('n')).toBeUndefined();
      expect(engine.info(a)?.names).toEqual([]);
      expect(engine.registry.unregister('n')).toBe(false);
    });

    it('a malformed name is refused with registry/invalid-name naming it', () => {
      const engine = engines.make();
      const a = registrar(engine);
      expectPdError(() => engine.registry.register('has space', a), RegistryError, 'registry/invalid-name', '"has space"');
      expectPdError(() => engine.registry.register('', a), RegistryError, 'registry/invalid-name', 'empty');
      expectPdError(() => engine.registry.register('$reserved', a), RegistryError, 'registry/invalid-name', '$reserved');
      expectPdError(() => engine.registry.register('x'.repeat(200), a), RegistryError, 'registry/invalid-name', '200 characters');
      expectPdError(() => engine.registry.register(42 as never, a), RegistryError, 'registry/invalid-name', 'number');
      expectPdError(() => engine.spawn({ receive() {} }, { register: 'a/b' }), RegistryError, 'registry/invalid-name', '"a/b"');
    });

    it('a dead actor cannot be registered', () => {
      const engine = engines.make();
      const a = registrar(engine);
      engine.kill(a);
      expectPdError(() => engine.registry.register('ghost', a), RegistryError, 'actor/invalid-state', String(a), 'not a live actor');
      expectPdError(() => engine.registry.registerPath('/ghost', a), RegistryError, 'actor/invalid-state', String(a));
      expect(engine.registry.whereis('ghost')).toBeUndefined();
    });
  });

  describe('paths', () => {
    it('registerPath binds a path that whereisPath resolves; a taken path is an error', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      const b = registrar(engine);
      await engine.ask(a, { op: 'registerPath', arg: '/svc/payment/processor' });
      expect(engine.registry.whereisPath('/svc/payment/processor')?.equals(a)).toBe(true);
      expect(((await engine.ask(b, { op: 'whereisPath', arg: '/svc/payment/processor' })) as AnyAddr).equals(a)).toBe(true);
      expect(engine.registry.whereisPath('/svc/payment')).toBeUndefined();
      expectPdError(() => engine.registry.registerPath('/svc/payment/processor', b), RegistryError, 'registry/path-taken', '/svc/payment/processor');
      expect(engine.registry.whereisPath('/svc/payment/processor')?.equals(a)).toBe(true);
      expect(engine.info(a)?.paths).toEqual(['/svc/payment/processor']);
      expect(engine.resolve('/svc/payment/processor')?.equals(a)).toBe(true);
    });

    it('children lists everything below a prefix, directChildren one level', () => {
      const engine = engines.make();
      const [p, q, r, s] = [registrar(engine), registrar(engine), registrar(engine), registrar(engine)];
      engine.registry.registerPath('/svc/a', p);
      engine.registry.registerPath('/svc/a/deep', q);
      engine.registry.registerPath('/svc/b/x/y', r);
      engine.registry.registerPath('/other', s);
      expect(engine.registry.children('/svc').map((c) => c.path)).toEqual(['/svc/a', '/svc/a/deep', '/svc/b/x/y']);
      expect(engine.registry.directChildren('/svc').map((c) => c.path)).toEqual(['/svc/a']);
      expect(engine.registry.directChildren('/svc/a').map((c) => c.path)).toEqual(['/svc/a/deep']);
      expect(engine.registry.children('/').map((c) => c.path)).toEqual(['/other', '/svc/a', '/svc/a/deep', '/svc/b/x/y']);
      expect(engine.registry.children('/nothing')).toEqual([]);
      expect(engine.registry.children('/svc')[0]!.addr.equals(p)).toBe(true);
    });

    it('watch reports binds and unbinds under a prefix, exits included, until unwatched', async () => {
      const engine = engines.make();
      const seen: RegistryChange[] = [];
      const unwatch = engine.registry.watch('/svc', (c) => seen.push(c));
      const a = registrar(engine);
      const b = registrar(engine);
      engine.registry.registerPath('/svc/a', a);
      engine.registry.registerPath('/elsewhere', b);
      engine.registry.registerPath('/svc', b);
      expect(engine.registry.unregisterPath('/svc', b)).toBe(true);
      engine.kill(a);
      unwatch();
      engine.registry.registerPath('/svc/late', b);
      expect(seen.map((c) => `${c.type} ${c.path}`)).toEqual([
        'registered /svc/a', 'registered /svc', 'unregistered /svc', 'unregistered /svc/a',
      ]);
      expect(seen[0]!.addr.equals(a)).toBe(true);
    });

    it('a watcher that throws is dropped and the registry carries on', () => {
      const engine = engines.make();
      const a = registrar(engine);
      let calls = 0;
      engine.registry.watch('/', () => {
        calls++;
        throw new Error('bad watcher');
      });
      engine.registry.registerPath('/one', a);
      engine.registry.registerPath('/two', a);
      expect(calls).toBe(1);
      expect(engine.registry.whereisPath('/two')?.equals(a)).toBe(true);
    });

    it('paths vanish when their actor exits', async () => {
      const engine = engines.make();
      const a = registrar(engine);
      engine.registry.registerPath('/jobs/1', a);
      engine.registry.registerPath('/jobs/2', a);
      engine.stop(a);
      await settle(engine);
      expect(engine.registry.whereisPath('/jobs/1')).toBeUndefined();
      expect(engine.registry.children('/')).toEqual([]);
    });

    it('a malformed path is refused with registry/invalid-name naming the problem', () => {
      const engine = engines.make();
      const a = registrar(engine);
      expectPdError(() => engine.registry.registerPath('no-slash', a), RegistryError, 'registry/invalid-name', '"no-slash"', 'must start with "/"');
      expectPdError(() => engine.registry.registerPath('/a//b', a), RegistryError, 'registry/invalid-name', 'empty segment');
      expectPdError(() => engine.registry.registerPath('/', a), RegistryError, 'registry/invalid-name', 'root');
      expectPdError(() => engine.registry.registerPath('/bad seg', a), RegistryError, 'registry/invalid-name', 'bad seg');
      expectPdError(() => engine.registry.registerPath(`/${Array.from({ length: 40 }, () => 'x').join('/')}`, a), RegistryError, 'registry/invalid-name', '40 segments');
      expectPdError(() => engine.registry.children('relative'), RegistryError, 'registry/invalid-name', 'relative');
    });
  });
}
