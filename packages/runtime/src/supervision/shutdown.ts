/**
 * Ordered shutdown of a supervisor's subtree. When a supervisor exits gracefully (asked to
 * stop, its parent exited, its intensity was exceeded), the engine hands its children to
 * this sequencer (the `childShutdown` hook of the cell) instead of stopping them all at
 * once: one at a time in reverse start order, each asked to stop per its shutdown spec and
 * waited for, or all at once for simple-one-for-one, as OTP does.
 *
 * Must not: restart anything, or stop a child twice. Runs outside the supervisor's message
 * loop (the supervisor is already exiting), so it is driven by the engine's `gone` calls.
 */
import type { ExitReason } from '@pd/actor';
import { type ActorCell, type ChildShutdown, S_DEAD } from '../kernel/cell.js';

/** What the sequencer needs from the supervisor it shuts down. */
export interface ShutdownHost {
  /** Shutdown begins (the supervisor emits its `shutdown` event, cancels timers). */
  begin(reason: ExitReason): void;
  /** The children with a live incarnation, in start order. */
  order(): ActorCell[];
  /** Stop them all at once rather than one by one. */
  readonly concurrent: boolean;
  /** Ask one child to stop per its shutdown spec; called at most once per child. */
  stop(child: ActorCell): void;
  /** A child has exited (whatever the cause). */
  exited(child: ActorCell): void;
}

export class ShutdownSequencer implements ChildShutdown {
  private queue: ActorCell[] = [];
  private readonly requested = new Set<ActorCell>();
  private stepping = false;
  private again = false;

  constructor(private readonly host: ShutdownHost, private readonly self: ActorCell) {}

  start(reason: ExitReason): void {
    this.host.begin(reason);
    const listed = this.host.order();
    const known = new Set(listed);
    // Anything the engine counts as a child but the host does not list is stopped last.
    const strays = this.self.children === null ? [] : [...this.self.children].filter((c) => !known.has(c));
    this.queue = [...strays, ...listed].reverse();
    this.step();
  }

  gone(child: ActorCell): void {
    this.host.exited(child);
    const queue = this.queue;
    const i = queue[0] === child ? 0 : queue.indexOf(child);
    if (i >= 0) queue.splice(i, 1);
    this.step();
  }

  // --- internal ---

  private step(): void {
    if (this.stepping) {
      this.again = true;
      return;
    }
    this.stepping = true;
    try {
      do {
        this.again = false;
        if (this.host.concurrent) {
          for (const child of [...this.queue]) this.request(child);
          continue;
        }
        while (this.queue.length > 0 && this.queue[0]!.status === S_DEAD) this.queue.shift();
        const next = this.queue[0];
        if (next !== undefined) this.request(next);
      } while (this.again);
    } finally {
      this.stepping = false;
    }
  }

  private request(child: ActorCell): void {
    if (this.requested.has(child) || child.status === S_DEAD) return;
    this.requested.add(child);
    this.host.stop(child);
  }
}
