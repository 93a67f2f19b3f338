/**
 * The entry module of a multi-core engine that `pd start` boots: every core imports it
 * (the runtime's `entry` option) and registers the kinds it exports. It imports the config's
 * kind modules, named in its own URL (`entry.js?modules=<JSON array of module URLs>`, see
 * `kindsEntryUrl` in load.ts), and exports their kinds as `Kind`s — plain `{ name, create }`
 * objects included, which the runtime's entry loader alone would not take.
 *
 * Must not: do anything but import the modules (the main thread validated them first, so a
 * failure here is a module that behaves differently on a worker, reported by the runtime).
 */
import type { Kind } from '@pd/actor';
import { asKind, exportedKinds } from './kind-shape.js';

const modules = JSON.parse(new URL(import.meta.url).searchParams.get('modules') ?? '[]') as string[];
const found: Kind[] = [];
for (const href of modules) {
  const list = exportedKinds((await import(href)) as Record<string, unknown>);
  if (!Array.isArray(list)) throw new Error(`${href} exports no "kinds" array`);
  for (const entry of list) {
    const kind = asKind(entry);
    if (kind !== null) found.push(kind);
  }
}

/** Every kind of the config's modules, in module and export order. */
export const kinds: readonly Kind[] = found;

