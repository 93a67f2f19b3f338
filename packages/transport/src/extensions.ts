/**
 * msgpackr extensions: `Addr` (ext 0x41, 22 bytes of identity) and `Map` (ext 0x4d, a flat
 * key/value array); the runtime's signals are in signal-extensions.ts. Owns: those two formats and the decode-time address resolver slot
 * (msgpackr's extension table is process-global, so `Codec.decode` sets it around each
 * synchronous unpack). Must not: register at import (the package is side-effect free), or
 * trust what it reads: a wrong size or shape throws, which the codec reports as malformed.
 */
import type { Addr, AddrIdentity } from '@pd/actor';
import { Addr as AddrClass } from '@pd/actor';
import { addrIdentity, mintAddr } from '@pd/actor/internal';
import { addExtension } from 'msgpackr';
import { registerSignalExtensions } from './signal-extensions.js';

/** Extension type of an encoded address. */
export const ADDR_EXT_TYPE = 0x41;
/** Extension type of an encoded Map. */
export const MAP_EXT_TYPE = 0x4d;
/**
 * Extension type reserved for the number -0. It is never written: -0 goes out as a standard
 * msgpack float64 (0xcb, which every decoder reads back as -0); reading this type with no
 * data also gives -0.
 */
export const NEGATIVE_ZERO_EXT_TYPE = 0x5a;
/** Bytes of an encoded address: node u32, core u16, slot u32, generation u32, secret u64 (LE). */
export const ADDR_EXT_BYTES = 22;

/** Turns a decoded address identity into an `Addr` (the runtime checks it against its tables). */
export type AddrResolver = (identity: AddrIdentity) => Addr<any>;

/** The default resolver: an address with no local target, as for a remote actor. */
export const defaultResolveAddr: AddrResolver = (identity) => mintAddr(identity, null);

/** Carries a Map through msgpackr, which otherwise writes Maps and objects alike. */
export class MapBox {
  constructor(readonly entries: unknown[]) {}
}

/**
 * Stands for -0 in a boxed message: msgpackr writes any integral number as an integer, which
 * has no -0; this writes a float64 instead.
 */
export class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();

/** Registers the extensions once; later calls do nothing. */
export function ensureExtensions(): void {
  if (registered) return;
  registered = true;
  addExtension({ Class: AddrClass, type: ADDR_EXT_TYPE, pack: packAddr, unpack: unpackAddr });
  addExtension({ Class: MapBox, type: MAP_EXT_TYPE, write: (box: MapBox) => box.entries, read: readMap });
  // msgpackr's typings omit the second argument of `pack` (write in place, no extension header).
  addExtension({ Class: NegativeZero, type: NEGATIVE_ZERO_EXT_TYPE, pack: packNegativeZero as unknown as (zero: NegativeZero) => Uint8Array, unpack: unpackNegativeZero });
  registerSignalExtensions(boxMaps);
}

/** Sets the resolver used while decoding; returns the previous one, to restore after. */
export function swapResolver(resolver: AddrResolver): AddrResolver {
  const previous = activeResolver;
  activeResolver = resolver;
  return previous;
}

/**
 * A copy of `value` in which every Map (at any depth) is a {@link MapBox} and every -0 a
 * {@link NegativeZero}. Only called for messages the scan saw one in; other containers are
 * copied only on the way to one.
 */
export function boxMaps(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Map.prototype) {
    const entries: unknown[] = [];
    for (const [k, v] of value as Map<unknown, unknown>) entries.push(boxMaps(k), boxMaps(v));
    return new MapBox(entries);
  }
  if (proto === Array.prototype) return (value as unknown[]).map(boxMaps);
  if (proto === Set.prototype) return new Set([...(value as Set<unknown>)].map(boxMaps));
  if (proto === Object.prototype || proto === null) {
    const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
    for (const key in value) defineValue(copy, key, boxMaps((value as Record<string, unknown>)[key]));
    return copy;
  }
  if (value instanceof Error && 'cause' in value) {
    const copy = new Error(value.message, { cause: boxMaps(value.cause) });
    copy.name = value.name;
    return copy;
  }
  return value;
}

// --- internal ---

let registered = false;
let activeResolver: AddrResolver = defaultResolveAddr;
const TWO_32 = 0x1_0000_0000;

// `__proto__` as a key must stay an own property, never a prototype change.
function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function packAddr(addr: Addr<any>): Uint8Array {
  const id = addrIdentity(addr);
  const out = new Uint8Array(ADDR_EXT_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, id.node, true);
  view.setUint16(4, id.core, true);
  view.setUint32(6, id.slot, true);
  view.setUint32(10, id.generation, true);
  view.setUint32(14, id.secret >>> 0, true);
  view.setUint32(18, Math.floor(id.secret / TWO_32), true);
  return out;
}

function unpackAddr(data: Uint8Array): Addr<any> {
  if (data.length !== ADDR_EXT_BYTES) throw new Error(`an address takes ${ADDR_EXT_BYTES} bytes, got ${data.length}`);
  const secretHigh = u32(data, 18);
  if (secretHigh > 0x1f_ffff) throw new Error('address secret is above 2^53 - 1');
  const identity: AddrIdentity = {
    node: u32(data, 0), core: data[4]! | (data[5]! << 8), slot: u32(data, 6), generation: u32(data, 10),
    secret: secretHigh * TWO_32 + u32(data, 14),
  };
  return activeResolver(identity);
}

type Allocate = (size: number) => { target: Uint8Array; targetView: DataView; position: number };

function packNegativeZero(_zero: NegativeZero, allocate: Allocate): undefined {
  const { target, targetView, position } = allocate(9);
  target[position] = 0xcb;
  targetView.setFloat64(position + 1, -0);
  return undefined;
}

function unpackNegativeZero(data: Uint8Array): number {
  if (data.length !== 0) throw new Error('a -0 extension holds no data');
  return -0;
}

function u32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

function readMap(entries: unknown): Map<unknown, unknown> {
  if (!Array.isArray(entries) || entries.length % 2 !== 0) throw new Error('a Map extension must hold a key/value array');
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < entries.length; i += 2) map.set(entries[i], entries[i + 1]);
  return map;
}
