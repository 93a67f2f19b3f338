/**
 * One core's part of the multi-core view: its actors, tree, counters, terminated actors and
 * dead letters as plain data that crosses the codec (what cannot cross goes in its wire
 * form). Must not: block, or hand out live objects of this core.
 */
import { ArgumentError } from '@pd/actor';
import type { ActorStatus } from '../kernel/cell.js';
import type { CorePort } from './port.js';
import { portableValue } from './portable.js';

/** This core's answer to an inspect request, as plain data that crosses the codec. */
export function inspectLocal(router: CorePort, what: string, filter?: Readonly<Record<string, string>>): unknown {
  const engine = router.engine;
  switch (what) {
    case 'list':
      return engine.list((filter ?? {}) as { path?: string; status?: ActorStatus; kind?: string });
    case 'tree':
      return engine.tree();
    case 'stats':
      return { core: router.self, ...engine.stats(), ...router.stats, backlog: router.backlog };
    case 'terminated':
      return engine.terminated().map((t) => ({ ...t, reason: portableValue(router.codec, t.reason) }));
    case 'dead-letters': {
      const report = engine.deadLetters();
      return { ...report, recent: report.recent.map((d) => ({ ...d, message: portableValue(router.codec, d.message) })) };
    }
    case 'telemetry':
      return router.coreTelemetry?.snapshot() ?? null;
    default:
      throw new ArgumentError(`inspect: unknown view "${what}"`);
  }
}
