/**
 * SimNode: one simulated machine of a scenario: a host of the world with one engine per
 * core, a network endpoint, and a boot function that (re)creates its actors. A crash
 * loses everything at once (engines, timers, in-flight work, the endpoint) with no stop
 * hooks; a restart boots a new incarnation with fresh engines, addresses and streams.
 *
 * Must not: reuse anything of a crashed incarnation; callers re-resolve addresses after a
 * restart (old ones are dead letters, as after a real restart).
 */
import { PdError } from '@pd/actor';
import { createEngine, type EngineOptions } from '../create.js';
import type { Engine } from '../kernel/engine.js';
import type { PacketHandler } from './network.js';
import type { SimHost, SimWorld } from './world.js';

export class SimNode {
  readonly host: SimHost;
  /** The engines of the current incarnation, one per core; empty while down. */
  engines: Engine[] = [];
  /** Times this node was restarted. */
  restarts = 0;
  /** Times this node crashed. */
  crashes = 0;

  constructor(
    private readonly world: SimWorld,
    readonly name: string,
    readonly index: number,
    readonly cores: number,
    private readonly engineOptions: Omit<EngineOptions, 'reactor' | 'id' | 'core'>,
    private readonly boot: (node: SimNode) => void,
  ) {
    this.host = world.host(name);
  }

  get up(): boolean {
    return this.host.up;
  }

  /** The engine of core 0 (throws while the node is down). */
  get engine(): Engine {
    const engine = this.engines[0];
    if (engine === undefined) throw new PdError('actor/invalid-state', `sim node ${this.name} is down`);
    return engine;
  }

  /** Create the engines and run the scenario's boot for this incarnation. */
  start(): void {
    this.engines = [];
    for (let core = 0; core < this.cores; core++) {
      const id = this.cores === 1 ? this.name : `${this.name}/${core}`;
      this.engines.push(createEngine({ ...this.engineOptions, id, core, reactor: this.world.reactor(this.host, core) }));
    }
    this.boot(this);
  }

  /** Lose everything now: engines, timers, pending work, the network endpoint. */
  crash(): void {
    if (!this.host.up) return;
    this.host.up = false;
    this.host.epoch++;
    this.crashes++;
    this.engines = [];
    this.world.net.unlisten(this.name);
    this.world.trace.foldString(`crash ${this.name}`);
  }

  /** Boot a new incarnation (no-op while up). */
  restart(): void {
    if (this.host.up) return;
    this.host.up = true;
    this.restarts++;
    this.world.trace.foldString(`restart ${this.name}`);
    this.start();
  }

  /** Receive packets from the simulated network (until the next crash). */
  listen(handler: PacketHandler): void {
    this.world.net.listen(this.name, handler);
  }

  /** Send a packet to another node. */
  send(to: string, payload: Uint8Array | object): boolean {
    return this.world.net.send(this.name, to, payload);
  }

  /** Jump this node's clock (see SimWorld.jumpClock). */
  jumpClock(deltaMs: number): void {
    this.world.jumpClock(this.host, deltaMs);
  }
}
