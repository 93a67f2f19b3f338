/**
 * The gateway's outbound half: on core 0 of a multi-core cluster node, frames the other
 * cores wrote for actors on other nodes (their routers reach those through this core, see
 * `CoreRouterOptions.gateway`) are passed on to the router that reaches the other node, as
 * if this core's own actors had sent them. The inbound half — what that router hands in
 * for actors on the other cores — is the remote host's (kernel/remote-host.ts) with the
 * core router's `relay`.
 *
 * Ids stay unique without translation: a core counts its asks and monitors in a range of
 * its own (kernel/engine.ts), so the node router's books key the other cores' requests and
 * monitors as they come. A link or monitor the node router books for an actor of another
 * core is booked on that core too; that core's exit frames (a link exit, a Down) for the
 * other node come back here and become the node router's `exited` for the actor.
 *
 * Must not: lose a frame silently (no router for it: a dead letter, an error reply, a
 * `noproc`), or reorder what one core sent to one actor (frames are passed on as read).
 */
import { type AddrIdentity, type AnyAddr, AskError, Exit, MonitorRef, type SendOptions, type SendResult } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { MessageKind, type TraceContext } from '@pd/transport';
import type { RemoteAskHandle, RemoteRouter } from '../remote.js';
import { ForwardedAsk } from './forwarded-ask.js';
import { LANE_OPTIONS } from './lanes.js';
import type { Peer } from './peer.js';
import type { CorePort } from './port.js';
import { portableError, portableReason, reviveReason } from './portable.js';

/** Not an envelope kind: a `sendWait` control ask (as in inbound.ts). */
export const SEND_WAIT = -1;

/**
 * One frame from core `from.core` whose destination `dst` is an actor of another node. A
 * frame with a trace block (a traced send or ask) goes on carrying it: the node router asks
 * the host for the trace of what it frames (`outgoingTrace`), which is this one meanwhile.
 */
export function passOut(router: CorePort, from: Peer, kind: number, src: AddrIdentity | null, dst: AddrIdentity, corr: number, priority: number,
  deadlineMs: number | null, batch: boolean, body: unknown, trace: TraceContext | null): void {
  if (trace === null) return passFrame(router, from, kind, src, dst, corr, priority, deadlineMs, batch, body);
  const host = router.engine._remote;
  const outer = host._passing;
  // A copy: the frame's header (and its trace block) is reused for the next frame.
  host._passing = { traceId: trace.traceId.slice(), spanId: trace.spanId.slice(), traceFlags: trace.traceFlags };
  try {
    passFrame(router, from, kind, src, dst, corr, priority, deadlineMs, batch, body);
  } finally {
    host._passing = outer;
  }
}

function passFrame(router: CorePort, from: Peer, kind: number, src: AddrIdentity | null, dst: AddrIdentity, corr: number, priority: number,
  deadlineMs: number | null, batch: boolean, body: unknown): void {
  const engine = router.engine;
  const to = mintAddr({ ...dst }, null);
  const source = src === null ? null : router.resolveAddr(src);
  const next = engine._remote.reaching(to);
  if (next === null || next === (router as unknown)) return refuse(router, from, kind, to, source, corr, batch, body);
  switch (kind) {
    case MessageKind.user: {
      const options = optionsOf(router, priority, deadlineMs);
      if (options === null) return expired(router, to, batch, body);
      if (!batch) return void sendOn(router, next, to, body, options);
      for (const m of body as unknown[]) sendOn(router, next, to, m, options);
      return;
    }
    case SEND_WAIT: {
      const answer = (result: SendResult): void => router.reply(from.core, corr, [0, result]);
      const options = optionsOf(router, priority, deadlineMs);
      if (options === null) return answer(engine._remote.deadLetter(to, body, 'expired'));
      try {
        if (next.sendWait === undefined) answer(next.send(to, body, options));
        else next.sendWait(to, body, options).then(answer, () => answer('dead'));
      } catch (error) {
        router.reply(from.core, corr, [1, portableError(router.codec, error)]);
      }
      return;
    }
    case MessageKind.ask: {
      const handle: RemoteAskHandle = new ForwardedAsk(router, from.core, corr);
      const options = optionsOf(router, priority, deadlineMs);
      try {
        if (next.ask(to, body, handle, options ?? undefined) !== 'queued') handle.fail(new AskError('ask/target-exited', `${String(to)} is not alive`, { to: String(to) }));
      } catch (error) {
        handle.fail(error);
      }
      return;
    }
    case MessageKind.link:
      if (source !== null) next.link(source, to);
      return;
    case MessageKind.unlink:
      if (source !== null) next.unlink(source, to);
      return;
    case MessageKind.monitor:
      if (source !== null) next.monitor(source, to, new MonitorRef(corr));
      return;
    case MessageKind.demonitor:
      if (source !== null) next.demonitor(source, new MonitorRef(corr));
      return;
    case MessageKind.down:
      // A Down the other core owes a watcher on another node: its actor is gone.
      if (source !== null) next.exited(source, reviveReason(body));
      return;
    case MessageKind.exit: {
      const [reason, isLink] = body as [unknown, number];
      // A link exit: the other core's actor exited (or was not alive for a link); the node router tells all its linkers and watchers.
      if (isLink === 1) {
        if (source !== null) next.exited(source, reviveReason(reason));
      } else {
        next.exit(to, reviveReason(reason), source);
      }
      return;
    }
    case MessageKind.stop:
      next.stop(to, reviveReason(body));
      return;
    case MessageKind.kill:
      next.kill(to);
      return;
    case MessageKind.swap: {
      const [kindName, args] = body as [string, unknown];
      next.swap(to, kindName, args === null ? undefined : args);
      return;
    }
    default:
      router.stats.badFrames++;
  }
}

// --- internal ---

/** The lane's options with the time left until the frame's deadline; null when it has passed. */
function optionsOf(router: CorePort, priority: number, deadlineMs: number | null): SendOptions | undefined | null {
  const lane = LANE_OPTIONS[priority];
  if (deadlineMs === null) return lane;
  const left = deadlineMs - router.engine.reactor.now();
  return left > 0 ? { ...lane, ttlMs: left } : null;
}

function sendOn(router: CorePort, next: RemoteRouter, to: AnyAddr, message: unknown, options: SendOptions | undefined): void {
  try {
    next.send(to, message, options);
  } catch {
    // The other side's frame ceiling is not the ring's: what cannot go on is a dead letter.
    router.engine._remote.deadLetter(to, message, 'rejected');
  }
}

function expired(router: CorePort, to: AnyAddr, batch: boolean, body: unknown): void {
  if (batch) for (const m of body as unknown[]) router.engine._remote.deadLetter(to, m, 'expired');
  else router.engine._remote.deadLetter(to, body, 'expired');
}

/** No router reaches `to` (an unknown or gone node): what its sender is owed. */
function refuse(router: CorePort, from: Peer, kind: number, to: AnyAddr, source: AnyAddr | null, corr: number, batch: boolean, body: unknown): void {
  const dead = (m: unknown): SendResult => router.engine._remote.deadLetter(to, m, 'unknown');
  const noproc = (): unknown => portableReason(router.codec, Exit.noproc);
  switch (kind) {
    case MessageKind.user:
      if (batch) for (const m of body as unknown[]) dead(m);
      else dead(body);
      return;
    case SEND_WAIT:
      router.reply(from.core, corr, [0, dead(body)]);
      return;
    case MessageKind.ask:
      dead(body);
      router.reply(from.core, corr, [1, portableError(router.codec, new AskError('ask/target-exited', `${String(to)} is not alive (no node reaches it)`, { to: String(to) }))]);
      return;
    case MessageKind.link:
      if (source !== null) router.frame(source, MessageKind.exit, to, 0, [noproc(), 1]);
      return;
    case MessageKind.monitor:
      if (source !== null) router.frame(source, MessageKind.down, to, corr, noproc());
      return;
    default:
      return;
  }
}
