/**
 * Exits: the signal queue (exit signals applied outside actor turns), links, monitors, and
 * everything an exit implies (`finalize`). Owns the books of local links and monitors; the
 * books of links and monitors that span engines belong to the routers.
 *
 * Must not: apply an exit signal inside a running turn (they wait for it to end, so an
 * actor never dies halfway through a handler), run twice for one cell, or throw from
 * `finalize` (it runs inside other actors' exits). Callers guarantee that the cells they
 * pass belong to this engine.
 */
import { Down, Exit, ExitSignal, type AnyAddr, type ExitReason, type MonitorRef, type SendResult } from '@pd/actor';
import { assert } from '@pd/actor/internal';
import { type ActorCell, S_DEAD } from './cell.js';
import type { DeadLetterReason } from './events.js';
import type { TimerService } from './timers.js';

/** How a queued signal acts: an exit/2, a linked actor's exit, or an untrappable kill. */
export const SigKind = { Exit: 0, LinkExit: 1, Kill: 2 } as const;
export type SigKind = (typeof SigKind)[keyof typeof SigKind];

interface PendingSignal { kind: SigKind; target: ActorCell; from: ActorCell | null; reason: ExitReason; fromAddr: AnyAddr | undefined }

/** What the exit mechanism needs from its engine. */
export interface ExitsHost {
  /** Set while signals wait in the queue: cells check it after a turn. */
  _signalsPending: boolean;
  readonly _timers: TimerService;
  /** Whether an actor turn is running now (signals then wait for its end). */
  _inTurn(): boolean;
  /** Drop `cell` from registry and topics. */
  _forget(cell: ActorCell): void;
  /** Count a message lost with its actor. */
  _deadLetter(to: AnyAddr, message: unknown, reason: DeadLetterReason): SendResult;
  /** Tell the routers (remote linkers and watchers). */
  _exitedRemotely(addr: AnyAddr, reason: ExitReason): void;
  /** Free the cell's table slot and record the exit (counters, history, event). */
  _retire(cell: ActorCell, reason: ExitReason): void;
  /** Called after every exit, once the parent heard of it. */
  _afterExit(): void;
}

export class Exits {
  private readonly signals: PendingSignal[] = [];
  private flushing = false;

  constructor(private readonly host: ExitsHost) {}

  /** Queue an exit signal for `target`; applied now unless a turn is running. */
  queue(kind: SigKind, target: ActorCell, from: ActorCell | null, reason: ExitReason, fromAddr?: AnyAddr): void {
    if (kind !== SigKind.Kill && target.trapping && target.status !== S_DEAD) {
      // A trapped exit is only a message: queue it now, so it keeps its place among what
      // the same sender sends next (per-pair FIFO). Only exits that end the target wait
      // for the running turn to finish.
      target.deliverSystemMessage(new ExitSignal(from?.self ?? fromAddr ?? target.self, reason));
      return;
    }
    this.signals.push({ kind, target, from, reason, fromAddr });
    this.host._signalsPending = true;
    if (!this.host._inTurn()) this.flush();
  }

  /** Apply queued exit signals; safe to call any time, re-entrant calls are no-ops. */
  flush(): void {
    if (this.flushing || this.signals.length === 0) return;
    this.flushing = true;
    try {
      for (let i = 0; i < this.signals.length; i++) this.apply(this.signals[i]!);
      this.signals.length = 0;
      this.host._signalsPending = false;
    } finally {
      this.flushing = false;
    }
  }

  // --- links and monitors between two local cells ---

  link(self: ActorCell, other: ActorCell): void {
    (self.extras().links ??= new Set()).add(other);
    (other.extras().links ??= new Set()).add(self);
  }

  unlink(self: ActorCell, other: ActorCell): void {
    self.x?.links?.delete(other);
    other.x?.links?.delete(self);
  }

  monitor(self: ActorCell, other: ActorCell, ref: MonitorRef): void {
    (other.extras().monitoredBy ??= new Map()).set(ref.id, { watcher: self, ref });
    (self.extras().watching ??= new Map()).set(ref.id, other);
  }

  /** False when `ref` is not a monitor `self` holds on a local actor. */
  demonitor(self: ActorCell, ref: MonitorRef): boolean {
    const target = self.x?.watching?.get(ref.id);
    if (target === undefined) return false;
    self.x!.watching!.delete(ref.id);
    target.x?.monitoredBy?.delete(ref.id);
    return true;
  }

  /** Everything an exit implies. Called once per cell, by the cell. */
  finalize(cell: ActorCell, reason: ExitReason): void {
    const x = cell.x!;
    assert(cell.status === S_DEAD, 'finalize: the cell is marked dead before its exit is carried out');
    // Children never outlive their parent, whatever path the exit took.
    if (x.children !== null && x.children.size > 0) {
      const orphaned = Exit.shutdown('parent-exited');
      for (const child of [...x.children].reverse()) child.terminate(orphaned, true);
    }
    this.cancelTimers(cell);
    this.host._forget(cell);
    this.failAsks(cell, reason);
    this.drainMailbox(cell, reason);
    this.tellLinksAndWatchers(cell, reason);
    this.host._exitedRemotely(cell.self, reason);
    this.host._retire(cell, reason);
    // A tombstone: addresses, Down messages and the history may keep the cell, not its state.
    cell.box = null;
    cell.dropSignals();
    cell.behavior = null;
    cell.current = null;
    x.children = null;
    x.exitReason = reason;
    // The parent hears last, once this exit is fully recorded (its own exit may continue now).
    const parent = cell.parentCell;
    if (parent !== null) parent.childGone(cell);
    this.host._afterExit();
    if (!this.host._inTurn()) this.flush();
  }

  // --- internal ---

  private apply(s: PendingSignal): void {
    const cell = s.target;
    if (cell.status === S_DEAD) return;
    if (s.kind === SigKind.Kill) {
      cell.terminate(Exit.killed, true);
      return;
    }
    const reason = s.reason;
    if (cell.trapping) {
      const from = s.from?.self ?? s.fromAddr ?? cell.self;
      cell.deliverSystemMessage(new ExitSignal(from, reason));
      return;
    }
    if (reason.type === 'normal') return;
    cell.terminate(reason, true);
  }

  private cancelTimers(cell: ActorCell): void {
    const x = cell.x!;
    const timers = this.host._timers;
    if (x.stopTimer !== null) {
      timers.cancel(x.stopTimer);
      x.stopTimer = null;
    }
    if (x.timers !== null) {
      for (const t of x.timers) timers.cancel(t);
      x.timers = null;
    }
  }

  private failAsks(cell: ActorCell, reason: ExitReason): void {
    const x = cell.x!;
    if (x.deferred !== null) {
      for (const ask of x.deferred) ask.failWith('ask/target-exited', `${cell.path} exited (${reason.type}) before giving the reply it deferred`);
      x.deferred = null;
    }
    const current = cell.current;
    if (current !== null && current.ask !== null) current.ask.failWith('ask/target-exited', `${cell.path} exited (${reason.type}) before replying`);
    cell.current = null;
  }

  private drainMailbox(cell: ActorCell, reason: ExitReason): void {
    cell.box?.drain(
      (message, meta) => {
        // Lost with the actor: counted and visible, never silent.
        this.host._deadLetter(cell.self, message, 'dead');
        meta?.ask?.failWith('ask/target-exited', `${cell.path} exited (${reason.type}) before handling the request`);
      },
      (resolve, message) => {
        this.host._deadLetter(cell.self, message, 'dead');
        resolve('dead');
      },
    );
  }

  private tellLinksAndWatchers(cell: ActorCell, reason: ExitReason): void {
    const x = cell.x!;
    if (x.links !== null) {
      for (const other of x.links) {
        other.x?.links?.delete(cell);
        this.queue(SigKind.LinkExit, other, cell, reason);
      }
      x.links = null;
    }
    if (x.monitoredBy !== null) {
      for (const { watcher, ref } of x.monitoredBy.values()) {
        watcher.x?.watching?.delete(ref.id);
        watcher.deliverSystemMessage(new Down(ref, cell.self, reason));
      }
      x.monitoredBy = null;
    }
    if (x.watching !== null) {
      for (const [id, target] of x.watching) target.x?.monitoredBy?.delete(id);
      x.watching = null;
    }
  }
}
