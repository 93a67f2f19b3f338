/**
 * The actor table of one engine: a slot per live cell, the generation last minted per slot
 * (so a stale address never reaches the slot's next tenant), leases (cells living under an
 * identity minted elsewhere, and the paths of their remote parents), named paths, and the
 * live counts.
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

export class ActorTable {
  /** Cells by slot; a hole is a free slot. */
  readonly cells: (ActorCell | undefined)[] = [];
  /** Live cells with a name of their own, by path. */
  readonly named = new Map<string, ActorCell>();
  /** Live cells, clients included. */
  live = 0;
  /** Client handles among the live cells (not actors: left out of `stats().live`). */
  clients = 0;
  /** Last generation minted per slot (4 bytes a slot, not 8). */
  private generations = new Uint32Array(1024);
  private readonly freeSlots: number[] = [];
  /** Table slots of cells living under an identity minted elsewhere (remote spawns). */
  private leasedSlots: Map<ActorCell, number> | null = null;
  /** Paths of the parents of cells spawned here by a parent on another core. */
  private remoteParents: Map<ActorCell, string> | null = null;

  constructor(private readonly node: number, private readonly core: number, private readonly secrets: RandomStream) {}

  /** Give `cell` a slot and its address: a fresh identity here, or the leased one `at`. */
  admit(cell: ActorCell, at: LeasedSpawn | null): void {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.cells.length;
    if (slot >= this.generations.length) {
      const grown = new Uint32Array(this.generations.length * 2);
      grown.set(this.generations);
      this.generations = grown;
    }
    const generation = this.generations[slot]! + 1;
    this.generations[slot] = generation;
    assert(this.cells[slot] === undefined, 'actor table: a free slot is empty');
    this.cells[slot] = cell;
    if (at === null) {
      // 31 bits of secret: a small integer V8 keeps in the address itself, where a full u32
      // is a heap number half the time (16 bytes more per actor); one bit less to guess.
      cell.self = mintAddr({ node: this.node, core: this.core, slot, generation, secret: this.secrets.nextU32() >>> 1 }, cell);
    } else {
      cell.self = mintAddr(at.identity, cell);
      (this.leasedSlots ??= new Map()).set(cell, slot);
      if (at.parentPath !== null) (this.remoteParents ??= new Map()).set(cell, at.parentPath);
    }
    this.live++;
    if (cell.kind === CLIENT_KIND) this.clients++;
  }

  /** Free the slot of an exited cell. */
  release(cell: ActorCell): void {
    if (cell.segment !== null) this.named.delete(cell.path);
    const slot = this.leasedSlots === null ? cell.self.slot : this.tableSlot(cell);
    assert(this.cells[slot] === cell, 'actor table: a cell is released from its own slot');
    this.cells[slot] = undefined;
    this.freeSlots.push(slot);
    this.live--;
    if (cell.kind === CLIENT_KIND) this.clients--;
  }

  /** The path of the parent on another core of a top-level cell spawned from there, if any. */
  remoteParentOf(cell: ActorCell): string | undefined {
    return this.remoteParents?.get(cell);
  }

  /** Live top-level actors in start order (a scan: only introspection and shutdown need it). */
  roots(): ActorCell[] {
    const out: ActorCell[] = [];
    for (const cell of this.cells) if (cell !== undefined && cell.parentCell === null) out.push(cell);
    return out.sort((a, b) => a.id - b.id);
  }

  /** The live cell with actor id `id` at `path` (a scan: introspection only). */
  findById(id: number, path: string): ActorCell | null {
    for (const cell of this.cells) if (cell !== undefined && cell.id === id && cell.path === path) return cell;
    return null;
  }

  // --- internal ---

  /** The table slot of a cell (its address slot, unless its identity was minted elsewhere). */
  private tableSlot(cell: ActorCell): number {
    const slot = this.leasedSlots!.get(cell);
    if (slot === undefined) return cell.self.slot;
    this.leasedSlots!.delete(cell);
    this.remoteParents?.delete(cell);
    return slot;
  }
}
