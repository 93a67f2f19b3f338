/**
 * Restart intensity as OTP counts it: a sliding window of restart times. A restart at
 * time t still counts at `now` while `now <= t + periodMs`; when the restarts in the window,
 * this one included, exceed `intensity`, the supervisor gives up (stops its children and
 * exits with reason shutdown). Must not: read a clock itself; callers pass reactor time.
 */

export class IntensityWindow {
  /** Restart times still in the window, oldest first. At most intensity + 1 are kept. */
  private times: number[] = [];

  constructor(readonly intensity: number, readonly periodMs: number) {}

  /** Record a restart at `now`; false when it exceeds the intensity (the supervisor must give up). */
  add(now: number): boolean {
    this.prune(now);
    this.times.push(now);
    if (this.times.length > this.intensity + 1) this.times.shift();
    return this.times.length <= this.intensity;
  }

  /** Restarts that count at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  // --- internal ---

  private prune(now: number): void {
    const times = this.times;
    let drop = 0;
    while (drop < times.length && now > times[drop]! + this.periodMs) drop++;
    if (drop > 0) times.splice(0, drop);
  }
}
