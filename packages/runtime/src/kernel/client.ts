/**
 * Client handles: let code that is not an actor (a request handler, a test, a REPL) join
 * the engine with an address of its own, to send, ask, monitor and receive. A client is
 * a pull actor whose "run" is the calling code; `close()` removes it.
 */
import type { Addr, AnyAddr, AskOptions, AskReply, ExitReason, MonitorRef, ReceiveOptions, SendOptions, SendResult } from '@pd/actor';
import { Exit } from '@pd/actor';
import type { ActorCell } from './cell.js';

export class Client<M = unknown> {
  /** @internal */
  constructor(private readonly cell: ActorCell) {}

  /** The client's own address: give it to actors so they can reply or report. */
  get self(): Addr<M> {
    return this.cell.self as Addr<M>;
  }

  send<T>(to: Addr<T>, message: T, options?: SendOptions): SendResult {
    return this.cell.send(to, message, options);
  }

  sendWait<T>(to: Addr<T>, message: T, options?: SendOptions): Promise<SendResult> {
    return this.cell.sendWait(to, message, options);
  }

  /**
   * Request-response: resolves with the reply, rejects with an `AskError`. The reply has the
   * type `to` declares, or a narrower one stated as the second type argument or by the
   * variable it is assigned to (see `AskReply` in `@pd/actor`).
   */
  ask<T, R = unknown, D = unknown>(to: Addr<T, D>, message: T, options?: AskOptions): Promise<AskReply<R, D>> {
    return this.cell.ask<T, R, D>(to, message, options);
  }

  /** The next message sent to this client (selective with `match`). */
  receive<T = M>(options?: ReceiveOptions<T>): Promise<T> {
    return this.cell.receive<T>(options);
  }

  /** Watch `target`: a `Down` message arrives through `receive` when it exits. */
  monitor(target: AnyAddr): MonitorRef {
    return this.cell.monitor(target);
  }

  demonitor(ref: MonitorRef): void {
    this.cell.demonitor(ref);
  }

  /** Link: when the target exits abnormally the client is closed (or, trapping, gets an ExitSignal). */
  link(target: AnyAddr): void {
    this.cell.link(target);
  }

  trapExits(enabled: boolean): void {
    this.cell.trapExits(enabled);
  }

  /** Messages waiting to be received. */
  get pending(): number {
    return this.cell.queuedCount;
  }

  get closed(): boolean {
    return this.cell.status >= 3;
  }

  /** Leave the engine: the address goes dead, links and monitors fire with `reason`. */
  close(reason: ExitReason = Exit.normal): void {
    this.cell.terminate(reason, true);
    this.cell.engine._flushSignals();
  }
}
