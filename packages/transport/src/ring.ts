/**
 * A single-producer single-consumer ring of variable-length frames in a SharedArrayBuffer,
 * one per ordered pair of cores. Owns: the shared layout (hot cells on separate cache
 * lines), creating, attaching and closing; the two ends are ring-producer.ts and
 * ring-consumer.ts. Must not: read a clock or schedule anything (timeouts come in as
 * arguments). Callers guarantee one producer and one consumer, each on one thread.
 */
import { TransportError } from './errors.js';

/**
 * Byte layout of the control block. Each hot cell sits on its own 64-byte line so the
 * producer's tail writes and the consumer's head writes never share a cache line.
 */
export const RingLayout = {
  /** Consumer-owned read counter (bytes consumed, mod 2^32). */
  headByte: 0,
  /** Producer-owned write counter (bytes published, mod 2^32). */
  tailByte: 64,
  /** Consumer state: 0 awake, 1 sleeping (the producer notifies only when 1). */
  consumerStateByte: 128,
  /** Producer state: 0 idle, 1 waiting for space (the consumer notifies only when 1). */
  producerStateByte: 192,
  /** Magic, layout version, capacity, closed flag (written once, or rarely). */
  metaByte: 256,
  /** First byte of frame data. */
  dataByte: 320,
} as const;

/** Smallest and largest ring capacities, in bytes of frame data. */
export const RING_MIN_CAPACITY = 256;
export const RING_MAX_CAPACITY = 1 << 30;
/** Layout version stored in the ring; attaching to another version is refused. */
export const RING_LAYOUT_VERSION = 1;

/** What a wait ended with: frames (or space) may be ready, the time ran out, or the ring closed. */
export type RingWaitResult = 'ready' | 'timed-out' | 'closed';

/**
 * Allocates a ring with `capacityBytes` of frame data (a power of two between 256 B and
 * 1 GiB). Post the returned buffer to the other thread; each side attaches its end with
 * `new RingProducer(buffer)` / `new RingConsumer(buffer)`.
 */
export function createRing(capacityBytes: number): SharedArrayBuffer {
  if (!Number.isInteger(capacityBytes) || capacityBytes < RING_MIN_CAPACITY || capacityBytes > RING_MAX_CAPACITY ||
    (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`ring: capacity ${capacityBytes} must be a power of two from ${RING_MIN_CAPACITY} to ${RING_MAX_CAPACITY}`);
  }
  const buffer = new SharedArrayBuffer(RingLayout.dataByte + capacityBytes);
  const control = new Int32Array(buffer, 0, RingLayout.dataByte / 4);
  control[MAGIC] = RING_MAGIC;
  control[VERSION] = RING_LAYOUT_VERSION;
  control[CAPACITY] = capacityBytes;
  return buffer;
}

/** The largest frame a ring of `capacityBytes` carries: half of it, less the length word. */
export function maxFrameBytes(capacityBytes: number): number {
  return capacityBytes / 2 - 4;
}

/**
 * What both ends share: views of the buffer and the closed flag.
 * Applications use {@link RingProducer} or {@link RingConsumer}.
 */
export abstract class RingEnd {
  /** The whole shared buffer (post it to the other thread). */
  readonly buffer: SharedArrayBuffer;
  /** Bytes of frame data. */
  readonly capacity: number;
  /** The largest frame this ring carries. */
  readonly maxFrameBytes: number;
  /** Frame data as bytes; frame offsets handed out by the ring index into this. */
  readonly bytes: Uint8Array;
  /** Frame data as a DataView (same offsets as {@link bytes}). */
  readonly view: DataView;
  /** @internal */
  protected readonly control: Int32Array;
  /** @internal */
  protected readonly words: Int32Array;
  /** @internal */
  protected readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    const capacity = checkLayout(buffer);
    this.buffer = buffer;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.maxFrameBytes = maxFrameBytes(capacity);
    this.control = new Int32Array(buffer, 0, RingLayout.dataByte / 4);
    this.bytes = new Uint8Array(buffer, RingLayout.dataByte, capacity);
    this.view = new DataView(buffer, RingLayout.dataByte, capacity);
    this.words = new Int32Array(buffer, RingLayout.dataByte, capacity / 4);
  }

  /** True once either end closed the ring. */
  get closed(): boolean {
    return Atomics.load(this.control, CLOSED) !== 0;
  }

  /** Closes the ring for both ends and wakes whichever end is waiting. Idempotent. */
  close(): void {
    Atomics.store(this.control, CLOSED, 1);
    Atomics.store(this.control, CONSUMER_STATE, AWAKE);
    Atomics.notify(this.control, CONSUMER_STATE);
    Atomics.store(this.control, PRODUCER_STATE, AWAKE);
    Atomics.notify(this.control, PRODUCER_STATE);
  }
}

// --- internal (shared by the two ends; not exported from the package) ---

/** @internal Int32 indices of the control cells. */
export const HEAD = RingLayout.headByte / 4;
/** @internal */
export const TAIL = RingLayout.tailByte / 4;
/** @internal */
export const CONSUMER_STATE = RingLayout.consumerStateByte / 4;
/** @internal */
export const PRODUCER_STATE = RingLayout.producerStateByte / 4;
const MAGIC = RingLayout.metaByte / 4;
const VERSION = MAGIC + 1;
const CAPACITY = MAGIC + 2;
const CLOSED = MAGIC + 3;
const RING_MAGIC = 0x50445247; // "PDRG"

/** @internal State values of the two state cells. */
export const AWAKE = 0;
/** @internal */
export const SLEEPING = 1;
/** @internal Length word of a skip marker: the rest of the data area up to the wrap is padding. */
export const SKIP = -1;

/** @internal Bytes a frame of `length` occupies: a length word, the bytes, padding to 4. */
export function recordBytes(length: number): number {
  return 4 + ((length + 3) & ~3);
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

/**
 * @internal `Atomics.waitAsync` (Node 16+). A pending wait does not keep Node's event loop
 * alive on its own: the reactor holds its own handle while a core runs.
 */
export function waitAsync(cells: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult {
  const fn = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => WaitAsyncResult }).waitAsync;
  if (fn === undefined) throw new TransportError('ring/invalid', 'Atomics.waitAsync is not available in this runtime');
  return fn(cells, index, value, timeoutMs);
}

/** @internal Rejects a wait timeout that is not a non-negative number (Infinity waits forever). */
export function checkTimeout(timeoutMs: number): void {
  if (!(timeoutMs >= 0)) throw new RangeError(`ring: timeoutMs ${timeoutMs} must be >= 0 (Infinity to wait forever)`);
}

function checkLayout(buffer: SharedArrayBuffer): number {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < RingLayout.dataByte + RING_MIN_CAPACITY) {
    throw new TransportError('ring/invalid', 'not a ring: expected a SharedArrayBuffer made by createRing()');
  }
  const control = new Int32Array(buffer, 0, RingLayout.dataByte / 4);
  const capacity = control[CAPACITY]!;
  if (control[MAGIC] !== RING_MAGIC) throw new TransportError('ring/invalid', 'not a ring: bad magic number');
  if (control[VERSION] !== RING_LAYOUT_VERSION) {
    throw new TransportError('ring/invalid', `ring layout version ${control[VERSION]}, this code speaks ${RING_LAYOUT_VERSION}`);
  }
  if ((capacity & (capacity - 1)) !== 0 || capacity < RING_MIN_CAPACITY || buffer.byteLength !== RingLayout.dataByte + capacity) {
    throw new TransportError('ring/invalid', `ring capacity ${capacity} does not match its ${buffer.byteLength}-byte buffer`);
  }
  if (((Atomics.load(control, HEAD) | Atomics.load(control, TAIL)) & 3) !== 0) {
    throw new TransportError('ring/invalid', 'corrupt ring: head or tail counters are not multiples of 4');
  }
  return capacity;
}
