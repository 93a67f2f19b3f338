/**
 * How a stand-in passes a message on to the child it stands for, on another core
 * (multi/stand-in.ts) or another node (./node-child.ts): a send stays a send; an ask is
 * asked of the child and its answer (or failure) answers the original asker. Owns: that
 * forwarding. Must not: decide what a message the child cannot take becomes (the caller's
 * `refuse` does: a dead letter of its own kind).
 */
import { type AnyAddr, type Context, SendError } from '@pd/actor';

/** Longest a forwarded ask waits for the child (the original asker's own timeout governs). */
const FORWARD_TIMEOUT_MS = 0x7fff_ffff;

/**
 * Forwards `message`, which the stand-in (`ctx`) is handling, to `child`. A message that
 * cannot cross to the child (a `SendError`) fails the asker's request, or goes to `refuse`
 * for a send; anything else thrown is the stand-in's crash.
 */
export function forwardToChild(ctx: Context, child: AnyAddr, message: unknown, refuse: (child: AnyAddr, message: unknown) => void): void {
  const reply = ctx.deferReply();
  try {
    if (reply === null) ctx.send(child, message);
    else ctx.ask(child, message, { timeoutMs: FORWARD_TIMEOUT_MS }).then(reply.resolve, reply.reject);
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    if (reply !== null) reply.reject(error);
    else refuse(child, message);
  }
}
