/**
 * Routed addresses: an `Addr` whose target is not one actor incarnation but a route that
 * picks one for each message (a stable address follows a child across restarts; a pool
 * picks one of its members).
 *
 * Owns: the contract the engine calls on its cold path. Must not: hand out a stopping or
 * dead incarnation, or throw from `hold`. The engine tests for an actor cell first, so a
 * plain address never reaches a route and routing costs the send hot path nothing.
 */
import type { AnyAddr, SendOptions, SendResult } from '@pd/actor';
import { addrTarget } from '@pd/actor/internal';
import type { ActorCell } from './cell.js';
import type { MessageMeta } from './mailbox.js';

export abstract class AddrRoute {
  /** The engine whose actors this route reaches. */
  abstract readonly engine: object;
  /** The live incarnation the next message should go to, or null while there is none. */
  abstract current(): ActorCell | null;
  /**
   * There is no live incarnation: keep the message for the next one (`queued`), or refuse it
   * (`rejected`, `dropped`, `dead`; the engine then counts it as a dead letter).
   */
  abstract hold(message: unknown, meta: MessageMeta | null, options: SendOptions | undefined): SendResult;
  /**
   * What the address stands for, printably (the child's or the pool's path), or null while
   * it stands for nothing yet. A routed address's own slot is negative (so it never names
   * an actor table slot) and no tool accepts it as a target: reports name this instead.
   */
  abstract describe(): string | null;
}

/**
 * How a report (a dead letter) names `addr`: the path a routed address stands for, else
 * the address as printed.
 */
export function printableTarget(addr: AnyAddr): string {
  return routeOf(addr)?.describe() ?? String(addr);
}

/** The route an address was minted for, or null for a plain actor address. */
export function routeOf(addr: AnyAddr): AddrRoute | null {
  const target = addrTarget(addr);
  return target instanceof AddrRoute ? target : null;
}

let nextRouteSlot = 1;

/** A slot number for a routed address: negative, so it never names an actor table slot. */
export function routeSlot(): number {
  return -(nextRouteSlot++);
}
