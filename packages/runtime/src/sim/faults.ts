/**
 * Faults of a simulated run: which kinds a scenario allows, the mix drawn per seed (a
 * "swarm": each seed switches on its own subset, with its own intensities), and the fault
 * schedule: a list of timed fault events, drawn from the seed or given explicitly (a
 * shrunk failure replays its exact, minimal schedule). The nemesis applies the schedule.
 *
 * Must not: inject anything in the liveness phase; the nemesis is stopped before it.
 */
import { ArgumentError } from '@pd/actor';
import type { RandomStream } from '../reactor.js';
import { CALM_NETWORK, type NetFaults } from './network.js';

/** The kinds of fault a scenario allows (all off unless set). */
export interface FaultKinds {
  /** Latency spread, packet loss and duplication on the simulated network. */
  readonly network?: boolean;
  /** Reordering within a pair (packets of one sender to one receiver overtaking). */
  readonly reorder?: boolean;
  /** Partitions: symmetric, one-way, isolating one node. */
  readonly partition?: boolean;
  /** Clogged links: packets wait, then arrive. */
  readonly clog?: boolean;
  /** Actors killed or sent an abnormal exit (only those the scenario marks crashable). */
  readonly actorCrash?: boolean;
  /** Whole nodes crashing (all engines lost) and restarting later. */
  readonly nodeCrash?: boolean;
  /** A node's clock jumping (monotonic: forward only; wall clock: either way). */
  readonly clockJump?: boolean;
  /** Named fault points in runtime code (timers late, preemption, ...). */
  readonly buggify?: boolean;
}

export type FaultEvent =
  | { readonly at: number; readonly kind: 'partition'; readonly mode: 'symmetric' | 'one-way' | 'isolate'; readonly pick: number; readonly ms: number }
  | { readonly at: number; readonly kind: 'clog'; readonly from: number; readonly to: number; readonly ms: number }
  | { readonly at: number; readonly kind: 'crash-actor'; readonly node: number; readonly pick: number; readonly how: 'kill' | 'exit' }
  | { readonly at: number; readonly kind: 'crash-node'; readonly node: number; readonly ms: number }
  | { readonly at: number; readonly kind: 'clock-jump'; readonly node: number; readonly ms: number };

export type FaultEventKind = FaultEvent['kind'];

const KIND_OF: Record<FaultEventKind, keyof FaultKinds> = {
  partition: 'partition', clog: 'clog', 'crash-actor': 'actorCrash', 'crash-node': 'nodeCrash', 'clock-jump': 'clockJump',
};

/** What one seed switched on. */
export interface FaultMix {
  readonly net: NetFaults;
  /** Fault event kinds switched on for this seed. */
  readonly kinds: readonly FaultEventKind[];
  /** Mean virtual ms between fault events. */
  readonly meanGapMs: number;
  readonly buggify: boolean;
}

/** Draw the mix for one seed from what the scenario allows. */
export function drawFaultMix(rng: RandomStream, allowed: FaultKinds, durationMs: number): FaultMix {
  const kinds = (Object.keys(KIND_OF) as FaultEventKind[]).filter((k) => allowed[KIND_OF[k]] === true && rng.next() < 0.7);
  let net: NetFaults = CALM_NETWORK;
  if (allowed.network === true && rng.next() < 0.8) {
    const min = pick(rng, [0.05, 0.2, 1]);
    net = {
      latencyMs: [min, min + pick(rng, [0.5, 2, 10, 40])],
      loss: pick(rng, [0, 0.005, 0.02, 0.1]),
      duplicate: pick(rng, [0, 0, 0.01, 0.05]),
      reorder: allowed.reorder === true && rng.next() < 0.3,
    };
  }
  return { net, kinds, meanGapMs: durationMs / pick(rng, [3, 8, 20, 50]), buggify: allowed.buggify === true && rng.next() < 0.7 };
}

/** Draw a fault schedule over `durationMs` for `nodes` nodes. */
export function drawFaultSchedule(rng: RandomStream, mix: FaultMix, durationMs: number, nodes: number): FaultEvent[] {
  const out: FaultEvent[] = [];
  if (mix.kinds.length === 0) return out;
  for (let at = gap(rng, mix.meanGapMs); at < durationMs && out.length < 1000; at += gap(rng, mix.meanGapMs)) {
    const kind = mix.kinds[rng.nextInt(mix.kinds.length)]!;
    const node = rng.nextInt(nodes);
    const ms = Math.max(1, Math.round(pick(rng, [1, 10, 50, 200]) * (0.5 + rng.next())));
    const t = Math.floor(at);
    switch (kind) {
      case 'partition':
        out.push({ at: t, kind, mode: pick(rng, ['symmetric', 'one-way', 'isolate'] as const), pick: rng.nextU32(), ms });
        break;
      case 'clog':
        out.push({ at: t, kind, from: node, to: rng.nextInt(nodes), ms });
        break;
      case 'crash-actor':
        out.push({ at: t, kind, node, pick: rng.nextU32(), how: rng.next() < 0.5 ? 'kill' : 'exit' });
        break;
      case 'crash-node':
        out.push({ at: t, kind, node, ms });
        break;
      case 'clock-jump':
        out.push({ at: t, kind, node, ms: rng.next() < 0.7 ? ms : -ms });
        break;
    }
  }
  return out;
}

/** Check a schedule read from a command line or written by hand. */
export function validateFaults(value: unknown): FaultEvent[] {
  if (!Array.isArray(value)) throw new ArgumentError(`faults must be a JSON array of fault events, got ${typeof value}`);
  return value.map((e: unknown, i) => {
    const f = e as Record<string, unknown>;
    const kind = f?.kind as FaultEventKind;
    if (typeof f !== 'object' || f === null || !(kind in KIND_OF)) {
      throw new ArgumentError(`faults[${i}].kind must be one of ${Object.keys(KIND_OF).join(', ')}, got ${String(f?.kind)}`);
    }
    if (!Number.isInteger(f.at) || (f.at as number) < 0) throw new ArgumentError(`faults[${i}].at must be a whole virtual time >= 0 ms`);
    return f as unknown as FaultEvent;
  });
}

/** "partition×2, crash-node" */
export function summarizeFaults(faults: readonly FaultEvent[]): string {
  const counts = new Map<string, number>();
  for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k}×${n}` : k)).join(', ') || 'none';
}

function gap(rng: RandomStream, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

function pick<T>(rng: RandomStream, options: readonly T[]): T {
  return options[rng.nextInt(options.length)]!;
}
