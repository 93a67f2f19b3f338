/**
 * The supervisor actor, with OTP's semantics. It traps exits, links every child it starts,
 * and turns each child exit into a decision: forget the child (temporary, or transient
 * after a clean exit) or restart it with the supervisor's strategy, counting the restart
 * against the intensity window, and giving up (stop all children, exit `shutdown`, so the
 * parent decides) when the window overflows. Restarts may be delayed by a backoff.
 *
 * Stopping children for a group restart or an operator call is asynchronous here (OTP
 * blocks): while such a plan runs, other child exits and every operator call wait in order
 * (call-queue.ts) and are handled once it completes, so the result and the answers are the
 * ones OTP's blocking loop gives. A child being stopped is also monitored, as OTP does, so
 * its exit is seen even if it unlinked itself from the supervisor.
 *
 * Must not: run user code, block, or deliver to a stale incarnation (stable addresses are
 * re-pointed only once the new incarnation exists). Crashes of this actor itself are bugs.
 */
import {
  AskError, type Behavior, type Context, Down, Exit, ExitSignal, type ExitReason, type ReplyHandle, type SpawnOptions, type TimerRef,
  describeExit, isCleanExit,
} from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import { type ActorCell, S_DEAD, SysKind } from '../kernel/cell.js';
import { type Engine, engineOf } from '../kernel/engine.js';
import type { RandomStream } from '../reactor.js';
import { CallQueue } from './call-queue.js';
import { type ChildInfo, type ChildOrigin, ChildRecord } from './child.js';
import { SupervisorError } from './errors.js';
import { type SupervisorAction, emitSupervisorEvent } from './events.js';
import { IntensityWindow } from './intensity.js';
import { type ChildCounts, RestartDue, StartFailed, type SupervisorCall, SupervisorOp } from './protocol.js';
import { ShutdownSequencer } from './shutdown.js';
import type { ChildSpec } from './spec.js';
import { StableRoute, isStableAddr } from './stable-addr.js';
import { routeOf } from '../kernel/route.js';
import { STRATEGIES, type Strategy } from './strategies/index.js';
import { type NormalizedChild, type NormalizedSupervisorSpec, normalizeChildSpec } from './validate.js';

/** The exit reason of a supervisor that gave up: OTP's `shutdown`, with the why as detail. */
export const INTENSITY_EXCEEDED = 'reached-max-restart-intensity';

/** What a supervisor tells about itself (plain data). */
export interface SupervisorInfo {
  readonly path: string;
  readonly strategy: string;
  readonly intensity: number;
  readonly periodMs: number;
  /** Restarts that count against the intensity now. */
  readonly restartsInWindow: number;
  /** True while it stops children for a group restart or an operator call. */
  readonly busy: boolean;
  readonly children: ChildInfo[];
}

export class SupervisorActor implements Behavior<unknown> {
  /** @internal */ cell: ActorCell | null = null;
  private engine!: Engine;
  private random!: RandomStream;
  private readonly records: ChildRecord[] = [];
  private readonly byId = new Map<string, ChildRecord>();
  private readonly byCell = new Map<ActorCell, ChildRecord>();
  private readonly window: IntensityWindow;
  private readonly strategy: Strategy;
  private plan: Plan | null = null;
  /** Work that waits for the running plan, and calls it will answer. */
  private readonly calls = new CallQueue();
  private readonly delayed = new Map<number, { ref: TimerRef; children: ChildRecord[] }>();
  private nextToken = 1;
  private nextDynamic = 1;
  private exiting = false;
  private booted = false;
  private shutdownAnnounced = false;

  constructor(readonly spec: NormalizedSupervisorSpec) {
    this.window = new IntensityWindow(spec.intensity, spec.periodMs);
    this.strategy = STRATEGIES[spec.strategy];
  }

  // --- API (internal to the runtime: handles and inspection use these) ---

  /** @internal Bind to the cell and make the child records and stable addresses; idempotent. */
  _init(cell: ActorCell): void {
    if (this.cell !== null) return;
    this.cell = cell;
    this.engine = engineOf(cell);
    this.random = this.engine.reactor.random('supervision');
    if (!this.strategy.dynamic) for (const child of this.spec.children) this.addRecord(child, child.id, child.args, 'spec');
  }

  /**
   * @internal Start the children, in order; idempotent. Runs in `started`, or earlier, right
   * after the spawn, when a parent supervisor or `startSupervisor` starts this one: then the
   * whole subtree is spawned depth first, in OTP's start order, before the parent goes on.
   * Throws a `failed-to-start` error when a child's spawn throws.
   */
  _boot(cell: ActorCell): void {
    if (this.booted) return;
    this.booted = true;
    this._init(cell);
    cell.trapExits(true);
    cell.extras().childShutdown = new ShutdownSequencer(this.shutdownHost(), cell);
    for (const rec of this.records) {
      const failure = this.spawn(rec, false);
      if (failure !== null) {
        throw new SupervisorError('failed-to-start', `child "${rec.id}" of ${cell.path} failed to start: ${errorText(failure)}`, { id: rec.id }, { cause: failure });
      }
    }
  }

  /** @internal The stable address of child `id`. */
  _stableAddr(id: string): ChildRecord['route']['addr'] {
    return this.find(id).route.addr;
  }

  /** @internal */
  _describe(): SupervisorInfo {
    const s = this.spec;
    return {
      path: this.cell!.path, strategy: s.strategy, intensity: s.intensity, periodMs: s.periodMs,
      restartsInWindow: this.window.count(this.engine.reactor.now()), busy: this.plan !== null,
      children: this.records.map((r) => r.info()),
    };
  }

  // --- callbacks (the actor) ---

  started(ctx: Context<unknown>): void {
    this._boot(ctx as unknown as ActorCell);
  }

  receive(message: unknown, ctx: Context<unknown>): void {
    if (message instanceof ExitSignal) this.onExitSignal(message);
    else if (message instanceof Down) this.onDown(message);
    else if (message instanceof SupervisorOp) this.onCall(message.call, ctx.deferReply());
    else if (message instanceof RestartDue) this.onRestartDue(message);
    else if (message instanceof StartFailed) this.onStartFailed(message);
    // Anything else is not for a supervisor: ignored, as OTP's supervisor does.
  }

  stopping(reason: ExitReason): void {
    this.announceShutdown(reason);
    this.refuseWaiting();
    for (const rec of this.records) rec.route.release();
  }

  // --- internal: exits and decisions ---

  private onExitSignal(signal: ExitSignal): void {
    const cell = this.cell!;
    const parent = cell.parentCell;
    if (parent !== null && signal.from === parent.self) {
      this.stopSelf(signal.reason);
      return;
    }
    const target = addrTarget(signal.from) as ActorCell | null;
    const rec = target === null ? undefined : this.byCell.get(target);
    if (rec === undefined) return; // a stale or foreign exit: ignored, as OTP does
    this.childDown(rec, target!, signal, signal.reason);
  }

  /** The monitor set while stopping a child fired: the child is down even if it unlinked itself. */
  private onDown(down: Down): void {
    const target = addrTarget(down.addr) as ActorCell | null;
    const rec = target === null ? undefined : this.byCell.get(target);
    if (rec === undefined || rec.monitor === null || rec.monitor.id !== down.ref.id) return; // its exit signal came first
    // A child that was already dead when monitored gives `noproc`: its own exit reason is truer.
    this.childDown(rec, target!, down, target!.x?.exitReason ?? down.reason);
  }

  /** Child `rec`'s incarnation `target` exited with `reason` (`message` told, through its link or a monitor). */
  private childDown(rec: ChildRecord, target: ActorCell, message: ExitSignal | Down, reason: ExitReason): void {
    const plan = this.plan;
    if (plan !== null && rec.status !== 'stopping' && !plan.stop.includes(rec)) {
      this.calls.defer(message, null);
      return;
    }
    this.unwatch(rec);
    this.byCell.delete(target);
    rec.cell = null;
    rec.lastExit = reason;
    if (plan !== null) {
      this.stoppedInPlan(plan, rec, reason);
      return;
    }
    this.emit('exited', rec, { reason });
    this.decide(rec, reason);
  }

  /** A child exited on its own: forget it, keep it stopped, or restart it. */
  private decide(rec: ChildRecord, reason: ExitReason): void {
    const policy = rec.spec.restart;
    if (policy === 'temporary' || (policy === 'transient' && isCleanExit(reason))) {
      if (policy === 'temporary' || rec.templated) this.removeRecord(rec);
      else {
        rec.status = 'stopped';
        rec.route.stopped();
      }
      return;
    }
    rec.status = 'restarting';
    rec.route.restarting();
    const now = this.engine.reactor.now();
    if (!this.window.add(now)) {
      this.emit('intensity', rec, { restarts: this.window.count(now), intensity: this.spec.intensity, periodMs: this.spec.periodMs });
      this.stopSelf(Exit.shutdown(INTENSITY_EXCEEDED));
      return;
    }
    const planned = this.strategy.plan(this.records, rec);
    let delayMs = 0;
    let attempt = 0;
    if (rec.backoff !== null) ({ delayMs, attempt } = rec.backoff.next(now - rec.startedAt, this.random));
    this.runPlan({ stop: [...planned.stop], start: [...planned.start], delayMs, attempt, trigger: rec, remove: new Set(), done: null });
  }

  private onStartFailed(message: StartFailed): void {
    const rec = this.byId.get(message.id);
    if (rec === undefined || rec.timerToken !== -message.token || rec.cell !== null) return;
    if (this.plan !== null) {
      this.calls.defer(message, null);
      return;
    }
    rec.timerToken = 0;
    this.decide(rec, message.reason);
  }

  // --- internal: plans (stop some children, then start some, maybe after a delay) ---

  private runPlan(plan: Plan): void {
    for (const rec of plan.start) {
      this.cancelDelayed(rec);
      rec.status = 'restarting';
      rec.route.restarting();
    }
    for (const rec of plan.stop) if (rec.temporary) plan.remove.add(rec);
    this.plan = plan;
    this.step(plan);
  }

  private step(plan: Plan): void {
    while (plan.stop.length > 0) {
      const rec = plan.stop[0]!;
      if (rec.cell === null) {
        plan.stop.shift();
        continue;
      }
      if (rec.status !== 'stopping') this.terminate(rec);
      return; // wait for its exit signal
    }
    this.plan = null;
    if (plan.start.length > 0) {
      if (plan.delayMs > 0) this.delay(plan);
      else this.startAll(plan.start);
    }
    plan.done?.();
    this.drainDeferred();
  }

  /** A child of the running plan is down (we stopped it, or it exited first). */
  private stoppedInPlan(plan: Plan, rec: ChildRecord, reason: ExitReason): void {
    this.emit(rec.status === 'stopping' ? 'terminated' : 'exited', rec, { reason });
    const i = plan.stop.indexOf(rec);
    if (i >= 0) plan.stop.splice(i, 1);
    if (plan.remove.has(rec)) this.removeRecord(rec);
    else if (plan.start.includes(rec)) rec.status = 'restarting';
    else {
      rec.status = 'stopped';
      rec.route.stopped();
    }
    this.step(plan);
  }

  private terminate(rec: ChildRecord): void {
    const cell = rec.cell!;
    const shutdown = rec.spec.shutdown;
    rec.status = 'stopping';
    this.emit('terminating', rec, { shutdown });
    // OTP's shutdown/2 monitors the child: a child that unlinked itself is still seen to exit
    // (one already dead answers at once, `noproc`). Whichever of exit signal and DOWN comes
    // first ends the wait; the other is then ignored.
    rec.monitor = this.cell!.monitor(cell.self);
    stopChild(this.engine, cell, shutdown);
  }

  private unwatch(rec: ChildRecord): void {
    if (rec.monitor === null) return;
    this.cell!.demonitor(rec.monitor);
    rec.monitor = null;
  }

  private delay(plan: Plan): void {
    const token = this.nextToken++;
    for (const rec of plan.start) rec.timerToken = token;
    const cell = this.cell!;
    const ref = cell.sendAfter(cell.self, new RestartDue(token), plan.delayMs);
    this.delayed.set(token, { ref, children: [...plan.start] });
    this.emit('backoff', plan.trigger!, { delayMs: plan.delayMs, attempt: plan.attempt, children: plan.start.map((r) => r.id) });
  }

  private onRestartDue(message: RestartDue): void {
    const entry = this.delayed.get(message.token);
    if (entry === undefined) return;
    if (this.plan !== null) {
      this.calls.defer(message, null);
      return;
    }
    this.delayed.delete(message.token);
    const due = entry.children.filter((r) => r.timerToken === message.token && r.cell === null && this.byId.get(r.id) === r);
    for (const rec of due) rec.timerToken = 0;
    this.startAll(due);
  }

  private cancelDelayed(rec: ChildRecord): void {
    const token = rec.timerToken;
    if (token <= 0) return;
    rec.timerToken = 0;
    const entry = this.delayed.get(token);
    if (entry === undefined) return;
    if (entry.children.every((r) => r.timerToken !== token)) {
      this.cell!.cancelTimer(entry.ref);
      this.delayed.delete(token);
    }
  }

  private startAll(recs: readonly ChildRecord[]): void {
    for (const rec of recs) {
      if (this.exiting) return;
      const failure = this.spawn(rec, true);
      if (failure === null) continue;
      // OTP's try_again_restart: handled later as an exit of this child, so it is counted.
      const token = this.nextToken++;
      rec.timerToken = -token;
      this.cell!.send(this.cell!.self, new StartFailed(rec.id, token, Exit.error(failure, { phase: 'start', id: rec.id })));
    }
  }

  /** Spawn an incarnation of `rec`; returns what the spawn threw, or null. */
  private spawn(rec: ChildRecord, restart: boolean): unknown {
    const spec = rec.spec;
    const options: SpawnOptions = {
      name: rec.id, link: true, stopTimeoutMs: spec.stopTimeoutMs,
      ...(rec.args === undefined ? {} : { args: rec.args }),
      ...(spec.mailbox === undefined ? {} : { mailbox: spec.mailbox }),
      ...(spec.register === undefined ? {} : { register: spec.register }),
      ...(spec.budget === undefined ? {} : { budget: spec.budget }),
      ...(spec.isSupervisor ? { trapExits: true } : {}),
      ...(spec.placement === undefined ? {} : { placement: spec.placement }),
    };
    let child: ActorCell;
    try {
      const previous = rec.lastExit ?? Exit.normal;
      const addr = this.engine._spawn(spec.definition, options, this.cell!, restart ? { restarts: rec.restarts + 1, previous } : null);
      child = addrTarget(addr) as ActorCell;
      if (child.behavior instanceof SupervisorActor && child.status !== S_DEAD) bootNested(child, child.behavior);
    } catch (error) {
      this.emit('start-failed', rec, { error });
      return error;
    }
    if (restart) rec.restarts++;
    rec.timerToken = 0;
    rec.cell = child;
    rec.status = 'running';
    rec.startedAt = this.engine.reactor.now();
    this.byCell.set(child, rec);
    rec.route.attach(child);
    this.emit(restart ? 'restarted' : 'started', rec, restart ? { addr: child.self, restarts: rec.restarts, reason: rec.lastExit } : { addr: child.self });
    return null;
  }

  private stopSelf(reason: ExitReason): void {
    if (this.exiting) return;
    this.exiting = true;
    this.cell!.signal({ kind: SysKind.Stop, reason });
  }

  private drainDeferred(): void {
    while (this.plan === null && !this.exiting) {
      const next = this.calls.next();
      if (next === undefined) return;
      if (next.message instanceof SupervisorOp) this.onCall(next.message.call, next.reply);
      else this.receive(next.message, this.cell!);
    }
  }

  // --- internal: operator calls ---

  private onCall(call: SupervisorCall, reply: ReplyHandle | null): void {
    // Every call waits its turn, reads included: OTP's supervisor answers none while it
    // stops children, so a which made after a terminate never sees it half done.
    if (this.plan !== null) {
      this.calls.defer(new SupervisorOp(call), reply);
      return;
    }
    let result: unknown;
    try {
      result = this.perform(call, reply);
    } catch (error) {
      reply?.reject(error);
      return;
    }
    if (result !== PENDING) reply?.resolve(result);
  }

  private perform(call: SupervisorCall, reply: ReplyHandle | null): unknown {
    switch (call.op) {
      case 'which':
        return this.records.map((r) => r.info());
      case 'count':
        return this.counts();
      case 'start':
        return this.startChild(call.spec, call.args);
      case 'restart':
        return this.restartChild(this.find(call.id), call.ifRunning, reply);
      case 'terminate':
        return this.terminateChild(this.find(call.id), false, reply);
      case 'remove':
        return this.terminateChild(this.find(call.id), true, reply);
      case 'delete': {
        const rec = this.find(call.id);
        if (rec.templated) throw new SupervisorError('wrong-strategy', `deleteChild does not apply to the dynamic child "${rec.id}" of a simple-one-for-one supervisor; use terminateChild`, { id: rec.id });
        if (rec.status === 'running' || rec.status === 'stopping') throw new SupervisorError('running', `child "${rec.id}" is running; terminate it first`, { id: rec.id });
        if (rec.status === 'restarting') throw new SupervisorError('restarting', `child "${rec.id}" is waiting to be restarted; terminate it first`, { id: rec.id });
        this.removeRecord(rec);
        return undefined;
      }
    }
  }

  private startChild(spec: ChildSpec | undefined, args: unknown): ChildInfo {
    if (this.records.length >= this.spec.maxChildren) {
      throw new SupervisorError('max-children', `${this.cell!.path} already holds ${this.records.length} children (maxChildren)`);
    }
    let rec: ChildRecord;
    if (this.strategy.dynamic) {
      const template = this.spec.children[0]!;
      rec = this.addRecord(template, `${template.id}-${this.nextDynamic++}`, args === undefined ? template.args : args, 'template');
    } else {
      if (spec === undefined) throw new SupervisorError('invalid-spec', `startChild on a ${this.spec.strategy} supervisor needs a child spec`);
      const normalized = normalizeChildSpec(spec, this.spec.backoff);
      if (this.byId.has(normalized.id)) {
        const existing = this.byId.get(normalized.id)!;
        throw new SupervisorError('duplicate-child', `${this.cell!.path} already has a child "${normalized.id}" (${existing.status})`, { id: normalized.id });
      }
      rec = this.addRecord(normalized, normalized.id, normalized.args, 'start-child');
    }
    const failure = this.spawn(rec, false);
    if (failure !== null) {
      this.removeRecord(rec, false);
      throw new SupervisorError('failed-to-start', `child "${rec.id}" failed to start: ${errorText(failure)}`, { id: rec.id }, { cause: failure });
    }
    return rec.info();
  }

  private restartChild(rec: ChildRecord, ifRunning: 'error' | 'restart', reply: ReplyHandle | null): unknown {
    if (rec.status === 'running' || rec.status === 'stopping') {
      if (ifRunning === 'error') throw new SupervisorError('running', `child "${rec.id}" is running (use ifRunning: "restart" to restart it anyway)`, { id: rec.id });
      this.runPlan({ stop: [rec], start: [rec], delayMs: 0, attempt: 0, trigger: rec, remove: new Set(), done: this.calls.answerLater(reply, () => rec.info()) });
      return PENDING;
    }
    this.cancelDelayed(rec);
    const failure = this.spawn(rec, true);
    if (failure !== null) {
      rec.status = 'stopped';
      throw new SupervisorError('failed-to-start', `child "${rec.id}" failed to restart: ${errorText(failure)}`, { id: rec.id }, { cause: failure });
    }
    return rec.info();
  }

  private terminateChild(rec: ChildRecord, remove: boolean, reply: ReplyHandle | null): unknown {
    this.cancelDelayed(rec);
    const forget = remove || rec.templated;
    if (rec.cell !== null) {
      this.runPlan({ stop: [rec], start: [], delayMs: 0, attempt: 0, trigger: rec, remove: new Set(forget ? [rec] : []), done: this.calls.answerLater(reply, () => undefined) });
      return PENDING;
    }
    if (forget) this.removeRecord(rec);
    else {
      rec.status = 'stopped';
      rec.route.stopped();
    }
    return undefined;
  }

  /** The supervisor is exiting: calls still waiting get an answer now. */
  private refuseWaiting(): void {
    this.calls.refuseAll(() => new AskError('ask/target-exited', `${this.cell!.path} exited before completing the call`));
  }

  /** OTP's count_children: a simple-one-for-one supervisor has one spec, its template, however many children. */
  private counts(): ChildCounts {
    let active = 0;
    let supervisors = 0;
    for (const r of this.records) {
      if (r.cell !== null && r.cell.status !== S_DEAD) active++;
      if (r.spec.isSupervisor) supervisors++;
    }
    const specs = this.strategy.dynamic ? 1 : this.records.length;
    return { specs, active, supervisors, workers: this.records.length - supervisors };
  }

  // --- internal: records ---

  private addRecord(spec: NormalizedChild, id: string, args: unknown, origin: ChildOrigin): ChildRecord {
    const cell = this.cell!;
    let route: StableRoute;
    if (spec.stable !== null && origin !== 'template' && isStableAddr(spec.stable)) {
      route = routeOf(spec.stable) as StableRoute;
    } else {
      route = new StableRoute(this.engine, this.spec.whileRestarting, this.spec.stableCapacity, true);
    }
    route.bind(cell, `${cell.path}/${id}`);
    const rec = new ChildRecord(id, spec, args, route, origin);
    this.records.push(rec);
    this.byId.set(id, rec);
    return rec;
  }

  private removeRecord(rec: ChildRecord, announce = true): void {
    const i = this.records.indexOf(rec);
    if (i >= 0) this.records.splice(i, 1);
    this.byId.delete(rec.id);
    if (rec.cell !== null) this.byCell.delete(rec.cell);
    this.unwatch(rec);
    this.cancelDelayed(rec);
    rec.status = 'stopped';
    if (rec.route.ownedBySupervisor) rec.route.close();
    else rec.route.release();
    if (announce) this.emit('removed', rec, { reason: rec.lastExit });
  }

  private find(id: string): ChildRecord {
    const rec = this.byId.get(id);
    if (rec === undefined) {
      const known = this.records.length <= 20 ? ` (children: ${this.records.map((r) => r.id).join(', ') || 'none'})` : '';
      throw new SupervisorError('unknown-child', `${this.cell!.path} has no child "${String(id)}"${known}`, { id });
    }
    return rec;
  }

  // --- internal: shutdown of the whole subtree (driven by the engine, see shutdown.ts) ---

  private shutdownHost() {
    return {
      concurrent: this.strategy.concurrentShutdown,
      begin: (reason: ExitReason) => {
        this.exiting = true;
        this.announceShutdown(reason);
        this.refuseWaiting();
        for (const token of [...this.delayed.keys()]) this.cell!.cancelTimer(this.delayed.get(token)!.ref);
        this.delayed.clear();
      },
      order: () => this.records.filter((r) => r.cell !== null && r.cell.status !== S_DEAD).map((r) => r.cell!),
      stop: (child: ActorCell) => {
        const rec = this.byCell.get(child);
        if (rec === undefined) {
          stopChild(this.engine, child, 'brutal');
          return;
        }
        if (rec.status === 'stopping') return; // a plan already asked it
        rec.status = 'stopping';
        this.emit('terminating', rec, { shutdown: rec.spec.shutdown });
        stopChild(this.engine, child, rec.spec.shutdown);
      },
      exited: (child: ActorCell) => {
        const rec = this.byCell.get(child);
        if (rec === undefined) return;
        const reason = child.x?.exitReason ?? Exit.normal;
        this.byCell.delete(child);
        rec.cell = null;
        rec.lastExit = reason;
        this.emit(rec.status === 'stopping' ? 'terminated' : 'exited', rec, { reason });
        rec.status = 'stopped';
      },
    };
  }

  private announceShutdown(reason: ExitReason): void {
    if (this.shutdownAnnounced || this.cell === null) return;
    this.shutdownAnnounced = true;
    if (this.engine.events.active) emitSupervisorEvent(this.engine, this.cell, 'shutdown', '', { reason, why: describeExit(reason) });
  }

  private emit(action: SupervisorAction, rec: ChildRecord, detail: Record<string, unknown>): void {
    if (this.engine.events.active) emitSupervisorEvent(this.engine, this.cell!, action, rec.id, detail);
  }
}

/** Ask a child to stop per its shutdown spec: kill it, or request a stop (killed at its stop timeout). */
export function stopChild(engine: Engine, child: ActorCell, shutdown: NormalizedChild['shutdown']): void {
  if (shutdown === 'brutal') engine.kill(child.self);
  else if (shutdown === 'infinity') child.signal({ kind: SysKind.Stop, reason: Exit.shutdown() });
  else engine._requestStop(child, Exit.shutdown());
}

// --- internal ---

/** Start a child supervisor's subtree now; if that fails, it dies at once (freeing its name) and the error is this child's start failure. */
function bootNested(child: ActorCell, actor: SupervisorActor): void {
  try {
    actor._boot(child);
  } catch (error) {
    child.terminate(Exit.error(error, { phase: 'start', path: child.path }), true);
    throw error;
  }
}

interface Plan {
  /** Children still to stop, in order. */
  readonly stop: ChildRecord[];
  /** Children to start once all are stopped, in order. */
  readonly start: readonly ChildRecord[];
  readonly delayMs: number;
  readonly attempt: number;
  readonly trigger: ChildRecord | null;
  /** Children forgotten once stopped (temporary ones, removals). */
  readonly remove: Set<ChildRecord>;
  readonly done: (() => void) | null;
}

const PENDING = Symbol('pending');

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
