/**
 * Config validation: a raw value (parsed JSON) becomes a {@link PdConfig} or a
 * {@link ConfigError} listing every mistake with the path of the offending field
 * (`tree.children[2].kind`). Two passes: the JSON Schema of schema.ts (types, unknown
 * fields, ranges), then the rules a schema cannot say well (sibling ids, worker vs
 * supervisor fields, loopback). Nothing here reads files or starts anything.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CONFIG_SCHEMA, CONFIG_VERSION } from './schema.js';
import { type ChildSpec, type PdConfig, withDefaults } from './types.js';
import { federationIssues } from './federation.js';
import { pluginIssues } from './plugins.js';
import { isLoopbackHost } from '../loopback.js';
import { closestName } from '../suggest.js';

/** One mistake in a config: where (a path like `engine.cores`) and what. */
export interface ConfigIssue {
  /** Dotted path of the field, `(root)` for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** A config that cannot be used; nothing was started. */
export class ConfigError extends Error {
  readonly code = 'config/invalid';
  constructor(readonly issues: readonly ConfigIssue[], readonly file?: string) {
    super(`${file === undefined ? 'config' : file}: ${issues.length === 1 ? 'invalid config' : `${issues.length} problems`}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validate a parsed config; throws a {@link ConfigError} naming every bad field. */
export function validateConfig(raw: unknown, file?: string): PdConfig {
  // Bounded before anything recursive (the schema validator, the rules) walks the value:
  // a deeply nested file must be refused by name, not overflow the stack.
  const tooDeep = nestingIssue(raw);
  if (tooDeep !== null) throw new ConfigError([tooDeep], file);
  const issues = schemaIssues(raw);
  if (issues.length === 0) issues.push(...ruleIssues(raw as Record<string, any>));
  if (issues.length > 0) throw new ConfigError(issues, file);
  return withDefaults(raw as Record<string, any>);
}

/** Turn a JSON Pointer (`/tree/children/0`) into a dotted path (`tree.children[0]`). */
export function pointerToPath(pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let out = '';
  for (const s of segments) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** How deeply objects and arrays may nest in a config, counting the root object as 1. */
export const CONFIG_MAX_NESTING = 64;

// --- internal ---

/**
 * The first value nested deeper than {@link CONFIG_MAX_NESTING}, as an issue naming its
 * path; null when the value is within the bound. Iterative, so it cannot overflow itself.
 */
function nestingIssue(raw: unknown): ConfigIssue | null {
  type Frame = { value: unknown; depth: number; key: string; parent: Frame | null };
  const stack: Frame[] = [{ value: raw, depth: 1, key: '', parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (typeof frame.value !== 'object' || frame.value === null) continue;
    if (frame.depth > CONFIG_MAX_NESTING) {
      const keys: string[] = [];
      for (let f: Frame | null = frame; f !== null && f.parent !== null; f = f.parent) keys.unshift(f.key.replace(/~/g, '~0').replace(/\//g, '~1'));
      return { path: pointerToPath(keys.length === 0 ? '' : `/${keys.join('/')}`), message: `nested more than ${CONFIG_MAX_NESTING} levels deep (objects and arrays count); flatten the config` };
    }
    for (const key of Object.keys(frame.value)) stack.push({ value: (frame.value as Record<string, unknown>)[key], depth: frame.depth + 1, key, parent: frame });
  }
  return null;
}

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (compiled === null) {
    // Loaded on first use: commands that never read a config start faster without it.
    const Ajv = (createRequire(import.meta.url)('ajv') as { default: new (options: object) => { compile(schema: object): ValidateFunction } }).default;
    compiled = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(CONFIG_SCHEMA);
  }
  return compiled;
}

function schemaIssues(raw: unknown): ConfigIssue[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ path: '(root)', message: `a config is a JSON object with "version": ${CONFIG_VERSION}, got ${describe(raw)}` }];
  }
  const version = (raw as { version?: unknown }).version;
  if (version !== undefined && version !== CONFIG_VERSION) {
    // A different version means a different contract: report only that.
    return [{ path: 'version', message: `this pd reads config version ${CONFIG_VERSION}, got ${describe(version)}` }];
  }
  const validate = validator();
  if (validate(raw)) return [];
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const issue = issueFor(error);
    if (issue === null) continue;
    const key = `${issue.path}\0${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}

function issueFor(e: ErrorObject): ConfigIssue | null {
  // Branch failures of oneOf / anyOf are summarised by the oneOf / anyOf error itself.
  if (/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath)) return null;
  const at = pointerToPath(e.instancePath);
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = closestName(p.additionalProperty, allowed);
      const tail = near !== null ? `; did you mean "${near}"?` : allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
      return { path: pointerToPath(e.instancePath, p.additionalProperty), message: `unknown field "${p.additionalProperty}"${tail}` };
    }
    case 'required':
      return { path: pointerToPath(e.instancePath, p.missingProperty), message: `required field "${p.missingProperty}" is missing` };
    case 'type':
      return { path: at, message: `expected ${String(p.type).split(',').map(article).join(' or ')}, got ${describe(e.data)}` };
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(p.allowedValue)}, got ${describe(e.data)}` };
    case 'enum':
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${describe(e.data)}` };
    case 'pattern':
      return { path: at, message: patternMessage(String(e.data), p.pattern) };
    case 'oneOf':
      if (e.schemaPath.includes('/placement/')) return { path: at, message: `must be { "node": ID } or { "nodes": [ID, ...] } (1 to 64 node ids); got ${describe(e.data)}` };
      return { path: at, message: childShapeMessage(e.data) };
    case 'anyOf':
      if (e.schemaPath.includes('/placement/')) return { path: at, message: `must be "local", "any", "hash" or { "core": N } (N from 0 to 63); got ${describe(e.data)}` };
      return { path: at, message: `must be a whole number of ms (>= 0), "brutal" or "infinity"; got ${describe(e.data)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: at, message: `must be ${p.comparison} ${p.limit}, got ${describe(e.data)}` };
    default:
      return { path: at, message: e.message ?? `fails the ${e.keyword} rule` };
  }
}

function childShapeMessage(data: unknown): string {
  const d = data as Record<string, unknown>;
  if ('kind' in d && 'children' in d) return 'a child has "kind" (a worker) or "children" (a supervisor), not both';
  return 'a child needs "kind" (a worker) or "children" (a supervisor)';
}

function patternMessage(value: string, pattern: string): string {
  if (pattern.includes(':@+')) return `${JSON.stringify(value)} is not a valid name: use letters, digits and _ - . : @ +, not starting with a symbol`;
  if (pattern.includes('_.-')) return `${JSON.stringify(value)} is not a valid engine id: use letters, digits and _ . -, starting with a letter or digit`;
  return `${JSON.stringify(value)} does not match ${pattern}`;
}

const WORKER_ONLY = ['kind', 'args', 'register', 'clusterName', 'mailbox', 'budget', 'placement'] as const;
const SUPERVISOR_ONLY = ['strategy', 'intensity', 'periodMs'] as const;
const TREE_DEPTH_MAX = 16;

function ruleIssues(raw: Record<string, any>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const engine = raw.engine ?? {};
  if (engine.mode === 'multi') out.push(...placementIssues(engine.placement, engine.cores ?? 1));
  else {
    if ((engine.cores ?? 1) > 1) out.push({ path: 'engine.cores', message: `single mode runs on one core; got ${engine.cores} (set engine.mode to "multi" for more)` });
    if (engine.placement !== undefined) out.push({ path: 'engine.placement', message: 'placement spreads actors over cores: it needs engine.mode "multi"' });
  }
  const control = raw.control ?? {};
  if (control.host !== undefined && !isLoopbackHost(control.host) && control.allowRemote !== true) {
    out.push({ path: 'control.host', message: `"${control.host}" is not a loopback address; the control plane binds loopback only unless control.allowRemote is true` });
  }
  out.push(...telemetryIssues(raw.telemetry));
  out.push(...pluginIssues(raw.plugins));
  out.push(...federationIssues(raw));
  if (raw.tree !== undefined) {
    if (raw.tree.backoff === true) out.push({ path: 'tree.backoff', message: 'true is not a backoff: give an object ({ "initialMs": 100, ... }) or false' });
    checkChildren(raw.tree.children ?? [], 'tree.children', 1, out);
    out.push(...clusterClaimIssues(raw));
  }
  return out;
}

/**
 * The cluster claims need a federation: a `clusterName` (which names one worker of the tree
 * only) and a `clusterPrefix` (a worker's or supervisor's own path: unique by the ids).
 */
function clusterClaimIssues(raw: Record<string, any>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const first = new Map<string, string>();
  const noCluster = raw.federation === undefined;
  const walk = (children: readonly ChildSpec[], at: string, depth: number): void => {
    if (!Array.isArray(children) || depth > TREE_DEPTH_MAX) return;
    children.forEach((child, i) => {
      const path = `${at}[${i}]`;
      if (typeof child !== 'object' || child === null) return;
      if (child.clusterPrefix === true && noCluster) out.push({ path: `${path}.clusterPrefix`, message: 'a cluster path prefix needs a cluster: give the config a "federation" section' });
      if (Array.isArray(child.clusterGroups) && child.clusterGroups.length > 0 && noCluster) {
        out.push({ path: `${path}.clusterGroups`, message: 'process groups need a cluster: give the config a "federation" section' });
      }
      if (child.placement !== undefined && noCluster) out.push({ path: `${path}.placement`, message: 'a placement on another node needs a cluster: give the config a "federation" section' });
      if (child.children !== undefined) return walk(child.children, `${path}.children`, depth + 1);
      const name = child.clusterName;
      if (typeof name !== 'string') return;
      if (noCluster) out.push({ path: `${path}.clusterName`, message: 'a cluster name needs a cluster: give the config a "federation" section, or use "register" for a name on this engine only' });
      const seen = first.get(name);
      if (seen !== undefined) out.push({ path: `${path}.clusterName`, message: `duplicate cluster name "${name}" (also ${seen}.clusterName); a node holds a cluster name for one actor` });
      else first.set(name, path);
    });
  };
  walk(raw.tree.children ?? [], 'tree.children', 1);
  return out;
}

/** An explicit `{ core }` must name one of the engine's cores (the schema knows only the runtime's cap). */
function placementIssues(placement: { kinds?: Record<string, unknown> } | undefined, cores: number): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const [name, p] of Object.entries(placement?.kinds ?? {})) {
    const core = typeof p === 'object' && p !== null ? (p as { core: number }).core : undefined;
    if (core !== undefined && core >= cores) {
      out.push({ path: pointerToPath(`/engine/placement/kinds/${name.replace(/~/g, '~0').replace(/\//g, '~1')}/core`), message: `the engine has ${cores} core(s) (0 to ${cores - 1}); got core ${core}` });
    }
  }
  return out;
}

function telemetryIssues(telemetry: Record<string, any> | undefined): ConfigIssue[] {
  const host = telemetry?.metrics?.host;
  if (host === undefined || isLoopbackHost(host) || telemetry?.metrics?.allowRemote === true) return [];
  return [{ path: 'telemetry.metrics.host', message: `"${host}" is not a loopback address; the metrics endpoint binds loopback only unless telemetry.metrics.allowRemote is true` }];
}

function checkChildren(children: readonly ChildSpec[], at: string, depth: number, out: ConfigIssue[]): void {
  const ids = new Map<string, number>();
  children.forEach((child, i) => {
    const path = `${at}[${i}]`;
    const first = ids.get(child.id);
    if (first !== undefined) out.push({ path: `${path}.id`, message: `duplicate id "${child.id}" (also ${at}[${first}].id); sibling ids must be unique` });
    else ids.set(child.id, i);
    const supervisor = child.children !== undefined;
    if ((child.backoff as unknown) === true) out.push({ path: `${path}.backoff`, message: 'true is not a backoff: give an object ({ "initialMs": 100, ... }) or false' });
    for (const field of supervisor ? WORKER_ONLY : SUPERVISOR_ONLY) {
      if (field in child) out.push({ path: `${path}.${field}`, message: supervisor ? `only a worker (a child with "kind") takes "${field}"` : `only a supervisor (a child with "children") takes "${field}"` });
    }
    if (supervisor) {
      if (depth >= TREE_DEPTH_MAX) out.push({ path: `${path}.children`, message: `the tree is nested more than ${TREE_DEPTH_MAX} levels deep` });
      else checkChildren(child.children!, `${path}.children`, depth + 1, out);
    }
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  if (type === 'integer') return 'a whole number';
  if (type === 'object' || type === 'array') return `an ${type}`;
  return `a ${type}`;
}
