/**
 * The event stream: spawned, exited, crashed, dead-letter, mailbox-overflow, swapped;
 * filtering by type; unsubscribe; a throwing listener is dropped; and with no listener no
 * event object is built at all (`events.active` is false and `emit` is never reached).
 */
import { describe, expect, it } from 'vitest';
import { Exit, type Context } from '@pd/actor';
import type { Engine, EngineEvent } from '@pd/runtime';
import { type MakeEngine, collectEvents, deferred, engineFixture, settle } from './harness.js';

/** A workload that would raise every event type once or more. */
async function everyEventWorkload(engine: Engine): Promise<void> {
  const gate = deferred();
  const a = engine.spawn({ receive: (m: string) => (m === 'gate' ? gate.promise : undefined) }, { name: 'a', mailbox: { capacity: 1 } });
  engine.send(a, 'gate');
  await settle(engine);
  engine.send(a, 'fills');
  engine.send(a, 'overflows');
  engine.swap(a, { receive() {} });
  gate.resolve();
  const b = engine.spawn({
    receive() {
      throw new Error('crash');
    },
  }, { name: 'b' });
  engine.send(b, 'boom');
  await settle(engine);
  engine.send(b, 'to the dead');
  engine.stop(a);
  await settle(engine);
}

export function eventsSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('event stream', () => {
    it('reports spawned, crashed, exited, dead-letter, mailbox-overflow and swapped', async () => {
      const engine = engines.make();
      const events = collectEvents(engine);
      await everyEventWorkload(engine);
      const types = new Set(events.events.map((e) => e.type));
      for (const t of ['spawned', 'crashed', 'exited', 'dead-letter', 'mailbox-overflow', 'swapped'] as const) expect(types).toContain(t);
      expect(events.of('spawned').map((e) => e.path)).toEqual(['/user/a', '/user/b']);
      expect(events.of('spawned')[0]).toMatchObject({ kind: '(inline)', parent: null });
      const crashed = events.of('crashed')[0]!;
      expect(crashed).toMatchObject({ path: '/user/b', phase: 'receive' });
      expect((crashed.error as Error).message).toBe('crash');
      const exited = events.of('exited');
      expect(exited.map((e) => e.path)).toEqual(['/user/b', '/user/a']);
      expect(exited[1]!.reason).toEqual(Exit.normal);
      expect(events.of('mailbox-overflow')[0]).toMatchObject({ path: '/user/a', policy: 'drop-newest', capacity: 1 });
      const deadLetters = events.of('dead-letter');
      expect(deadLetters.map((e) => [e.reason, e.message])).toEqual([['dropped', 'overflows'], ['dead', 'to the dead']]);
      expect(events.of('swapped')[0]).toMatchObject({ path: '/user/a' });
      for (const e of events.events) expect(typeof e.at).toBe('number');
    });

    it('child spawns name their parent', async () => {
      const engine = engines.make();
      const events = collectEvents(engine, ['spawned']);
      engine.spawn({ started: (ctx: Context) => void ctx.spawn({ receive() {} }, { name: 'kid' }), receive() {} }, { name: 'mom' });
      await settle(engine);
      expect(events.events.map((e) => e.type === 'spawned' && [e.path, e.parent])).toEqual([['/user/mom', null], ['/user/mom/kid', '/user/mom']]);
    });

    it('a listener for some types only gets those', async () => {
      const engine = engines.make();
      const events = collectEvents(engine, ['exited']);
      await everyEventWorkload(engine);
      expect(events.events.length).toBeGreaterThan(0);
      expect(new Set(events.events.map((e) => e.type))).toEqual(new Set(['exited']));
    });

    it('unsubscribe stops delivery and, with no listener left, turns the stream off', async () => {
      const engine = engines.make();
      expect(engine.events.active).toBe(false);
      const one = collectEvents(engine);
      const two = collectEvents(engine);
      expect(engine.events.active).toBe(true);
      engine.spawn({ receive() {} });
      one.stop();
      expect(engine.events.active).toBe(true);
      engine.spawn({ receive() {} });
      two.stop();
      expect(engine.events.active).toBe(false);
      engine.spawn({ receive() {} });
      expect(one.events).toHaveLength(1);
      expect(two.events).toHaveLength(2);
    });

    it('a listener that throws is dropped; the others and the engine carry on', async () => {
      const engine = engines.make();
      let bad = 0;
      engine.events.subscribe(() => {
        bad++;
        throw new Error('listener bug');
      });
      const good = collectEvents(engine);
      engine.spawn({ receive() {} });
      engine.spawn({ receive() {} });
      expect(bad).toBe(1);
      expect(good.events).toHaveLength(2);
      good.stop();
      expect(engine.events.active).toBe(false);
    });

    it('costs nothing without listeners: no event is built or emitted', async () => {
      const engine = engines.make();
      const emitted: EngineEvent[] = [];
      const stream = engine.events as unknown as { emit(e: EngineEvent): void };
      const original = stream.emit.bind(engine.events);
      stream.emit = (e: EngineEvent) => {
        emitted.push(e);
        original(e);
      };
      await everyEventWorkload(engine);
      expect(engine.events.active).toBe(false);
      expect(emitted).toEqual([]);
      // The same spy sees events once someone listens, so it would have caught them.
      const on = collectEvents(engine);
      engine.spawn({ receive() {} });
      expect(emitted).toHaveLength(1);
      on.stop();
    });
  });
}
