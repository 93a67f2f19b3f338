/**
 * Encoding a batch as its messages are sent: the check and the encoding in one walk. Owns:
 * the payload of one batch frame between trusted cores (a msgpack array whose objects are
 * msgpackr records, decoded by `Codec.decodeBatch` like any batch), built one message at a
 * time, and the common kind of message only — plain objects with string keys, arrays,
 * strings, numbers, booleans, null, undefined and addresses. Anything else (a Map, a Date,
 * a class instance, nesting past the depth limit) and anything the codec refuses (a
 * function, a symbol, a lone surrogate, a symbol or `__proto__` key, a named array
 * property) makes {@link BatchWriter.add} answer false with nothing written: the caller
 * sends that message the general way (`Codec.checkPlain`, then `encodeBatch`), which also
 * names what is refused.
 *
 * Why: the general way walks each message twice — the scan when it is sent, msgpackr when
 * the batch is flushed — and keeps every message alive until the flush. Here a message is
 * read once, while it is young, and only its bytes are kept.
 *
 * A writer made with `records: false` writes every object as a msgpack map (keys by name):
 * what a network peer is sent (`Codec.encodeScratch` encodes one message at a time with one).
 *
 * Must not: write records for a network peer (a decoder builds readers from keys it is
 * sent; `CodecOptions.records`); write anything the general way would not carry alike
 * (-0 stays -0; with records, integers 0x40–0x7f are not fixints, which records claim);
 * leave a partial message or a record definition of a message it gave up on.
 */
import { type Addr, SendError, isAddr } from '@pd/actor';
import { addrIdentity } from '@pd/actor/internal';
import { ADDR_EXT_BYTES, ADDR_EXT_TYPE } from './extensions.js';
import { DEFAULT_MAX_DEPTH, hasSymbolKeys, namedArrayKey, wellFormed } from './serializable.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** Bytes before the first message: the array header (0xdd and a u32 count, filled in by `payload`). */
const HEADER_BYTES = 5;
/** msgpackr's record ids (one byte each): 0x40 up to 0x7f; a batch with more shapes writes the rest as maps. */
const FIRST_RECORD = 0x40;
const LAST_RECORD = 0x7f;
/** Strings up to this many UTF-16 units are encoded (and checked for lone surrogates) here; longer by Buffer. */
const SHORT_STRING = 64;

/** Encodes one batch frame's messages as they are added; see the module comment. */
export class BatchWriter {
  /** Messages in the open batch. */
  count = 0;
  #buf: Buffer;
  #view: DataView;
  #pos = HEADER_BYTES;
  readonly #maxDepth: number;
  // Record ids of this batch: key-list signature → id, and each id's signature (ids are
  // defined inside the batch, so they start over with it).
  #nextId = FIRST_RECORD;
  readonly #ids = new Map<string, number>();
  readonly #signatures: string[] = [];
  // The shape last written at each depth, tried first: messages of one kind repeat it.
  readonly #memoKeys: (readonly string[] | undefined)[] = [];
  readonly #memoIds: number[] = [];
  #lastStart = HEADER_BYTES;
  #lastNextId = FIRST_RECORD;
  #active = false;
  readonly #records: boolean;
  /** Unsigned integers below this are positive fixints (one byte); records claim 0x40–0x7f. */
  readonly #fixintEnd: number;

  /**
   * @param maxDepth the deepest nesting encoded here (deeper goes the general way, which refuses past the codec's limit)
   * @param initialBytes the buffer's first size; it grows as a batch needs
   * @param options `records: false` writes objects as maps, for a decoder that must not be
   *   sent records (a network peer); default true, for trusted core-to-core batches
   */
  constructor(maxDepth = DEFAULT_MAX_DEPTH, initialBytes = 16 * 1024, options: { readonly records?: boolean } = {}) {
    this.#records = options.records ?? true;
    this.#fixintEnd = this.#records ? FIRST_RECORD : 0x80;
    this.#maxDepth = maxDepth;
    this.#buf = Buffer.allocUnsafeSlow(Math.max(initialBytes, 64));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** Encoded bytes of the messages in the open batch (without the array header). */
  get bytes(): number {
    return this.#pos - HEADER_BYTES;
  }

  /**
   * @internal The buffer the batch is written in: its messages are `buffer[FIRST_BYTE,
   * FIRST_BYTE + bytes)`, valid until the next `add` or `reset`.
   */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** @internal Where the first message's bytes start in {@link buffer}. */
  static readonly FIRST_BYTE = HEADER_BYTES;

  /** True while a message is being added (a getter of it is running). */
  get busy(): boolean {
    return this.#active;
  }

  /**
   * Appends `value` as the batch's next message; false, with nothing written, when it is not
   * of the kind encoded here or the codec would refuse it (see the module comment). A
   * getter of the message that sends throws `SendError` 'send/not-serializable' (the batch
   * is mid-message); a getter that throws propagates, and nothing of the message is kept.
   */
  add(value: unknown): boolean {
    if (this.#active) {
      throw new SendError('send/not-serializable', 'a message was sent while another was being encoded (a getter of the message that sends?)');
    }
    const start = this.#pos, nextId = this.#nextId;
    this.#active = true;
    let ok = false;
    try {
      ok = this.#value(value, 0);
    } finally {
      this.#active = false;
      if (!ok) this.#rewind(start, nextId);
    }
    if (ok) {
      this.count++;
      this.#lastStart = start;
      this.#lastNextId = nextId;
    }
    return ok;
  }

  /** Takes back the message the last successful {@link add} appended (once: a batch too large by it closes without it). */
  dropLast(): void {
    if (this.count === 0 || this.#lastStart < 0) throw new RangeError('batch writer: no message to drop');
    this.#rewind(this.#lastStart, this.#lastNextId);
    this.#lastStart = -1;
    this.count--;
  }

  /**
   * The payload of the open batch: a msgpack array of its messages. A view, valid until the
   * next `add` or `reset`: a plain `Uint8Array`, so its `slice()` copies (a Buffer's would not).
   */
  payload(): Uint8Array {
    this.#buf[0] = 0xdd;
    this.#view.setUint32(1, this.count);
    return new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#pos);
  }

  /** Empties the batch (its record ids too). */
  reset(): void {
    this.#pos = HEADER_BYTES;
    this.count = 0;
    this.#lastStart = HEADER_BYTES;
    this.#lastNextId = FIRST_RECORD;
    if (this.#nextId !== FIRST_RECORD) this.#forgetIds(FIRST_RECORD);
  }

  // --- internal ---

  #rewind(pos: number, nextId: number): void {
    this.#pos = pos;
    if (this.#nextId !== nextId) this.#forgetIds(nextId);
  }

  /** Forgets the record ids from `from` on (their definitions are no longer in the batch). */
  #forgetIds(from: number): void {
    for (let id = from; id < this.#nextId; id++) this.#ids.delete(this.#signatures[id - FIRST_RECORD]!);
    this.#signatures.length = from - FIRST_RECORD;
    this.#nextId = from;
    const memoIds = this.#memoIds;
    for (let d = 0; d < memoIds.length; d++) if (memoIds[d]! >= from) this.#memoKeys[d] = undefined;
  }

  #value(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
        return this.#string(v);
      case 'number':
        this.#number(v);
        return true;
      case 'boolean':
        this.#ensure(1);
        this.#buf[this.#pos++] = v ? 0xc3 : 0xc2;
        return true;
      case 'undefined':
        // msgpackr's undefined (encodeUndefinedAsNil off): fixext 1, type 0, data 0.
        this.#ensure(3);
        this.#buf[this.#pos++] = 0xd4;
        this.#buf[this.#pos++] = 0;
        this.#buf[this.#pos++] = 0;
        return true;
      case 'object':
        if (v === null) {
          this.#ensure(1);
          this.#buf[this.#pos++] = 0xc0;
          return true;
        }
        return this.#object(v, depth);
      default:
        return false;
    }
  }

  #object(o: object, depth: number): boolean {
    if (depth >= this.#maxDepth) return false;
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === Array.prototype) return this.#array(o as unknown[], depth);
    if (proto !== Object.prototype && proto !== null) return isAddr(o) && this.#addr(o);
    if (hasSymbolKeys(o)) return false;
    const r = o as Record<string, unknown>;
    if (!this.#records) {
      // msgpackr writes an object as it is only when its `constructor` is Object (else it
      // asks its `toJSON`), and leaves out the keys its `hasOwnProperty` says are inherited:
      // an object of its own `constructor` or `hasOwnProperty` (even a hidden one), or of
      // none (a null prototype), is the general way's, so that both ways carry it alike.
      if (r.constructor !== Object || r.hasOwnProperty !== hasOwn) return false;
      return this.#plainMap(r, depth);
    }
    const memo = this.#memoKeys[depth];
    if (memo === undefined) return this.#objectSlow(o as Record<string, unknown>, depth);
    // The shape last written at this depth: write its id, then check each key as it comes.
    const start = this.#pos, nextId = this.#nextId;
    this.#ensure(1);
    this.#buf[this.#pos++] = this.#memoIds[depth]!;
    let i = 0;
    for (const key in r) {
      if (i >= memo.length || key !== memo[i]) {
        this.#rewind(start, nextId);
        return this.#objectSlow(r, depth);
      }
      i++;
      if (!this.#value(r[key], depth + 1)) return false;
    }
    if (i === memo.length) return true;
    this.#rewind(start, nextId);
    return this.#objectSlow(r, depth);
  }

  /** An object whose shape is not the one last written at its depth: find or define its record. */
  #objectSlow(o: Record<string, unknown>, depth: number): boolean {
    const keys: string[] = [];
    for (const key in o) {
      // An own "__proto__" would be renamed by the receiver; a lone surrogate cannot be UTF-8.
      if (key === '__proto__' || !wellFormed(key)) return false;
      keys.push(key);
    }
    if (keys.length === 0) {
      this.#ensure(1);
      this.#buf[this.#pos++] = 0x80; // {} as an empty map
      return true;
    }
    const signature = signatureOf(keys);
    let id = this.#ids.get(signature);
    if (id === undefined) {
      if (this.#nextId > LAST_RECORD) return this.#map(o, keys, depth);
      id = this.#nextId++;
      this.#ids.set(signature, id);
      this.#signatures.push(signature);
      // A record definition, as msgpackr writes it: fixext 1 of type "r", the id, the keys.
      this.#ensure(3);
      this.#buf[this.#pos++] = 0xd4;
      this.#buf[this.#pos++] = 0x72;
      this.#buf[this.#pos++] = id;
      this.#arrayHeader(keys.length);
      for (let i = 0; i < keys.length; i++) this.#string(keys[i]!);
    } else {
      this.#ensure(1);
      this.#buf[this.#pos++] = id;
    }
    this.#memoKeys[depth] = keys;
    this.#memoIds[depth] = id;
    for (let i = 0; i < keys.length; i++) if (!this.#value(o[keys[i]!], depth + 1)) return false;
    return true;
  }

  /**
   * An object as a map, its keys by name (a writer without records), as msgpackr writes one:
   * a map 16 whose count is filled in at the end, the keys the object has of its own in
   * enumeration order (`for…in` also lists enumerable keys added to Object.prototype).
   */
  #plainMap(o: Record<string, unknown>, depth: number): boolean {
    this.#ensure(3);
    const at = this.#pos;
    this.#buf[at] = 0xde;
    this.#pos = at + 3;
    let n = 0;
    for (const key in o) {
      if (!hasOwn.call(o, key)) continue;
      // An own "__proto__" would be renamed by the receiver; #string refuses a lone surrogate.
      if (key === '__proto__' || !this.#string(key) || !this.#value(o[key], depth + 1)) return false;
      n++;
    }
    if (n > 0xffff) return false;
    this.#view.setUint16(at + 1, n);
    return true;
  }

  /** An object as a plain map (the batch has used every record id). */
  #map(o: Record<string, unknown>, keys: readonly string[], depth: number): boolean {
    const n = keys.length;
    this.#header(n, 0x80, 0xde);
    for (let i = 0; i < n; i++) {
      this.#string(keys[i]!);
      if (!this.#value(o[keys[i]!], depth + 1)) return false;
    }
    return true;
  }

  #array(a: unknown[], depth: number): boolean {
    if (namedArrayKey(a) !== null || hasSymbolKeys(a)) return false;
    const n = a.length;
    this.#arrayHeader(n);
    for (let i = 0; i < n; i++) if (!this.#value(a[i], depth + 1)) return false;
    return true;
  }

  /** An address as the codec's extension writes it (ext 8, type 0x41, the identity in 22 bytes, little-endian). */
  #addr(addr: Addr<any>): boolean {
    const id = addrIdentity(addr);
    this.#ensure(3 + ADDR_EXT_BYTES);
    const p = this.#pos;
    this.#buf[p] = 0xc7;
    this.#buf[p + 1] = ADDR_EXT_BYTES;
    this.#buf[p + 2] = ADDR_EXT_TYPE;
    const view = this.#view;
    view.setUint32(p + 3, id.node, true);
    view.setUint16(p + 7, id.core, true);
    view.setUint32(p + 9, id.slot, true);
    view.setUint32(p + 13, id.generation, true);
    view.setUint32(p + 17, id.secret >>> 0, true);
    view.setUint32(p + 21, Math.floor(id.secret / 0x1_0000_0000), true);
    this.#pos = p + 3 + ADDR_EXT_BYTES;
    return true;
  }

  #arrayHeader(n: number): void {
    this.#header(n, 0x90, 0xdc);
  }

  /** A map's or an array's header: `fix | n` below 16, else `code16` and a u16, or `code16 + 1` and a u32. */
  #header(n: number, fix: number, code16: number): void {
    this.#ensure(5);
    if (n < 16) this.#buf[this.#pos++] = fix | n;
    else if (n < 0x10000) {
      this.#buf[this.#pos++] = code16;
      this.#view.setUint16(this.#pos, n);
      this.#pos += 2;
    } else {
      this.#buf[this.#pos++] = code16 + 1;
      this.#view.setUint32(this.#pos, n);
      this.#pos += 4;
    }
  }

  /**
   * UTF-8, checked for lone surrogates on the way (false: refused, nothing to keep). The
   * header is msgpackr's: its size guessed from the UTF-16 length, the bytes moved along
   * when the UTF-8 length needs a larger one, so the encoding is byte for byte msgpackr's.
   */
  #string(s: string): boolean {
    const n = s.length;
    if (n > SHORT_STRING) return this.#longString(s);
    this.#ensure(2 + 3 * n);
    const buf = this.#buf;
    const at = this.#pos;
    const guess = n < 0x20 ? 1 : 2;
    let p = at + guess;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) buf[p++] = c;
      else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return false;
        i++;
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
      }
    }
    const length = p - at - guess;
    if (length < 0x20) {
      buf[at] = 0xa0 | length;
      this.#pos = p;
      return true;
    }
    // At most 3 × 64 bytes: a str 8.
    if (guess === 1) buf.copyWithin(at + 2, at + 1, p++);
    buf[at] = 0xd9;
    buf[at + 1] = length;
    this.#pos = p;
    return true;
  }

  #longString(s: string): boolean {
    if (!wellFormed(s)) return false;
    const n = s.length;
    this.#ensure(5 + 3 * n);
    const at = this.#pos;
    const guess = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    const length = this.#buf.write(s, at + guess, 'utf8');
    const header = length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    if (header > guess) this.#buf.copyWithin(at + header, at + guess, at + guess + length);
    if (header === 2) {
      this.#buf[at] = 0xd9;
      this.#buf[at + 1] = length;
    } else if (header === 3) {
      this.#buf[at] = 0xda;
      this.#view.setUint16(at + 1, length);
    } else {
      this.#buf[at] = 0xdb;
      this.#view.setUint32(at + 1, length);
    }
    this.#pos = at + header + length;
    return true;
  }

  /** msgpackr's choices, less the fixints 0x40–0x7f where records claim them, and with -0 kept as a float. */
  #number(v: number): void {
    this.#ensure(9);
    const buf = this.#buf;
    if (v >>> 0 === v && (v !== 0 || 1 / v > 0)) {
      if (v < this.#fixintEnd) buf[this.#pos++] = v;
      else if (v < 0x100) {
        buf[this.#pos++] = 0xcc;
        buf[this.#pos++] = v;
      } else if (v < 0x10000) {
        buf[this.#pos++] = 0xcd;
        this.#view.setUint16(this.#pos, v);
        this.#pos += 2;
      } else {
        buf[this.#pos++] = 0xce;
        this.#view.setUint32(this.#pos, v);
        this.#pos += 4;
      }
    } else if (v >> 0 === v && v !== 0) {
      if (v >= -0x20) buf[this.#pos++] = 0x100 + v;
      else if (v >= -0x80) {
        buf[this.#pos++] = 0xd0;
        buf[this.#pos++] = 0x100 + v;
      } else if (v >= -0x8000) {
        buf[this.#pos++] = 0xd1;
        this.#view.setInt16(this.#pos, v);
        this.#pos += 2;
      } else {
        buf[this.#pos++] = 0xd2;
        this.#view.setInt32(this.#pos, v);
        this.#pos += 4;
      }
    } else {
      buf[this.#pos++] = 0xcb;
      this.#view.setFloat64(this.#pos, v);
      this.#pos += 8;
    }
  }

  #ensure(n: number): void {
    if (this.#pos + n > this.#buf.length) this.#grow(this.#pos + n);
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/** A key list as one string, unambiguously (each key with its length). */
function signatureOf(keys: readonly string[]): string {
  let s = '';
  for (let i = 0; i < keys.length; i++) s += `${keys[i]!.length}:${keys[i]}`;
  return s;
}
