/**
 * The kinds of the pd-remote workloads, loaded by both processes: the bench process (the
 * sender) and the far node (./pd-remote-node.ts: the sink and the echo, spawned there by
 * name over the federation). Plain actor code, no bench machinery.
 */
import { Actor, type Addr, type Context, defineKind } from '@pd/actor';

/** One one-way message of the `remote` workload: a small object, as BEAM's `{m, I}`. */
export interface RemoteMessage {
  readonly m: number;
}

/** What the sender gets: the order to start, or credit returned by the sink. */
export type SenderMessage =
  | { readonly to: Addr<RemoteMessage>; readonly n: number; readonly window: number }
  | { readonly acked: number };

/**
 * Sends `n` messages to `to`, never more than `window` of them unacknowledged. The federation
 * is at-most-once with a bounded outbound queue (a full queue drops, counted), where BEAM
 * suspends a sender on a busy distribution port: the credit window is how a pd application
 * keeps a fast producer within the queue, and it costs one ack per `ackEvery` messages.
 */
class SenderActor extends Actor<SenderMessage> {
  private to: Addr<RemoteMessage> | null = null;
  private n = 0;
  private sent = 0;
  private credit = 0;
  receive(m: SenderMessage, ctx: Context<SenderMessage>): void {
    if ('to' in m) {
      this.to = m.to;
      this.n = m.n;
      this.sent = 0;
      this.credit = m.window;
    } else {
      this.credit += m.acked;
    }
    const to = this.to!;
    const end = Math.min(this.n, this.sent + this.credit);
    for (let i = this.sent; i < end; i++) ctx.send(to, { m: i });
    this.credit -= end - this.sent;
    this.sent = end;
  }
}
export const RemoteSender = defineKind('bench.remote-sender', SenderActor);

/** Arguments of a sink, spawned on the far node by the bench process. */
export interface SinkArgs {
  readonly expect: number;
  /** Told `'done'` once `expect` messages arrived. */
  readonly notify: Addr<string>;
  /** The sender, given `{ acked }` credit every `ackEvery` messages. */
  readonly ackTo: Addr<SenderMessage>;
  readonly ackEvery: number;
}

/** Counts one-way messages, returns credit to the sender, tells `notify` when all arrived. */
class RemoteSinkActor extends Actor<RemoteMessage> {
  private count = 0;
  constructor(private readonly args: SinkArgs) {
    super();
  }
  receive(_m: RemoteMessage, ctx: Context<RemoteMessage>): void {
    const { expect, notify, ackTo, ackEvery } = this.args;
    if (++this.count % ackEvery === 0) ctx.send(ackTo, { acked: ackEvery });
    if (this.count === expect) ctx.send(notify, 'done');
  }
}
export const RemoteSink = defineKind('bench.remote-sink', RemoteSinkActor);

/** Answers every ask with the request. */
export const RemoteEcho = defineKind<number>('bench.remote-echo', () => ({ receive: (m: number) => m }));

/** What the far node hosts (spawned there by name). */
export const farKinds = [RemoteSink, RemoteEcho];
