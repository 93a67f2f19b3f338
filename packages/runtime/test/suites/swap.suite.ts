/**
 * Hot swap: `engine.swap` and `ctx.become` replace an actor's behaviour from the next
 * message on. The mailbox and the state are kept (own data fields are carried over, or a
 * `migrate` hook does it); the message being handled finishes on the old code.
 */
import { describe, expect, it } from 'vitest';
import { Actor, Down, PdError, defineKind, pull, type Behavior, type Context } from '@pd/actor';
import { type MakeEngine, collectEvents, deferred, engineFixture, expectPdError, settle, until } from './harness.js';

class CounterV1 extends Actor<string> {
  count = 0;
  receive(m: string) {
    if (m === 'inc') this.count++;
    return `v1:${this.count}`;
  }
}

class CounterV2 extends Actor<string> {
  count = -1;
  receive(m: string) {
    if (m === 'inc') this.count += 10;
    return `v2:${this.count}`;
  }
}

export function swapSuite(make: MakeEngine): void {
  const engines = engineFixture(make);

  describe('hot swap', () => {
    it('engine.swap keeps the state (own data fields) and the address', async () => {
      const engine = engines.make();
      const events = collectEvents(engine, ['swapped']);
      const a = engine.spawn(CounterV1);
      engine.send(a, 'inc');
      engine.send(a, 'inc');
      expect(await engine.ask(a, 'get')).toBe('v1:2');
      engine.swap(a, CounterV2);
      expect(await engine.ask(a, 'inc')).toBe('v2:12');
      expect(engine.info(a)?.handled).toBe(4);
      expect(events.of('swapped')).toHaveLength(1);
      expect(events.of('swapped')[0]!.addr.equals(a)).toBe(true);
    });

    it('swap by kind name and with arguments', async () => {
      const Greeter = defineKind<string, { greeting: string }>('greeter-v2', (args) => ({ receive: (m: string) => `${args.greeting} ${m}` }));
      const engine = engines.make({ kinds: [Greeter] });
      const a = engine.spawn({ receive: (m: string) => `hi ${m}` });
      expect(await engine.ask(a, 'bob')).toBe('hi bob');
      engine.swap(a, 'greeter-v2', { args: { greeting: 'hello' } });
      expect(await engine.ask(a, 'bob')).toBe('hello bob');
    });

    it('a migrate hook on the new behaviour gets the old one and decides what carries over', async () => {
      const engine = engines.make();
      const a = engine.spawn(CounterV1);
      await engine.ask(a, 'inc');
      let seenPrevious: unknown = null;
      engine.swap(a, {
        total: 0,
        migrate(previous: Behavior<string>) {
          seenPrevious = previous;
          this.total = (previous as CounterV1).count * 100;
        },
        receive(this: { total: number }) {
          return `migrated:${this.total}`;
        },
      } as Behavior<string> & { total: number });
      expect(await engine.ask(a, 'get')).toBe('migrated:100');
      expect(seenPrevious).toBeInstanceOf(CounterV1);
    });

    it('the message being handled finishes on the old code; queued ones run on the new', async () => {
      const engine = engines.make();
      const gate = deferred();
      const log: string[] = [];
      class Old extends Actor<string> {
        seen = 0;
        async receive(m: string) {
          this.seen++;
          if (m === 'slow') await gate.promise;
          log.push(`old:${m}:${this.seen}`);
        }
      }
      class New extends Actor<string> {
        seen = 0;
        receive(m: string) {
          this.seen++;
          log.push(`new:${m}:${this.seen}`);
        }
      }
      const a = engine.spawn(Old);
      engine.send(a, 'slow');
      await settle(engine);
      engine.send(a, 'next1');
      engine.swap(a, New);
      engine.send(a, 'next2');
      await settle(engine);
      expect(log).toEqual([]);
      expect(engine.info(a)?.mailbox.depth).toBe(2);
      gate.resolve();
      await until(engine, () => log.length === 3, 'three messages');
      // The in-flight message completed on Old (its state change carried over to New).
      expect(log).toEqual(['old:slow:1', 'new:next1:2', 'new:next2:3']);
    });

    it('ctx.become switches behaviour from the next message on', async () => {
      const engine = engines.make();
      const locked: Behavior<string> = {
        receive(m: string, ctx: Context<string>) {
          if (m === 'unlock') ctx.become(unlocked);
          return `locked:${m}`;
        },
      };
      const unlocked: Behavior<string> = {
        receive(m: string, ctx: Context<string>) {
          if (m === 'lock') ctx.become(locked);
          return `open:${m}`;
        },
      };
      const a = engine.spawn(locked);
      const replies = [];
      for (const m of ['a', 'unlock', 'b', 'lock', 'c']) replies.push(await engine.ask(a, m));
      expect(replies).toEqual(['locked:a', 'locked:unlock', 'open:b', 'open:lock', 'locked:c']);
    });

    it('become between messages queued in one turn applies to the very next message', async () => {
      const engine = engines.make();
      const log: string[] = [];
      const second: Behavior<string> = { receive: (m: string) => void log.push(`second:${m}`) };
      const first: Behavior<string> = {
        receive(m: string, ctx: Context<string>) {
          log.push(`first:${m}`);
          ctx.become(second);
        },
      };
      const a = engine.spawn(first);
      engine.send(a, 'x');
      engine.send(a, 'y');
      engine.send(a, 'z');
      await settle(engine);
      expect(log).toEqual(['first:x', 'second:y', 'second:z']);
    });

    it('a migrate hook that throws crashes the actor with phase migrate', async () => {
      const engine = engines.make();
      const client = engine.client();
      const a = engine.spawn(CounterV1);
      client.monitor(a);
      engine.swap(a, {
        migrate() {
          throw new Error('cannot migrate');
        },
        receive() {},
      });
      const down = await client.receive<Down>({ timeoutMs: 1000 });
      expect(down.reason.type === 'error' && down.reason.metadata).toMatchObject({ phase: 'migrate' });
    });

    it('swapping a dead actor or a pull actor is refused with actor/invalid-state', () => {
      const engine = engines.make();
      const dead = engine.spawn(CounterV1);
      engine.kill(dead);
      expectPdError(() => engine.swap(dead, CounterV2), PdError, 'actor/invalid-state', 'not alive');
      const puller = engine.spawn(pull(async (ctx) => void (await ctx.receive())));
      expectPdError(() => engine.swap(puller, CounterV2), PdError, 'actor/invalid-state', 'pull actor');
    });

    it('swapping to something that is not a push behaviour is refused', () => {
      const engine = engines.make();
      const a = engine.spawn(CounterV1);
      expectPdError(() => engine.swap(a, 42 as never), PdError, 'spawn/invalid-definition');
      expectPdError(() => engine.swap(a, 'no-such-kind'), PdError, 'spawn/unknown-kind', 'no-such-kind');
    });
  });
}
