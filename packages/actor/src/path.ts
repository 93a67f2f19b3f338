/**
 * Names and hierarchical paths. Every rule is bounded (invariant 9): names are at most
 * {@link NAME_MAX_LENGTH} characters, paths at most {@link PATH_MAX_SEGMENTS} segments and
 * {@link PATH_MAX_LENGTH} characters. A malformed name or path is refused with an error that
 * says which rule it breaks.
 */
import { RegistryError } from './errors.js';

export const NAME_MAX_LENGTH = 128;
export const PATH_MAX_LENGTH = 1024;
export const PATH_MAX_SEGMENTS = 32;

/** Letters, digits and `_ - . : @ +`, not starting with `$` (reserved for generated names). */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_\-.:@+]*$/;

/** Why `name` is not a valid name, or null when it is. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return `expected a string, got ${describeType(name)}`;
  if (name.length === 0) return 'the name is empty';
  if (name.length > NAME_MAX_LENGTH) return `the name is ${name.length} characters long (at most ${NAME_MAX_LENGTH})`;
  if (!NAME_RE.test(name)) return `"${name}" may only hold letters, digits and _ - . : @ +, and may not start with a symbol`;
  return null;
}

/** Throws a `registry/invalid-name` error unless `name` is valid; returns it. */
export function validateName(name: unknown, what = 'name'): string {
  const problem = nameProblem(name);
  if (problem !== null) throw new RegistryError('registry/invalid-name', `invalid ${what}: ${problem}`, { name });
  return name as string;
}

/** Why `path` is not a valid absolute path, or null when it is. */
export function pathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return `expected a string, got ${describeType(path)}`;
  if (path.length > PATH_MAX_LENGTH) return `the path is ${path.length} characters long (at most ${PATH_MAX_LENGTH})`;
  if (!path.startsWith('/')) return `"${path}" must start with "/"`;
  if (path === '/') return null;
  const segments = path.slice(1).split('/');
  if (segments.length > PATH_MAX_SEGMENTS) return `the path has ${segments.length} segments (at most ${PATH_MAX_SEGMENTS})`;
  for (const segment of segments) {
    if (segment.length === 0) return `"${path}" has an empty segment`;
    const problem = nameProblem(segment);
    if (problem !== null && !segment.startsWith('$')) return `segment "${segment}" of "${path}": ${problem}`;
  }
  return null;
}

/** Throws a `registry/invalid-name` error unless `path` is a valid absolute path; returns it. */
export function validatePath(path: unknown): string {
  const problem = pathProblem(path);
  if (problem !== null) throw new RegistryError('registry/invalid-name', `invalid path: ${problem}`, { path });
  return path as string;
}

/** The segments of a valid path (`/a/b` → `['a', 'b']`, `/` → `[]`). */
export function pathSegments(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/** Join a parent path and one segment. */
export function childPath(parent: string, segment: string): string {
  return parent === '/' ? `/${segment}` : `${parent}/${segment}`;
}

/** True when `path` equals `prefix` or lies below it. */
export function isUnderPath(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return typeof value;
}
