/**
 * The message probe: the one seam through which telemetry sees each user message — when it
 * is queued, and around its handler — and carries trace context across routers. The kernel
 * declares it and never implements it (telemetry/probe.ts does); an engine holds at most one,
 * and with none installed the kernel pays one predictable `null` branch where a message is
 * queued and one where it is handled: no clock read, no allocation. With one installed, the
 * kernel itself decides, from two fields, whether a message needs the probe at all (a
 * countdown, and a flag the probe keeps), so the usual message costs a decrement and two
 * branches, not a call.
 *
 * Must not (implementations): throw into the kernel except by letting the handler's own throw
 * through, or call the handler other than exactly once.
 */
import type { Behavior, Context } from '@pd/actor';
import type { TraceContext } from '@pd/transport';
import type { MessageMeta } from './mailbox.js';

export interface MessageProbe {
  /** Whether it carries trace context: then a message from a router is marked with what it arrived with, even none. */
  readonly traces: boolean;
  /**
   * User messages still to queue before the probe wants to see one for timing: the kernel
   * decrements it for each user message it queues and calls {@link queued} when it reaches 0
   * (which resets it).
   */
  countdown: number;
  /**
   * True while every message queued must go through {@link queued} (a tracing probe: outside
   * actor turns, and while a traced handler's synchronous part runs); kept by the probe, told
   * of turns by {@link turns}.
   */
  readonly watch: boolean;
  /**
   * A user message is being queued for an actor of `kind`, in the sender's context — called when
   * the countdown reached 0, and while {@link watch} is set. Returns the meta to
   * queue it with: `meta` stamped (enqueue time, trace), a new meta when `meta` is null and
   * the probe needs one, or null.
   */
  queued(kind: string, meta: MessageMeta | null): MessageMeta | null;
  /**
   * Run `behavior.receive(message, ctx)` — exactly once — for an actor of `kind`, observing it
   * (wait time, duration, a consumer span). Called only for messages whose meta it stamped
   * (`queuedAt` ≥ 0) or gave a trace (`trace` not null). Returns what the handler returned; a throw goes
   * through unchanged.
   */
  handle(kind: string, behavior: Behavior, message: unknown, ctx: Context<any>, meta: MessageMeta | null): unknown;
  /** The scheduler began (true) or ended (false) a drain of actor turns. */
  turns(inTurn: boolean): void;
  /** For routers: the trace block a send leaving this engine now carries, or null. */
  outgoing(): TraceContext | null;
  /** For routers: the meta `trace` for a message that arrived with `trace` (null: none). */
  incoming(trace: TraceContext | null): unknown;
}
