/**
 * Engine-wide pub-sub of a multi-core engine. Subscriptions stay on the subscriber's core;
 * each core tells the others how many local subscribers a topic has whenever that number
 * changes, so a publish goes only to the cores that have subscribers, once per core (each
 * then delivers to its own subscribers in subscription order). `publish` returns the local
 * deliveries plus the remote subscriber counts as last announced (one hop old).
 *
 * Must not: forward a publish that came from another core (no loops), or keep counts of a
 * crashed core.
 */
import type { ActorCell } from '../kernel/cell.js';
import { S_DEAD } from '../kernel/cell.js';
import { Topics } from '../kernel/topics.js';
import type { CorePort } from './port.js';

const NONE: ReadonlyMap<number, number> = new Map();

export class MultiTopics extends Topics {
  /** topic → core → subscribers there. */
  private readonly counts = new Map<string, Map<number, number>>();
  /** topic → local subscribers as last announced. */
  private readonly announced = new Map<string, number>();

  constructor(private readonly router: CorePort) {
    super();
  }

  override subscribe(topic: string, cell: ActorCell): void {
    super.subscribe(topic, cell);
    this.changed(topic);
  }

  override unsubscribe(topic: string, cell: ActorCell): void {
    super.unsubscribe(topic, cell);
    this.changed(topic);
  }

  override _removeCell(cell: ActorCell): void {
    const topics = cell.x?.topics;
    if (topics === null || topics === undefined || topics.size === 0) return;
    const list = [...topics];
    super._removeCell(cell);
    for (const topic of list) this.changed(topic);
  }

  override list(): { topic: string; subscribers: number }[] {
    const totals = new Map<string, number>();
    for (const { topic, subscribers } of super.list()) totals.set(topic, subscribers);
    for (const [topic, cores] of this.counts) for (const n of cores.values()) totals.set(topic, (totals.get(topic) ?? 0) + n);
    return [...totals].filter(([, n]) => n > 0).map(([topic, subscribers]) => ({ topic, subscribers })).sort((a, b) => (a.topic < b.topic ? -1 : 1));
  }

  // --- boundary: the router ---

  /** Cores with subscribers of `topic`, and how many each has. */
  remoteCounts(topic: string): ReadonlyMap<number, number> {
    return this.counts.get(topic) ?? NONE;
  }

  onCount(core: number, topic: string, count: number): void {
    let cores = this.counts.get(topic);
    if (count > 0) {
      if (cores === undefined) this.counts.set(topic, (cores = new Map()));
      cores.set(core, count);
    } else if (cores !== undefined) {
      cores.delete(core);
      if (cores.size === 0) this.counts.delete(topic);
    }
  }

  /** A publish from another core: this core's subscribers only. */
  deliverLocal(topic: string, message: unknown): void {
    for (const cell of this.subscribers(topic)) if (cell.status !== S_DEAD) cell.enqueue(message, null, undefined);
  }

  dropCore(core: number): void {
    for (const topic of [...this.counts.keys()]) this.onCount(core, topic, 0);
  }

  /** A restarted core knows nothing: tell it our counts. */
  announceTo(core: number): void {
    for (const [topic, count] of this.announced) if (count > 0) this.router.control(core, { op: 'topic', topic, count });
  }

  // --- internal ---

  private changed(topic: string): void {
    const count = this.subscribers(topic).length;
    if ((this.announced.get(topic) ?? 0) === count) return;
    if (count === 0) this.announced.delete(topic);
    else this.announced.set(topic, count);
    for (const peer of this.router.peers) if (peer !== null && peer.state !== 'gone') this.router.control(peer.core, { op: 'topic', topic, count });
  }
}
