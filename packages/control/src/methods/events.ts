/**
 * The event stream over the wire: `events.subscribe` starts `events.event` notifications
 * (filtered by type and path prefix), `events.unsubscribe` ends them. Events are queued per
 * subscription and flushed on the next macrotask, never sent from inside the engine's
 * emit; on a node of a cluster the federation's events (member, peer, name-conflict,
 * prefix-conflict, downing) come in the same stream. A full queue or a congested connection drops events and says how many, in an
 * `events.dropped` notification, so a slow client never slows the engine (invariant 9).
 */
import { isUnderPath } from '@pd/actor';
import type { ClusterEvent, ClusterEventType } from '@pd/federation';
import type { EngineEvent, EngineEventType } from '@pd/runtime';
import { ControlError } from '../errors.js';
import { exitToWire, toWire } from '../wire.js';
import type { MethodTable, Session } from './types.js';

const EVENT_TYPES: readonly EngineEventType[] = ['spawned', 'exited', 'crashed', 'restarted', 'swapped', 'dead-letter', 'mailbox-overflow', 'supervisor'];
/** The federation's events (@pd/federation's `CLUSTER_EVENT_TYPES`), on an engine that is a node of a cluster. */
const CLUSTER_TYPES: readonly ClusterEventType[] = ['member', 'peer', 'name-conflict', 'prefix-conflict', 'downing'];
/** Events queued per subscription before new ones are dropped. */
export const EVENT_QUEUE_MAX = 1000;
/** Subscriptions per connection. */
export const SUBSCRIPTIONS_MAX = 8;

let nextSubscription = 1;
const CLIENT_KIND = '$client';

export const eventMethods: MethodTable = {
  'events.subscribe': {
    params: ['types', 'path'],
    summary: 'Start `events.event` notifications (optionally only some types, or under a path).',
    run: (p, host, session) => {
      const types = p.strings('types', EVENT_TYPES.length + CLUSTER_TYPES.length);
      const federation = host.federation;
      const known: readonly string[] = federation === undefined ? EVENT_TYPES : [...EVENT_TYPES, ...CLUSTER_TYPES];
      const bad = types?.find((t) => !known.includes(t));
      if (bad !== undefined) {
        if (CLUSTER_TYPES.includes(bad as ClusterEventType)) {
          throw new ControlError('cluster/unavailable', `events.subscribe: "${bad}" events come from a cluster, and this engine is not a node of one`, {
            hint: 'give its config a "federation" section (docs/config.md), or leave the type out',
          });
        }
        throw new ControlError('rpc/invalid-params', `events.subscribe: unknown event type "${bad}" (types: ${known.join(', ')})`);
      }
      const path = p.string('path', true);
      if ([...session.cleanups.keys()].filter((k) => k.startsWith('events:')).length >= SUBSCRIPTIONS_MAX) {
        throw new ControlError('rpc/busy', `at most ${SUBSCRIPTIONS_MAX} event subscriptions per connection`, { hint: 'unsubscribe first' });
      }
      const id = nextSubscription++;
      const feed = new Feed(id, session, path);
      const engineTypes = types?.filter((t) => EVENT_TYPES.includes(t as EngineEventType)) as EngineEventType[] | undefined;
      const clusterTypes = types?.filter((t) => CLUSTER_TYPES.includes(t as ClusterEventType)) as ClusterEventType[] | undefined;
      const offs: (() => void)[] = [];
      if (engineTypes === undefined || engineTypes.length > 0) offs.push(host.engine.events.subscribe((e) => feed.push(e), engineTypes));
      if (federation !== undefined && (clusterTypes === undefined || clusterTypes.length > 0)) offs.push(federation.events.subscribe((e) => feed.push(e), clusterTypes));
      session.cleanups.set(`events:${id}`, () => {
        for (const off of offs) off();
        feed.close();
      });
      return { subscription: id, types: types ?? known };
    },
  },
  'events.unsubscribe': {
    params: ['subscription'],
    summary: 'Stop one event subscription.',
    run: (p, _host, session) => {
      const id = p.number('subscription', { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
      const cleanup = session.cleanups.get(`events:${id}`);
      if (cleanup === undefined) return { unsubscribed: false };
      cleanup();
      session.cleanups.delete(`events:${id}`);
      return { unsubscribed: true };
    },
  },
};

/** The wire form of an engine event. */
export function eventToWire(event: EngineEvent | ClusterEvent): Record<string, unknown> {
  const out = toWire(event) as Record<string, unknown>;
  if ('reason' in event && typeof event.reason === 'object') out.reason = exitToWire(event.reason);
  return out;
}

// --- internal ---

class Feed {
  private queue: (EngineEvent | ClusterEvent)[] = [];
  private dropped = 0;
  private scheduled = false;
  private closed = false;

  constructor(private readonly id: number, private readonly session: Session, private readonly path: string | undefined) {}

  push(event: EngineEvent | ClusterEvent): void {
    if (this.closed) return;
    // Clients (the control plane's own among them) are not actors: the engine reports
    // their spawn but not their exit, so leave them out of the stream altogether.
    if ('kind' in event && event.kind === CLIENT_KIND) return;
    // Cluster events belong to no actor: a path filter leaves them out.
    if (this.path !== undefined) {
      const at = 'path' in event ? event.path : 'to' in event ? event.to : 'supervisor' in event ? event.supervisor : undefined;
      if (at === undefined || !isUnderPath(at, this.path)) return;
    }
    if (this.queue.length >= EVENT_QUEUE_MAX) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const event of batch) {
      if (this.closed) return;
      if (this.dropped > 0 && this.session.notify('events.dropped', { subscription: this.id, count: this.dropped })) this.dropped = 0;
      if (!this.session.notify('events.event', { subscription: this.id, event: eventToWire(event) })) this.dropped++;
    }
    if (this.dropped > 0 && this.session.notify('events.dropped', { subscription: this.id, count: this.dropped })) this.dropped = 0;
  }
}
