/**
 * A multi-core engine inside a simulation: every core is an engine on its own simulated
 * reactor (one host, one incarnation), and every ordered pair of cores is joined by a
 * simulated ring (sim-channel.ts) with the same router, codec and frames as real cores. So
 * cross-core races — a message overtaking a spawn on another ring, links and monitors
 * firing across cores, overflow — are explored by seed, in one thread.
 *
 * Must not: share anything between cores but what the routers send (closures may move only
 * when `moveClosures` says so, a test aid no real engine has).
 */
import { Kind } from '@pd/actor';
import { Engine, type KernelOptions } from '../kernel/engine.js';
import type { ShutdownReport } from '../remote.js';
import type { SimWorld } from '../sim/world.js';
import { CoreRouter } from './core-router.js';
import { maxFrameBytes } from '@pd/transport';
import { MULTI_DEFAULTS, normalizePlacement, type PlacementPolicy } from './options.js';
import { SimLink, type SimLinkOptions } from './sim-channel.js';

export interface SimCoresOptions extends Omit<KernelOptions, 'reactor' | 'core' | 'remote'> {
  /**
   * Give `routers` to core 0 only, the gateway the other cores reach other nodes through
   * (as a real multi-core cluster node does: workers cannot take router factories). Without
   * it, every core gets its own instance of each router.
   */
  readonly gateway?: boolean;
  /** How many cores (default 2). */
  readonly cores?: number;
  /** The simulated host they share (default `cores`). */
  readonly host?: string;
  /** Latency and capacity of every core-to-core link. */
  readonly link?: SimLinkOptions;
  /** Where spawns without a placement go (default `local`). */
  readonly placement?: PlacementPolicy;
  /**
   * Test aid: closures and classes may be placed on other cores too (they are shared by
   * reference, as all cores run in one thread). Lets suites written with inline actors
   * spread them over cores; every message between cores is still encoded.
   */
  readonly moveClosures?: boolean;
}

export class SimCores {
  /** One engine per core; `engines[0]` is the one a test drives. */
  readonly engines: Engine[] = [];
  readonly routers: CoreRouter[] = [];
  /** links[from][to]. */
  readonly links: (SimLink | null)[][] = [];
  private closures = 0;

  constructor(readonly world: SimWorld, options: SimCoresOptions = {}) {
    const { cores = 2, host: hostName = 'cores', link, placement, moveClosures, routers, gateway = false, ...engineOptions } = options;
    const host = world.host(hostName);
    const normalized = normalizePlacement(placement, cores);
    for (let core = 0; core < cores; core++) {
      let router!: CoreRouter;
      const engine = new Engine({
        ...engineOptions, id: core === 0 ? engineOptions.id ?? hostName : `${engineOptions.id ?? hostName}/${core}`, core, reactor: world.reactor(host, core),
        ...(routers !== undefined && (core === 0 || !gateway) ? { routers } : {}),
        remote: (e) => (router = new CoreRouter(e, {
          cores, placement: normalized, maxFrameBytes: maxFrameBytes(link?.ringBytes ?? MULTI_DEFAULTS.ringBytes),
          ...(core !== 0 && gateway ? { gateway: 0 } : {}),
          ...(core === 0 ? { shutdownOthers: (deadlineMs: number) => this.shutdownOthers(deadlineMs) } : {}),
          ...(moveClosures === true ? { moveClosure: (definition: unknown, target: number) => this.moveClosure(definition, target) } : {}),
        })).attachment(),
      });
      this.engines.push(engine);
      this.routers.push(router);
    }
    for (let from = 0; from < cores; from++) {
      this.links.push([]);
      for (let to = 0; to < cores; to++) this.links[from]!.push(from === to ? null : new SimLink(world, host, world.random(`multi-link/${from}>${to}`), link));
    }
    for (let a = 0; a < cores; a++) {
      for (let b = 0; b < cores; b++) {
        if (a === b) continue;
        this.routers[a]!.connect(b, { out: this.links[a]![b]!.sender(this.routers[a]!.codec), in: this.links[b]![a]!.receiver() });
      }
    }
  }

  /** Core 0's engine: spawns with a placement reach the others. */
  get engine(): Engine {
    return this.engines[0]!;
  }

  // --- internal ---

  private shutdownOthers(deadlineMs: number): Promise<ShutdownReport> {
    return Promise.all(this.engines.slice(1).map((e) => e.shutdown({ deadlineMs }))).then((reports) => ({
      stopped: reports.reduce((n, r) => n + r.stopped, 0),
      killed: reports.reduce((n, r) => n + r.killed, 0),
    }));
  }

  /** Make `definition` spawnable on `core` (one thread: by reference); returns the kind name to use. */
  private moveClosure(definition: unknown, core: number): string {
    if (typeof definition === 'string') return definition;
    const kinds = this.engines[core]!.kinds;
    if (definition instanceof Kind) {
      if (!kinds.has(definition.name)) kinds.register(definition);
      return definition.name;
    }
    const name = `sim.moved.${this.closures++}`;
    const create = typeof definition === 'function'
      ? (args: unknown) => new (definition as new (a: unknown) => object)(args)
      : () => definition;
    this.engines[core]!.kinds.register(new Kind(name, create as (args: unknown) => never));
    return name;
  }
}
