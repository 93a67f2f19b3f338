/**
 * Reading and writing guest memory for host calls. Owns: bounds checks on every
 * (pointer, length) a guest hands the host, and refreshing the view after the guest's
 * memory grows. Must not: trust a guest value: a bad pointer is a status, never an
 * exception or a read of someone else's bytes.
 */
import type { WasmMemory } from './wasm/api.js';

const EMPTY = new Uint8Array(0);

export class GuestMemory {
  private view: Uint8Array = EMPTY;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  #memory: WasmMemory | null = null;
  /** The memory is shared: growing it does not detach the buffer a view was made over. */
  private shared = false;

  get memory(): WasmMemory | null {
    return this.#memory;
  }

  set memory(memory: WasmMemory | null) {
    this.#memory = memory;
    this.view = EMPTY;
    this.shared = false;
  }

  /** The current bytes of guest memory (a fresh view if it grew). */
  bytes(): Uint8Array {
    // Growing a memory detaches the buffer under the view (its length reads 0): asking the
    // memory for its buffer on every access is a call into the engine, twice what the view
    // costs. A shared memory is not detached, so it is asked each time.
    const view = this.view;
    return view.length !== 0 && !this.shared ? view : this.refresh();
  }

  private refresh(): Uint8Array {
    const memory = this.#memory;
    if (memory === null) return EMPTY;
    const buffer = memory.buffer;
    if (this.view.buffer !== buffer) {
      this.view = new Uint8Array(buffer);
      this.dv = new DataView(buffer);
      this.shared = !(buffer instanceof ArrayBuffer);
    }
    return this.view;
  }

  /** Whether [ptr, ptr+len) lies inside guest memory (pointers are unsigned). */
  inBounds(ptr: number, len: number): boolean {
    return (ptr >>> 0) + (len >>> 0) <= this.bytes().length;
  }

  /** The bytes at [ptr, ptr+len), or null when out of bounds. A view: copy before the guest runs again. */
  read(ptr: number, len: number): Uint8Array | null {
    const p = ptr >>> 0;
    const n = len >>> 0;
    const view = this.bytes();
    return p + n <= view.length ? view.subarray(p, p + n) : null;
  }

  /** Writes `data` at `ptr`; false when out of bounds. */
  write(ptr: number, data: Uint8Array): boolean {
    const p = ptr >>> 0;
    const view = this.bytes();
    if (p + data.length > view.length) return false;
    view.set(data, p);
    return true;
  }

  /** Writes a little-endian u32 at `ptr`; false when out of bounds. */
  writeU32(ptr: number, value: number): boolean {
    const p = ptr >>> 0;
    if (p + 4 > this.bytes().length) return false;
    this.dv.setUint32(p, value >>> 0, true);
    return true;
  }
}
