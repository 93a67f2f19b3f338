/**
 * The shape of a module, read from its bytes: sections, function types, imports, exports,
 * memories, tables and the counts that index spaces start from. Owns: section framing and
 * the declarations the ABI check and the metering pass need. Must not: judge the module
 * (abi-check.ts does) or change it (meter.ts does). Bytes are untrusted: anything odd is a
 * `WasmFormatError`.
 */
import { Reader, WasmFormatError } from './bytes.js';

export const SectionId = {
  custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11,
  dataCount: 12, tag: 13,
} as const;

export const ExternKind = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | null;
}

export interface Section {
  readonly id: number;
  /** Content bytes (after the id and size). */
  readonly start: number;
  readonly end: number;
}

export interface ImportDecl {
  readonly module: string;
  readonly name: string;
  readonly kind: number;
  /** Function imports: the type index. */
  readonly typeIndex: number;
  /** Memory and table imports: their limits. */
  readonly limits: Limits | null;
}

export interface ExportDecl {
  readonly name: string;
  readonly kind: number;
  readonly index: number;
}

export interface ModuleInfo {
  readonly bytes: Uint8Array;
  readonly sections: readonly Section[];
  readonly types: readonly FuncType[];
  readonly imports: readonly ImportDecl[];
  /** Type index of each function defined in the module. */
  readonly functions: readonly number[];
  readonly memories: readonly Limits[];
  readonly tables: readonly Limits[];
  readonly exports: readonly ExportDecl[];
  readonly importedFuncs: number;
  readonly importedGlobals: number;
  readonly definedGlobals: number;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Reads a module's declarations. Does not validate code (the engine's compiler does). */
export function readModule(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new WasmFormatError('not a WebAssembly 1.0 binary (bad magic or version)', 0);
  const r = new Reader(bytes, 8);
  const sections: Section[] = [];
  const info = {
    bytes, sections, types: [] as FuncType[], imports: [] as ImportDecl[], functions: [] as number[], memories: [] as Limits[],
    tables: [] as Limits[], exports: [] as ExportDecl[], importedFuncs: 0, importedGlobals: 0, definedGlobals: 0,
  };
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    sections.push({ id, start, end: start + size });
    readSection(id, new Reader(bytes, start, start + size), info);
  }
  return info;
}

/** The function type of function `index` (imports first), or undefined. */
export function funcTypeOf(info: ModuleInfo, index: number): FuncType | undefined {
  if (index < info.importedFuncs) {
    const imp = info.imports.filter((i) => i.kind === ExternKind.func)[index];
    return imp === undefined ? undefined : info.types[imp.typeIndex];
  }
  const typeIndex = info.functions[index - info.importedFuncs];
  return typeIndex === undefined ? undefined : info.types[typeIndex];
}

/** Reads memory or table limits: flags 0 (min) or 1 (min, max). Shared and 64-bit are refused. */
export function readLimits(r: Reader): Limits {
  const flags = r.u8();
  if (flags > 1) throw new WasmFormatError(`unsupported limits flags 0x${flags.toString(16)} (shared or 64-bit memory)`, r.pos - 1);
  const min = r.u32();
  return { min, max: flags === 1 ? r.u32() : null };
}

// --- internal ---

type MutableInfo = {
  types: FuncType[]; imports: ImportDecl[]; functions: number[]; memories: Limits[]; tables: Limits[]; exports: ExportDecl[];
  importedFuncs: number; importedGlobals: number; definedGlobals: number;
};

function readSection(id: number, r: Reader, info: MutableInfo): void {
  switch (id) {
    case SectionId.type: return readTypes(r, info);
    case SectionId.import: return readImports(r, info);
    case SectionId.function: {
      const n = r.u32();
      for (let i = 0; i < n; i++) info.functions.push(r.u32());
      return;
    }
    case SectionId.table: {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        r.u8();
        info.tables.push(readLimits(r));
      }
      return;
    }
    case SectionId.memory: {
      const n = r.u32();
      for (let i = 0; i < n; i++) info.memories.push(readLimits(r));
      return;
    }
    case SectionId.global:
      info.definedGlobals = r.u32();
      return;
    case SectionId.export: return readExports(r, info);
    case SectionId.tag: throw new WasmFormatError('exception tags are not supported', r.pos);
    default:
      if (id > SectionId.tag) throw new WasmFormatError(`unknown section id ${id}`, r.pos);
  }
}

function readTypes(r: Reader, info: MutableInfo): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const form = r.u8();
    if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)} (only function types)`, r.pos - 1);
    const params = readValTypes(r);
    const results = readValTypes(r);
    info.types.push({ params, results });
  }
}

function readValTypes(r: Reader): number[] {
  const n = r.u32();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u8());
  return out;
}

function readImports(r: Reader, info: MutableInfo): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.u8();
    let typeIndex = -1;
    let limits: Limits | null = null;
    switch (kind) {
      case ExternKind.func:
        typeIndex = r.u32();
        info.importedFuncs++;
        break;
      case ExternKind.table:
        r.u8();
        limits = readLimits(r);
        break;
      case ExternKind.memory:
        limits = readLimits(r);
        break;
      case ExternKind.global:
        r.u8();
        r.u8();
        info.importedGlobals++;
        break;
      default:
        throw new WasmFormatError(`unsupported import kind ${kind} for ${module}.${name}`, r.pos - 1);
    }
    info.imports.push({ module, name, kind, typeIndex, limits });
  }
}

function readExports(r: Reader, info: MutableInfo): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = r.name();
    const kind = r.u8();
    info.exports.push({ name, kind, index: r.u32() });
  }
}
