/**
 * Property: the registry agrees with a model under random sequences of spawn, exit (kill,
 * stop, crash), register, unregister, registerPath and unregisterPath, made from the
 * engine and from inside actors. After every step: whereis / whereisPath / registered() /
 * children('/') / info().names match the model, a taken name or path is refused and never
 * overwritten, and the names and paths of dead actors are gone.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PdError, RegistryError, type AnyAddr, type Context } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type MakeEngine, settle, withEngine } from './harness.js';

const NAMES = ['n0', 'n1', 'n2', 'n3'] as const;
const PATHS = ['/a', '/a/b', '/a/b/c', '/a/c', '/b'] as const;

type Step =
  | { op: 'spawn' }
  | { op: 'kill' | 'stop' | 'crash'; actor: number }
  | { op: 'register'; actor: number; name: string; via: 'engine' | 'ctx' }
  | { op: 'unregister'; name: string; actor: number | null }
  | { op: 'registerPath'; actor: number; path: string; via: 'engine' | 'ctx' }
  | { op: 'unregisterPath'; path: string; actor: number | null };

const actor = fc.nat({ max: 7 });
const via = fc.constantFrom<'engine' | 'ctx'>('engine', 'ctx');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'spawn' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('kill' as const, 'stop' as const, 'crash' as const), actor }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('register' as const), actor, name: fc.constantFrom(...NAMES), via }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unregister' as const), name: fc.constantFrom(...NAMES), actor: fc.option(actor, { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('registerPath' as const), actor, path: fc.constantFrom(...PATHS), via }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unregisterPath' as const), path: fc.constantFrom(...PATHS), actor: fc.option(actor, { nil: null }) }) },
);

/** Model: which actor (index) holds each name and path, and who is alive. */
class Model {
  readonly alive: boolean[] = [];
  readonly names = new Map<string, number>();
  readonly paths = new Map<string, number>();
  exit(i: number): void {
    this.alive[i] = false;
    for (const [k, v] of [...this.names]) if (v === i) this.names.delete(k);
    for (const [k, v] of [...this.paths]) if (v === i) this.paths.delete(k);
  }
}

type Cmd = { op: 'register'; name: string } | { op: 'registerPath'; path: string } | { op: 'crash' };

/** An actor that makes registry calls on its own context and replies with the outcome. */
function spawnRegistrant(engine: Engine): AnyAddr {
  return engine.spawn({
    receive(m: Cmd, ctx: Context) {
      if (m.op === 'crash') throw new Error('crash requested');
      try {
        if (m.op === 'register') ctx.register(m.name);
        else ctx.registerPath(m.path);
        return 'ok';
      } catch (error) {
        return error;
      }
    },
  });
}

/** Run `call` (sync, or an ask to the actor) and return 'ok' or the error it threw or replied. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const r = await call();
    return r instanceof Error ? r : 'ok';
  } catch (error) {
    return error;
  }
}

function expectRefused(result: unknown, code: string): void {
  expect(result).toBeInstanceOf(RegistryError);
  expect((result as PdError).code).toBe(code);
}

function checkAgainstModel(engine: Engine, model: Model, addrs: AnyAddr[]): void {
  const addrOf = (i: number | undefined) => (i === undefined ? undefined : addrs[i]);
  for (const name of NAMES) {
    const found = engine.registry.whereis(name);
    const want = addrOf(model.names.get(name));
    expect(found === undefined ? undefined : String(found), `whereis(${name})`).toBe(want === undefined ? undefined : String(want));
  }
  for (const path of PATHS) {
    const found = engine.registry.whereisPath(path);
    const want = addrOf(model.paths.get(path));
    expect(found === undefined ? undefined : String(found), `whereisPath(${path})`).toBe(want === undefined ? undefined : String(want));
  }
  expect(engine.registry.registered().map((r) => r.name)).toEqual([...model.names.keys()].sort());
  expect(engine.registry.children('/').map((c) => c.path)).toEqual([...model.paths.keys()].sort());
  addrs.forEach((addr, i) => {
    const info = engine.info(addr);
    if (!model.alive[i]) {
      expect(info, `actor ${i} is dead`).toBeUndefined();
      return;
    }
    expect(info!.names.slice().sort()).toEqual([...model.names].filter(([, v]) => v === i).map(([k]) => k).sort());
    expect(info!.paths.slice().sort()).toEqual([...model.paths].filter(([, v]) => v === i).map(([k]) => k).sort());
  });
}

export function registryModelSuite(make: MakeEngine): void {
  describe('registry consistency (property)', () => {
    it('whereis, paths and per-actor names agree with a model under random spawn/exit/register sequences', async () => {
      await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 40, size: 'medium' }), async (generated) => {
        // Two actors up front, so that names and paths are contended from the first step.
        const steps: Step[] = [{ op: 'spawn' }, { op: 'spawn' }, ...generated];
        await withEngine(make, undefined, async (engine) => {
          const model = new Model();
          const addrs: AnyAddr[] = [];
          for (const s of steps) {
            if (s.op === 'spawn') {
              addrs.push(spawnRegistrant(engine));
              model.alive.push(true);
              checkAgainstModel(engine, model, addrs);
              continue;
            }
            if (addrs.length === 0) continue;
            const pick = (n: number) => n % addrs.length;
            switch (s.op) {
              case 'kill':
              case 'stop':
              case 'crash': {
                const i = pick(s.actor);
                if (s.op === 'kill') engine.kill(addrs[i]!);
                else if (s.op === 'stop') engine.stop(addrs[i]!);
                else engine.send(addrs[i]!, { op: 'crash' });
                await settle(engine, 2);
                model.exit(i);
                break;
              }
              case 'register': {
                const i = pick(s.actor);
                const fromCtx = s.via === 'ctx' && model.alive[i];
                const result = await outcome(() => (fromCtx ? engine.ask(addrs[i]!, { op: 'register', name: s.name }) : engine.registry.register(s.name, addrs[i]!)));
                const holder = model.names.get(s.name);
                if (!model.alive[i]) expectRefused(result, 'actor/invalid-state');
                else if (holder !== undefined && holder !== i) expectRefused(result, 'registry/name-taken');
                else {
                  expect(result).toBe('ok');
                  model.names.set(s.name, i);
                }
                break;
              }
              case 'registerPath': {
                const i = pick(s.actor);
                const fromCtx = s.via === 'ctx' && model.alive[i];
                const result = await outcome(() => (fromCtx ? engine.ask(addrs[i]!, { op: 'registerPath', path: s.path }) : engine.registry.registerPath(s.path, addrs[i]!)));
                const holder = model.paths.get(s.path);
                if (!model.alive[i]) expectRefused(result, 'actor/invalid-state');
                else if (holder !== undefined && holder !== i) expectRefused(result, 'registry/path-taken');
                else {
                  expect(result).toBe('ok');
                  model.paths.set(s.path, i);
                }
                break;
              }
              case 'unregister': {
                const i = s.actor === null ? null : pick(s.actor);
                const removed = engine.registry.unregister(s.name, i === null ? undefined : addrs[i]);
                const holder = model.names.get(s.name);
                const expected = holder !== undefined && (i === null || holder === i);
                expect(removed).toBe(expected);
                if (expected) model.names.delete(s.name);
                break;
              }
              case 'unregisterPath': {
                const i = s.actor === null ? null : pick(s.actor);
                const removed = engine.registry.unregisterPath(s.path, i === null ? undefined : addrs[i]);
                const holder = model.paths.get(s.path);
                const expected = holder !== undefined && (i === null || holder === i);
                expect(removed).toBe(expected);
                if (expected) model.paths.delete(s.path);
                break;
              }
            }
            checkAgainstModel(engine, model, addrs);
          }
          // Everything exits: nothing registered is left behind.
          for (const a of addrs) engine.kill(a);
          expect(engine.registry.registered()).toEqual([]);
          expect(engine.registry.children('/')).toEqual([]);
        });
      }), { numRuns: 50 });
    });
  });
}
