/**
 * What may cross a boundary: the check run on every message before it is encoded. Owns:
 * the rules (plain data, Date, Map, Set, bigint, typed arrays, ArrayBuffer, RegExp, Error,
 * Addr, and the runtime's Down, ExitSignal, MonitorRef; nothing else; and nothing the
 * encoder would carry changed: symbol keys, named array properties, lone surrogates), an
 * upper bound of the encoded size, and naming a refused value by its path. Must not: encode,
 * or do more than say yes or no (and add up the size) on the accepting path: `locateRefusal`
 * runs after a no. The one allocation per object or array is the list of its symbol keys
 * (and an array's keys): no cheaper way exists to see them.
 */
import { Down, ExitSignal, MonitorRef, isAddr } from '@pd/actor';

/** Default for the deepest nesting a message may have; deeper (or circular) is refused. */
export const DEFAULT_MAX_DEPTH = 64;

/** Where a value was refused and why. */
export interface Refusal {
  /** Path from the root label, e.g. `message.items[3].callback`. */
  readonly path: string;
  /** What is wrong with it, e.g. `is a function`. */
  readonly problem: string;
}

/**
 * Result of {@link scanValue}: refused, accepted, or accepted and holding something the
 * encoder must box first (a Map, or the number -0: see `boxMaps`).
 */
export const Scan = { refused: 0, plain: 1, hasMap: 2 } as const;
export type Scan = (typeof Scan)[keyof typeof Scan];

/**
 * Fast yes/no check of `value` (no allocation); see {@link scannedBytes} for its size.
 * Re-entrant: a getter of `value` may check a message of its own (a getter that sends), and
 * the check under way goes on with its own findings, not the inner one's.
 */
export function scanValue(value: unknown, maxDepth: number): Scan {
  const outerLimit = limit, outerSawMap = sawMap, outerBytes = bytes, outerUnbounded = unbounded;
  limit = maxDepth;
  sawMap = false;
  bytes = 0;
  unbounded = false;
  try {
    if (!scan(value, 0)) return Scan.refused;
    lastBound = unbounded ? Infinity : bytes;
    return sawMap ? Scan.hasMap : Scan.plain;
  } finally {
    limit = outerLimit;
    sawMap = outerSawMap;
    bytes = outerBytes;
    unbounded = outerUnbounded;
  }
}

/**
 * An upper bound of the encoded size, in bytes, of the value the last {@link scanValue}
 * accepted (on this thread): as a map or a record, a batch member or alone. Infinity when it
 * holds something with no cheap bound (an Error, a RegExp, a runtime signal, a huge bigint):
 * encode it to know. Read it right after the scan: a later one replaces it.
 */
export function scannedBytes(): number {
  return lastBound;
}

/** Finds the first refused value under `value`, naming it from `label`; null if none. */
export function locateRefusal(value: unknown, label: string, maxDepth: number): Refusal | null {
  return locate(value, label, { objects: [], paths: [], maxDepth });
}

// --- internal: the fast scan ---

let limit = DEFAULT_MAX_DEPTH;
let sawMap = false;
// The size bound: msgpack writes a string of n UTF-16 units in at most 3n bytes after a
// header of at most 5; any number, boolean, null or undefined in at most 9; an object or
// record, an array, a Map or a Set adds a header (a record's definition repeats its keys,
// which are counted per object anyway).
let bytes = 0;
let unbounded = false;
/** The bound of the last scan that accepted its value (the working state above is restored for an outer scan). */
let lastBound = 0;
const CONTAINER_BYTES = 16;
const LEAF_BYTES = 9;
const EXT_BYTES = 16;

function scan(v: unknown, depth: number): boolean {
  if (typeof v === 'object' && v !== null) return scanObject(v, depth);
  if (typeof v === 'string') {
    if (!wellFormed(v)) return false;
    bytes += v.length * 3 + 5;
  } else if (typeof v === 'function' || typeof v === 'symbol') return false;
  else if (typeof v === 'bigint') addBigint(v);
  else {
    bytes += LEAF_BYTES;
    if (v === 0 && 1 / (v as number) < 0) sawMap = true;
  }
  return true;
}

// Leaves are checked inline (no call per primitive): this scan runs on every message sent.
function scanObject(v: object, depth: number): boolean {
  if (depth >= limit) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const o = v as Record<string, unknown>;
    bytes += CONTAINER_BYTES;
    for (const key in o) {
      // An own "__proto__" key would be renamed on the way (so it cannot reach a prototype): refuse it rather than lose it.
      if (key === '__proto__' || !wellFormed(key)) return false;
      bytes += key.length * 3 + 5;
      const x = o[key];
      if (typeof x === 'object') {
        if (x === null) bytes += LEAF_BYTES;
        else if (!scanObject(x, depth + 1)) return false;
      } else if (typeof x === 'string') {
        if (!wellFormed(x)) return false;
        bytes += x.length * 3 + 5;
      } else if (typeof x === 'function' || typeof x === 'symbol') return false;
      else if (typeof x === 'bigint') addBigint(x);
      else {
        bytes += LEAF_BYTES;
        if (x === 0 && 1 / (x as number) < 0) sawMap = true;
      }
    }
    return !hasSymbolKeys(o);
  }
  if (proto === Array.prototype) {
    const a = v as unknown[];
    bytes += CONTAINER_BYTES;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x === 'object') {
        if (x === null) bytes += LEAF_BYTES;
        else if (!scanObject(x, depth + 1)) return false;
      } else if (typeof x === 'string') {
        if (!wellFormed(x)) return false;
        bytes += x.length * 3 + 5;
      } else if (typeof x === 'function' || typeof x === 'symbol') return false;
      else if (typeof x === 'bigint') addBigint(x);
      else {
        bytes += LEAF_BYTES;
        if (x === 0 && 1 / (x as number) < 0) sawMap = true;
      }
    }
    return namedArrayKey(a) === null && !hasSymbolKeys(a);
  }
  return scanOther(v, proto, depth);
}

function scanOther(v: object, proto: unknown, depth: number): boolean {
  if (isLeafObject(v, proto)) {
    addLeafObject(v, proto);
    return true;
  }
  bytes += CONTAINER_BYTES;
  if (proto === Map.prototype) {
    sawMap = true;
    for (const [key, value] of v as Map<unknown, unknown>) if (!scan(key, depth + 1) || !scan(value, depth + 1)) return false;
    return true;
  }
  if (proto === Set.prototype) {
    for (const item of v as Set<unknown>) if (!scan(item, depth + 1)) return false;
    return true;
  }
  if (v instanceof Error) {
    unbounded = true;
    return !('cause' in v) || scan(v.cause, depth + 1);
  }
  return false;
}

/** Objects that encode as a whole, with nothing inside to check. */
function isLeafObject(v: object, proto: unknown): boolean {
  // A typed array over shared memory is accepted: its bytes are copied like any other.
  // Down, ExitSignal and MonitorRef: their extensions make whatever they hold encodable.
  return isAddr(v) || proto === Date.prototype || ArrayBuffer.isView(v) || proto === ArrayBuffer.prototype ||
    proto === RegExp.prototype || proto === Down.prototype || proto === ExitSignal.prototype || proto === MonitorRef.prototype;
}

function addLeafObject(v: object, proto: unknown): void {
  if (ArrayBuffer.isView(v) || proto === ArrayBuffer.prototype) bytes += (v as ArrayBufferLike).byteLength + EXT_BYTES;
  else if (proto === RegExp.prototype || proto === Down.prototype || proto === ExitSignal.prototype) unbounded = true;
  else bytes += EXT_BYTES + 16; // an address (22 bytes), a Date or a MonitorRef
}

interface MaybeWellFormed {
  isWellFormed(): boolean;
}

/** False for a string holding a lone UTF-16 surrogate: UTF-8 cannot carry it (it would arrive as U+FFFD). */
export function wellFormed(s: string): boolean {
  return (s as unknown as MaybeWellFormed).isWellFormed();
}

/** Whether `o` has an enumerable symbol-keyed property (the encoder would leave it out). */
export function hasSymbolKeys(o: object): boolean {
  const symbols = Object.getOwnPropertySymbols(o);
  for (let i = 0; i < symbols.length; i++) if (Object.prototype.propertyIsEnumerable.call(o, symbols[i]!)) return true;
  return false;
}

/**
 * The first enumerable property of array `a` that is not an element (`a.note = ...`), which
 * the encoder would leave out; null if none. Keys list indices first, so the last tells.
 */
export function namedArrayKey(a: unknown[]): string | null {
  const keys = Object.keys(a);
  const n = keys.length;
  if (n === 0 || isIndex(keys[n - 1]!, a.length)) return null;
  for (let i = 0; i < n; i++) if (!isIndex(keys[i]!, a.length)) return keys[i]!;
  return null;
}

function isIndex(key: string, length: number): boolean {
  const i = Number(key);
  return Number.isInteger(i) && i >= 0 && i < length && String(i) === key;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function addBigint(x: bigint): void {
  if (x >= INT64_MIN && x <= UINT64_MAX) bytes += LEAF_BYTES;
  else unbounded = true;
}

// --- internal: locating a refusal (slow path, only after a refused scan) ---

interface Trail {
  readonly objects: object[];
  readonly paths: string[];
  readonly maxDepth: number;
}

function locate(v: unknown, at: string, trail: Trail): Refusal | null {
  if (typeof v === 'string') return wellFormed(v) ? null : { path: at, problem: `is a string with ${LONE_SURROGATE}` };
  if (typeof v === 'function') return { path: at, problem: `is a function${v.name && !at.endsWith(`.${v.name}`) ? ` (${v.name})` : ''}` };
  if (typeof v === 'symbol') return { path: at, problem: `is a symbol (${String(v)})` };
  if (typeof v !== 'object' || v === null) return null;
  const seen = trail.objects.indexOf(v);
  if (seen >= 0) return { path: at, problem: `is a circular reference to ${trail.paths[seen]}` };
  if (trail.objects.length >= trail.maxDepth) return { path: at, problem: `is nested deeper than ${trail.maxDepth} levels` };
  trail.objects.push(v);
  trail.paths.push(at);
  try {
    return locateInside(v, at, trail);
  } finally {
    trail.objects.pop();
    trail.paths.pop();
  }
}

function locateInside(v: object, at: string, trail: Trail): Refusal | null {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const o = v as Record<string, unknown>;
    for (const key in o) {
      if (key === '__proto__') return { path: at + propertyPath(key), problem: 'is an own "__proto__" key, which cannot cross safely (a receiver would have it renamed)' };
      if (!wellFormed(key)) return { path: at + propertyPath(key), problem: `is a key with ${LONE_SURROGATE}` };
      const found = locate(o[key], at + propertyPath(key), trail);
      if (found) return found;
    }
    return locateSymbolKey(o, at);
  }
  if (proto === Array.prototype) {
    const a = v as unknown[];
    const found = locateEach(a, (i) => `${at}[${i}]`, trail);
    if (found) return found;
    const named = namedArrayKey(a);
    if (named !== null) return { path: at + propertyPath(named), problem: 'is a named property of an array, which cannot cross (only elements do): use an object' };
    return locateSymbolKey(a, at);
  }
  if (isLeafObject(v, proto)) return null;
  if (proto === Map.prototype) return locateMap(v as Map<unknown, unknown>, at, trail);
  if (proto === Set.prototype) return locateEach([...(v as Set<unknown>)], (i) => `${at}<item ${i}>`, trail);
  if (v instanceof Error) return 'cause' in v ? locate(v.cause, `${at}.cause`, trail) : null;
  return { path: at, problem: describeRefusedObject(v, proto) };
}

const LONE_SURROGATE = 'a lone UTF-16 surrogate, which is not Unicode text and cannot cross unchanged (send bytes instead)';

function locateSymbolKey(o: object, at: string): Refusal | null {
  for (const symbol of Object.getOwnPropertySymbols(o)) {
    if (Object.prototype.propertyIsEnumerable.call(o, symbol)) {
      return { path: `${at}[${String(symbol)}]`, problem: 'is a symbol-keyed property, which cannot cross (symbols are local to a thread): use a string key' };
    }
  }
  return null;
}

function locateEach(items: readonly unknown[], pathOf: (i: number) => string, trail: Trail): Refusal | null {
  for (let i = 0; i < items.length; i++) {
    const found = locate(items[i], pathOf(i), trail);
    if (found) return found;
  }
  return null;
}

function locateMap(map: Map<unknown, unknown>, at: string, trail: Trail): Refusal | null {
  let i = 0;
  for (const [key, value] of map) {
    const found = locate(key, `${at}<key ${i}>`, trail) ?? locate(value, `${at}.get(${mapKeyPath(key, i)})`, trail);
    if (found) return found;
    i++;
  }
  return null;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertyPath(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function mapKeyPath(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `<key ${index}>`;
}

function describeRefusedObject(v: object, proto: unknown): string {
  const name = className(proto);
  if (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer) {
    return 'is a SharedArrayBuffer (shared memory is handed over by the engine, not sent in a message)';
  }
  if (v instanceof Promise) return 'is a Promise (await it and send the result)';
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) return `is a ${name} (weak collections and references cannot be copied)`;
  return `is an instance of class ${name} (only plain objects, arrays, Map, Set, Date, RegExp, Error, bigint, ` +
    'typed arrays, ArrayBuffer, Addr, Down, ExitSignal and MonitorRef can cross a boundary: send plain data)';
}

function className(proto: unknown): string {
  try {
    const ctor = (proto as { constructor?: { name?: unknown } } | null)?.constructor;
    return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : '(anonymous)';
  } catch {
    return '(unknown)';
  }
}
