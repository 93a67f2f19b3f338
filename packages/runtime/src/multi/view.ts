/**
 * Introspection of every core in one view: `multiCore(engine)` asks each core for its part
 * (actors, tree, counters) over the same rings as everything else, and merges the answers
 * with the core it came from. Must not: block a core (each answer is an async ask with a
 * timeout) or reach into another core's memory.
 */
import { type AnyAddr, ArgumentError } from '@pd/actor';
import type { ActorStatus } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import type { ActorInfo, ActorTreeNode, DeadLetterReport, EngineStats, TerminatedSnapshot } from '../kernel/introspection.js';
import { CoreRouter } from './core-router.js';
import { inspectLocal } from './inspect.js';
import type { CoreTelemetrySnapshot } from '../telemetry/core-telemetry.js';

/** One core's counters: the engine's, plus what crossed its rings. */
export interface CoreStats extends EngineStats {
  readonly core: number;
  /** Frames and messages read from other cores, frames that failed to decode or dispatch. */
  readonly framesIn: number;
  readonly messagesIn: number;
  readonly badFrames: number;
  /** Errors the router caught at the engine boundary (bugs; see `lastError` on the router). */
  readonly errors: number;
  /** Frames that waited for a spawn still on its way on another ring. */
  readonly heldForSpawn: number;
  /** Frames waiting to go out (held for a restarting core, or in a full ring's overflow). */
  readonly backlog: number;
}

/** A core as core 0 sees it. */
export interface CoreStatus {
  readonly core: number;
  readonly state: 'self' | 'up' | 'down' | 'gone';
  /** Times it was restarted. */
  readonly epoch: number;
}

/** The view over all the cores of a multi-core engine (`multiCore(engine)`). */
export class MultiCore {
  /** @internal */
  constructor(private readonly router: CoreRouter, private readonly timeoutMs: number) {}

  /** How many cores the engine has. */
  get cores(): number {
    return this.router.cores;
  }

  /** The core an actor runs on. */
  coreOf(addr: AnyAddr): number {
    return addr.core;
  }

  /** Each core's state as this core knows it. */
  status(): CoreStatus[] {
    return this.router.peers.map((peer, core) => (peer === null ? { core, state: 'self' as const, epoch: this.router.epoch } : { core, state: peer.state, epoch: peer.epoch }));
  }

  /** Live actors of every core (each with its `core`); filters as `engine.list`. */
  async list(filter: { path?: string; status?: ActorStatus; kind?: string } = {}): Promise<(ActorInfo & { readonly core: number })[]> {
    const parts = await this.gather('list', filter as Record<string, string>);
    return parts.flatMap(({ core, value }) => (value as ActorInfo[]).map((info) => ({ ...info, core })));
  }

  /** The actor trees of every core, each rooted at that core's top-level actors. */
  async tree(): Promise<{ readonly core: number; readonly roots: ActorTreeNode[] }[]> {
    return (await this.gather('tree')).map(({ core, value }) => ({ core, roots: value as ActorTreeNode[] }));
  }

  /** Counters of every core. */
  async stats(): Promise<CoreStats[]> {
    return (await this.gather('stats')).map(({ value }) => value as CoreStats);
  }

  /**
   * The metrics the other cores recorded since core 0's `instrumentEngine` asked them to (see
   * telemetry/core-telemetry.ts); drains their histogram samples. Cores that do not record are left out.
   * @internal
   */
  async telemetry(): Promise<CoreTelemetrySnapshot[]> {
    return (await this.gather('telemetry')).flatMap(({ value }) => (value === null ? [] : [value as CoreTelemetrySnapshot]));
  }

  /** Recently terminated actors of every core, oldest first per core. */
  async terminated(): Promise<(TerminatedSnapshot & { readonly core: number })[]> {
    const parts = await this.gather('terminated');
    return parts.flatMap(({ core, value }) => (value as TerminatedSnapshot[]).map((t) => ({ ...t, core })));
  }

  /** Dead letters of every core. */
  async deadLetters(): Promise<{ readonly core: number; readonly report: DeadLetterReport }[]> {
    return (await this.gather('dead-letters')).map(({ core, value }) => ({ core, report: value as DeadLetterReport }));
  }

  // --- internal ---

  private async gather(what: 'list' | 'tree' | 'stats' | 'terminated' | 'dead-letters' | 'telemetry', filter?: Record<string, string>): Promise<{ core: number; value: unknown }[]> {
    const router = this.router;
    const asks = router.peers.map((peer, core) => {
      if (peer === null) return Promise.resolve({ core, value: inspectLocal(router, what, filter) });
      if (peer.state !== 'up') return null;
      const message = filter === undefined ? { op: 'inspect' as const, what } : { op: 'inspect' as const, what, filter };
      return router.controlAsk(core, message, this.timeoutMs).then((value) => ({ core, value }), () => null);
    });
    const answers = await Promise.all(asks);
    return answers.filter((a): a is { core: number; value: unknown } => a !== null);
  }
}

/** The multi-core view of `engine`; throws for a single-core engine. */
export function multiCore(engine: Engine, options: { timeoutMs?: number } = {}): MultiCore {
  const router = engine._remote.routers.find((r) => r instanceof CoreRouter);
  if (!(router instanceof CoreRouter)) throw new ArgumentError(`multiCore: the engine "${engine.id}" is not a multi-core engine (create it with mode: 'multi')`);
  return new MultiCore(router, options.timeoutMs ?? 5000);
}
