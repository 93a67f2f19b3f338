/**
 * xstate 5 peer: each actor is `createActor(fromTransition(...)).start()`, and actors talk
 * with `actor.send(event)`. xstate delivers a send synchronously when the target is idle, so
 * a chain of sends through distinct actors nests one stack frame group per hop: the ring
 * defers each hop with `queueMicrotask` (a 10k-actor ring overflows the stack otherwise).
 * Ping-pong and fan-in send directly (xstate queues a send to an actor that is busy, so
 * their nesting stays shallow). xstate has no request-response from outside, no hot swap
 * of a running actor's logic and no cancellable delayed sends outside machines: those
 * workloads are not run.
 */
import { createActor, fromTransition, type AnyActorRef } from 'xstate';
import { gcMemoryUsed, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';

/** Workload events; xstate also hands the logic its own `xstate.*` events (stop), ignored. */
interface Ev {
  type: string;
  k: number;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function ring(p: Params): Promise<RunResult> {
  const n = p.actors!, hops = p.hops!;
  const done = deferred();
  const actors: AnyActorRef[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const logic = fromTransition((s: number, ev: Ev) => {
      if (ev.type !== 'k') return s;
      if (ev.k === 0) done.resolve();
      else {
        const next = actors[(i + 1) % n]!, k = ev.k - 1;
        queueMicrotask(() => next.send({ type: 'k', k }));
      }
      return s;
    }, 0);
    actors[i] = createActor(logic).start();
  }
  const t0 = nowSec();
  actors[0]!.send({ type: 'k', k: hops });
  await done.promise;
  const seconds = nowSec() - t0;
  for (const a of actors) a.stop();
  return { ops: hops, seconds };
}

async function spawn(p: Params): Promise<RunResult> {
  const n = p.actors!;
  const logic = fromTransition((s: number) => s, 0);
  const h0 = gcMemoryUsed();
  // Allocated after the first reading: the array holding the addresses is counted.
  const keep: AnyActorRef[] = new Array(n);
  const t0 = nowSec();
  for (let i = 0; i < n; i++) keep[i] = createActor(logic).start();
  const seconds = nowSec() - t0;
  const h1 = gcMemoryUsed();
  for (const a of keep) a.stop();
  return { ops: n, seconds, bytesPerActor: (h1 - h0) / n };
}

async function pingpong(p: Params): Promise<RunResult> {
  const rounds = p.rounds!;
  const done = deferred();
  const pong = createActor(fromTransition((s: number, ev: Ev) => (ev.type === 'k' && ping.send(ev), s), 0)).start();
  const ping: AnyActorRef = createActor(
    fromTransition((s: number, ev: Ev) => {
      if (ev.type !== 'k') return s;
      if (ev.k === 0) done.resolve();
      else pong.send({ type: 'k', k: ev.k - 1 });
      return s;
    }, 0),
  ).start();
  const t0 = nowSec();
  pong.send({ type: 'k', k: rounds });
  await done.promise;
  const seconds = nowSec() - t0;
  ping.stop();
  pong.stop();
  return { ops: rounds, seconds };
}

async function fanin(p: Params): Promise<RunResult> {
  const senders = p.senders!, per = p.perSender!, chunk = p.chunk!;
  const total = senders * per;
  const done = deferred();
  const sink = createActor(
    fromTransition((got: number, ev: Ev) => {
      if (ev.type !== 'k') return got;
      if (got + 1 === total) done.resolve();
      return got + 1;
    }, 0),
  ).start();
  const ss: AnyActorRef[] = [];
  for (let i = 0; i < senders; i++) {
    const logic = fromTransition((left: number, ev: Ev, scope) => {
      if (ev.type !== 'k') return left;
      const k = Math.min(chunk, left);
      for (let j = 0; j < k; j++) sink.send({ type: 'k', k: j });
      if (left - k > 0) (scope.self as AnyActorRef).send({ type: 'k', k: 0 });
      return left - k;
    }, per);
    ss.push(createActor(logic).start());
  }
  const t0 = nowSec();
  for (const s of ss) s.send({ type: 'k', k: 0 });
  await done.promise;
  const seconds = nowSec() - t0;
  for (const s of ss) s.stop();
  sink.stop();
  return { ops: total, seconds };
}

export const impl: Impl = {
  name: 'xstate',
  available: async () => null,
  workloads: { ring, spawn, pingpong, fanin },
};
