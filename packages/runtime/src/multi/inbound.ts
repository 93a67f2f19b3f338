/**
 * Incoming frames of one core: decodes each frame once and hands it to its destination —
 * a local actor (messages, asks, signals), the asker's pending ask (replies), or this
 * core's endpoint (control). A frame for an actor another core has spawned here but whose
 * spawn request has not arrived yet (it travels on another ring) waits in that embryo's
 * queue, in arrival order, and is delivered right after the spawn. A message the gateway
 * passed on from another node under its guard (a `checked` control, a guarded sendWait) is
 * checked against the guard's policy — the target's path, which only this core sees —
 * before it is acted on; a refusal is the sender's dead letter or `ask/rejected`, as the
 * node router's own refusals are, and is reported to the gateway, which counts it.
 *
 * Must not: let a malformed frame or a throwing handler escape (counted, never a crash), or
 * deliver frames of one ring out of order.
 */
import { type AddrIdentity, type AnyAddr, AskError, Exit, type ExitReason, type SendResult } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { type ByteSource, type EnvelopeHeader, MessageKind, type TraceContext, decodeFrame } from '@pd/transport';
import { S_DEAD } from '../kernel/cell.js';
import { pathAllowed } from '../path-policy.js';
import { LANE_OPTIONS } from './lanes.js';
import type { Peer } from './peer.js';
import type { CorePort } from './port.js';
import { type InboundPort, handleControl } from './control.js';
import { ENDPOINT_SLOT, isLeased, leaseOf } from './leases.js';
import { portableError, portableReason, reviveError, reviveReason } from './portable.js';
import { ForwardedAsk } from './forwarded-ask.js';
import { SEND_WAIT, passOut } from './gateway.js';
import type { Control } from './protocol.js';

/** A frame kept for an actor whose spawn has not arrived yet. */
interface Held {
  readonly from: Peer;
  readonly kind: number;
  readonly source: AddrIdentity | null;
  readonly destination: AddrIdentity;
  readonly correlationId: number;
  readonly priority: number;
  readonly deadlineMs: number | null;
  readonly batch: boolean;
  readonly body: unknown;
  readonly trace: TraceContext | null;
  /** Passed on by the gateway under its guard: checked once the actor exists. */
  readonly guarded: boolean;
}

/** The kinds a `checked` control may carry (what the policy covers). */
const CHECKED_KINDS: ReadonlySet<number> = new Set([MessageKind.user, MessageKind.ask, MessageKind.exit, MessageKind.stop, MessageKind.kill, MessageKind.swap]);

/** Frames held per embryo at most (invariant 9); more are dead letters. */
const EMBRYO_MAX_FRAMES = 10_000;

export class Inbound implements InboundPort {
  private readonly header: EnvelopeHeader = blankHeader();
  /** Frames for actors not spawned yet, by `slot.generation`. */
  private readonly embryos = new Map<string, Held[]>();

  constructor(private readonly router: CorePort) {}

  /** One frame from `from` (a ring sink). */
  frame(from: Peer, source: ByteSource, offset: number, length: number): void {
    const router = this.router;
    router.stats.framesIn++;
    let header: EnvelopeHeader;
    let body: unknown;
    try {
      ({ header, body } = decodeFrame(router.codec, source, offset, length, this.header));
    } catch {
      router.stats.badFrames++;
      return;
    }
    try {
      this.dispatch(from, header.kind, header.source, header.destination, header.correlationId, header.priority, header.deadlineMs, (header.flags & 0x10) !== 0, body, header.trace, false);
    } catch {
      router.stats.badFrames++;
    }
  }

  /**
   * A `sendWait` from `from` (a control ask): delivered in its place among the frames for
   * its target (held with them for an embryo); the answer is the SendResult, once it has one.
   */
  sendWait(from: Peer, m: Extract<Control, { op: 'sendWait' }>, corr: number): void {
    this.dispatch(from, SEND_WAIT, null, m.to, corr, m.lane, m.deadline, false, m.message, null, m.guarded === true);
  }

  /**
   * A message from another node that the gateway passed on under its guard: dispatched as
   * the frame it stands for would be, after the check against the policy. Only the gateway
   * passes such messages on (it alone reaches other nodes).
   */
  checked(from: Peer, m: Extract<Control, { op: 'checked' }>, corr: number): void {
    const router = this.router;
    const to = m.to;
    if (!CHECKED_KINDS.has(m.kind) || (m.kind === MessageKind.ask) !== (corr !== 0) || typeof to !== 'object' || to === null
      || to.node !== router.node || to.core !== router.self || from.core !== router.gateway) {
      router.stats.badFrames++;
      return;
    }
    this.dispatch(from, m.kind, m.from, to, corr, m.lane, m.deadline, false, m.body, m.trace, true);
  }

  /** Embryos whose spawner (and epoch) match `dead` will never be spawned: their frames fail now. */
  dropEmbryos(dead: (spawner: number, epoch: number) => boolean): void {
    for (const [key, held] of [...this.embryos]) {
      const { spawner, epoch } = leaseOf(held[0]!.destination);
      if (!dead(spawner, epoch)) continue;
      this.embryos.delete(key);
      for (const h of held) this.refuse(h.from, h.kind, h.destination, h.source, h.correlationId, h.batch, h.body);
    }
  }

  /** A spawn arrived: deliver what waited for it, in order. */
  born(slot: number, generation: number): void {
    const key = `${slot}.${generation}`;
    const held = this.embryos.get(key);
    if (held === undefined) return;
    this.embryos.delete(key);
    for (const h of held) this.dispatch(h.from, h.kind, h.source, h.destination, h.correlationId, h.priority, h.deadlineMs, h.batch, h.body, h.trace, h.guarded);
  }

  /** The peer's lease baseline became known (its hello): embryos it will never spawn fail now. */
  baseline(peer: Peer): void {
    for (const [key, held] of [...this.embryos]) {
      const lease = leaseOf(held[0]!.destination);
      if (lease.spawner !== peer.core || this.pendingLease(peer, lease.epoch, lease.n)) continue;
      this.embryos.delete(key);
      for (const h of held) this.refuse(h.from, h.kind, h.destination, h.source, h.correlationId, h.batch, h.body);
    }
  }

  // --- internal ---

  /**
   * `trace`: the envelope's trace block (the reused header's: copied before it is kept).
   * `guarded`: passed on by the gateway under its guard (checked against the policy here).
   */
  private dispatch(from: Peer, kind: number, src: AddrIdentity | null, dst: AddrIdentity, corr: number, priority: number, deadlineMs: number | null, batch: boolean, body: unknown,
    trace: TraceContext | null, guarded: boolean): void {
    const router = this.router;
    if (kind === MessageKind.reply) return this.onReply(corr, body);
    // For an actor of another node (this is the gateway core): passed on to the router that reaches it.
    if (dst.node !== router.node) return passOut(router, from, kind, src, dst, corr, priority, deadlineMs, batch, body, trace);
    // Downs for the router's own monitors come to the endpoint; all are found by ref id.
    if (kind === MessageKind.down) return this.onDown(corr, body);
    if (dst.core !== router.self) return void router.stats.badFrames++;
    if (dst.slot === ENDPOINT_SLOT) return handleControl(router, this, from, body as Control, kind === MessageKind.ask ? corr : 0);
    const target = this.target(dst);
    if (target === EMBRYO) {
      return this.hold({ from, kind, source: src === null ? null : { ...src }, destination: { ...dst }, correlationId: corr, priority, deadlineMs, batch, body, trace: copyTrace(trace), guarded });
    }
    if (target === null) return this.refuse(from, kind, dst, src, corr, batch, body);
    if (guarded && !this.allowed(target)) return this.denied(from, kind, target, corr, body);
    const engine = router.engine;
    const source = src === null ? null : router.resolveAddr(src);
    switch (kind) {
      case MessageKind.user: {
        const options = LANE_OPTIONS[priority];
        const deadline = deadlineMs ?? Infinity;
        if (!batch) {
          router.stats.messagesIn++;
          engine._remote.deliver(target, body, null, deadline, options, copyTrace(trace));
          return;
        }
        const bodies = body as unknown[];
        router.stats.messagesIn += bodies.length;
        for (let i = 0; i < bodies.length; i++) engine._remote.deliver(target, bodies[i], null, deadline, options);
        return;
      }
      case SEND_WAIT: {
        router.stats.messagesIn++;
        const answer = (result: SendResult): void => router.reply(from.core, corr, [0, result]);
        engine._remote.sendWait(target, body, deadlineMs ?? Infinity, LANE_OPTIONS[priority]).then(answer, () => answer('dead'));
        return;
      }
      case MessageKind.ask:
        router.stats.messagesIn++;
        engine._remote.deliver(target, body, new ForwardedAsk(router, from.core, corr), deadlineMs ?? Infinity, LANE_OPTIONS[priority], copyTrace(trace));
        return;
      case MessageKind.link:
        if (source === null) return;
        if (engine.liveCell(target, 'link') === null) return void router.frame(source, MessageKind.exit, target, 0, [portableReason(router.codec, Exit.noproc), 1]);
        router.books.addLink(target, source);
        return;
      case MessageKind.unlink:
        if (source !== null) router.books.removeLink(target, source);
        return;
      case MessageKind.monitor:
        if (source === null) return;
        if (engine.liveCell(target, 'monitor') === null) return void router.frame(source, MessageKind.down, target, corr, portableReason(router.codec, Exit.noproc));
        router.books.addWatchedBy(target.key, source, corr);
        return;
      case MessageKind.demonitor:
        if (source !== null) router.books.removeWatchedBy(target.key, source, corr);
        return;
      case MessageKind.exit: {
        const [reason, isLink] = body as [unknown, number];
        if (isLink === 1) {
          // An exit over a link that was removed meanwhile is not delivered (as unlink/1).
          if (source === null || !router.books.removeLink(target, source)) return;
          engine._remote.signal(target, 'link', source, reviveReason(reason));
        } else {
          engine._remote.signal(target, 'exit', source, reviveReason(reason));
        }
        return;
      }
      case MessageKind.stop:
        engine._remote.stop(target, reviveReason(body));
        return;
      case MessageKind.kill:
        engine._remote.signal(target, 'kill', null, Exit.killed);
        return;
      case MessageKind.swap: {
        const [kindName, args] = body as [string, unknown];
        try {
          engine.swap(target, kindName, args === null ? undefined : { args });
        } catch {
          router.stats.badFrames++;
        }
        return;
      }
      default:
        router.stats.badFrames++;
    }
  }

  private onReply(corr: number, body: unknown): void {
    const pending = this.router.books.pending.get(corr);
    if (pending === undefined) return;
    this.router.books.pending.delete(corr);
    const [status, value] = body as [number, unknown];
    if (status === 0) pending.ask.answer(value);
    else pending.ask.fail(reviveError(value));
  }

  private onDown(corr: number, body: unknown): void {
    const w = this.router.books.takeWatching(corr);
    if (w === undefined) return;
    const reason = reviveReason(body);
    if (w.onDown !== null) w.onDown(reason);
    else this.router.engine._remote.down(w.watcher, w.ref, w.target, reason);
  }

  /** The local actor `dst` names: its address, null when dead or unknown, or EMBRYO. */
  private target(dst: AddrIdentity): AnyAddr | null | typeof EMBRYO {
    const router = this.router;
    if (!isLeased(dst.slot)) {
      const cell = router.engine.liveCell(mintAddr({ ...dst }, null), 'deliver');
      return cell === null ? null : cell.self;
    }
    const cell = router.leasedHere.get(`${dst.slot}.${dst.generation}`);
    if (cell !== undefined) return cell.status === S_DEAD || !cell.self.equals(mintAddr({ ...dst }, null)) ? null : cell.self;
    const lease = leaseOf(dst);
    if (lease.spawner === router.self) return null;
    const peer = router.peers[lease.spawner];
    if (peer === null || peer === undefined || peer.state === 'gone') return null;
    return this.pendingLease(peer, lease.epoch, lease.n) ? EMBRYO : null;
  }

  /** Whether the guard's policy lets another node reach the live local actor `target` (none known: no). */
  private allowed(target: AnyAddr): boolean {
    const policy = this.router.inboundPolicy;
    return policy !== null && pathAllowed(policy, this.router.engine.liveCell(target, 'deliver')?.path);
  }

  /**
   * A message from another node the policy refuses here: what the node router owes for a
   * refusal of its own (a dead letter `rejected`, `ask/rejected`, a signal not applied), and
   * a report to the gateway, which counts it.
   */
  private denied(from: Peer, kind: number, to: AnyAddr, corr: number, body: unknown): void {
    const router = this.router;
    const host = router.engine._remote;
    router.control(from.core, { op: 'denied' });
    switch (kind) {
      case MessageKind.user:
        host.deadLetter(to, body, 'rejected');
        return;
      case SEND_WAIT:
        router.reply(from.core, corr, [0, host.deadLetter(to, body, 'rejected')]);
        return;
      case MessageKind.ask:
        host.deadLetter(to, body, 'rejected');
        // The words of the node router's refusal (federation node-router.ts), so the asker sees the same wherever the target lives.
        router.reply(from.core, corr, [1, portableError(router.codec, new AskError('ask/rejected',
          `${String(to)} refused the request: the federation policy does not let remote nodes send there`, { to: String(to) }))]);
        return;
      default:
        // exit, stop, kill, swap: not applied.
        return;
    }
  }

  /** Whether spawn `n` of the peer's `epoch` may still arrive. */
  private pendingLease(peer: Peer, epoch: number, n: number): boolean {
    if (epoch > peer.epoch) return true;
    if (epoch < peer.epoch) return false;
    return !peer.known || n > peer.leaseSeen;
  }

  private hold(h: Held): void {
    const key = `${h.destination.slot}.${h.destination.generation}`;
    let held = this.embryos.get(key);
    if (held === undefined) this.embryos.set(key, (held = []));
    if (held.length >= EMBRYO_MAX_FRAMES) return this.refuse(h.from, h.kind, h.destination, h.source, h.correlationId, h.batch, h.body);
    this.router.stats.heldForSpawn++;
    held.push(h);
  }

  /** A frame for an actor that is not alive here: what its sender is owed (a dead letter, a noproc, an error reply). */
  private refuse(from: Peer, kind: number, dst: AddrIdentity, src: AddrIdentity | null, corr: number, batch: boolean, body: unknown): void {
    const router = this.router;
    const addr = mintAddr({ ...dst }, null);
    const source = src === null ? null : router.resolveAddr(src);
    switch (kind) {
      case MessageKind.user:
        if (batch) for (const m of body as unknown[]) router.deadLetter(addr, m);
        else router.deadLetter(addr, body);
        return;
      case SEND_WAIT:
        router.reply(from.core, corr, [0, router.deadLetter(addr, body)]);
        return;
      case MessageKind.ask:
        router.deadLetter(addr, body);
        router.reply(from.core, corr, [1, portableError(router.codec, new AskError('ask/target-exited', `${String(addr)} is not alive`, { to: String(addr) }))]);
        return;
      case MessageKind.link:
        if (source !== null) router.frame(source, MessageKind.exit, addr, 0, [noproc(router), 1]);
        return;
      case MessageKind.monitor:
        if (source !== null) router.frame(source, MessageKind.down, addr, corr, noproc(router));
        return;
      default:
        // Signals for an actor that is gone have nobody to act on.
        return;
    }
  }
}

const EMBRYO = Symbol('embryo');

/** A trace block that outlives the frame (the header and its trace object are reused per frame). */
function copyTrace(trace: TraceContext | null): TraceContext | null {
  return trace === null ? null : { traceId: trace.traceId.slice(), spanId: trace.spanId.slice(), traceFlags: trace.traceFlags };
}

function noproc(router: CorePort): unknown {
  return portableReason(router.codec, Exit.noproc as ExitReason);
}

function blankHeader(): EnvelopeHeader {
  return {
    version: 1, flags: 0, kind: MessageKind.user, priority: 0, source: null,
    destination: { node: 0, core: 0, slot: 0, generation: 0, secret: 0 }, correlationId: 0, deadlineMs: null, trace: null, payloadLength: 0,
  };
}
