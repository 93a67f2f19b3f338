/**
 * comedy 2 peer, in-memory mode: actors are class definitions created with
 * `parent.createChild(Def, { mode: 'in-memory' })`; messages are `ref.send(topic, ...)`,
 * request-response is `ref.sendAndReceive(topic, ...)`. Its spawn is asynchronous and slow,
 * so it spawns a fraction of the others' actors (rates stay comparable). comedy has no
 * hot swap of a running actor's behaviour and no timers: those workloads are not run.
 */
import comedy from 'comedy';
import { Latencies, gcMemoryUsed, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';

interface Ref {
  send(topic: string, ...message: unknown[]): Promise<void>;
  sendAndReceive(topic: string, ...message: unknown[]): Promise<unknown>;
  getCustomParameters(): Record<string, unknown>;
}
interface ParentRef extends Ref {
  createChild(def: object, options?: object): Promise<Ref>;
}
interface System {
  rootActor(): Promise<ParentRef>;
  destroy(): Promise<void>;
}

const createSystem = comedy.createSystem as unknown as (options: object) => System;

async function withSystem<T>(body: (root: ParentRef) => Promise<T>): Promise<T> {
  const system = createSystem({ log: { level: 0 }, test: true });
  try {
    return await body(await system.rootActor());
  } finally {
    await system.destroy();
  }
}

const IN_MEMORY = { mode: 'in-memory' };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function ignore(p: Promise<unknown>): void {
  p.catch(() => undefined);
}

const ring = (p: Params): Promise<RunResult> =>
  withSystem(async (root) => {
    const n = p.actors!, hops = p.hops!;
    const done = deferred();
    const refs: Ref[] = new Array(n);
    class Node {
      next = 0;
      initialize(self: Ref): void {
        this.next = ((self.getCustomParameters().index as number) + 1) % n;
      }
      hop(k: number): void {
        if (k === 0) done.resolve();
        else ignore(refs[this.next]!.send('hop', k - 1));
      }
    }
    for (let i = 0; i < n; i++) refs[i] = await root.createChild(Node, { ...IN_MEMORY, customParameters: { index: i } });
    const t0 = nowSec();
    ignore(refs[0]!.send('hop', hops));
    await done.promise;
    return { ops: hops, seconds: nowSec() - t0 };
  });

const spawn = (p: Params): Promise<RunResult> =>
  withSystem(async (root) => {
    const n = p.actors!;
    class Idle {
      noop(): void {}
    }
    const h0 = gcMemoryUsed();
    // Allocated after the first reading: the array holding the addresses is counted.
    const keep: Ref[] = new Array(n);
    const t0 = nowSec();
    for (let i = 0; i < n; i++) keep[i] = await root.createChild(Idle, IN_MEMORY);
    const seconds = nowSec() - t0;
    const h1 = gcMemoryUsed();
    // Read after the second reading, so the array is counted (see pd's spawn).
    if (keep.length !== n) throw new Error('lost actors');
    return { ops: n, seconds, bytesPerActor: (h1 - h0) / n };
  });

const pingpong = (p: Params): Promise<RunResult> =>
  withSystem(async (root) => {
    const rounds = p.rounds!;
    const done = deferred();
    class Ping {
      ball(k: number): void {
        if (k === 0) done.resolve();
        else ignore(pong.send('ball', k - 1));
      }
    }
    class Pong {
      ball(k: number): void {
        ignore(ping.send('ball', k));
      }
    }
    const ping = await root.createChild(Ping, IN_MEMORY);
    const pong = await root.createChild(Pong, IN_MEMORY);
    const t0 = nowSec();
    ignore(pong.send('ball', rounds));
    await done.promise;
    return { ops: rounds, seconds: nowSec() - t0 };
  });

const ask = (p: Params): Promise<RunResult> =>
  withSystem(async (root) => {
    const total = p.asks!, askers = p.askers!;
    class Echo {
      echo(x: number): number {
        return x;
      }
    }
    const server = await root.createChild(Echo, IN_MEMORY);
    const per = Math.floor(total / askers);
    const lat = new Latencies(per * askers);
    const client = async (): Promise<void> => {
      for (let i = 0; i < per; i++) {
        const s = performance.now();
        const r = await server.sendAndReceive('echo', i);
        lat.add((performance.now() - s) * 1000);
        if (r !== i) throw new Error('bad reply');
      }
    };
    const t0 = nowSec();
    await Promise.all(Array.from({ length: askers }, client));
    return { ops: per * askers, seconds: nowSec() - t0, ...lat.summary() };
  });

const fanin = (p: Params): Promise<RunResult> =>
  withSystem(async (root) => {
    const senders = p.senders!, per = p.perSender!, chunk = p.chunk!;
    const total = senders * per;
    const done = deferred();
    let got = 0;
    class Sink {
      m(): void {
        if (++got === total) done.resolve();
      }
    }
    const sink = await root.createChild(Sink, IN_MEMORY);
    class Sender {
      left = per;
      self!: Ref;
      initialize(self: Ref): void {
        this.self = self;
      }
      go(): void {
        const k = Math.min(chunk, this.left);
        for (let i = 0; i < k; i++) ignore(sink.send('m', i));
        this.left -= k;
        if (this.left > 0) ignore(this.self.send('go'));
      }
    }
    const ss: Ref[] = [];
    for (let i = 0; i < senders; i++) ss.push(await root.createChild(Sender, IN_MEMORY));
    const t0 = nowSec();
    for (const s of ss) ignore(s.send('go'));
    await done.promise;
    return { ops: total, seconds: nowSec() - t0 };
  });

export const impl: Impl = {
  name: 'comedy',
  available: async () => null,
  workloads: { ring, spawn, pingpong, ask, fanin },
};
