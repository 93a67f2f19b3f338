/**
 * Byte-level reading and writing of the WebAssembly binary format: LEB128 integers,
 * names, vectors. Owns: bounds checks on untrusted module bytes (a read past the end is a
 * `WasmFormatError` naming the offset, never a RangeError from deep inside). Must not: know
 * sections or opcodes (module.ts and code.ts do).
 */

/** Malformed or unsupported module bytes; `offset` is where the reader stood. */
export class WasmFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'WasmFormatError';
  }
}

/** A declared size above what the plugin's limits allow (memory or table). */
export class WasmLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmLimitError';
  }
}

/** A cursor over module bytes. Every read checks the end. */
export class Reader {
  pos: number;

  constructor(readonly bytes: Uint8Array, readonly begin = 0, readonly end = bytes.length) {
    this.pos = begin;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of bytes', this.pos);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      if (shift === 28 && (b & 0x70) !== 0) throw new WasmFormatError('u32 LEB128 out of range', this.pos - 1);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new WasmFormatError('u32 LEB128 too long', this.pos);
    }
  }

  /** Skips a signed LEB128 of at most `bits` bits (the value is never needed). */
  skipSigned(bits: number): void {
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; i < maxBytes; i++) if ((this.u8() & 0x80) === 0) return;
    throw new WasmFormatError(`s${bits} LEB128 too long`, this.pos);
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new WasmFormatError(`${n} bytes run past the end`, this.pos);
    this.pos += n;
  }

  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.skip(len);
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(start, start + len));
  }

  slice(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
}

/** A growable byte buffer for the rewritten module. */
export class Writer {
  private buf = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(b: number): this {
    this.room(1);
    this.buf[this.length++] = b;
    return this;
  }

  u32(value: number): this {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.u8(b);
    } while (v !== 0);
    return this;
  }

  s32(value: number): this {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.u8(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  bytes(data: Uint8Array): this {
    this.room(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }

  name(text: string): this {
    const data = new TextEncoder().encode(text);
    return this.u32(data.length).bytes(data);
  }

  /** Appends `body` prefixed with its byte length (sections, function bodies). */
  sized(body: Uint8Array): this {
    return this.u32(body.length).bytes(body);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
