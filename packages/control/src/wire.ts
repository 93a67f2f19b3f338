/**
 * Turning engine values into JSON for the wire: addresses print as `<node.core.slot.gen>`
 * (never their secret), exit reasons gain a one-line `text`, errors become
 * `{ name, message, code, stack }`, and Map, Set, Date, bigint and typed arrays get plain shapes.
 * Bounded (invariant 9): depth, array length, key count and string length are capped, and
 * cycles are cut, so any message or reply can be shown without risk. Never throws.
 */
import { Addr, PdError, describeExit, type ExitReason } from '@pd/actor';

/** Caps applied by {@link toWire}. */
export const WIRE_LIMITS = {
  depth: 12,
  arrayItems: 1000,
  objectKeys: 200,
  stringChars: 64 * 1024,
  /** Characters of an error's stack kept. */
  stackChars: 16 * 1024,
} as const;

/** A JSON-safe copy of `value`, bounded by {@link WIRE_LIMITS}. */
export function toWire(value: unknown): unknown {
  return convert(value, 0, new Set());
}

/** An exit reason as JSON, with a human `text`. */
export function exitToWire(reason: ExitReason): Record<string, unknown> {
  const out = toWire(reason) as Record<string, unknown>;
  return { ...out, text: describeExit(reason) };
}

// --- internal ---

function convert(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > WIRE_LIMITS.stringChars ? `${value.slice(0, WIRE_LIMITS.stringChars)}…(${value.length} chars)` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return null;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Addr) return obj.toString();
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (seen.has(obj)) return '[cycle]';
  if (depth >= WIRE_LIMITS.depth) return '[too deep]';
  seen.add(obj);
  try {
    return convertObject(obj, depth + 1, seen);
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(obj);
  }
}

function convertObject(obj: object, depth: number, seen: Set<object>): unknown {
  if (obj instanceof Error) {
    const out: Record<string, unknown> = { name: obj.name, message: obj.message };
    if (obj instanceof PdError || typeof (obj as { code?: unknown }).code === 'string') out.code = (obj as unknown as { code: string }).code;
    // The stack makes a crash actionable from `pd dead` and the event stream alone.
    if (typeof obj.stack === 'string') out.stack = obj.stack.length > WIRE_LIMITS.stackChars ? `${obj.stack.slice(0, WIRE_LIMITS.stackChars)}…` : obj.stack;
    return out;
  }
  if (Array.isArray(obj)) return convertList(obj, depth, seen);
  if (obj instanceof Set) return convertList([...obj], depth, seen);
  if (obj instanceof Map) return { $map: convertList([...obj].map(([k, v]) => [k, v]), depth, seen) };
  if (ArrayBuffer.isView(obj)) {
    const bytes = new Uint8Array(obj.buffer, obj.byteOffset, Math.min(obj.byteLength, 64));
    return { $bytes: obj.byteLength, head: Buffer.from(bytes).toString('hex') };
  }
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return convert((obj as { toJSON(): unknown }).toJSON(), depth, seen);
  const out: Record<string, unknown> = {};
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length && i < WIRE_LIMITS.objectKeys; i++) out[keys[i]!] = convert((obj as Record<string, unknown>)[keys[i]!], depth, seen);
  if (keys.length > WIRE_LIMITS.objectKeys) out['…'] = `${keys.length - WIRE_LIMITS.objectKeys} more keys`;
  return out;
}

function convertList(items: readonly unknown[], depth: number, seen: Set<object>): unknown[] {
  const n = Math.min(items.length, WIRE_LIMITS.arrayItems);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = convert(items[i], depth, seen);
  if (items.length > n) out.push(`…${items.length - n} more`);
  return out;
}
