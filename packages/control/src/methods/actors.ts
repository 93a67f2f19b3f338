/**
 * Actor methods: list, info, tree, stop, kill, restart, spawn, terminated snapshots and
 * supervisor children. Targets resolve through targets.ts; stop and kill wait for the
 * exit (bounded) and report its reason, so a script knows the actor is gone on return.
 */
import { Exit, PdError, describeExit, type AnyAddr, type ExitReason } from '@pd/actor';
import type { ActorStatus, Engine } from '@pd/runtime';
import { type CoreActorInfo, EngineView } from '../cores.js';
import { ControlError } from '../errors.js';
import { resolveTargetInfo } from '../targets.js';
import { withEscalations } from '../escalations.js';
import { awaitExit, awaitStart } from '../tree.js';
import { exitToWire, toWire } from '../wire.js';
import type { ControlHost, MethodTable } from './types.js';

const STATUSES: readonly ActorStatus[] = ['starting', 'running', 'suspended', 'waiting', 'stopping'];
/** How long stop and kill wait for the exit. */
const EXIT_WAIT_MS = 60_000;
/** How long spawn waits for the new actor to finish starting (well within a client's call timeout). */
const START_WAIT_MS = 10_000;

export const actorMethods: MethodTable = {
  'actor.list': {
    params: ['path', 'status', 'kind', 'limit', 'node'],
    summary: 'Live actors, sorted by path; filter by path prefix, status or kind.',
    run: async (p, host) => {
      const path = p.string('path', true);
      const status = p.oneOf('status', STATUSES);
      const kind = p.string('kind', true);
      const limit = p.number('limit', { min: 1, max: 100_000, integer: true }) ?? 10_000;
      const all = await EngineView.of(host.engine).list({ ...(path !== undefined ? { path } : {}), ...(status !== undefined ? { status } : {}), ...(kind !== undefined ? { kind } : {}) });
      all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { total: all.length, actors: all.slice(0, limit).map((a) => infoToWire(a, host)) };
    },
  },
  'actor.info': {
    params: ['target', 'node'],
    summary: 'Everything known about one live actor (address, name or path).',
    run: async (p, host) => infoToWire((await resolveTargetInfo(host.engine, p.string('target'))).info, host),
  },
  'actor.tree': {
    params: ['path', 'node'],
    summary: 'The tree of live actors, from the roots or from one path down.',
    run: async (p, host) => {
      const path = p.string('path', true);
      const view = EngineView.of(host.engine);
      // Each node with its `core` on a multi-core engine; a single-core engine's tree as it is.
      const roots: readonly TreeNode[] = view.multi ? await view.tree() : host.engine.tree();
      const nodes = path === undefined ? roots : findSubtree(roots, path);
      if (nodes === null) throw new ControlError('target/unknown', `no live actor has the path "${path}"`, { hint: 'see `pd tree`' });
      return { roots: toWire(nodes) };
    },
  },
  'actor.stop': {
    params: ['target', 'reason'],
    summary: 'Ask an actor to stop (its stop hook runs) and wait for its exit.',
    run: async (p, host) => {
      const { engine } = host;
      const { addr, info: { path } } = await resolveTargetInfo(engine, p.string('target'));
      const reason = Exit.shutdown(p.string('reason', true) ?? 'pd stop');
      const { result: exit, escalations } = await withEscalations(engine, () => awaitExit(engine, addr, () => engine.stop(addr, reason), EXIT_WAIT_MS));
      return { addr: addr.toString(), path, reason: exitToWire(exit), escalations };
    },
  },
  'actor.kill': {
    params: ['target'],
    summary: 'Kill an actor at once (untrappable, no stop hook) and wait for its exit.',
    run: async (p, host) => {
      const { engine } = host;
      const { addr, info: { path } } = await resolveTargetInfo(engine, p.string('target'));
      const { result: exit, escalations } = await withEscalations(engine, () => awaitExit(engine, addr, () => engine.kill(addr), EXIT_WAIT_MS));
      return { addr: addr.toString(), path, reason: exitToWire(exit), escalations };
    },
  },
  'actor.restart': {
    params: ['target'],
    summary: 'Restart an actor: a supervised child through its supervisor (OTP restart_child), a `pd spawn` actor from its kind and args.',
    run: async (p, host) => {
      const result = await host.tree.restart(p.string('target'));
      return { addr: result.addr?.toString() ?? null, path: result.path, restarts: result.restarts, previous: result.previous === null ? null : exitToWire(result.previous) };
    },
  },
  'actor.spawn': {
    params: ['kind', 'args', 'name', 'register'],
    summary: 'Spawn a top-level actor of a registered kind, with JSON args.',
    run: async (p, host) => {
      const kind = p.string('kind');
      const name = p.string('name', true);
      const register = p.string('register', true);
      const options = { ...(p.has('args') ? { args: p.value('args') } : {}), ...(name !== undefined ? { name } : {}), ...(register !== undefined ? { register } : {}) };
      let addr: AnyAddr;
      try {
        addr = host.tree.spawn(kind, options);
      } catch (error) {
        throw spawnFailed(error, host.engine);
      }
      // On a multi-core engine the placement policy may have put it on another core.
      const view = EngineView.of(host.engine);
      // Report what became of it: an actor that dies while starting was not spawned. Watched
      // from now, before anything here waits: its first turn may come at the next microtask,
      // and a monitor set after its exit would see only `noproc`.
      const started = awaitStart(host.engine, addr, START_WAIT_MS, async (a) => (await view.info(a))?.status);
      const [path, exit] = await Promise.all([view.info(addr).then((info) => info?.path ?? null), started]);
      if (exit !== null) throw startFailed(path ?? addr.toString(), exit);
      const info = await view.info(addr);
      return { addr: addr.toString(), path: info?.path ?? path, kind, status: info?.status ?? 'dead', ...(view.multi && info !== undefined ? { core: info.core } : {}) };
    },
  },
  'actor.terminated': {
    params: ['limit', 'path', 'node'],
    summary: 'Snapshots of the latest terminated actors (newest last): path, kind, exit reason, counts.',
    run: async (p, host) => {
      const limit = p.number('limit', { min: 1, max: 100_000, integer: true }) ?? 100;
      const path = p.string('path', true);
      const view = EngineView.of(host.engine);
      const all = (await view.terminated()).map((t) => (view.multi ? t : withoutCore(t))).filter((t) => path === undefined || t.path === path || t.path.startsWith(`${path}/`));
      return {
        total: all.length,
        terminated: all.slice(-limit).map((t) => ({ ...(toWire(t) as object), reason: exitToWire(t.reason) })),
      };
    },
  },
  'supervisor.children': {
    params: ['target', 'node'],
    summary: 'The children of a supervisor: id, type, kind, path, status, restart policy, restarts, last exit.',
    run: async (p, host) => {
      const children = await host.tree.children(p.string('target'));
      return { supervised: host.tree.supervised, children: children.map((c) => ({ ...(toWire(c) as object), lastExit: c.lastExit === null ? null : exitToWire(c.lastExit) })) };
    },
  },
};

// --- internal ---

/** The wire form of an actor; `core` only on a multi-core engine (a single-core one has core 0 alone). */
function infoToWire(info: CoreActorInfo, host: ControlHost): unknown {
  const wire = toWire(EngineView.of(host.engine).multi ? info : withoutCore(info)) as Record<string, unknown>;
  wire.restarts = Math.max(info.restarts, host.tree.restartsOf(info.path));
  return wire;
}

function withoutCore<T extends { core: number }>(value: T): Omit<T, 'core'> {
  const { core: _core, ...rest } = value;
  return rest;
}

type TreeNode = { readonly path: string; readonly children: readonly TreeNode[] };

function findSubtree(nodes: readonly TreeNode[], path: string): TreeNode[] | null {
  for (const node of nodes) {
    if (node.path === path) return [node];
    if (path.startsWith(`${node.path}/`)) return findSubtree(node.children, path);
  }
  return null;
}

function startFailed(path: string, exit: ExitReason): ControlError {
  const error = exit.type === 'error' ? exit.error : undefined;
  const cause = typeof (error as { code?: unknown } | undefined)?.code === 'string' ? (error as { code: string }).code : undefined;
  const hint = cause === 'registry/name-taken' ? 'pick another --register name, or stop the holder (`pd registry` lists them)' : 'see its exit with `pd dead`';
  return new ControlError('spawn/failed', `${path} exited while starting: ${describeExit(exit)}`, { hint, data: { path, exit: exitToWire(exit), ...(cause !== undefined ? { cause } : {}) } });
}

function spawnFailed(error: unknown, engine: Engine): ControlError {
  if (error instanceof ControlError) return error;
  const cause = error instanceof PdError ? error.code : undefined;
  const hint = cause === 'spawn/unknown-kind'
    ? `known kinds: ${engine.kinds.names().join(', ') || 'none'} (add a module to "modules" in the config)`
    : cause === 'spawn/name-taken' || cause === 'registry/name-taken' ? 'pick another --name / --register, or stop the holder' : undefined;
  return new ControlError('spawn/failed', (error as Error).message, { ...(hint !== undefined ? { hint } : {}), data: cause === undefined ? {} : { cause } });
}
