/**
 * Leased identities: how a core mints, synchronously, the address of an actor it spawns on
 * another core. Each spawner owns a range of the target core's slot space (no shared
 * state, no round trip): the n-th spawn from core `s` (in its e-th incarnation, its epoch)
 * onto core `t` gets slot `LEASE_BASE + s·2^24 + (n mod 2^24)` and generation
 * `1 + e·2^16 + ⌊n / 2^24⌋`, so (s, e, n) can be read back from any address. Must not:
 * hand out the same (s, e, n) twice (n only grows within an epoch; a restarted core has a
 * new epoch, so it never reuses the identities of its previous life).
 */
import type { AddrIdentity } from '@pd/actor';

/** First slot of the leased ranges; slots below it belong to the core's own table. */
export const LEASE_BASE = 0x4000_0000;
/** Spawns per generation of a leased range. */
const LEASE_SPAN = 0x100_0000;
/** Generations per epoch. */
const EPOCH_SPAN = 0x1_0000;
/** The slot of a core's endpoint (control messages: spawns, registry, introspection). */
export const ENDPOINT_SLOT = 0xffff_ffff;

/** Whether `slot` is in a leased range. */
export function isLeased(slot: number): boolean {
  return slot >= LEASE_BASE && slot < ENDPOINT_SLOT;
}

/** The identity of the `n`-th spawn from core `spawner` (in its `epoch`) onto core `core`. */
export function leasedIdentity(node: number, core: number, spawner: number, epoch: number, n: number, secret: number): AddrIdentity {
  const slot = LEASE_BASE + spawner * LEASE_SPAN + (n % LEASE_SPAN);
  const high = Math.floor(n / LEASE_SPAN);
  if (high >= EPOCH_SPAN - 1 || epoch >= EPOCH_SPAN - 1) throw new RangeError(`lease: spawn ${n} of epoch ${epoch} is beyond the leased identity space`);
  return { node, core, slot, generation: 1 + epoch * EPOCH_SPAN + high, secret };
}

/** The spawner core, its epoch and the sequence number of a leased identity. */
export function leaseOf(id: { readonly slot: number; readonly generation: number }): { spawner: number; epoch: number; n: number } {
  const offset = id.slot - LEASE_BASE;
  const g = id.generation - 1;
  return { spawner: Math.floor(offset / LEASE_SPAN), epoch: Math.floor(g / EPOCH_SPAN), n: (g % EPOCH_SPAN) * LEASE_SPAN + (offset % LEASE_SPAN) };
}

/** The endpoint identity of `core` (no secret: endpoints accept only frames from the engine's own cores). */
export function endpointOf(node: number, core: number): AddrIdentity {
  return { node, core, slot: ENDPOINT_SLOT, generation: 0, secret: 0 };
}
