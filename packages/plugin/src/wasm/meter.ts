/**
 * The load-time rewrite: caps memory and table maximums, and (when metering) injects a
 * fuel counter at Wasmtime's costs. Owns: the instrumented module's byte layout. Must not:
 * decide limits or talk to the host (the plugin loader and instance do).
 *
 * Metering: a mutable i32 global (exported as `__pd_fuel`) holds the fuel left in the
 * current slice. Code is cut into runs that execute whole or not at all (a run ends after
 * any operator where control may leave or join: loop, if, else, end, br, br_if, br_table,
 * return, unreachable); each run first subtracts its static cost. At function entry and
 * at every loop header the counter is tested, and when it is negative the guest calls the
 * injected import `pd_meter.refill(fuel) -> i32` with the counter, and adds the result (the host throws
 * instead to stop the guest: out of fuel, or past its wall-time deadline). Fuel used is
 * therefore exact per run and the same on every run of the same input.
 *
 * The import is appended after the module's own function imports, so every defined
 * function's index moves up by one: calls, `ref.func`, exports, the start function and
 * element segments are renumbered. Custom sections (names, debug info) are dropped.
 */
import { Reader, WasmFormatError, WasmLimitError, Writer } from './bytes.js';
import { decodeInstr, fuelCost, Op, type Instr } from './code.js';
import { ExternKind, type Limits, type ModuleInfo, SectionId, readLimits } from './module.js';

/** Name of the injected fuel global's export. */
export const FUEL_EXPORT = '__pd_fuel';
/** Module and field of the injected refill import. */
export const METER_MODULE = 'pd_meter';
export const METER_REFILL = 'refill';

export interface RewriteOptions {
  /** Inject the fuel counter and refill import. */
  readonly meter: boolean;
  /** Highest memory size in 64 KiB pages any memory may reach. */
  readonly memoryMaxPages: number;
  /** Highest element count any table may reach. */
  readonly tableMaxEntries: number;
}

/** The rewritten module bytes. Throws `WasmFormatError` for what it cannot rewrite. */
export function rewriteModule(info: ModuleInfo, options: RewriteOptions): Uint8Array {
  const ctx = new RewriteContext(info, options);
  const out = new Writer().bytes(info.bytes.subarray(0, 8));
  for (const id of SECTION_ORDER) {
    const section = info.sections.find((s) => s.id === id);
    const body = ctx.section(id, section === undefined ? null : new Reader(info.bytes, section.start, section.end));
    if (body !== null) out.u8(id).sized(body);
  }
  return out.finish();
}

// --- internal ---

const SECTION_ORDER = [
  SectionId.type, SectionId.import, SectionId.function, SectionId.table, SectionId.memory, SectionId.global, SectionId.export,
  SectionId.start, SectionId.element, SectionId.dataCount, SectionId.code, SectionId.data,
];

/** Operators after which a new run starts. */
const SPLIT_AFTER = new Set<number>([Op.loop, Op.if, Op.else, Op.end, Op.br, Op.brIf, Op.brTable, Op.return, Op.unreachable]);

class RewriteContext {
  private readonly shift: number;
  private readonly fuelGlobal: number;
  private readonly refillFunc: number;

  constructor(private readonly info: ModuleInfo, private readonly options: RewriteOptions) {
    this.shift = options.meter ? 1 : 0;
    this.fuelGlobal = info.importedGlobals + info.definedGlobals;
    this.refillFunc = info.importedFuncs;
  }

  /** The new content of section `id`, or null to leave it out. */
  section(id: number, r: Reader | null): Uint8Array | null {
    const meter = this.options.meter;
    switch (id) {
      case SectionId.type: return meter ? this.types() : copy(r);
      case SectionId.import: return meter ? this.imports(r) : copy(r);
      case SectionId.table: return r === null ? null : this.tables(r);
      case SectionId.memory: return r === null ? null : this.memories(r);
      case SectionId.global: return meter ? this.globals(r) : copy(r);
      case SectionId.export: return this.exports(r);
      case SectionId.start: return r === null ? null : new Writer().u32(this.func(r.u32())).finish();
      case SectionId.element: return r === null ? null : this.elements(r);
      case SectionId.code: return r === null ? null : this.code(r);
      default: return copy(r);
    }
  }

  private func(index: number): number {
    return index >= this.info.importedFuncs ? index + this.shift : index;
  }

  private types(): Uint8Array {
    const w = new Writer().u32(this.info.types.length + 1);
    for (const t of this.info.types) w.u8(0x60).u32(t.params.length).bytes(Uint8Array.from(t.params)).u32(t.results.length).bytes(Uint8Array.from(t.results));
    return w.u8(0x60).u32(1).u8(0x7f).u32(1).u8(0x7f).finish(); // refill: (i32) -> i32
  }

  private imports(r: Reader | null): Uint8Array {
    const n = r === null ? 0 : r.u32();
    const w = new Writer().u32(n + 1);
    if (r !== null) w.bytes(r.slice(r.pos, r.end));
    return w.name(METER_MODULE).name(METER_REFILL).u8(ExternKind.func).u32(this.info.types.length).finish();
  }

  private tables(r: Reader): Uint8Array {
    const n = r.u32();
    const w = new Writer().u32(n);
    for (let i = 0; i < n; i++) {
      w.u8(r.u8());
      writeLimits(w, capLimits(readLimits(r), this.options.tableMaxEntries, 'table'));
    }
    return w.finish();
  }

  private memories(r: Reader): Uint8Array {
    const n = r.u32();
    const w = new Writer().u32(n);
    for (let i = 0; i < n; i++) writeLimits(w, capLimits(readLimits(r), this.options.memoryMaxPages, 'memory'));
    return w.finish();
  }

  private globals(r: Reader | null): Uint8Array {
    const n = r === null ? 0 : r.u32();
    const w = new Writer().u32(n + 1);
    for (let i = 0; i < n; i++) {
      w.u8(r!.u8()).u8(r!.u8());
      this.constExpr(r!, w);
    }
    return w.u8(0x7f).u8(1).u8(Op.i32Const).s32(0).u8(Op.end).finish();
  }

  private exports(r: Reader | null): Uint8Array | null {
    if (r === null && !this.options.meter) return null;
    const n = r === null ? 0 : r.u32();
    const w = new Writer().u32(n + this.shift);
    for (let i = 0; i < n; i++) {
      const name = r!.name();
      const kind = r!.u8();
      const index = r!.u32();
      w.name(name).u8(kind).u32(kind === ExternKind.func ? this.func(index) : index);
    }
    if (this.options.meter) w.name(FUEL_EXPORT).u8(ExternKind.global).u32(this.fuelGlobal);
    return w.finish();
  }

  private elements(r: Reader): Uint8Array {
    const n = r.u32();
    const w = new Writer().u32(n);
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags > 7) throw new WasmFormatError(`unknown element segment form ${flags}`, r.pos);
      if (flags === 2 || flags === 6) w.u32(r.u32()); // table index
      if ((flags & 1) === 0) this.constExpr(r, w); // active: offset
      if ((flags & 3) !== 0) w.u8(r.u8()); // element kind or reference type
      const count = r.u32();
      w.u32(count);
      for (let j = 0; j < count; j++) {
        if ((flags & 4) === 0) w.u32(this.func(r.u32()));
        else this.constExpr(r, w);
      }
    }
    return w.finish();
  }

  /** Copies a constant expression, renumbering `ref.func`. */
  private constExpr(r: Reader, w: Writer): void {
    const instr: Instr = { op: 0, start: 0, end: 0, funcIndex: -1 };
    for (;;) {
      decodeInstr(r, instr);
      this.emit(instr, w);
      if (instr.op === Op.end) return;
    }
  }

  private emit(instr: Instr, w: Writer): void {
    if (instr.funcIndex >= 0) w.u8(instr.op).u32(this.func(instr.funcIndex));
    else w.bytes(this.info.bytes.subarray(instr.start, instr.end));
  }

  private code(r: Reader): Uint8Array {
    const n = r.u32();
    const w = new Writer().u32(n);
    for (let i = 0; i < n; i++) {
      const size = r.u32();
      const end = r.pos + size;
      w.sized(this.body(new Reader(r.bytes, r.pos, end)));
      r.pos = end;
    }
    return w.finish();
  }

  private body(r: Reader): Uint8Array {
    const w = new Writer();
    const groups = r.u32();
    w.u32(groups);
    for (let i = 0; i < groups; i++) w.u32(r.u32()).u8(r.u8());
    const instrs: Instr[] = [];
    while (!r.done) instrs.push(decodeInstr(r, { op: 0, start: 0, end: 0, funcIndex: -1 }));
    if (!this.options.meter) {
      for (const instr of instrs) this.emit(instr, w);
      return w.finish();
    }
    const costs = runCosts(instrs);
    for (let i = 0; i < instrs.length; i++) {
      const cost = costs[i]!;
      if (cost > 0) this.charge(w, cost);
      if (i === 0 || (cost >= 0 && instrs[i - 1]!.op === Op.loop)) this.check(w);
      this.emit(instrs[i]!, w);
    }
    return w.finish();
  }

  private charge(w: Writer, cost: number): void {
    w.u8(Op.globalGet).u32(this.fuelGlobal).u8(Op.i32Const).s32(cost).u8(Op.i32Sub).u8(Op.globalSet).u32(this.fuelGlobal);
  }

  private check(w: Writer): void {
    w.u8(Op.globalGet).u32(this.fuelGlobal).u8(Op.i32Const).s32(0).u8(Op.i32LtS).u8(Op.if).u8(0x40)
      .u8(Op.globalGet).u32(this.fuelGlobal).u8(Op.globalGet).u32(this.fuelGlobal).u8(Op.call).u32(this.refillFunc).u8(Op.i32Add).u8(Op.globalSet).u32(this.fuelGlobal)
      .u8(Op.end);
  }
}

/**
 * For each operator: the fuel of the run it starts (>= 0), or -1 when it is inside a run.
 * The function's final `end` starts nothing.
 */
function runCosts(instrs: readonly Instr[]): Int32Array {
  const costs = new Int32Array(instrs.length).fill(-1);
  let runStart = 0;
  costs[0] = 0;
  for (let i = 0; i < instrs.length; i++) {
    const op = instrs[i]!.op;
    costs[runStart]! += fuelCost(op);
    if (SPLIT_AFTER.has(op) && i + 1 < instrs.length) {
      runStart = i + 1;
      costs[runStart] = 0;
    }
  }
  return costs;
}

function capLimits(limits: Limits, cap: number, what: string): Limits {
  if (limits.min > cap) throw new WasmLimitError(`the module's ${what} starts at ${limits.min} ${what === 'memory' ? 'pages' : 'entries'}, above the limit of ${cap}`);
  return { min: limits.min, max: limits.max === null ? cap : Math.min(limits.max, cap) };
}

function writeLimits(w: Writer, limits: Limits): void {
  if (limits.max === null) w.u8(0).u32(limits.min);
  else w.u8(1).u32(limits.min).u32(limits.max);
}

function copy(r: Reader | null): Uint8Array | null {
  return r === null ? null : r.slice(r.begin, r.end);
}
