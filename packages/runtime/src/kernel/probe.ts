/**
 * The message probe: the one seam through which telemetry sees each user message — when it
 * is queued, and around its handler — and carries trace context across routers. The kernel
 * declares it and never implements it (telemetry/probe.ts does); an engine holds at most one,
 * and with none installed the kernel pays one predictable `null` branch where a message is
 * queued and one where it is handled: no clock read, no allocation.
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
   * A user message is being queued for an actor of `kind`, in the sender's context. Returns the meta to
   * queue it with: `meta` stamped (enqueue time, trace), a new meta when `meta` is null and
   * the probe needs one, or null.
   */
  queued(kind: string, meta: MessageMeta | null): MessageMeta | null;
  /**
   * Run `behavior.receive(message, ctx)` — exactly once — for an actor of `kind`, observing it
   * (wait time, duration, a consumer span). Called only for messages with a meta (the probe
   * gives one to those it times or traces). Returns what the handler returned; a throw goes
   * through unchanged.
   */
  handle(kind: string, behavior: Behavior, message: unknown, ctx: Context<any>, meta: MessageMeta | null): unknown;
  /** For routers: the trace block a send leaving this engine now carries, or null. */
  outgoing(): TraceContext | null;
  /** For routers: the meta `trace` for a message that arrived with `trace` (null: none). */
  incoming(trace: TraceContext | null): unknown;
}
