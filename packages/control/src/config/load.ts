/**
 * Reading a config file: bounded size, JSON with line:column on a syntax error, then
 * {@link validateConfig}, then paths in the file (modules, stateDir) made absolute
 * relative to the file's folder. Also loads the modules that define kinds and checks that
 * every kind the tree names exists, before anything starts.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Kind } from '@pd/actor';
import { asKind, exportedKinds } from './kind-shape.js';
import { resolveFederationFiles } from './federation.js';
import { loosePluginNames, resolvePluginFiles } from './plugins.js';
import { ConfigError, validateConfig } from './validate.js';
import type { ChildSpec, PdConfig } from './types.js';

/** Largest config file read, bytes. */
export const CONFIG_MAX_BYTES = 1024 * 1024;

/** Parse and validate config text; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file?: string): PdConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ path: '(root)', message: `not valid JSON: ${jsonProblem(text, error)}` }], file);
  }
  const config = validateConfig(raw, file);
  if (file === undefined) return config;
  const base = dirname(file);
  return {
    ...config,
    file,
    modules: config.modules.map((m) => (isBareSpecifier(m) ? m : resolve(base, m))),
    control: config.control.stateDir === undefined ? config.control : { ...config.control, stateDir: resolve(base, config.control.stateDir) },
    plugins: resolvePluginFiles(config.plugins, (f) => resolve(base, f)),
    ...(config.federation === undefined ? {} : { federation: resolveFederationFiles(config.federation, (f) => resolve(base, f))! }),
  };
}

/** Read, parse and validate a config file. */
export async function loadConfig(path: string): Promise<PdConfig> {
  const file = resolve(path);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new ConfigError([{ path: '(root)', message: `cannot read the config file: ${(error as Error).message}` }], file);
  }
  if (size > CONFIG_MAX_BYTES) throw new ConfigError([{ path: '(root)', message: `the file is ${size} bytes (at most ${CONFIG_MAX_BYTES})` }], file);
  const text = await readFile(file, 'utf8');
  try {
    return parseConfig(text, file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw await withKindIssues(error, text, file);
  }
}

/**
 * A file with schema mistakes may name unknown kinds too: report them in the same report
 * (every mistake at once), as far as the file's `modules` and `tree` can be read.
 */
async function withKindIssues(error: ConfigError, text: string, file: string): Promise<ConfigError> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return error;
  }
  if (typeof raw !== 'object' || raw === null) return error;
  const { modules = [], tree, plugins } = raw as { modules?: unknown; tree?: unknown; plugins?: unknown };
  if (!Array.isArray(modules) || !modules.every((m) => typeof m === 'string' && m.length > 0)) return error;
  if (error.issues.some((i) => i.path === '(root)' || i.path.startsWith('modules'))) return error;
  const base = dirname(file);
  const specifiers = (modules as string[]).map((m) => (isBareSpecifier(m) ? m : resolve(base, m)));
  const { kinds, issues } = await collectKinds(specifiers, file, []);
  if (issues.length === 0) checkLooseTreeKinds(tree, 'tree', new Set([...kinds.keys(), ...loosePluginNames(plugins)]), issues, 0);
  const reported = new Set(error.issues.map((i) => i.path));
  const more = issues.filter((i) => !reported.has(i.path));
  return more.length === 0 ? error : new ConfigError([...error.issues, ...more], file);
}

/** checkTreeKinds over a tree that failed validation: only what can be read, bounded in depth. */
function checkLooseTreeKinds(node: unknown, at: string, known: Set<string>, issues: { path: string; message: string }[], depth: number): void {
  if (typeof node !== 'object' || node === null || depth > 16) return;
  const children = (node as { children?: unknown }).children;
  if (!Array.isArray(children)) return;
  children.forEach((child: unknown, i) => {
    if (typeof child !== 'object' || child === null) return;
    const kind = (child as { kind?: unknown }).kind;
    if (typeof kind === 'string' && !known.has(kind)) issues.push({ path: `${at}.children[${i}].kind`, message: unknownKind(kind, known) });
    checkLooseTreeKinds(child, `${at}.children[${i}]`, known, issues, depth + 1);
  });
}

/**
 * Import the config's modules and collect their kinds, then check that every kind the tree
 * names is among them (`extra` kinds, given in code, and the config's plugins count too; a
 * plugin may not take a module kind's name). A module exports `kinds` (an array of kinds made with `defineKind`,
 * or `{ name, create }` objects); a default export with `kinds` works too.
 */
export async function loadKinds(config: PdConfig, extra: readonly Kind[] = []): Promise<Kind[]> {
  const { kinds, issues } = await collectKinds(config.modules, config.file, extra);
  config.plugins.forEach((p, i) => {
    if (kinds.has(p.name)) issues.push({ path: `plugins[${i}].name`, message: `"${p.name}" is already a kind ${kinds.get(p.name)!.from < 0 ? 'given in code' : `of modules[${kinds.get(p.name)!.from}]`}; give the plugin another name` });
  });
  if (issues.length === 0) checkTreeKinds(config.tree.children, 'tree.children', new Set([...kinds.keys(), ...config.plugins.map((p) => p.name)]), issues);
  if (issues.length > 0) throw new ConfigError(issues, config.file);
  return [...kinds.values()].map((k) => k.kind);
}

/**
 * The entry module a multi-core engine booted from `config` gives every core (the runtime's
 * `entry` option): entry.ts, with the config's modules (as URLs) in its query. From the
 * built package it sits next to this file; run from TypeScript source (tests), the workers
 * get the built `dist` twin, as worker threads cannot load TypeScript.
 */
export function kindsEntryUrl(config: PdConfig): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(here.replace(/\/src\/config\/load\.ts$/, '/dist/config/entry.js')) : new URL('./entry.js', here);
  url.search = `?modules=${encodeURIComponent(JSON.stringify(config.modules.map((m) => moduleUrl(m, config.file))))}`;
  return url.href;
}

// --- internal ---

/** Import the modules and gather their kinds, with an issue for each module that fails. */
async function collectKinds(modules: readonly string[], file: string | undefined, extra: readonly Kind[]): Promise<{ kinds: Map<string, { kind: Kind; from: number }>; issues: { path: string; message: string }[] }> {
  const kinds = new Map<string, { kind: Kind; from: number }>();
  for (const kind of extra) kinds.set(kind.name, { kind, from: -1 });
  const issues: { path: string; message: string }[] = [];
  for (const [i, specifier] of modules.entries()) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(moduleUrl(specifier, file));
    } catch (error) {
      issues.push({ path: `modules[${i}]`, message: `cannot import ${specifier}: ${(error as Error).message}` });
      continue;
    }
    const list = exportedKinds(mod);
    if (!Array.isArray(list)) {
      issues.push({ path: `modules[${i}]`, message: `${specifier} exports no "kinds" array (export const kinds = [defineKind(...), ...])` });
      continue;
    }
    list.forEach((entry: unknown, j) => {
      const kind = asKind(entry);
      if (kind === null) issues.push({ path: `modules[${i}]`, message: `kinds[${j}] of ${specifier} is not a kind (defineKind(name, factory) or { name, create })` });
      else if (kinds.has(kind.name) && kinds.get(kind.name)!.kind.create !== kind.create) {
        const from = kinds.get(kind.name)!.from;
        issues.push({ path: `modules[${i}]`, message: `kind "${kind.name}" is also defined ${from < 0 ? 'in code' : `by modules[${from}]`}` });
      } else kinds.set(kind.name, { kind, from: i });
    });
  }
  return { kinds, issues };
}

function checkTreeKinds(children: readonly ChildSpec[], at: string, known: Set<string>, issues: { path: string; message: string }[]): void {
  children.forEach((child, i) => {
    if (child.kind !== undefined && !known.has(child.kind)) issues.push({ path: `${at}[${i}].kind`, message: unknownKind(child.kind, known) });
    if (child.children !== undefined) checkTreeKinds(child.children, `${at}[${i}].children`, known, issues);
  });
}

function unknownKind(kind: string, known: Set<string>): string {
  const list = known.size === 0 ? 'no module defines any kind; list the modules in "modules"' : `known kinds: ${[...known].sort().join(', ')}`;
  return `unknown kind "${kind}" (${list})`;
}

/** A file path as a URL; a package name resolved from the config file's folder. */
function moduleUrl(specifier: string, configFile: string | undefined): string {
  if (!isBareSpecifier(specifier)) return pathToFileURL(resolve(specifier)).href;
  if (configFile === undefined) return specifier;
  try {
    return pathToFileURL(createRequire(configFile).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

function isBareSpecifier(s: string): boolean {
  return !isAbsolute(s) && !s.startsWith('./') && !s.startsWith('../') && !s.startsWith('.\\') && !s.startsWith('..\\') && s !== '.' && s !== '..';
}

function jsonProblem(text: string, error: unknown): string {
  const message = (error as Error).message;
  const m = /position (\d+)/.exec(message);
  if (m === null) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}
