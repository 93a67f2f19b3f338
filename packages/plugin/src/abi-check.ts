/**
 * The load-time ABI check: a module is refused unless it advertises ABI version 1, exports
 * what the ABI requires with the right signatures, and imports nothing but the host
 * functions of the ABI with their exact signatures. Owns: the refusal messages. Must not:
 * rewrite or run the module.
 */
import { ABI_MARKER_PREFIX, ABI_VERSION, HOST_IMPORTS, HOST_MODULE, OPTIONAL_EXPORTS, REQUIRED_EXPORTS, type Signature } from './abi.js';
import { PluginError } from './errors.js';
import { FUEL_EXPORT } from './wasm/meter.js';
import { ExternKind, type FuncType, type ModuleInfo, funcTypeOf } from './wasm/module.js';

/** What the check learned about an accepted module. */
export interface AbiSummary {
  readonly abiVersion: number;
  /** Host functions the module imports, by name. */
  readonly imports: readonly string[];
  readonly hasOnStart: boolean;
  readonly hasInitialize: boolean;
}

/** Throws a `PluginError` naming the first problem; returns the summary otherwise. */
export function checkAbi(info: ModuleInfo, name: string): AbiSummary {
  const abiVersion = checkMarker(info, name);
  const imports = checkImports(info, name);
  for (const [exportName, want] of Object.entries(REQUIRED_EXPORTS)) checkExport(info, name, exportName, want, true);
  for (const [exportName, want] of Object.entries(OPTIONAL_EXPORTS)) checkExport(info, name, exportName, want, false);
  const reserved = info.exports.find((e) => e.name.startsWith('__pd_') || e.name === FUEL_EXPORT);
  if (reserved !== undefined) throw new PluginError('plugin/abi-export', `plugin "${name}" exports "${reserved.name}": names starting with __pd_ are the host's`, { plugin: name, export: reserved.name });
  const has = (n: string) => info.exports.some((e) => e.name === n);
  return { abiVersion, imports, hasOnStart: has('pd_on_start'), hasInitialize: has('_initialize') };
}

// --- internal ---

function checkMarker(info: ModuleInfo, name: string): number {
  const markers = info.exports.filter((e) => e.name.startsWith(ABI_MARKER_PREFIX));
  if (markers.length === 0) {
    throw new PluginError('plugin/abi-missing', `plugin "${name}" exports no ABI marker: export "${ABI_MARKER_PREFIX}${ABI_VERSION}" (see docs/plugin-abi.md)`, { plugin: name });
  }
  const versions = markers.map((m) => m.name.slice(ABI_MARKER_PREFIX.length));
  if (!versions.includes(String(ABI_VERSION))) {
    throw new PluginError('plugin/abi-version', `plugin "${name}" was built for ABI version ${versions.join(', ')}; this host speaks version ${ABI_VERSION}`, { plugin: name, versions, supported: ABI_VERSION });
  }
  return ABI_VERSION;
}

function checkImports(info: ModuleInfo, name: string): string[] {
  const names: string[] = [];
  for (const imp of info.imports) {
    const what = `${imp.module}.${imp.name}`;
    const want = imp.module === HOST_MODULE ? HOST_IMPORTS[imp.name] : undefined;
    if (want === undefined || !Object.hasOwn(HOST_IMPORTS, imp.name)) {
      throw new PluginError('plugin/import-refused', `plugin "${name}" imports ${what}, which is not part of the plugin ABI (allowed: ${Object.keys(HOST_IMPORTS).map((n) => `${HOST_MODULE}.${n}`).join(', ')})`, { plugin: name, import: what });
    }
    if (imp.kind !== ExternKind.func) throw new PluginError('plugin/import-refused', `plugin "${name}" imports ${what} as a ${kindName(imp.kind)}; it is a function`, { plugin: name, import: what });
    const got = info.types[imp.typeIndex];
    if (got === undefined || !sameSignature(got, want)) {
      throw new PluginError('plugin/import-refused', `plugin "${name}" imports ${what} as ${describe(got)}; the ABI defines ${describe(want)}`, { plugin: name, import: what });
    }
    names.push(imp.name);
  }
  return names;
}

function checkExport(info: ModuleInfo, name: string, exportName: string, want: Signature | 'memory', required: boolean): void {
  const exp = info.exports.find((e) => e.name === exportName);
  if (exp === undefined) {
    if (required) throw new PluginError('plugin/abi-export', `plugin "${name}" does not export "${exportName}", which the ABI requires`, { plugin: name, export: exportName });
    return;
  }
  if (want === 'memory') {
    if (exp.kind !== ExternKind.memory) throw new PluginError('plugin/abi-export', `plugin "${name}" exports "${exportName}" as a ${kindName(exp.kind)}; it must be its memory`, { plugin: name, export: exportName });
    if (exp.index >= info.imports.filter((i) => i.kind === ExternKind.memory).length + info.memories.length) {
      throw new PluginError('plugin/abi-export', `plugin "${name}" exports a memory that does not exist`, { plugin: name });
    }
    return;
  }
  const got = exp.kind === ExternKind.func ? funcTypeOf(info, exp.index) : undefined;
  if (got === undefined || !sameSignature(got, want)) {
    throw new PluginError('plugin/abi-export', `plugin "${name}" exports "${exportName}" as ${exp.kind === ExternKind.func ? describe(got) : `a ${kindName(exp.kind)}`}; the ABI defines ${describe(want)}`, { plugin: name, export: exportName });
  }
}

function sameSignature(a: FuncType | Signature, b: Signature): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length
    && a.params.every((p, i) => p === b.params[i]) && a.results.every((r, i) => r === b.results[i]);
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function describe(sig: FuncType | Signature | undefined): string {
  if (sig === undefined) return 'an unknown type';
  const list = (ts: readonly number[]) => ts.map((t) => VALTYPES[t] ?? `0x${t.toString(16)}`).join(', ');
  return `(${list(sig.params)}) -> (${list(sig.results)})`;
}

function kindName(kind: number): string {
  return ['function', 'table', 'memory', 'global', 'tag'][kind] ?? `kind ${kind}`;
}
