/**
 * The scheduler: one FIFO run queue of actors with work, drained in slices (invariant 7).
 *
 * A drain runs actor turns until the queue is empty or the slice is spent, then yields to
 * the host's event loop (a macrotask) so I/O and timers run before it continues. To react
 * fast, a drain that starts within the current slice is queued as a microtask; once the
 * time since the last real yield exceeds the slice, the next drain waits for a macrotask.
 * As within a drain, the clock is read once per stride of turns at most, not once per
 * drain: a request-response loop asks for a drain per request.
 * So an actor, a chain of asks or a hot producer can hold the event loop for at most about
 * one slice. The scheduler knows nothing of mailboxes: it calls `runTurn`.
 */
import { Deque } from './deque.js';
import type { Reactor } from '../reactor.js';

export interface Runnable {
  flags: number;
  runTurn(): void;
}

export const RUNNABLE_QUEUED = 1;

/** Turns between clock readings in a drain: the least (where the slice is nearly spent) and the most. */
const MIN_STRIDE = 32;
const MAX_STRIDE = 128;

export class Scheduler {
  private readonly queue = new Deque<Runnable>(1024);
  /**
   * The next actor to run, held outside the queue while the queue behind it is empty: the
   * common hand-off (one actor sends, one other becomes ready) costs a field, not a ring
   * buffer push and shift. Always the oldest runnable, so the order stays FIFO. Unused
   * under simulation, where the reactor picks among the whole queue.
   */
  private next: Runnable | null = null;
  private readonly useNext: boolean;
  private pending = false;
  private lastYieldAt: number;
  private idleWaiters: (() => void)[] = [];
  /** True while an actor turn is executing (signals raised then are applied after it). */
  inTurn = false;
  /**
   * Called at the end of every drain, after its last turn: the engine starts there the
   * timeouts of the requests made before and during it (see {@link drainsSoon}).
   */
  onDrained: (() => void) | null = null;
  /** A drain is queued as a microtask (not after a yield), or running. */
  private soonOrRunning = false;
  /** Told when a drain begins (true) and ends (false); the engine sets it while a message probe is installed. */
  onTurns: ((inTurn: boolean) => void) | null = null;
  /** Turns run so far (introspection). */
  turns = 0;
  /** Simulation only: the reactor's choice of the next actor (Reactor.pickNext), else null. */
  private readonly pick: ((ready: number) => number) | null;
  /** Simulation only: actors that re-queued themselves; they never overtake those ahead. */
  private requeued: Set<Runnable> | null = null;
  /**
   * Turns between clock readings in a drain (see {@link strideSpent}). A reading costs about
   * what a short turn does (`performance.now()` about 50 ns on this project's VM). The stride starts at 32 in each drain, doubles while a stride's turns take
   * well under what is left of the slice and halves as the slice runs out. Its cap bounds
   * what a sudden run of slow turns after fast ones (a fan-out to busy actors) can overrun
   * the slice by: 128 turns, where the fixed stride was 32. Two actors exchanging messages
   * ran 12-14 % faster with the cap at 128 than at 64, and 256 added little more.
   */
  private stride = MIN_STRIDE;
  /** The clock when the stride in progress began; before the slice's start, none measured yet. */
  private strideFrom = -Infinity;
  /**
   * {@link turns} when the clock last showed the slice unspent (or the event loop was last
   * yielded to): a drain asked for within {@link MIN_STRIDE} turns of it is queued as a
   * microtask without reading the clock again (a reading costs about what a short turn does,
   * and a request answered in one turn asks for a drain of its own).
   */
  private turnsAtCheck = 0;
  private readonly drainNow = () => this.drain();
  private readonly drainAfterYield = () => {
    this.yielded();
    this.drain();
  };

  constructor(
    private readonly reactor: Reactor,
    private readonly sliceMs: number,
    /** Called when a turn throws (it should not): the engine ends that actor. */
    private readonly onTurnError: (r: Runnable, error: unknown) => void = () => {},
  ) {
    this.lastYieldAt = reactor.now();
    this.pick = reactor.pickNext === undefined ? null : (ready) => reactor.pickNext!(ready);
    this.useNext = this.pick === null;
  }

  get queued(): number {
    return this.queue.length + (this.next === null ? 0 : 1);
  }

  /** Put `r` at the tail of the run queue, unless it is in line already. */
  schedule(r: Runnable): void {
    if ((r.flags & RUNNABLE_QUEUED) !== 0) return; // already in line: one turn is enough
    r.flags |= RUNNABLE_QUEUED;
    this.scheduleQueued(r);
  }

  /**
   * Put `r` at the tail of the run queue: its caller has just set its `RUNNABLE_QUEUED`
   * flag, which was clear (a send that read the flags word once needs not read it again).
   */
  scheduleQueued(r: Runnable): void {
    if (this.next === null && this.useNext && this.queue.length === 0) this.next = r;
    else this.queue.push(r);
    if (!this.pending) this.requestDrain();
  }

  /**
   * True when the event loop has been held for a whole slice since the last yield. Code
   * that resumes actors outside the run queue (pull actors' receive) checks it, so a chain
   * of resumptions cannot hold the loop longer than a drain could.
   */
  sliceSpent(): boolean {
    return this.reactor.now() - this.lastYieldAt >= this.sliceMs;
  }

  /**
   * True when a drain is running or queued as a microtask: its end, and {@link onDrained},
   * come before the host's event loop turns, so what is left for then waits no longer than
   * the microtasks queued now.
   */
  get drainsSoon(): boolean {
    return this.soonOrRunning;
  }

  /** Run `callback` after yielding to the host's event loop; starts a new slice. */
  afterYield(callback: () => void): void {
    this.reactor.yieldThen(() => {
      this.yielded();
      callback();
    });
  }

  /** Resolves once the run queue is empty. */
  idle(): Promise<void> {
    if (this.queued === 0 && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // --- internal ---

  private requestDrain(): void {
    this.pending = true;
    if (this.turns - this.turnsAtCheck < MIN_STRIDE || this.withinSlice()) {
      this.soonOrRunning = true;
      this.reactor.soon(this.drainNow);
    } else {
      this.reactor.yieldThen(this.drainAfterYield);
    }
  }

  /** The clock's answer: is the slice unspent? (Then the next stride of turns needs no reading.) */
  private withinSlice(): boolean {
    if (this.reactor.now() - this.lastYieldAt >= this.sliceMs) return false;
    this.turnsAtCheck = this.turns;
    return true;
  }

  /** The event loop has just had its turn: a new slice starts. */
  private yielded(): void {
    this.lastYieldAt = this.reactor.now();
    this.turnsAtCheck = this.turns;
  }

  private drain(): void {
    // `pending` stays true for the whole drain: what is scheduled meanwhile is run by this
    // loop, so no second drain is requested (requests used to multiply under steady load).
    const reactor = this.reactor;
    const deadline = this.lastYieldAt + this.sliceMs;
    let turns = 0;
    this.inTurn = true;
    this.soonOrRunning = true;
    try {
      // Inside the try: whatever happens, the drain's end clears the flags and calls onDrained.
      if (this.onTurns !== null) this.onTurns(true);
      turns = this.pick !== null ? this.drainPicked(this.pick, deadline) : this.drainFifo(deadline);
    } finally {
      this.inTurn = false;
      if (this.onTurns !== null) this.onTurns(false);
      this.turns += turns;
      this.soonOrRunning = false;
      if (this.queued > 0) {
        reactor.yieldThen(this.drainAfterYield);
      } else {
        this.pending = false;
        if (this.idleWaiters.length > 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      }
      if (this.onDrained !== null) this.onDrained();
    }
  }

  /**
   * The drain in run-queue order. The try sits outside the loop, so a turn costs no call of
   * its own; a throw that escaped a turn (a runtime defect) ends that actor, never the drain.
   */
  private drainFifo(deadline: number): number {
    const queue = this.queue;
    let turns = 0;
    this.stride = MIN_STRIDE;
    let countdown = MIN_STRIDE;
    let r: Runnable | null | undefined;
    for (;;) {
      try {
        for (;;) {
          r = this.next;
          if (r !== null) this.next = null;
          else if ((r = queue.shift()) === undefined) break;
          r.runTurn();
          turns++;
          if (--countdown === 0) {
            if (this.strideSpent(deadline)) return turns;
            countdown = this.stride;
          }
        }
        return turns;
      } catch (error) {
        this.onTurnError(r!, error);
        turns++;
        if (--countdown === 0) {
          if (this.strideSpent(deadline)) return turns;
          countdown = this.stride;
        }
      }
    }
  }

  /**
   * At the end of a stride of turns: true when the slice is spent; else the next stride's
   * length, doubled while a stride took under a quarter of what is left of the slice,
   * halved otherwise (so the last strides of a slice are short).
   */
  private strideSpent(deadline: number): boolean {
    const now = this.reactor.now();
    if (now >= deadline) return true;
    const left = deadline - now;
    if (this.strideFrom >= deadline - this.sliceMs) {
      if ((now - this.strideFrom) * 4 < left) {
        if (this.stride < MAX_STRIDE) this.stride *= 2;
      } else if (this.stride > MIN_STRIDE) {
        this.stride >>= 1;
      }
    }
    this.strideFrom = now;
    return false;
  }

  /** One turn; a throw that escaped the turn (a runtime defect) ends that actor, never the drain. */
  private runGuarded(r: Runnable): void {
    try {
      r.runTurn();
    } catch (error) {
      this.onTurnError(r, error);
    }
  }

  /** The drain under simulation: the reactor picks each turn (or ends the drain with -1). */
  private drainPicked(pick: (ready: number) => number, deadline: number): number {
    const queue = this.queue;
    const requeued = (this.requeued ??= new Set());
    let turns = 0;
    while (queue.length > 0) {
      const i = pick(queue.length);
      if (i < 0) break;
      // An actor that re-queued itself (budget spent, self-send) waits for all queued ahead of it.
      const r = i === 0 || i >= queue.length || requeued.has(queue.at(i)) ? queue.shift()! : queue.removeAt(i);
      requeued.delete(r);
      this.runGuarded(r);
      turns++;
      if ((r.flags & RUNNABLE_QUEUED) !== 0) requeued.add(r);
      if (this.reactor.now() >= deadline) break;
    }
    return turns;
  }
}
