/**
 * Pub-sub topics: a topic is a name with a set of subscribed actors. Publishing sends to
 * each subscriber in subscription order (each send obeys the subscriber's mailbox bound).
 * Subscriptions end when the actor exits (the engine calls {@link Topics._removeCell}).
 */
import { ArgumentError } from '@pd/actor';
import type { ActorCell } from './cell.js';

export const TOPIC_MAX_LENGTH = 256;

export class Topics {
  private readonly topics = new Map<string, Set<ActorCell>>();

  subscribe(topic: string, cell: ActorCell): void {
    checkTopic(topic);
    let subs = this.topics.get(topic);
    if (subs === undefined) this.topics.set(topic, (subs = new Set()));
    subs.add(cell);
    (cell.extras().topics ??= new Set()).add(topic);
  }

  unsubscribe(topic: string, cell: ActorCell): void {
    const subs = this.topics.get(topic);
    if (subs === undefined) return;
    subs.delete(cell);
    if (subs.size === 0) this.topics.delete(topic);
    cell.x?.topics?.delete(topic);
  }

  subscribers(topic: string): readonly ActorCell[] {
    checkTopic(topic);
    const subs = this.topics.get(topic);
    return subs === undefined ? [] : [...subs];
  }

  /** Topic names with their subscriber counts, sorted. */
  list(): { topic: string; subscribers: number }[] {
    return [...this.topics].map(([topic, s]) => ({ topic, subscribers: s.size })).sort((a, b) => (a.topic < b.topic ? -1 : 1));
  }

  /** @internal */
  _removeCell(cell: ActorCell): void {
    const topics = cell.x?.topics;
    if (!topics) return;
    for (const topic of topics) {
      const subs = this.topics.get(topic);
      if (subs === undefined) continue;
      subs.delete(cell);
      if (subs.size === 0) this.topics.delete(topic);
    }
    cell.x!.topics = null;
  }
}

function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > TOPIC_MAX_LENGTH) {
    throw new ArgumentError(`a topic is a non-empty string of at most ${TOPIC_MAX_LENGTH} characters, got ${typeof topic === 'string' ? `${topic.length} characters` : typeof topic}`);
  }
}
