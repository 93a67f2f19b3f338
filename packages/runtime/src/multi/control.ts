/**
 * The endpoint of a core: what it does with control messages from other cores — spawn an
 * actor under a leased identity, take a restarted peer's hello, registry claims and
 * broadcasts, topic counts and publishes, sendWaits, introspection asks, the gateway's
 * guard (its policy) and the messages it asks this core to check. Must not: trust the shape of
 * a message beyond the protocol (a malformed one is counted and ignored by the caller).
 */
import { ArgumentError, Exit, type SpawnOptions } from '@pd/actor';
import { checkPathPolicy } from '../path-policy.js';
import { mintAddr } from '@pd/actor/internal';
import { S_DEAD } from '../kernel/cell.js';
import type { Peer } from './peer.js';
import type { CorePort } from './port.js';
import { leaseOf } from './leases.js';
import { portableError, reviveReason } from './portable.js';
import type { Control } from './protocol.js';
import { inspectLocal } from './inspect.js';

/** What the endpoint needs of the core's inbound side (inbound.ts implements it). */
export interface InboundPort {
  /** A restarted peer said where its spawns onto this core stand. */
  baseline(peer: Peer): void;
  /** A sendWait from another core: deliver, then answer with the result. */
  sendWait(from: Peer, m: Extract<Control, { op: 'sendWait' }>, corr: number): void;
  /** A message from another node the gateway passed on to be checked against the policy here. */
  checked(from: Peer, m: Extract<Control, { op: 'checked' }>, corr: number): void;
  /** The actor leased as `slot.generation` now exists: deliver what waited for it. */
  born(slot: number, generation: number): void;
}

export function handleControl(router: CorePort, inbound: InboundPort, from: Peer, message: Control, correlationId: number): void {
  switch (message.op) {
    case 'spawn':
      return spawn(router, inbound, from, message);
    case 'hello':
      from.leaseSeen = message.next - 1;
      from.known = true;
      if (message.policy !== undefined) guard(router, message.policy);
      inbound.baseline(from);
      return;
    case 'guard':
      return guard(router, message.policy);
    case 'checked':
      return inbound.checked(from, message, correlationId);
    case 'denied':
      router.onDenied(from.core);
      return;
    case 'claim':
    case 'release':
    case 'bind':
    case 'unbind':
    case 'refused':
      router.registry.onControl(from.core, message);
      return;
    case 'topic':
      router.topics.onCount(from.core, message.topic, message.count);
      return;
    case 'publish':
      router.topics.deliverLocal(message.topic, message.message);
      return;
    case 'sendWait':
      if (correlationId === 0) return;
      return inbound.sendWait(from, message, correlationId);
    case 'telemetry':
      router.recordTelemetry(message.setup);
      return;
    case 'spans':
      router.onSpans(from.core, message.spans);
      return;
    case 'inspect': {
      if (correlationId === 0) return;
      let answer: readonly [0 | 1, unknown];
      try {
        answer = [0, inspectLocal(router, message.what, message.filter)];
      } catch (error) {
        answer = [1, portableError(router.codec, error)];
      }
      router.reply(from.core, correlationId, answer);
      return;
    }
    default:
      throw new ArgumentError(`unknown control message ${String((message as { op?: unknown }).op)}`);
  }
}

// --- internal ---

function guard(router: CorePort, policy: unknown): void {
  if (policy !== null) checkPathPolicy(policy, 'the guard policy');
  router.inboundPolicy = policy;
}

function spawn(router: CorePort, inbound: InboundPort, from: Peer, m: Extract<Control, { op: 'spawn' }>): void {
  const identity = { node: router.node, core: router.self, slot: m.slot, generation: m.generation, secret: m.secret };
  const lease = leaseOf(identity);
  if (lease.spawner !== from.core) throw new ArgumentError(`core ${from.core} spawned under core ${lease.spawner}'s lease`);
  if (lease.epoch === from.epoch && lease.n > from.leaseSeen) from.leaseSeen = lease.n;
  const key = `${m.slot}.${m.generation}`;
  if (m.watch !== null) router.books.addWatchedBy(`${identity.node}.${identity.core}.${identity.slot}.${identity.generation}`, router.resolveAddr(m.watch.watcher), m.watch.ref);
  const restart = m.restart === null ? null : { restarts: m.restart.restarts, previous: reviveReason(m.restart.previous) };
  try {
    const cell = router.engine._spawnAt(identity, m.kind, m.options as SpawnOptions, m.parentPath, restart);
    // It may have exited already (an unknown kind): then `exited` ran and there is nothing to keep.
    if (cell.status !== S_DEAD) router.leasedHere.set(key, cell);
  } catch {
    // The engine here is shutting down and spawns nothing: the actor never lives, and its
    // watcher (a stand-in) learns it now rather than at its stop timeout.
    router.exited(mintAddr(identity, null), Exit.shutdown('engine-stopping'));
  }
  inbound.born(m.slot, m.generation);
}
