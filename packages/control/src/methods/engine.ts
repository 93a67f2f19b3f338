/**
 * Engine-wide methods: status, stop, metrics, kinds, registry, dead letters. Read-only
 * except `engine.stop`, which answers first and stops after the reply is on its way.
 */
import { EngineView } from '../cores.js';
import { ControlError } from '../errors.js';
import { toWire } from '../wire.js';
import type { MethodTable } from './types.js';

export const engineMethods: MethodTable = {
  'engine.status': {
    params: [],
    summary: 'Engine id, status, pid, uptime, counters, kinds and control-plane facts.',
    run: async (_p, host) => {
      const { engine } = host;
      const { total, cores } = await EngineView.of(engine).stats();
      return {
        id: engine.id, status: engine.status, pid: process.pid, node: process.version, incarnation: engine.incarnation,
        startedAt: host.startedAt, uptimeMs: Date.now() - host.startedAt, reactor: engine.reactor.kind, seed: engine.reactor.seed,
        supervised: host.tree.supervised, kinds: engine.kinds.names(), stats: total, ...coreFields(cores), ...host.details,
      };
    },
  },
  'engine.stop': {
    params: ['deadlineMs'],
    summary: 'Shut the engine down gracefully (stop hooks run; killed at the deadline) and end its process.',
    run: (p, host) => {
      const deadlineMs = p.number('deadlineMs', { min: 1, max: 86_400_000 });
      if (host.engine.status !== 'running') throw new ControlError('engine/stopped', `the engine is already ${host.engine.status}`);
      setImmediate(() => host.requestStop(deadlineMs));
      return { stopping: true, id: host.engine.id, pid: process.pid };
    },
  },
  'metrics.snapshot': {
    params: ['actors', 'limit'],
    summary: 'Counters, process memory and CPU, and (with actors: true) per-actor mailbox depth, handled count and restarts.',
    run: async (p, host) => {
      const view = EngineView.of(host.engine);
      const limit = p.number('limit', { min: 1, max: 100_000, integer: true }) ?? 10_000;
      const { total, cores } = await view.stats();
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      const out: Record<string, unknown> = {
        at: Date.now(), uptimeMs: Date.now() - host.startedAt, stats: total, ...coreFields(cores),
        process: { pid: process.pid, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, cpuUserUs: cpu.user, cpuSystemUs: cpu.system },
      };
      if (p.boolean('actors') === true) {
        const all = await view.list();
        out.actorsTotal = all.length;
        out.actors = all.slice(0, limit).map((a) => ({
          addr: a.addr.toString(), path: a.path, kind: a.kind, ...(view.multi ? { core: a.core } : {}), status: a.status, depth: a.mailbox.depth,
          capacity: a.mailbox.capacity, handled: a.handled, restarts: Math.max(a.restarts, host.tree.restartsOf(a.path)),
        }));
      }
      return out;
    },
  },
  'kind.list': {
    params: [],
    summary: 'The kinds this engine can spawn by name.',
    run: (_p, host) => ({ kinds: host.engine.kinds.names() }),
  },
  'registry.list': {
    params: ['prefix'],
    summary: 'Registered names, and paths bound in the path registry (under prefix).',
    run: (p, host) => {
      const prefix = p.string('prefix', true) ?? '/';
      let paths;
      try {
        paths = host.engine.registry.children(prefix);
      } catch (error) {
        throw new ControlError('rpc/invalid-params', `registry.list: ${(error as Error).message}`);
      }
      return toWire({ names: host.engine.registry.registered(), paths });
    },
  },
  'deadletters.list': {
    params: ['limit', 'node'],
    summary: 'Dead letters: counts by reason and the most recent ones.',
    run: async (p, host) => {
      const limit = p.number('limit', { min: 1, max: 100_000, integer: true }) ?? 100;
      const report = await EngineView.of(host.engine).deadLetters();
      return toWire({ ...report, recent: report.recent.slice(-limit) });
    },
  },
};

// --- internal ---

/** A multi-core engine's per-core counters (`coreStats`), each with its core and ring counters; nothing on one core. */
function coreFields(cores: readonly unknown[] | null): Record<string, unknown> {
  return cores === null ? {} : { coreStats: cores };
}
