/**
 * Routers from outside the package (issue 10): a router written against the public
 * `RemoteHost` port (loopback-router.ts, public imports only) joins two engines of
 * different incarnations; and on a multi-core engine the core router and a second ("node")
 * router sit side by side, the engine asking each in order whether it reaches an address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, Exit, ExitSignal, type ExitReason } from '@pd/actor';
import { createEngine, type Engine, SimCores } from '@pd/runtime';
import { SimWorld } from '../../src/sim/index.js';
import { LoopbackLink } from './loopback-router.js';

const open: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** Poll `condition` on `engine`'s clock (virtual under simulation). */
async function until(engine: Engine, condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = engine.reactor.now();
  while (!condition()) {
    if (engine.reactor.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => engine.reactor.setTimer(1, resolve));
  }
}

/** An actor that reports what it gets, answers asks, and does what it is told. */
interface Probe {
  readonly seen: unknown[];
  readonly addr: AnyAddr;
}

type Command =
  | { readonly do: 'send'; readonly to: AnyAddr; readonly message: unknown }
  | { readonly do: 'ask'; readonly to: AnyAddr; readonly message: unknown }
  | { readonly do: 'monitor' | 'link'; readonly target: AnyAddr }
  | { readonly do: 'crash' };

function probe(engine: Engine, options: { trapExits?: boolean; placement?: { core: number } } = {}): Probe {
  const seen: unknown[] = [];
  const addr = engine.spawn({
    async receive(m: unknown, ctx: Context) {
      if (typeof m === 'object' && m !== null && 'do' in m) {
        const c = m as Command;
        if (c.do === 'send') ctx.send(c.to, c.message);
        else if (c.do === 'ask') seen.push({ answer: await ctx.ask(c.to, c.message) });
        else if (c.do === 'monitor') ctx.monitor(c.target);
        else if (c.do === 'link') ctx.link(c.target);
        else throw new Error('told to crash');
        return undefined;
      }
      seen.push(m);
      return { echo: m };
    },
  }, { ...(options.trapExits === true ? { trapExits: true } : {}), ...(options.placement === undefined ? {} : { placement: options.placement }) });
  return { seen, addr };
}

function downOf(seen: readonly unknown[]): Down | undefined {
  return seen.find((m): m is Down => m instanceof Down);
}

function exitOf(seen: readonly unknown[]): ExitSignal | undefined {
  return seen.find((m): m is ExitSignal => m instanceof ExitSignal);
}

function errorMessage(reason: ExitReason | undefined): unknown {
  return reason?.type === 'error' && reason.error instanceof Error ? reason.error.message : reason?.type;
}

describe('a router from outside the package, over the public RemoteHost port', () => {
  function twoNodes(): { a: Engine; b: Engine; link: LoopbackLink } {
    const link = new LoopbackLink();
    const a = createEngine({ id: 'node-a', routers: [link.end(0)] });
    const b = createEngine({ id: 'node-b', routers: [link.end(1)] });
    open.push(() => a.shutdown({ deadlineMs: 500 }), () => b.shutdown({ deadlineMs: 500 }));
    return { a, b, link };
  }

  it('carries sends both ways, in order, and asks with their replies', async () => {
    const { a, b, link } = twoNodes();
    const onA = probe(a);
    const onB = probe(b);
    for (let i = 0; i < 20; i++) a.send(onB.addr, i);
    a.send(onA.addr, { do: 'send', to: onB.addr, message: 'from an actor' });
    await until(b, () => onB.seen.length === 21, 'the sends on node b');
    expect(onB.seen).toEqual([...Array.from({ length: 20 }, (_, i) => i), 'from an actor']);
    expect(await a.ask(onB.addr, 'question')).toEqual({ echo: 'question' });
    b.send(onB.addr, { do: 'ask', to: onA.addr, message: 'back' });
    await until(b, () => onB.seen.some((m) => typeof m === 'object' && m !== null && 'answer' in m), 'the answer from node a');
    expect(onB.seen).toContainEqual({ answer: { echo: 'back' } });
    expect(link.carried).toBeGreaterThan(21);
    expect(a.deadLetters().total).toBe(0);
  });

  it('a monitor across nodes gets the Down with the exit reason; a link across nodes carries the exit', async () => {
    const { a, b } = twoNodes();
    const watcher = probe(a);
    const linker = probe(a, { trapExits: true });
    const target = probe(b);
    a.send(watcher.addr, { do: 'monitor', target: target.addr });
    a.send(linker.addr, { do: 'link', target: target.addr });
    await a.idle();
    await until(b, () => b.info(target.addr) !== undefined, 'the target');
    await new Promise<void>((resolve) => b.reactor.setTimer(5, resolve));
    b.send(target.addr, { do: 'crash' });
    await until(a, () => downOf(watcher.seen) !== undefined && exitOf(linker.seen) !== undefined, 'the Down and the exit signal');
    expect(errorMessage(downOf(watcher.seen)!.reason)).toBe('told to crash');
    expect(downOf(watcher.seen)!.addr.equals(target.addr)).toBe(true);
    expect(errorMessage(exitOf(linker.seen)!.reason)).toBe('told to crash');
  });

  it('a monitor of an actor that is gone on the other node is a noproc Down; stop and kill reach across', async () => {
    const { a, b } = twoNodes();
    const gone = probe(b);
    b.stop(gone.addr);
    await until(b, () => b.info(gone.addr) === undefined, 'the stop');
    const watcher = probe(a);
    a.send(watcher.addr, { do: 'monitor', target: gone.addr });
    await until(a, () => downOf(watcher.seen) !== undefined, 'the noproc Down');
    expect(downOf(watcher.seen)!.reason).toEqual(Exit.noproc);
    const stopped = probe(b);
    const killed = probe(b);
    a.stop(stopped.addr);
    a.kill(killed.addr);
    await until(b, () => b.info(stopped.addr) === undefined && b.info(killed.addr) === undefined, 'the stop and the kill');
    expect(b.terminated().map((t) => t.reason.type).sort()).toEqual(['killed', 'normal', 'normal']);
  });
});

describe('routers side by side on a multi-core engine', () => {
  it.each([1, 2, 7])('the core router reaches the other cores and the node router the other node, on one engine [sim seed %i]', async (seed) => {
    const world = new SimWorld({ seed, autoRun: true });
    const link = new LoopbackLink();
    const cores = new SimCores(world, { cores: 2, moveClosures: true, routers: [link.end(0)] });
    const a = cores.engine;
    const b = world.engine({ host: 'node-b', id: 'node-b', routers: [link.end(1)] });
    open.push(async () => {
      await a.shutdown({ deadlineMs: 500 });
      await b.shutdown({ deadlineMs: 500 });
      world.dispose();
    });
    const onCore1 = probe(a, { placement: { core: 1 } });
    const onCore0 = probe(a);
    const onB = probe(b);
    expect(onCore1.addr.core).toBe(1);
    expect(onB.addr.node).not.toBe(a.incarnation);
    // Node b gets core 1's address by reference, so let the spawn reach core 1 first (a
    // real node would learn the address from a message sent after it).
    await until(a, () => cores.engines[1]!.info(onCore1.addr) !== undefined, 'the actor on core 1');
    // core 0 → node b, core 1 → node b (core 1's own node router), node b → core 1.
    a.send(onB.addr, 'from core 0');
    a.send(onCore1.addr, { do: 'send', to: onB.addr, message: 'from core 1' });
    b.send(onB.addr, { do: 'send', to: onCore1.addr, message: 'from node b' });
    await until(a, () => onB.seen.length === 2 && onCore1.seen.includes('from node b'), 'the three sends');
    expect([...onB.seen].sort()).toEqual(['from core 0', 'from core 1']);
    // An ask from node b to core 1, and from core 1 to node b.
    expect(await b.ask(onCore1.addr, 'to core 1')).toEqual({ echo: 'to core 1' });
    a.send(onCore1.addr, { do: 'ask', to: onB.addr, message: 'to node b' });
    await until(a, () => onCore1.seen.some((m) => typeof m === 'object' && m !== null && 'answer' in m), 'core 1 hears node b');
    // A watcher on node b of an actor on core 1, and a watcher on core 0 of the same actor.
    const watcherOnB = probe(b);
    b.send(watcherOnB.addr, { do: 'monitor', target: onCore1.addr });
    a.send(onCore0.addr, { do: 'monitor', target: onCore1.addr });
    await new Promise<void>((resolve) => a.reactor.setTimer(20, resolve));
    a.send(onCore1.addr, { do: 'crash' });
    await until(a, () => downOf(watcherOnB.seen) !== undefined && downOf(onCore0.seen) !== undefined, 'both Downs');
    expect(errorMessage(downOf(watcherOnB.seen)!.reason)).toBe('told to crash');
    expect(errorMessage(downOf(onCore0.seen)!.reason)).toBe('told to crash');
    expect(world.failure).toBeNull();
  });
});
