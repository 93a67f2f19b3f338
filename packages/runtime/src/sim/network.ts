/**
 * SimNetwork: a packet-level simulated network between the hosts of a world. A packet
 * (bytes, copied at send, or an object, passed by reference and to be treated as
 * immutable) travels one way with seeded latency; the network can lose, duplicate and
 * (only when asked) reorder packets, cut links symmetrically, one way or around one host,
 * and clog a link so its packets wait. Packets of one pair arrive in the order sent unless
 * `reorder` is on; packets of different pairs interleave freely.
 *
 * Owns: links, faults and delivery; what was lost is counted by reason, never silent.
 * Must not: deliver to a host that crashed after the packet was sent (the connection is
 * gone), or to a host with no listener.
 */
import { ArgumentError } from '@pd/actor';
import type { RandomStream } from '../reactor.js';
import { EventKind } from './event-queue.js';
import type { SimWorld } from './world.js';

/** The faults of every link (one mix per run, switched off for the liveness phase). */
export interface NetFaults {
  /** One-way latency range [min, max], ms. */
  readonly latencyMs: readonly [number, number];
  /** Chance that a packet is lost. */
  readonly loss: number;
  /** Chance that a packet is delivered twice. */
  readonly duplicate: number;
  /** Let the packets of one pair overtake each other. */
  readonly reorder: boolean;
}

/** A network that only delays: what the liveness phase runs on. */
export const CALM_NETWORK: NetFaults = Object.freeze({ latencyMs: [0.1, 1] as const, loss: 0, duplicate: 0, reorder: false });

/** Receives packets for one host. */
export type PacketHandler = (from: string, payload: unknown) => void;

export interface NetStats {
  sent: number;
  delivered: number;
  duplicated: number;
  dropped: { loss: number; partition: number; down: number };
}

export class SimNetwork {
  faults: NetFaults = CALM_NETWORK;
  readonly stats: NetStats = { sent: 0, delivered: 0, duplicated: 0, dropped: { loss: 0, partition: 0, down: 0 } };
  private readonly handlers = new Map<string, PacketHandler>();
  private readonly cuts = new Set<string>();
  private readonly clogs = new Map<string, number>();
  private readonly lastArrival = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private rng: RandomStream | null = null;

  constructor(private readonly world: SimWorld) {}

  /** Change the faults of every link (latency, loss, duplication, reordering). */
  setFaults(faults: Partial<NetFaults>): void {
    const next = { ...this.faults, ...faults };
    const [min, max] = next.latencyMs;
    if (!(min >= 0 && max >= min)) throw new ArgumentError(`net latencyMs must be [min, max] with 0 <= min <= max, got [${min}, ${max}]`);
    if (!(next.loss >= 0 && next.loss <= 1) || !(next.duplicate >= 0 && next.duplicate <= 1)) {
      throw new ArgumentError(`net loss and duplicate are chances in [0, 1], got ${next.loss} and ${next.duplicate}`);
    }
    this.faults = next;
  }

  /** Deliver packets for `host` to `handler` (replacing any earlier one). */
  listen(host: string, handler: PacketHandler): void {
    this.handlers.set(host, handler);
  }

  unlisten(host: string): void {
    this.handlers.delete(host);
  }

  /** Hosts with a listener. */
  get hosts(): string[] {
    return [...this.handlers.keys()];
  }

  /** Send one packet; false when it was dropped at once (cut link or loss). */
  send(from: string, to: string, payload: Uint8Array | object): boolean {
    if (typeof payload !== 'object' || payload === null) throw new ArgumentError(`net.send: a packet is bytes or an object, got ${typeof payload}`);
    const world = this.world;
    const pair = `${from}>${to}`;
    const n = (this.counts.get(pair) ?? 0) + 1;
    this.counts.set(pair, n);
    this.stats.sent++;
    const trace = world.trace;
    trace.fold(0x5e4d);
    trace.foldString(pair);
    foldPayload(world, payload);
    if (this.cuts.has(pair)) return this.drop('partition', pair, n, 'cut');
    const rng = (this.rng ??= world.random('net'));
    if (this.faults.loss > 0 && rng.next() < this.faults.loss) return this.drop('loss', pair, n, 'lost');
    const data = payload instanceof Uint8Array ? payload.slice() : payload;
    const destination = world.host(to);
    const epoch = destination.epoch;
    let at = world.now + this.latency(rng);
    at = Math.max(at, this.clogs.get(pair) ?? 0);
    if (!this.faults.reorder) at = Math.max(at, (this.lastArrival.get(pair) ?? -1) + 1e-6);
    this.lastArrival.set(pair, at);
    this.deliverAt(at, from, to, pair, n, epoch, data);
    if (this.faults.duplicate > 0 && rng.next() < this.faults.duplicate) {
      this.stats.duplicated++;
      const again = Math.max(at + this.latency(rng), this.reorderFloor(pair));
      this.lastArrival.set(pair, again);
      this.deliverAt(again, from, to, pair, n, epoch, data);
    }
    if (trace.detailed) trace.note(`send ${pair}#${n}`);
    return true;
  }

  /** Cut every link between group `a` and group `b`, both ways. */
  partition(a: readonly string[], b: readonly string[]): void {
    this.cut(a, b);
    this.cut(b, a);
  }

  /** Cut the links from every host of `from` to every host of `to` (one way). */
  cut(from: readonly string[], to: readonly string[]): void {
    for (const x of from) for (const y of to) if (x !== y) this.cuts.add(`${x}>${y}`);
    this.world.trace.foldString(`cut ${from.join(',')}>${to.join(',')}`);
  }

  /** Cut `host` off from `others`, both ways. */
  isolate(host: string, others: readonly string[]): void {
    this.partition([host], others.filter((h) => h !== host));
  }

  /** Restore every cut link. Clogs end on their own. */
  heal(): void {
    this.cuts.clear();
    this.world.trace.fold(0x4ea1);
  }

  /** Packets sent from `from` to `to` (and back, unless `oneWay`) wait until `durationMs` from now. */
  clog(from: string, to: string, durationMs: number, oneWay = false): void {
    const until = this.world.now + durationMs;
    this.clogs.set(`${from}>${to}`, Math.max(until, this.clogs.get(`${from}>${to}`) ?? 0));
    if (!oneWay) this.clogs.set(`${to}>${from}`, Math.max(until, this.clogs.get(`${to}>${from}`) ?? 0));
    this.world.trace.foldString(`clog ${from}>${to}`);
  }

  /** End every clog now (packets already waiting keep their delivery time). */
  unclog(): void {
    this.clogs.clear();
  }

  isCut(from: string, to: string): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  // --- internal ---

  private latency(rng: RandomStream): number {
    const [min, max] = this.faults.latencyMs;
    return min + (max - min) * rng.next();
  }

  private reorderFloor(pair: string): number {
    return this.faults.reorder ? 0 : (this.lastArrival.get(pair) ?? -1) + 1e-6;
  }

  private deliverAt(at: number, from: string, to: string, pair: string, n: number, epoch: number, data: object): void {
    const world = this.world;
    world.schedule(at - world.now, EventKind.Net, null, 0, () => {
      const host = world.host(to);
      const handler = this.handlers.get(to);
      if (this.cuts.has(pair)) return void this.drop('partition', pair, n, 'cut in flight');
      if (host.epoch !== epoch || !host.up || handler === undefined) return void this.drop('down', pair, n, 'host down');
      // A stalled host reads it when its stall ends (SimWorld.stall).
      const readAt = world.readTime(host);
      if (readAt > world.now) return void this.deliverAt(readAt, from, to, pair, n, epoch, data);
      this.stats.delivered++;
      handler(from, data);
    }, `${pair}#${n}`);
  }

  private drop(reason: 'loss' | 'partition' | 'down', pair: string, n: number, why: string): false {
    this.stats.dropped[reason]++;
    this.world.trace.fold(reason === 'loss' ? 0xd1 : reason === 'partition' ? 0xd2 : 0xd3);
    if (this.world.trace.detailed) this.world.trace.note(`drop ${pair}#${n} ${why}`);
    return false;
  }
}

function foldPayload(world: SimWorld, payload: object): void {
  if (payload instanceof Uint8Array) {
    world.trace.foldBytes(payload);
    return;
  }
  let text: string;
  try {
    text = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? typeof payload;
  } catch {
    text = payload.constructor?.name ?? 'object';
  }
  world.trace.foldString(text);
}
