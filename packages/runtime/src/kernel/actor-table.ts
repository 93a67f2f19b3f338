/**
 * The actor table of one engine: a slot per live cell, the generation last minted per free
 * slot, leases (cells living under an identity minted elsewhere, with their ids here and the
 * paths of their remote parents), named paths, and the live counts. An address's generation
 * is its actor's id (engine-unique and increasing, see `actor-ids.ts`), and never the
 * generation of the slot's previous tenant, so a stale address never reaches the next one;
 * the cell needs no field for its id, and a live actor costs the table one slot.
 *
 * Must not: reuse a slot without a new generation, or hand out a cell for an address whose
 * identity does not match it exactly. Callers guarantee that a cell is admitted once and
 * released once, and that live actors' ids differ.
 */
import type { AddrIdentity } from '@pd/actor';
import { assert, mintAddr } from '@pd/actor/internal';
import type { RandomStream } from '../reactor.js';
import type { ActorIds } from './actor-ids.js';
import { type ActorCell, CLIENT_KIND } from './cell.js';

/** An identity minted elsewhere for a spawn here, and the path of its parent over there. */
export interface LeasedSpawn {
  readonly identity: AddrIdentity;
  readonly parentPath: string | null;
}


/**
 * Slots per chunk of the table (2^12). A new chunk is a small young object, filled within
 * a few thousand spawns — before a scavenge promotes it — so storing a new cell in it is a
 * plain store; one growing array lived in the old generation after its first growth, and
 * every store of a new cell into it went through the write barrier's slow path (and the
 * array was copied on every growth). Spawning a million actors takes 1.13–1.17× less CPU.
 */
const CHUNK_BITS = 12;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const SLOT_MASK = CHUNK_SLOTS - 1;

export class ActorTable {
  /** Cells by slot, in chunks of {@link CHUNK_SLOTS}; a hole is a free slot. */
  private readonly chunks: (ActorCell | undefined)[][] = [];
  /** Slots ever handed out: the next new slot. */
  private slots = 0;
  /** Live cells with a name of their own, by path. */
  readonly named = new Map<string, ActorCell>();
  /** Live cells, clients included. */
  live = 0;
  /** Client handles among the live cells (not actors: left out of `stats().live`). */
  clients = 0;
  private readonly freeSlots: number[] = [];
  /** The generation last minted for each free slot, beside it in `freeSlots` (0: none). */
  private readonly freeGenerations: number[] = [];
  /** Table slots of cells living under an identity minted elsewhere (remote spawns). */
  private leasedSlots: Map<ActorCell, number> | null = null;
  /** Actor ids of the cells with a leased identity (their addresses carry the lease's generation); kept after release. */
  private leasedIds: WeakMap<ActorCell, number> | null = null;
  /** Paths of the parents of cells spawned here by a parent on another core. */
  private remoteParents: Map<ActorCell, string> | null = null;

  constructor(private readonly node: number, private readonly core: number, private readonly secrets: RandomStream) {}

  /** Give `cell` a slot, its address (a fresh identity here, or the leased one `at`) and an actor id from `ids`. */
  admit(cell: ActorCell, at: LeasedSpawn | null, ids: ActorIds): void {
    const id = ids.take();
    let slot: number;
    const free = this.freeSlots.length;
    if (free > 0 && this.freeGenerations[free - 1] !== id) {
      slot = this.freeSlots.pop()!;
      this.freeGenerations.pop();
    } else {
      // No free slot, or (once the ids have started over) the last one freed had a tenant of
      // this very generation: a new slot, which never had one.
      slot = this.slots++;
    }
    const chunk = this.chunks[slot >>> CHUNK_BITS] ?? this.addChunk(slot);
    assert(chunk[slot & SLOT_MASK] === undefined, 'actor table: a free slot is empty');
    chunk[slot & SLOT_MASK] = cell;
    if (at === null) {
      // 31 bits of secret: a small integer V8 keeps in the address itself, where a full u32
      // is a heap number half the time (16 bytes more per actor); one bit less to guess.
      cell.self = mintAddr({ node: this.node, core: this.core, slot, generation: id, secret: this.secrets.nextU32() >>> 1 }, cell);
    } else {
      cell.self = mintAddr(at.identity, cell);
      (this.leasedSlots ??= new Map()).set(cell, slot);
      (this.leasedIds ??= new WeakMap()).set(cell, id);
      if (at.parentPath !== null) (this.remoteParents ??= new Map()).set(cell, at.parentPath);
    }
    this.live++;
    if (cell.kind === CLIENT_KIND) this.clients++;
  }

  /** Free the slot of an exited cell. */
  release(cell: ActorCell): void {
    if (cell.segment !== null) this.named.delete(cell.path);
    const leased = this.leasedSlots === null ? undefined : this.takeLease(cell);
    const slot = leased === undefined ? cell.self.slot : leased;
    const chunk = this.chunks[slot >>> CHUNK_BITS]!;
    assert(chunk[slot & SLOT_MASK] === cell, 'actor table: a cell is released from its own slot');
    chunk[slot & SLOT_MASK] = undefined;
    this.freeSlots.push(slot);
    // A leased identity's generation is the lease's: the slot here minted none (0).
    this.freeGenerations.push(leased === undefined ? cell.self.generation : 0);
    this.live--;
    if (cell.kind === CLIENT_KIND) this.clients--;
  }

  /** The actor id of `cell` (live or exited): its address's generation, or, for a leased identity, the id it was given here. */
  idOf(cell: ActorCell): number {
    const leased = this.leasedIds === null ? undefined : this.leasedIds.get(cell);
    return leased === undefined ? cell.self.generation : leased;
  }

  /** The path of the parent on another core of a top-level cell spawned from there, if any. */
  remoteParentOf(cell: ActorCell): string | undefined {
    return this.remoteParents?.get(cell);
  }

  /** The cell in `slot` (live, or dead and not yet released), if any. */
  cellAt(slot: number): ActorCell | undefined {
    const chunk = this.chunks[slot >>> CHUNK_BITS];
    return chunk === undefined ? undefined : chunk[slot & SLOT_MASK];
  }

  /** Calls `visit` with every cell in the table, in slot order (a scan: introspection and shutdown). */
  forEachCell(visit: (cell: ActorCell) => void): void {
    for (const chunk of this.chunks) {
      for (let i = 0; i < CHUNK_SLOTS; i++) {
        const cell = chunk[i];
        if (cell !== undefined) visit(cell);
      }
    }
  }

  /** The actor ids of the cells in the table (a scan: once per round of the id sequence). */
  liveIds(): number[] {
    const ids: number[] = [];
    this.forEachCell((cell) => ids.push(this.idOf(cell)));
    return ids;
  }

  /** Live top-level actors in start order (id order: the same within a round of the ids) (a scan: only introspection and shutdown need it). */
  roots(): ActorCell[] {
    const out: ActorCell[] = [];
    this.forEachCell((cell) => {
      if (cell.parentCell === null) out.push(cell);
    });
    return out.sort((a, b) => a.id - b.id);
  }

  /** The live cell with actor id `id` at `path` (a scan: introspection only). */
  findById(id: number, path: string): ActorCell | null {
    let found: ActorCell | null = null;
    this.forEachCell((cell) => {
      if (found === null && cell.id === id && cell.path === path) found = cell;
    });
    return found;
  }

  // --- internal ---

  /** The chunk for `slot`, new (a holey array: holes are free slots). */
  private addChunk(slot: number): (ActorCell | undefined)[] {
    const chunk = new Array<ActorCell | undefined>(CHUNK_SLOTS);
    this.chunks[slot >>> CHUNK_BITS] = chunk;
    return chunk;
  }

  /** The table slot of a cell whose identity was minted elsewhere, its lease now ended; undefined for a cell with its own address. */
  private takeLease(cell: ActorCell): number | undefined {
    const leased = this.leasedSlots!.get(cell);
    if (leased === undefined) return undefined;
    this.leasedSlots!.delete(cell);
    this.remoteParents?.delete(cell);
    return leased;
  }
}
