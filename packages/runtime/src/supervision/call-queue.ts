/**
 * What makes a supervisor answer in turn. OTP's supervisor blocks while it stops children
 * (a group restart, `terminate_child`), so everything that arrives meanwhile — child exits,
 * timers, and every call, `which_children` and `count_children` included — is handled
 * afterwards, in arrival order. Here stopping is asynchronous: while a plan runs, the
 * supervisor parks that work in this queue and takes it back, in order, once the plan is
 * done. Calls the plan itself must answer wait here too, so that they are refused (not left
 * to time out) if the supervisor exits first.
 *
 * Must not: interpret the work it holds (supervisor.ts does), or reorder it.
 */
import type { ReplyHandle } from '@pd/actor';

/** A message the supervisor will handle later, with the reply of its call if it is one. */
export interface Deferred {
  readonly message: unknown;
  readonly reply: ReplyHandle | null;
}

export class CallQueue {
  private readonly deferred: Deferred[] = [];
  /** Calls a running plan answers when it is done. */
  private readonly waiting = new Set<ReplyHandle>();

  /** Park `message` until the running plan is done. */
  defer(message: unknown, reply: ReplyHandle | null): void {
    this.deferred.push({ message, reply });
  }

  /** The oldest parked work, or undefined. */
  next(): Deferred | undefined {
    return this.deferred.shift();
  }

  /** Answer `reply` with `value()` when the plan calls the returned function; until then it is refused if the supervisor exits. */
  answerLater(reply: ReplyHandle | null, value: () => unknown): () => void {
    if (reply === null) return () => {};
    this.waiting.add(reply);
    return () => {
      this.waiting.delete(reply);
      reply.resolve(value());
    };
  }

  /** The supervisor is exiting: every call still waiting or parked is refused now. */
  refuseAll(why: () => Error): void {
    for (const reply of this.waiting) reply.reject(why());
    this.waiting.clear();
    for (const { reply } of this.deferred.splice(0)) reply?.reject(why());
  }
}
