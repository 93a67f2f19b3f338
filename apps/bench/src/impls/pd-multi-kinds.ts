/**
 * The kinds of the pd-multi workloads: the module every core of the multi-core engine
 * loads (its `entry`), and the bench thread too. Plain actor code, no bench machinery.
 */
import { Actor, type Addr, type Context, defineKind } from '@pd/actor';

export interface CrossMessage {
  readonly to: number;
  readonly k: number;
  readonly body: string;
}

/** Counts one-way messages; tells `notify` once it has `expect` of them. */
class SinkActor extends Actor<CrossMessage> {
  private n = 0;
  constructor(private readonly args: { expect: number; notify: Addr<string> }) {
    super();
  }
  receive(_m: CrossMessage, ctx: Context<CrossMessage>): void {
    if (++this.n === this.args.expect) ctx.send(this.args.notify, 'done');
  }
}
export const Sink = defineKind('bench.sink', SinkActor);

interface Drive {
  readonly to: Addr<CrossMessage>;
  readonly n: number;
  readonly chunk: number;
  readonly i?: number;
}

/** Sends `n` small messages to `to`, `chunk` per turn (it re-queues itself to go on). */
class DriverActor extends Actor<Drive> {
  receive(m: Drive, ctx: Context<Drive>): void {
    let i = m.i ?? 0;
    const end = Math.min(m.n, i + m.chunk);
    for (; i < end; i++) ctx.send(m.to, { to: 7, k: i, body: 'hello' });
    if (i < m.n) ctx.send(ctx.self, { to: m.to, n: m.n, chunk: m.chunk, i });
  }
}
export const Driver = defineKind('bench.driver', DriverActor);

/** Replies with the request. */
export const Echo = defineKind<CrossMessage>('bench.echo', () => ({ receive: (m: CrossMessage) => m }));

interface Ball {
  readonly k: number;
  readonly from: Addr<number | Serve>;
}

/** Returns every ball to the pinger that sent it (one half of a ping-pong pair). */
class PongerActor extends Actor<Ball> {
  receive(m: Ball, ctx: Context<Ball>): void {
    ctx.send(m.from, m.k);
  }
}
export const Ponger = defineKind('bench.ponger', PongerActor);

export interface Serve {
  readonly peer: Addr<Ball>;
  readonly rounds: number;
  readonly notify: Addr<string>;
}

/** Plays `rounds` round trips with `peer` once served, then tells `notify`. */
class PingerActor extends Actor<number | Serve> {
  private serve: Serve | null = null;
  receive(m: number | Serve, ctx: Context<number | Serve>): void {
    if (typeof m !== 'number') {
      this.serve = m;
      ctx.send(m.peer, { k: 1, from: ctx.self });
      return;
    }
    const serve = this.serve!;
    if (m === serve.rounds) ctx.send(serve.notify, 'done');
    else ctx.send(serve.peer, { k: m + 1, from: ctx.self });
  }
}
export const Pinger = defineKind('bench.pinger', PingerActor);

export const kinds = [Sink, Driver, Echo, Ponger, Pinger];
