/**
 * Actor ids: one per spawn, increasing in spawn order, different for every live actor of
 * the engine, and small integers (an address carries its actor's id as its generation, and
 * V8 keeps a small integer in the address itself). Owns: the next id, and the sequence
 * starting over at 1 after {@link MAX_ACTOR_ID} — then the ids of actors still alive from
 * before are skipped, so a long-lived actor never shares its id (nor the `$<id>` of its
 * path) with a new one.
 *
 * Past a new round, two things hold less than before it: start order (introspection lists
 * top-level actors by id, and shutdown stops them in reverse) puts an actor of the earlier
 * round after the new ones; and an address of an actor long gone may name the same slot and
 * generation as a new one (the table never gives a slot's next tenant the generation of its
 * previous one, and the address's secret still has to match, so it reaches nobody; its `key`,
 * which leaves the secret out, is no longer unique). Both need 2^31 - 1 spawns first.
 *
 * Must not: hand out an id a live actor has; cost a spawn more than a compare until the
 * sequence has started over once.
 */

/** The largest actor id: below 2^31, a small integer V8 keeps in the address itself (Node's builds), and a u32 on the wire. */
export const MAX_ACTOR_ID = 2 ** 31 - 1;

export class ActorIds {
  private next = 1;
  /** Ids of the actors alive when the sequence last started over, ascending: skipped on this round. */
  private taken: Int32Array | null = null;
  /** Where the next id stands in {@link taken}: the first entry not below it. */
  private at = 0;

  /**
   * @param liveIds the ids of the live actors, in any order (read once per round of the sequence)
   * @param max the largest id (tests use a small one)
   */
  constructor(private readonly liveIds: () => number[], private readonly max = MAX_ACTOR_ID) {}

  /** The id of the actor being spawned. */
  take(): number {
    for (;;) {
      // A new round starts with the next spawn after the largest id (its actor is alive by then).
      if (this.next > this.max) this.startOver();
      const id = this.next++;
      const taken = this.taken;
      if (taken === null) return id;
      while (this.at < taken.length && taken[this.at]! < id) this.at++;
      if (this.at === taken.length) {
        // Past the last id to skip: the rest of the round costs a compare again.
        this.taken = null;
        return id;
      }
      if (taken[this.at] !== id) return id;
    }
  }

  /** A new round: from 1 again, skipping the ids alive now. */
  private startOver(): void {
    const live = this.liveIds();
    if (live.length >= this.max) throw new RangeError(`actor ids: all ${this.max} are in use`);
    this.taken = Int32Array.from(live).sort();
    this.at = 0;
    this.next = 1;
  }
}
