/**
 * The nemesis: applies a fault schedule to the nodes of a run at its virtual times
 * (partitions, clogs, actor and node crashes, clock jumps), undoes the temporary ones
 * when they expire, and on `stop` heals everything for the liveness phase: links restored,
 * clogs ended, downed nodes restarted, pending faults cancelled.
 *
 * Must not: crash an actor the scenario did not mark crashable.
 */
import { Exit } from '@pd/actor';
import type { ActorInfo } from '../kernel/introspection.js';
import type { Engine } from '../kernel/engine.js';
import { EventKind, type SimEvent } from './event-queue.js';
import type { FaultEvent } from './faults.js';
import type { SimNode } from './node.js';
import type { SimWorld } from './world.js';

/** An error an injected exit carries, so logs and reasons say where it came from. */
export class InjectedCrash extends Error {
  constructor(readonly fault: FaultEvent) {
    super(`sim: injected crash (${fault.kind} at ${fault.at} ms)`);
    this.name = 'InjectedCrash';
  }
}

export class Nemesis {
  /** Faults that took effect (a crash of an actor on a down node, say, does not). */
  readonly applied: FaultEvent[] = [];
  private readonly pending = new Set<SimEvent>();
  private stopped = false;

  constructor(
    private readonly world: SimWorld,
    private readonly nodes: readonly SimNode[],
    private readonly crashable: (actor: ActorInfo, node: SimNode) => boolean,
  ) {}

  /** Schedule every fault of `schedule` (times are virtual ms from now). */
  start(schedule: readonly FaultEvent[]): void {
    for (const f of schedule) this.later(f.at, () => this.apply(f), f.kind);
  }

  /** Cancel what is pending and undo every fault: the liveness phase begins. */
  stop(): void {
    this.stopped = true;
    for (const e of this.pending) this.world.cancel(e);
    this.pending.clear();
    const net = this.world.net;
    net.heal();
    net.unclog();
    for (const node of this.nodes) node.restart();
  }

  // --- internal ---

  private later(delayMs: number, fn: () => void, label: string): void {
    const e: SimEvent = this.world.at(delayMs, () => {
      this.pending.delete(e);
      if (!this.stopped) fn();
    }, label, EventKind.Fault);
    this.pending.add(e);
  }

  private apply(f: FaultEvent): void {
    const applied = this.effect(f);
    if (!applied) return;
    this.applied.push(f);
    this.world.trace.foldString(f.kind);
    this.world.trace.note(`fault ${JSON.stringify(f)}`);
  }

  private effect(f: FaultEvent): boolean {
    const nodes = this.nodes;
    const names = nodes.map((n) => n.name);
    const net = this.world.net;
    switch (f.kind) {
      case 'partition': {
        if (nodes.length < 2) return false;
        if (f.mode === 'isolate') {
          net.isolate(names[f.pick % names.length]!, names);
        } else {
          let a = names.filter((_, i) => ((f.pick >>> i) & 1) === 1);
          if (a.length === 0 || a.length === names.length) a = [names[f.pick % names.length]!];
          const b = names.filter((n) => !a.includes(n));
          if (f.mode === 'symmetric') net.partition(a, b);
          else net.cut(a, b);
        }
        this.later(f.ms, () => net.heal(), 'heal');
        return true;
      }
      case 'clog': {
        const from = nodes[f.from % nodes.length]!;
        const to = nodes[f.to % nodes.length]!;
        if (from === to) return false;
        net.clog(from.name, to.name, f.ms);
        return true;
      }
      case 'crash-actor':
        return this.crashActor(f);
      case 'crash-node': {
        const node = nodes[f.node % nodes.length]!;
        if (!node.up) return false;
        node.crash();
        this.later(f.ms, () => node.restart(), `restart ${node.name}`);
        return true;
      }
      case 'clock-jump': {
        const node = nodes[f.node % nodes.length]!;
        if (!node.up) return false;
        node.jumpClock(f.ms);
        return true;
      }
    }
  }

  private crashActor(f: Extract<FaultEvent, { kind: 'crash-actor' }>): boolean {
    const node = this.nodes[f.node % this.nodes.length]!;
    if (!node.up) return false;
    const eligible: { engine: Engine; actor: ActorInfo }[] = [];
    for (const engine of node.engines) {
      for (const actor of engine.list()) if (this.crashable(actor, node)) eligible.push({ engine, actor });
    }
    if (eligible.length === 0) return false;
    const { engine, actor } = eligible[f.pick % eligible.length]!;
    if (f.how === 'kill') engine.kill(actor.addr);
    else engine.exit(actor.addr, Exit.error(new InjectedCrash(f)));
    this.world.trace.foldString(actor.path);
    return true;
  }
}
