/**
 * Loading an application's kinds from its entry module, the same on every core: every
 * exported `Kind` (or array of kinds) is registered, in export order. A kind made by
 * another copy of `@pd/actor` (a bundled app) is re-wrapped by name and factory.
 * Must not: run anything of the module but its top level (that is the module's business).
 */
import { Kind } from '@pd/actor';

export async function loadKinds(href: string): Promise<Kind[]> {
  const mod = (await import(href)) as Record<string, unknown>;
  const found = new Map<string, Kind>();
  const take = (value: unknown): void => {
    const kind = asKind(value);
    if (kind !== null && !found.has(kind.name)) found.set(kind.name, kind);
  };
  for (const value of Object.values(mod)) {
    if (Array.isArray(value)) value.forEach(take);
    else take(value);
  }
  return [...found.values()];
}

function asKind(value: unknown): Kind | null {
  if (value instanceof Kind) return value;
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { name?: unknown; create?: unknown };
  if (typeof v.name === 'string' && typeof v.create === 'function' && value.constructor?.name === 'Kind') {
    return new Kind(v.name, v.create as (args: unknown) => never);
  }
  return null;
}
