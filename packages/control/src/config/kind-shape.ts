/**
 * What a config's kind module exports, read the same way on the main thread (load.ts) and
 * on every core of a multi-core engine (entry.ts): a `kinds` array (or a default export
 * with `kinds`) of kinds made with `defineKind`, or plain `{ name, create }` objects, which
 * are wrapped as kinds so a module need not import `@pd/actor`. No I/O.
 */
import { Kind } from '@pd/actor';

/** The `kinds` list a module exports, or undefined when it exports none. */
export function exportedKinds(mod: Record<string, unknown>): unknown {
  return mod.kinds ?? (mod.default as { kinds?: unknown } | undefined)?.kinds;
}

/** A Kind, or a look-alike (another copy of @pd/actor, a plain `{ name, create }`) rewrapped; null otherwise. */
export function asKind(entry: unknown): Kind | null {
  if (entry instanceof Kind) return entry;
  if (typeof entry === 'object' && entry !== null) {
    const { name, create } = entry as { name?: unknown; create?: unknown };
    if (typeof name === 'string' && typeof create === 'function') return new Kind(name, create as (args: unknown) => any);
  }
  return null;
}
