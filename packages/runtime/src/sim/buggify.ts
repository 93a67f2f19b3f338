/**
 * Buggify: named fault points that code (the runtime's, the simulator's, a scenario's) asks
 * about with `reactor.buggify?.('area.point')`. Per seed, each point is switched on with
 * `enableChance` the first time it is asked about; a point that is on fires with
 * `fireChance` each time. Every point has its own stream, so adding a point elsewhere does
 * not change what the others do for a seed.
 *
 * Must not: fire when inactive (the liveness phase turns buggify off).
 */
import { deriveStream } from '../random.js';
import type { RandomStream } from '../reactor.js';

export interface BuggifyOptions {
  /** Chance that a point is switched on for a run; default 0.25. */
  readonly enableChance?: number;
  /** Chance that a switched-on point fires each time it is asked; default 0.05. */
  readonly fireChance?: number;
  /** Points forced on for this run (they fire with `fireChance`). */
  readonly force?: readonly string[];
}

/** What one fault point did in a run. */
export interface BuggifyPointReport {
  readonly point: string;
  readonly enabled: boolean;
  readonly asked: number;
  readonly fired: number;
}

interface Point {
  readonly enabled: boolean;
  readonly rng: RandomStream;
  asked: number;
  fired: number;
}

export class Buggify {
  /** False turns every point off (liveness phase, or buggify not wanted). */
  active: boolean;
  private readonly points = new Map<string, Point>();
  private readonly enableChance: number;
  private readonly fireChance: number;
  private readonly force: ReadonlySet<string>;

  constructor(private readonly seed: number, options: BuggifyOptions | false, private readonly onFire: (point: string) => void) {
    this.active = options !== false;
    const o = options === false ? {} : options;
    this.enableChance = o.enableChance ?? 0.25;
    this.fireChance = o.fireChance ?? 0.05;
    this.force = new Set(o.force ?? []);
  }

  /** Whether `point` fires now. */
  fire(point: string): boolean {
    if (!this.active) return false;
    let p = this.points.get(point);
    if (p === undefined) {
      const enabled = this.force.has(point) || deriveStream(this.seed, `buggify-on/${point}`).next() < this.enableChance;
      p = { enabled, rng: deriveStream(this.seed, `buggify/${point}`), asked: 0, fired: 0 };
      this.points.set(point, p);
    }
    p.asked++;
    if (!p.enabled || p.rng.next() >= this.fireChance) return false;
    p.fired++;
    this.onFire(point);
    return true;
  }

  report(): BuggifyPointReport[] {
    return [...this.points].map(([point, p]) => ({ point, enabled: p.enabled, asked: p.asked, fired: p.fired }));
  }
}
