/**
 * The poll spin: after the node writes, keep the host's event loop polling without
 * blocking for a short while, so a reply that comes back within it is read at once instead
 * of after the process has gone to sleep in the kernel and been woken again. On this
 * project's VM, a bare `node:net` echo between two processes took a p50 of 38 µs sleeping
 * and 24 µs spinning (docs/benchmarks.md, "Issue 12: the remote round trip"): the wake-up
 * is most of a loopback round trip. BEAM's schedulers do the same by default (`+sbwt`);
 * Seastar never sleeps at all.
 *
 * Adaptive, so it costs little when it does not pay: a spin that saw another write keeps
 * the full window; one that ran out with none halves the window for the next (down to a
 * sixteenth), so a node whose peers answer slowly or rarely spins briefly after each burst. Off unless
 * `limits.pollSpinUs` is set, and only where the clock can poll (`pollThen`: not under
 * simulation).
 *
 * Owns: the spin's deadline and window. Must not: keep spinning past the window after the
 * last write, or after {@link PollSpin.stop}.
 */
import type { NetClock } from './clock.js';

export class PollSpin {
  /** The window the next spin gets, ms: between maxMs / 16 and maxMs. */
  windowMs: number;
  /** Spins started, and how many of them saw another write before they ran out (for tests and stats). */
  spins = 0;
  hits = 0;
  private readonly maxMs: number;
  private readonly minMs: number;
  private deadline = 0;
  private spinning = false;
  /** A write came while the current spin was running. */
  private sawIo = false;
  private stopped = false;
  private readonly step = (): void => this.tick();

  constructor(private readonly clock: NetClock & { pollThen(callback: () => void): void }, maxUs: number) {
    this.maxMs = maxUs / 1000;
    this.minMs = this.maxMs / 16;
    this.windowMs = this.maxMs;
  }

  /**
   * The node wrote (its peer links call this after each write): poll on for the window from
   * now. Writes are what is counted: under request/response traffic the next write follows
   * each answer read, so a spin that saw one saw the answer too.
   */
  touch(): void {
    if (this.stopped) return;
    this.deadline = this.clock.now() + this.windowMs;
    if (this.spinning) {
      this.sawIo = true;
      return;
    }
    this.spinning = true;
    this.sawIo = false;
    this.spins++;
    this.clock.pollThen(this.step);
  }

  /** No more spinning (the node closed); a spin under way ends at its next poll. */
  stop(): void {
    this.stopped = true;
  }

  private tick(): void {
    if (!this.stopped && this.clock.now() < this.deadline) {
      this.clock.pollThen(this.step);
      return;
    }
    this.spinning = false;
    if (this.sawIo) {
      this.hits++;
      this.windowMs = this.maxMs;
    } else {
      this.windowMs = Math.max(this.minMs, this.windowMs / 2);
    }
  }
}
