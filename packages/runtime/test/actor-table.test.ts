/**
 * The actor table across its chunks (kernel/actor-table.ts keeps slots in chunks of 4 096):
 * an address resolves to its actor in any chunk, also when it crossed a boundary (rebuilt
 * from its identity, as a decoder does); a reused slot in a later chunk never answers to
 * the stale address of its earlier tenant; introspection sees every live actor once. An
 * address's generation is its actor's id: increasing in spawn order, the `$<id>` of its path
 * (the ids' round after the largest: test/actor-ids.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { type Addr, Actor } from '@pd/actor';
import { addrIdentity, mintAddr } from '@pd/actor/internal';
import { createEngine, type Engine } from '@pd/runtime';
import { defineKind } from '@pd/actor';
import { ActorIds } from '../src/kernel/actor-ids.js';

class Echo extends Actor<number> {
  receive(n: number): number {
    return n;
  }
}

/** The address as another process would decode it: the same identity, no local target. */
const copied = <M>(addr: Addr<M>): Addr<M> => mintAddr<M>(addrIdentity(addr), null);

describe('actor table chunks', () => {
  it('addresses in three chunks resolve, copies too; freed slots are reused with a new generation', async () => {
    const engine = createEngine();
    const n = 3 * 4096 + 100;
    const addrs = Array.from({ length: n }, () => engine.spawn(Echo));
    expect(engine.stats().live).toBe(n);
    expect(engine.list().length).toBe(n);
    // One in each chunk, and either side of each boundary.
    for (const i of [0, 4095, 4096, 8191, 8192, 12_287, 12_288, n - 1]) {
      expect(await engine.ask(addrs[i]!, i)).toBe(i);
      expect(await engine.ask(copied(addrs[i]!), i)).toBe(i);
    }
    // Free slots in the second and third chunks, then spawn into them again.
    const freed = [4096, 5000, 8191, 12_288];
    for (const i of freed) engine.kill(addrs[i]!);
    await engine.idle();
    expect(engine.stats().live).toBe(n - freed.length);
    const reused = freed.map(() => engine.spawn(Echo));
    expect(reused.map((a) => a.slot).sort((a, b) => a - b)).toEqual([...freed].sort((a, b) => a - b));
    for (const [k, i] of freed.entries()) {
      const stale = addrs[i]!;
      const fresh = reused.find((a) => a.slot === stale.slot)!;
      expect(fresh.generation).toBeGreaterThan(stale.generation);
      // The stale address, and a copy of it, reach nobody: a dead letter, never the new tenant.
      expect(engine.send(stale, 1)).toBe('dead');
      expect(engine.send(copied(stale), 1)).not.toBe('queued');
      expect(await engine.ask(copied(fresh), k)).toBe(k);
    }
    expect(engine.list().length).toBe(n);
    expect(engine.tree().length).toBe(n);
    await engine.shutdown();
  });

  it("an address's generation is its actor's id: increasing in spawn order, and in its path", async () => {
    const engine = createEngine();
    const first = [engine.spawn(Echo), engine.spawn(Echo), engine.spawn(Echo)];
    engine.kill(first[1]!);
    await engine.idle();
    const next = engine.spawn(Echo);
    expect(next.slot).toBe(first[1]!.slot);
    const live = [first[0]!, first[2]!, next];
    expect(live.map((a) => a.generation)).toEqual([1, 3, 4]);
    for (const a of live) {
      const info = engine.info(a)!;
      expect(info.id).toBe(a.generation);
      expect(info.path).toBe(`/user/$${a.generation}`);
    }
    await engine.shutdown();
  });

  it("past a round of the ids, a reused slot's next tenant never gets its previous tenant's generation", async () => {
    const engine = createEngine();
    // White-box: ids of a short round (1..4), the engine's table listing the live ones.
    const inside = engine as unknown as { ids: ActorIds; table: { liveIds(): number[] } };
    inside.ids = new ActorIds(() => inside.table.liveIds(), 4);
    const [a, b, c, d] = [0, 1, 2, 3].map(() => engine.spawn(Echo));
    expect([a, b, c, d].map((x) => x!.generation)).toEqual([1, 2, 3, 4]);
    engine.kill(d!);
    await engine.idle();
    // The next round has only 4 free, and d's freed slot last had 4: a new slot instead.
    const e = engine.spawn(Echo);
    expect(e.generation).toBe(4);
    expect(e.slot).not.toBe(d!.slot);
    expect(engine.send(d!, 1)).toBe('dead');
    expect(engine.send(copied(d!), 1)).not.toBe('queued');
    expect(await engine.ask(copied(e), 5)).toBe(5);
    await engine.shutdown();
  });

  it('an actor living under an identity minted elsewhere keeps its own id and path, also once it has exited', async () => {
    const Leased = defineKind('actor-table.leased', () => new Echo());
    const engine: Engine = createEngine({ kinds: [Leased] });
    engine.spawn(Echo);
    // White-box: a spawn asked for by another core, which minted the identity (its slot and generation are the lease's).
    const inside = engine as unknown as { _spawnAt(identity: object, kind: string, options: object, parentPath: string | null, restart: null): { id: number; path: string; self: Addr<number> } };
    const cell = inside._spawnAt({ node: engine.incarnation, core: engine.core, slot: 2 ** 30 + 7, generation: 1, secret: 99 }, 'actor-table.leased', {}, null, null);
    const other = engine.spawn(Echo);
    expect(cell.id).toBe(2);
    expect(cell.path).toBe('/user/$2');
    expect(engine.info(other)!.path).toBe('/user/$3');
    engine.kill(cell.self);
    await engine.idle();
    expect(cell.path).toBe('/user/$2');
    expect(engine.info(other)!.path).toBe('/user/$3');
    await engine.shutdown();
  });
});
