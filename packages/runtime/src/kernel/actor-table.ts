/**
 * The actor table of one engine: a slot per live cell, the generation last minted per slot
 * (so a stale address never reaches the slot's next tenant), leases (cells living under an
 * identity minted elsewhere, and the paths of their remote parents), named paths, and the
 * live counts. A live slot's last generation is its tenant's (in the tenant's address, or
 * its lease); only free slots keep theirs here, so a live actor costs the table one slot.
 *
 * Must not: reuse a slot without a new generation, or hand out a cell for an address whose
 * identity does not match it exactly. Callers guarantee that a cell is admitted once and
 * released once.
 */
import type { AddrIdentity } from '@pd/actor';
import { assert, mintAddr } from '@pd/actor/internal';
import type { RandomStream } from '../reactor.js';
import { type ActorCell, CLIENT_KIND } from './cell.js';

/** An identity minted elsewhere for a spawn here, and the path of its parent over there. */
export interface LeasedSpawn {
  readonly identity: AddrIdentity;
  readonly parentPath: string | null;
}

/** The table slot of a cell with a leased identity, and the generation last minted for that slot here. */
interface LeasedSlot {
  readonly slot: number;
  readonly generation: number;
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
  /** The generation last minted for each free slot, beside it in `freeSlots` (0: none yet). */
  private readonly freeGenerations: number[] = [];
  /** Table slots of cells living under an identity minted elsewhere (remote spawns), with the slot's last generation. */
  private leasedSlots: Map<ActorCell, LeasedSlot> | null = null;
  /** Paths of the parents of cells spawned here by a parent on another core. */
  private remoteParents: Map<ActorCell, string> | null = null;

  constructor(private readonly node: number, private readonly core: number, private readonly secrets: RandomStream) {}

  /** Give `cell` a slot and its address: a fresh identity here, or the leased one `at`. */
  admit(cell: ActorCell, at: LeasedSpawn | null): void {
    let slot: number, last: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
      last = this.freeGenerations.pop()!;
    } else {
      slot = this.slots++;
      last = 0;
    }
    const chunk = this.chunks[slot >>> CHUNK_BITS] ?? this.addChunk(slot);
    assert(chunk[slot & SLOT_MASK] === undefined, 'actor table: a free slot is empty');
    chunk[slot & SLOT_MASK] = cell;
    // Generations are u32s: past 2^32 - 1 they wrap (as they did in a Uint32Array per slot).
    const generation = (last >>> 0) + 1;
    if (at === null) {
      // 31 bits of secret: a small integer V8 keeps in the address itself, where a full u32
      // is a heap number half the time (16 bytes more per actor); one bit less to guess.
      cell.self = mintAddr({ node: this.node, core: this.core, slot, generation, secret: this.secrets.nextU32() >>> 1 }, cell);
    } else {
      cell.self = mintAddr(at.identity, cell);
      // The slot's generation is used up all the same (the sequence per slot stays what it was).
      (this.leasedSlots ??= new Map()).set(cell, { slot, generation });
      if (at.parentPath !== null) (this.remoteParents ??= new Map()).set(cell, at.parentPath);
    }
    this.live++;
    if (cell.kind === CLIENT_KIND) this.clients++;
  }

  /** Free the slot of an exited cell. */
  release(cell: ActorCell): void {
    if (cell.segment !== null) this.named.delete(cell.path);
    const leased = this.leasedSlots === null ? undefined : this.takeLease(cell);
    const slot = leased === undefined ? cell.self.slot : leased.slot;
    const chunk = this.chunks[slot >>> CHUNK_BITS]!;
    assert(chunk[slot & SLOT_MASK] === cell, 'actor table: a cell is released from its own slot');
    chunk[slot & SLOT_MASK] = undefined;
    this.freeSlots.push(slot);
    this.freeGenerations.push(leased === undefined ? cell.self.generation : leased.generation);
    this.live--;
    if (cell.kind === CLIENT_KIND) this.clients--;
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

  /** Live top-level actors in start order (a scan: only introspection and shutdown need it). */
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

  /** The lease of a cell whose identity was minted elsewhere, now ended; undefined for a cell with its own address. */
  private takeLease(cell: ActorCell): LeasedSlot | undefined {
    const leased = this.leasedSlots!.get(cell);
    if (leased === undefined) return undefined;
    this.leasedSlots!.delete(cell);
    this.remoteParents?.delete(cell);
    return leased;
  }
}
