/**
 * When a core whose rings ran empty keeps polling them a little before it parks: the
 * adaptive spin. Parking costs the next sender a notify and this core a wake-up (on a VM
 * tens of µs each way); polling costs CPU. So a core polls only while the gaps it has seen
 * between running dry and the next frame are short — a reply is imminent — and for at most
 * twice the recent gap, within `capMs`. A poll that runs out without a frame means the gap
 * grew or the peer could not run (more busy threads than free hardware threads): the next
 * idle periods park at once, 1, 2, 4, … up to {@link SKIP_MAX} of them, so a policy that
 * does not pay stops costing. An idle core never polls: a gap longer than the cap ends it.
 *
 * Pure policy over times handed in (ms of the reactor's clock): no clock, no timers here.
 */

/** Idle periods parked without polling after a poll ran dry, at most. */
export const SKIP_MAX = 64;
/** Shortest poll worth starting, ms (below it the event-loop turn costs more than it saves). */
const MIN_BUDGET_MS = 0.01;
/** Weight of the newest gap in the running estimate. */
const ALPHA = 0.25;

export class SpinPolicy {
  /** Running estimate of the gap between running dry and the next frame, ms. */
  private gap: number;
  /** When the current idle period began (rings found empty), or -1 while frames come. */
  private idleSince = -1;
  /** Whether this idle period polls, and until when. */
  private polling = false;
  private until = 0;
  /** Idle periods still to park without polling, and the next back-off. */
  private skip = 0;
  private backoff = 1;
  /** Counters: idle periods that polled and caught a frame, that polled in vain, that parked at once. */
  readonly stats = { caught: 0, missed: 0, parked: 0 };

  /** @param capMs the longest poll, ms; 0: never poll (park at once). */
  constructor(readonly capMs: number) {
    this.gap = 2 * capMs;
  }

  /** The pump read frames at `now`: an idle period (if any) ended. */
  frames(now: number): void {
    const since = this.idleSince;
    if (since < 0) return;
    this.idleSince = -1;
    // A gap far above the cap says only "long": clamp it, so a burst after a pause is believed quickly.
    const gap = Math.min(now - since, 2 * this.capMs);
    this.gap += ALPHA * (gap - this.gap);
    if (this.polling) {
      this.polling = false;
      this.stats.caught++;
      this.backoff = 1;
    }
  }

  /** The pump found every ring empty at `now`: true to poll again (after a yield), false to park. */
  empty(now: number): boolean {
    if (this.capMs <= 0) return false;
    if (this.idleSince < 0) {
      this.idleSince = now;
      this.polling = false;
      if (this.skip > 0) {
        this.skip--;
        this.stats.parked++;
        return false;
      }
      if (this.gap > this.capMs) {
        this.stats.parked++;
        return false;
      }
      this.polling = true;
      this.until = now + Math.min(this.capMs, Math.max(MIN_BUDGET_MS, 2 * this.gap));
      return true;
    }
    if (!this.polling) return false;
    if (now < this.until) return true;
    // Ran dry: park, and skip polling for the next idle periods (twice as many each time in a row).
    this.polling = false;
    this.stats.missed++;
    this.skip = this.backoff;
    this.backoff = Math.min(SKIP_MAX, this.backoff * 2);
    return false;
  }
}
