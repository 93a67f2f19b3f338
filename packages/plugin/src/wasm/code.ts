/**
 * Instruction decoding: the opcode and the extent of its immediates, for every operator
 * Node 20 runs without flags (MVP, sign extension, saturating truncation, bulk memory,
 * reference types, multi-value, SIMD). Owns: which operators exist and what each costs in
 * fuel. Must not: rewrite anything (meter.ts does). An operator outside that set (threads,
 * exceptions, tail calls, GC) is a `WasmFormatError` that names it, so such a module is
 * refused at load rather than metered wrongly.
 */
import { Reader, WasmFormatError } from './bytes.js';

export const Op = {
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, brIf: 0x0d, brTable: 0x0e, return: 0x0f, call: 0x10, callIndirect: 0x11, drop: 0x1a,
  globalGet: 0x23, globalSet: 0x24, i32Const: 0x41, i32Add: 0x6a, i32Sub: 0x6b, i32LtS: 0x48, refFunc: 0xd2,
} as const;

/** One decoded operator: where it starts and ends, and the function index it names (call, ref.func). */
export interface Instr {
  op: number;
  start: number;
  end: number;
  /** The function index immediate of `call` and `ref.func`, else -1. */
  funcIndex: number;
}

/**
 * Fuel per operator, at Wasmtime's costs: `nop`, `drop`, `block`, `loop`, `unreachable`,
 * `return`, `else` and `end` are free (they generate no work of their own); every other
 * operator costs 1.
 */
export function fuelCost(op: number): number {
  switch (op) {
    case Op.nop: case Op.drop: case Op.block: case Op.loop: case Op.unreachable: case Op.return: case Op.else: case Op.end:
      return 0;
    default:
      return 1;
  }
}

/** Decodes the operator at the reader's position and moves past it. */
export function decodeInstr(r: Reader, out: Instr): Instr {
  const start = r.pos;
  const byte = r.u8();
  out.start = start;
  out.funcIndex = -1;
  out.op = byte;
  if (byte === 0xfc) out.op = 0xfc00 | skipFc(r);
  else if (byte === 0xfd) out.op = 0xfd000 | skipSimd(r);
  else skipImmediates(byte, r, out);
  out.end = r.pos;
  return out;
}

/** Skips a block type: empty (0x40), a value type, or a type index (s33). */
export function skipBlockType(r: Reader): void {
  const b = r.bytes[r.pos];
  if (b === undefined || r.pos >= r.end) throw new WasmFormatError('unexpected end in block type', r.pos);
  if (b === 0x40 || isValType(b)) r.pos++;
  else r.skipSigned(33);
}

export function isValType(b: number): boolean {
  return b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f;
}

// --- internal ---

function skipImmediates(op: number, r: Reader, out: Instr): void {
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1) return;
  if (op >= 0x45 && op <= 0xc4) return; // numeric operators, sign extension included
  switch (op) {
    case 0x02: case 0x03: case 0x04:
      return skipBlockType(r);
    case 0x0c: case 0x0d:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
      r.u32();
      return;
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case 0x10:
      out.funcIndex = r.u32();
      return;
    case 0x11:
      r.u32();
      r.u32();
      return;
    case 0x1c: {
      const n = r.u32();
      r.skip(n);
      return;
    }
    case 0x3f: case 0x40:
      r.u32();
      return;
    case 0x41: return r.skipSigned(32);
    case 0x42: return r.skipSigned(64);
    case 0x43: return r.skip(4);
    case 0x44: return r.skip(8);
    case 0xd0:
      r.u8();
      return;
    case 0xd2:
      out.funcIndex = r.u32();
      return;
    default:
      if (op >= 0x28 && op <= 0x3e) return skipMemarg(r);
      throw new WasmFormatError(`unsupported operator 0x${op.toString(16).padStart(2, '0')} (${UNSUPPORTED[op] ?? 'unknown'})`, r.pos - 1);
  }
}

const UNSUPPORTED: Record<number, string> = {
  0x06: 'exceptions: try', 0x07: 'exceptions: catch', 0x08: 'exceptions: throw', 0x09: 'exceptions: rethrow',
  0x12: 'tail calls: return_call', 0x13: 'tail calls: return_call_indirect', 0x18: 'exceptions: delegate', 0x19: 'exceptions: catch_all',
  0xfb: 'GC', 0xfe: 'threads',
};

function skipMemarg(r: Reader): void {
  const align = r.u32();
  if ((align & 0x40) !== 0) r.u32(); // memory index (multi-memory): Node 20 refuses it at compile
  r.u32();
}

function skipFc(r: Reader): number {
  const sub = r.u32();
  if (sub <= 7) return sub;
  switch (sub) {
    case 8: r.u32(); r.u8(); return sub; // memory.init data, memory
    case 9: r.u32(); return sub; // data.drop
    case 10: r.u8(); r.u8(); return sub; // memory.copy
    case 11: r.u8(); return sub; // memory.fill
    case 12: r.u32(); r.u32(); return sub; // table.init
    case 13: r.u32(); return sub; // elem.drop
    case 14: r.u32(); r.u32(); return sub; // table.copy
    case 15: case 16: case 17: r.u32(); return sub; // table.grow/size/fill
    default: throw new WasmFormatError(`unsupported operator 0xfc ${sub}`, r.pos);
  }
}

function skipSimd(r: Reader): number {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) skipMemarg(r);
  else if (sub === 12 || sub === 13) r.skip(16);
  else if (sub >= 21 && sub <= 34) r.u8();
  else if (sub >= 84 && sub <= 91) { skipMemarg(r); r.u8(); }
  else if (sub > 0xff) throw new WasmFormatError(`unsupported SIMD operator ${sub}`, r.pos);
  return sub;
}
