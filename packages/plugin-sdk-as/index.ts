// The AssemblyScript SDK of the Palladium plugin ABI v1 (docs/plugin-abi.md).
//
// Package @pd/plugin-sdk-as. Re-export the ABI exports from your entry file:
//   export { pd_abi_version_1, pd_alloc } from "@pd/plugin-sdk-as";
// and write `export function pd_on_message(ptr: usize, len: usize): i32`, ending with
// `return done(OK)`. Build with `--runtime stub --use abort=` (no imports outside `pd`).
//
// Memory: blocks the host asks for (`pd_alloc`) come from an arena that `done()` empties,
// so a message's bytes are valid until your handler returns. Encoding and decoding use
// fixed buffers: nothing here allocates per message.

// --- host functions (module "pd") ---

@external("pd", "send") export declare function send(toPtr: usize, toLen: usize, msgPtr: usize, msgLen: usize): i32;
@external("pd", "reply") export declare function reply(msgPtr: usize, msgLen: usize): i32;
@external("pd", "self") export declare function self(outPtrPtr: usize, outLenPtr: usize): i32;
@external("pd", "spawn") export declare function spawn(kindPtr: usize, kindLen: usize, argsPtr: usize, argsLen: usize, outPtrPtr: usize, outLenPtr: usize): i32;
@external("pd", "send_after") export declare function sendAfter(toPtr: usize, toLen: usize, msgPtr: usize, msgLen: usize, delayMs: i32): i32;
@external("pd", "now") export declare function now(): f64;
@external("pd", "random") export declare function random(): u32;
@external("pd", "log") export declare function log(level: i32, ptr: usize, len: usize): i32;

// --- status codes ---

export const OK: i32 = 0;
export const STOP: i32 = 1;
export const BAD_POINTER: i32 = -1;
export const BAD_ENCODING: i32 = -2;
export const DEAD: i32 = -3;
export const MAILBOX_FULL: i32 = -4;
export const NO_ASK: i32 = -5;
export const TOO_LARGE: i32 = -6;
export const UNKNOWN_KIND: i32 = -7;
export const ALLOC_FAILED: i32 = -8;
export const LIMIT: i32 = -9;
export const BAD_ARGUMENT: i32 = -10;
export const DENIED: i32 = -11;

export const LOG_DEBUG: i32 = 1;
export const LOG_INFO: i32 = 2;
export const LOG_WARN: i32 = 3;

// --- ABI exports ---

/** The ABI marker: never called. */
export function pd_abi_version_1(): void {}

const ARENA_MIN: usize = 65536;
let arenaBase: usize = 0;
let arenaTop: usize = 0;
let arenaEnd: usize = 0;

/** The host allocates message bytes here. */
export function pd_alloc(size: usize): usize {
  const aligned = (size + 7) & ~(<usize>7);
  if (arenaTop + aligned > arenaEnd) {
    const want = aligned > ARENA_MIN ? aligned : ARENA_MIN;
    arenaBase = heap.alloc(want);
    arenaTop = arenaBase;
    arenaEnd = arenaBase + want;
  }
  const ptr = arenaTop;
  arenaTop += aligned;
  return ptr;
}

/** Ends a handler: empties the arena and passes `status` through. */
export function done(status: i32): i32 {
  arenaTop = arenaBase;
  return status;
}

// --- msgpack: reading the message ---

let rPos: usize = 0;
let rEnd: usize = 0;

/** Starts reading a message. */
export function readFrom(ptr: usize, len: usize): void {
  rPos = ptr;
  rEnd = ptr + len;
}

function peek(): u32 {
  return rPos < rEnd ? <u32>load<u8>(rPos) : 0xc1;
}

/** Whether the next value is an integer. */
export function isInt(): bool {
  const b = peek();
  return b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3);
}

/** Whether the next value is a string. */
export function isStr(): bool {
  const b = peek();
  return (b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda || b == 0xdb;
}

/** Whether the next value is an array; `arrayLen()` reads its header. */
export function isArray(): bool {
  const b = peek();
  return (b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd;
}

function be(n: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(rPos + i);
  rPos += n;
  return v;
}

/** Reads an integer (0 if the next value is not one). */
export function readInt(): i64 {
  const b = peek();
  if (rPos >= rEnd) return 0;
  rPos++;
  if (b <= 0x7f) return <i64>b;
  if (b >= 0xe0) return <i64>(<i8>b);
  switch (b) {
    case 0xcc: return <i64>be(1);
    case 0xcd: return <i64>be(2);
    case 0xce: return <i64>be(4);
    case 0xcf: return <i64>be(8);
    case 0xd0: return <i64>(<i8>be(1));
    case 0xd1: return <i64>(<i16>be(2));
    case 0xd2: return <i64>(<i32>be(4));
    case 0xd3: return <i64>be(8);
  }
  return 0;
}

/** Reads an array header: its length. */
export function arrayLen(): i32 {
  const b = peek();
  rPos++;
  if (b >= 0x90 && b <= 0x9f) return <i32>(b & 0x0f);
  if (b == 0xdc) return <i32>be(2);
  return <i32>be(4);
}

/** Whether the next value is the string `s` (ASCII); consumes it when it is. */
export function readStrIs(s: string): bool {
  if (!isStr()) return false;
  const start = rPos;
  const b = peek();
  rPos++;
  let len: i32 = 0;
  if (b <= 0xbf) len = <i32>(b & 0x1f);
  else if (b == 0xd9) len = <i32>be(1);
  else if (b == 0xda) len = <i32>be(2);
  else len = <i32>be(4);
  if (len != s.length) {
    rPos = start;
    return false;
  }
  for (let i = 0; i < len; i++) {
    if (<i32>load<u8>(rPos + i) != s.charCodeAt(i)) {
      rPos = start;
      return false;
    }
  }
  rPos += len;
  return true;
}

// --- msgpack: writing a reply or a message ---

const OUT_CAP: usize = 256;
const out: usize = memory.data(256);
let wLen: usize = 0;

/** Starts a new outgoing value in the shared output buffer. */
export function beginOut(): void {
  wLen = 0;
}

export function outPtr(): usize {
  return out;
}

export function outLen(): usize {
  return wLen;
}

function put(b: u32): void {
  if (wLen < OUT_CAP) store<u8>(out + wLen, <u8>b);
  wLen++;
}

function putBe(v: u64, n: i32): void {
  for (let i = n - 1; i >= 0; i--) put(<u32>((v >> (<u64>(i * 8))) & 0xff));
}

/** Appends an integer, in the shortest msgpack form. */
export function writeInt(v: i64): void {
  if (v >= 0 && v <= 0x7f) put(<u32>v);
  else if (v < 0 && v >= -32) put(<u32>(v & 0xff));
  else if (v >= 0 && v <= 0xffff) { put(0xcd); putBe(<u64>v, 2); }
  else if (v >= 0 && v <= 0xffffffff) { put(0xce); putBe(<u64>v, 4); }
  else { put(0xd3); putBe(<u64>v, 8); }
}

export function writeBool(v: bool): void {
  put(v ? 0xc3 : 0xc2);
}

export function writeNil(): void {
  put(0xc0);
}

/** Appends an array header; its `n` values follow. */
export function writeArray(n: i32): void {
  put(0x90 | <u32>n);
}

/** Appends an ASCII string of fewer than 32 characters. */
export function writeStr(s: string): void {
  put(0xa0 | <u32>s.length);
  for (let i = 0; i < s.length; i++) put(<u32>s.charCodeAt(i));
}

/** Replies with the output buffer (NO_ASK when the message was not an ask). */
export function replyOut(): i32 {
  return reply(out, wLen);
}

/** Logs an ASCII line. */
export function logText(level: i32, s: string): i32 {
  const buf = String.UTF8.encode(s);
  return log(level, changetype<usize>(buf), <usize>buf.byteLength);
}
