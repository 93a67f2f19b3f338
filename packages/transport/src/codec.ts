/**
 * The codec: msgpackr for messages crossing a core or a node, one at a time or in batches.
 * Owns: the msgpackr settings (structured clone off; records only when asked, for trusted
 * cores) and refusing values that cannot cross (`SendError` 'send/not-serializable', naming
 * the value's path). Must not: know about envelopes or rings. Bytes given to `decode*` are
 * untrusted: anything wrong in them is `TransportError` 'codec/malformed', never a crash.
 */
import { SendError } from '@pd/actor';
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, Unpackr, type Options } from 'msgpackr';
import { BatchWriter } from './batch-writer.js';
import { TransportError } from './errors.js';
import { boxMaps, defaultResolveAddr, ensureExtensions, swapResolver, type AddrResolver } from './extensions.js';
import { tooLarge } from './frame-limit.js';
import { DEFAULT_MAX_DEPTH, Scan, locateRefusal, scanValue, scannedBytes } from './serializable.js';

export type { AddrResolver } from './extensions.js';

/** How a codec encodes and decodes. */
/** An encoding is under way (msgpackr's output slab is one for the whole module: see `Codec.#pack`). */
let packing = false;

/** msgpackr keeps the DataView it reads a buffer with on the buffer, as `dataView`. */
type WithDataView = Uint8Array & { dataView?: DataView };

/** An encoding inside a codec's output slab: `bytes[start, end)`; see {@link Codec.encodeScratch}. */
export interface ScratchBytes {
  bytes: Uint8Array;
  start: number;
  end: number;
}

export interface CodecOptions {
  /**
   * Turns each decoded address identity into an `Addr`. The runtime passes one that maps
   * identities to its own tables and checks secrets; the default mints an address with no
   * local target (`mintAddr(identity, null)`).
   */
  readonly resolveAddr?: AddrResolver;
  /** Deepest nesting a message may have when encoded (default 64); deeper or circular is refused. */
  readonly maxDepth?: number;
  /**
   * Write objects as msgpackr records (keys once per shape and call, not per object).
   * Default false. Turn it on only between trusted peers — the cores of one engine — where
   * batches of same-shaped messages decode several times faster and half the size; never
   * for network peers, whose decoder would compile readers from keys we chose. Decoding
   * reads both forms whatever this says (see docs/envelope.md).
   */
  readonly records?: boolean;
}

/**
 * Why these settings:
 * - records off by default: one message at a time they are slower (~1.0M vs ~1.8M packs/s)
 *   and they make the receiving decoder compile readers from wire keys. `records: true`
 *   is for trusted core-to-core batches only. msgpackr always *reads* records; `trusted:
 *   false` makes it forget a message's record definitions before the next message.
 * - structured clone off: no reference/cycle extensions are written, and a peer that
 *   sends them is refused ("Structured clone extension is disabled") instead of building
 *   shared or cyclic graphs; cycles are refused at encode by the scan.
 * - maps as objects, with Maps carried by our own extension; msgpackr renames a
 *   `__proto__` key to `__proto_`, so decoded data cannot reach a prototype.
 * - copyBuffers: decoded bytes never alias the input (rings and sockets reuse it).
 */
const MSGPACK_OPTIONS: Options = {
  useRecords: false, moreTypes: true, structuredClone: false, mapsAsObjects: true, copyBuffers: true,
  int64AsType: 'bigint', encodeUndefinedAsNil: false,
};

const EXACT_SLACK_BYTES = 16;
/** The first size of the buffer {@link Codec.encodeScratch} writes in, and the most it keeps after a small message. */
const WRITER_BYTES = 4096;
const KEEP_WRITER_BYTES = 1 << 20;

/** Encodes and decodes messages. One per thread is enough; it is not reentrant across threads. */
export class Codec {
  readonly maxDepth: number;
  /** Whether this codec writes msgpackr records (see {@link CodecOptions.records}). */
  readonly records: boolean;
  readonly #resolveAddr: AddrResolver;
  readonly #packr: Packr;
  readonly #unpackr: Unpackr;
  readonly #range = { start: 0, end: 0 };
  #scratch: Buffer = Buffer.allocUnsafeSlow(4096);
  readonly #scratchOut: ScratchBytes = { bytes: new Uint8Array(0), start: 0, end: 0 };
  /**
   * Encodes the common kind of message for {@link encodeScratch} in one walk, as msgpackr
   * writes it without records; null in a codec that writes records (msgpackr does).
   */
  #writer: BatchWriter | null;
  /** The writer's last message was small: a buffer it grew for a larger one can go. */
  #smallAfterLarge = false;

  constructor(options: CodecOptions = {}) {
    ensureExtensions();
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isInteger(this.maxDepth) || this.maxDepth < 1) throw new RangeError(`codec: maxDepth ${this.maxDepth} is not a positive integer`);
    this.#resolveAddr = options.resolveAddr ?? defaultResolveAddr;
    this.records = options.records ?? false;
    this.#packr = new Packr({ ...MSGPACK_OPTIONS, useRecords: this.records, trusted: false } as Options);
    this.#unpackr = new Unpackr({ ...MSGPACK_OPTIONS, trusted: false } as Options);
    this.#writer = this.records ? null : new BatchWriter(this.maxDepth, WRITER_BYTES, { records: false });
  }

  /**
   * Bytes the value last passed to {@link check} or {@link checkPlain} with a `maxBytes`
   * takes encoded, at most (an upper bound, or its exact size plus batch slack when the
   * bound was over `maxBytes`). Batching adds these up to keep frames within their limit.
   */
  lastBytes = 0;

  /**
   * Throws `SendError` 'send/not-serializable' naming the first value under `value` that
   * cannot cross; with `maxBytes`, 'send/too-large' when its encoding is larger (see
   * {@link lastBytes}).
   */
  check(value: unknown, label = 'message', maxBytes = Infinity): void {
    const scanned = scanValue(value, this.maxDepth);
    if (scanned === Scan.refused) throw this.#refusal(value, label);
    if (maxBytes !== Infinity) this.#fit(value, scanned, label, maxBytes);
  }

  /**
   * As {@link check}, and tells whether `value` is plain: true when it holds no Map, so a
   * batch of plain values may skip the encoder's own scan (`encodeBatch(values, true)`).
   */
  checkPlain(value: unknown, label = 'message', maxBytes = Infinity): boolean {
    const scanned = scanValue(value, this.maxDepth);
    if (scanned === Scan.refused) throw this.#refusal(value, label);
    if (maxBytes !== Infinity) this.#fit(value, scanned, label, maxBytes);
    return scanned === Scan.plain;
  }

  /**
   * Encodes one message. The bytes are a view into msgpackr's output slab and stay valid
   * (the slab is never rewritten); copy them only to keep a small message alive long. With
   * `plain`, the caller vouches that `value` passed {@link checkPlain} with true (and was not
   * changed since): the scan is skipped, so a checked message is scanned once, not twice.
   */
  encode(value: unknown, plain = false): Uint8Array {
    if (plain) return this.#pack(value);
    const scanned = scanValue(value, this.maxDepth);
    if (scanned === Scan.refused) throw this.#refusal(value, 'message');
    return this.#pack(scanned === Scan.hasMap ? boxMaps(value) : value);
  }

  /**
   * Encodes one message for a caller that copies it at once (a frame written into a send
   * lane): the bytes are `bytes[start, end)` of a buffer the codec reuses, valid only until
   * this codec, or anything in this process through msgpackr, encodes again; the object
   * returned is the codec's own, reused by every call. No view is made of the encoding (a
   * Buffer view costs more than encoding a small message). The bytes are {@link encode}'s.
   * In a codec without records the common kind of message (plain objects, arrays, strings,
   * numbers, booleans, null, undefined, addresses) is checked and encoded in one walk, byte
   * for byte as msgpackr writes it ({@link BatchWriter} without records); anything else, or
   * a message encoded while another is (a getter of it that sends), is checked and encoded
   * as {@link encode} does it. Checks the value as {@link encode} does.
   */
  encodeScratch(value: unknown): ScratchBytes {
    const out = this.#scratchOut;
    let writer = this.#writer;
    if (writer !== null && !writer.busy) {
      // A buffer grown for a large message is let go once a small one has been written after
      // it (its bytes are the caller's until this call); a run of large ones keeps it, and so
      // does one the writer left to the general way.
      if (this.#smallAfterLarge && writer.buffer.length > KEEP_WRITER_BYTES) {
        writer = this.#writer = new BatchWriter(this.maxDepth, WRITER_BYTES, { records: false });
      }
      writer.reset();
      if (writer.add(value)) {
        this.#smallAfterLarge = writer.bytes < KEEP_WRITER_BYTES >>> 2;
        out.bytes = writer.buffer;
        out.start = BatchWriter.FIRST_BYTE;
        out.end = BatchWriter.FIRST_BYTE + writer.bytes;
        return out;
      }
      this.#smallAfterLarge = false;
    }
    const scanned = scanValue(value, this.maxDepth);
    if (scanned === Scan.refused) throw this.#refusal(value, 'message');
    const packed = this.#pack(scanned === Scan.hasMap ? boxMaps(value) : value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Uint8Array & { start?: number; end?: number };
    out.bytes = packed;
    // msgpackr marks the range on its slab; an encoding it had to move out of the slab comes whole.
    if (packed.start === undefined || packed.end === undefined) {
      out.start = 0;
      out.end = packed.length;
    } else {
      out.start = packed.start;
      out.end = packed.end;
    }
    return out;
  }

  /**
   * Encodes many messages as one msgpack array: one call into msgpackr for the lot. With
   * `plain`, the caller vouches that every value passed {@link checkPlain} with true (and was
   * not changed since): the scan is skipped. A value that still cannot be encoded throws.
   */
  encodeBatch(values: readonly unknown[], plain = false): Uint8Array {
    const list = Object.getPrototypeOf(values) === Array.prototype ? values : Array.from(values);
    if (plain) return this.#pack(list);
    // One scan of the whole list (one level deeper); per-message work only when it finds something.
    const scanned = scanValue(list, this.maxDepth + 1);
    if (scanned === Scan.plain) return this.#pack(list);
    const boxed = list.slice();
    for (let i = 0; i < list.length; i++) {
      const one = scanValue(list[i], this.maxDepth);
      if (one === Scan.refused) throw this.#refusal(list[i], `messages[${i}]`);
      if (one === Scan.hasMap) boxed[i] = boxMaps(list[i]);
    }
    return this.#pack(boxed);
  }

  /**
   * Decodes one message from `bytes[offset, offset + length)`. `view`, a DataView over
   * exactly `bytes` (a frame source has one), is lent to msgpackr, which would otherwise
   * make one for every buffer it reads (a socket's chunk is a new buffer each time).
   */
  decode(bytes: Uint8Array, offset = 0, length = bytes.length - offset, view?: DataView): unknown {
    if (view !== undefined && (bytes as WithDataView).dataView === undefined && view.buffer === bytes.buffer &&
      view.byteOffset === bytes.byteOffset && view.byteLength === bytes.byteLength) {
      (bytes as WithDataView).dataView = view;
    }
    return this.#unpack(bytes, offset, length);
  }

  /** Decodes a batch written by {@link encodeBatch}. */
  decodeBatch(bytes: Uint8Array, offset = 0, length = bytes.length - offset): unknown[] {
    const value = this.#unpack(bytes, offset, length);
    if (!Array.isArray(value)) throw new TransportError('codec/malformed', 'a batch payload must be an array', { offset, length });
    return value;
  }

  // --- internal ---

  #pack(value: unknown, mode = 0): Uint8Array {
    // msgpackr's output slab and position are the module's, not a Packr's: an encoding
    // begun while another is under way (a getter of the message that sends) would write
    // into the one under way. Refused with a clear error instead of two broken messages.
    if (packing) {
      throw new SendError('send/not-serializable', 'a message was encoded while another was being encoded (a getter of the message that sends?)');
    }
    packing = true;
    try {
      return this.#packr.pack(value, mode);
    } catch (error) {
      if (error instanceof SendError) throw error;
      throw new SendError('send/not-serializable', `message could not be encoded: ${(error as Error).message}`, undefined, { cause: error });
    } finally {
      packing = false;
    }
  }

  /** Sets {@link lastBytes}: the scan's bound when it is within `maxBytes`, else the exact size (slow path). */
  #fit(value: unknown, scanned: Scan, label: string, maxBytes: number): void {
    const bound = scannedBytes();
    if (bound <= maxBytes) {
      this.lastBytes = bound;
      return;
    }
    const exact = this.#pack(scanned === Scan.hasMap ? boxMaps(value) : value).length;
    if (exact > maxBytes) throw tooLarge(label, exact, maxBytes);
    // Inside a batch a message may take a few bytes more than alone (a record id, for one).
    this.lastBytes = Math.min(exact + EXACT_SLACK_BYTES, maxBytes);
  }

  #refusal(value: unknown, label: string): SendError {
    const found = locateRefusal(value, label, this.maxDepth) ?? { path: label, problem: 'cannot be encoded' };
    return new SendError('send/not-serializable', `${found.path} ${found.problem}`, { path: found.path, problem: found.problem });
  }

  #unpack(bytes: Uint8Array, offset: number, length: number): unknown {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 1 || offset + length > bytes.length) {
      throw new TransportError('codec/malformed', `no payload in range [${offset}, ${offset + length}) of ${bytes.length} bytes`, { offset, length });
    }
    let source = bytes;
    const range = this.#range;
    if (bytes.buffer instanceof SharedArrayBuffer) {
      // msgpackr (and its native string extractor) need unshared memory: copy out first.
      source = this.#scratchFor(length);
      source.set(bytes.subarray(offset, offset + length));
      range.start = 0;
    } else {
      range.start = offset;
    }
    range.end = range.start + length;
    const previous = swapResolver(this.#resolveAddr);
    try {
      return this.#unpackr.unpack(source, range);
    } catch (error) {
      throw new TransportError('codec/malformed', `cannot decode payload: ${(error as Error).message}`, { offset, length }, { cause: error });
    } finally {
      swapResolver(previous);
    }
  }

  #scratchFor(length: number): Buffer {
    if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafeSlow(Math.max(length, this.#scratch.length * 2));
    return this.#scratch;
  }
}
