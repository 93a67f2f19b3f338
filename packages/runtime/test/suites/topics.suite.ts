/**
 * Pub-sub topics: subscribe, unsubscribe, publish (returns how many queued it);
 * subscriptions end when the actor dies; publishing obeys each subscriber's mailbox bound.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, type Context } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type MakeEngine, engineFixture, expectPdError, settle } from './harness.js';

type Cmd = { sub: string } | { unsub: string } | { pub: string; msg: unknown };

function subscriber(engine: Engine, log: unknown[], name: string) {
  return engine.spawn({
    receive(m: unknown, ctx: Context) {
      if (m !== null && typeof m === 'object') {
        const c = m as Cmd;
        if ('sub' in c) return ctx.subscribe(c.sub);
        if ('unsub' in c) return ctx.unsubscribe(c.unsub);
        if ('pub' in c) return ctx.publish(c.pub, c.msg);
      }
      log.push(`${name}:${String(m)}`);
      return undefined;
    },
  });
}

export function topicsSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('topics', () => {
    it('publish reaches every subscriber once and returns how many', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const a = subscriber(engine, log, 'a');
      const b = subscriber(engine, log, 'b');
      subscriber(engine, log, 'c');
      await engine.ask(a, { sub: 'news' });
      await engine.ask(b, { sub: 'news' });
      await engine.ask(b, { sub: 'news' });
      expect(engine.publish('news', 'hello')).toBe(2);
      expect(engine.publish('nobody-listens', 'x')).toBe(0);
      await settle(engine);
      expect(log.sort()).toEqual(['a:hello', 'b:hello']);
      expect(engine.topics()).toEqual([{ topic: 'news', subscribers: 2 }]);
      expect(engine.info(a)?.topics).toEqual(['news']);
    });

    it('publishing from an actor reaches subscribers, the publisher included if subscribed', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const a = subscriber(engine, log, 'a');
      const b = subscriber(engine, log, 'b');
      await engine.ask(a, { sub: 't' });
      await engine.ask(b, { sub: 't' });
      expect(await engine.ask(a, { pub: 't', msg: 'm' })).toBe(2);
      await settle(engine);
      expect(log.sort()).toEqual(['a:m', 'b:m']);
    });

    it('per-publisher order is kept for each subscriber', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const a = subscriber(engine, log, 'a');
      await engine.ask(a, { sub: 'seq' });
      for (let i = 0; i < 20; i++) engine.publish('seq', i);
      await settle(engine);
      expect(log).toEqual(Array.from({ length: 20 }, (_, i) => `a:${i}`));
    });

    it('unsubscribe stops delivery', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const a = subscriber(engine, log, 'a');
      await engine.ask(a, { sub: 't' });
      await engine.ask(a, { unsub: 't' });
      expect(engine.publish('t', 'x')).toBe(0);
      expect(engine.topics()).toEqual([]);
      expect(engine.info(a)?.topics).toEqual([]);
    });

    it('subscriptions end when the actor dies', async () => {
      const engine = engines.make();
      const log: unknown[] = [];
      const a = subscriber(engine, log, 'a');
      const b = subscriber(engine, log, 'b');
      await engine.ask(a, { sub: 't' });
      await engine.ask(b, { sub: 't' });
      engine.kill(a);
      expect(engine.topics()).toEqual([{ topic: 't', subscribers: 1 }]);
      expect(engine.publish('t', 'after')).toBe(1);
      engine.stop(b);
      await settle(engine);
      expect(engine.topics()).toEqual([]);
      expect(engine.publish('t', 'none')).toBe(0);
      // The stop overtook 'after' in b's mailbox: lost with b, and counted as such.
      const dead = engine.deadLetters();
      expect(dead.total).toBe(1);
      expect(dead.byReason.dead).toBe(1);
      expect(dead.recent.map((d) => d.message)).toEqual(['after']);
    });

    it('a full subscriber mailbox is not counted as delivered', async () => {
      const engine = engines.make();
      const a = engine.spawn({
        started: (ctx: Context) => ctx.subscribe('t'),
        receive: (m: unknown) => (m === 'gate' ? new Promise(() => {}) : undefined),
      }, { mailbox: { capacity: 1, overflow: 'drop-newest' } });
      engine.send(a, 'gate');
      await settle(engine);
      expect(engine.publish('t', 1)).toBe(1);
      expect(engine.publish('t', 2)).toBe(0);
      engine.kill(a);
    });

    it('a malformed topic is refused with arg/invalid', async () => {
      const engine = engines.make();
      expectPdError(() => engine.publish('', 'x'), ArgumentError, 'arg/invalid', 'topic');
      expectPdError(() => engine.publish('x'.repeat(300), 'x'), ArgumentError, 'arg/invalid', '300 characters');
    });
  });
}
