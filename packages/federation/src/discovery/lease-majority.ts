/**
 * The lease side of `lease-majority` downing: for a side of half or more of the members,
 * take the lock (or find who holds it) and keep running only if its holder is on this
 * side. A holder across the partition is waited for (its side stops, its lease expires)
 * up to `waitMs`; a store that cannot be reached is retried as long, then the side stops:
 * without the tiebreaker it cannot know it is the only side running. Owns: the retry loop
 * (on the reactor's timers). Must not: decide for a minority (downing.ts already has).
 */
import type { Reactor } from '@pd/runtime';
import type { LeaseArbiter } from '../downing.js';
import type { LeaseProvider } from './provider.js';

/** The arbiter downing asks, for node `self`, over `lease`, waiting at most `waitMs`. */
export function leaseArbiter(self: string, lease: LeaseProvider, reactor: Reactor, waitMs: number): LeaseArbiter {
  return async (reachable, unreachable) => {
    const here = new Set(reachable);
    const deadline = reactor.now() + waitMs;
    const retryMs = Math.max(200, Math.min(2000, lease.ttlMs / 10));
    let why = '';
    while (true) {
      try {
        const { holder } = await lease.tryLock(self);
        if (holder === self) return { decision: 'keep', reason: `${reachable.length} of ${reachable.length + unreachable.length} reachable and this node holds the lease` };
        if (here.has(holder)) return { decision: 'keep', reason: `${reachable.length} of ${reachable.length + unreachable.length} reachable and the lease is held by ${holder}, on this side` };
        why = unreachable.includes(holder) ? `the lease is held by ${holder}, on the other side` : `the lease is held by ${holder}, not a member on this side`;
      } catch (error) {
        why = `the lease store cannot be reached (${(error as Error).message})`;
      }
      if (reactor.now() >= deadline) return { decision: 'down', reason: `${why}, still after ${waitMs} ms` };
      await new Promise<void>((resolve) => {
        const t = reactor.setTimer(retryMs, resolve);
        reactor.keepAlive(t, false);
      });
    }
  };
}
