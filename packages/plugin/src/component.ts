/**
 * WebAssembly components through jco: a component's exported functions as an actor kind.
 * Owns: checking the bytes (a component, importing only `pd:host/*`), transpiling them in
 * process with jco (`@bytecodealliance/jco-transpile`, an optional peer imported lazily),
 * rewriting every core module inside (memory and table caps, fuel metering, as for a
 * plugin), and running one component instance per actor incarnation, with each call
 * under a fresh fuel budget and wall-time deadline. Must not: be on the message path of
 * core plugins (a call through jco's wrapper costs ~10-20 µs; see docs/plugins.md).
 *
 * A message to a component actor is a {@link ComponentCall}, `{ call, args }`; the reply is
 * the function's result. A bad call (unknown function, arguments its types refuse, an
 * `err` result) rejects that ask and the actor goes on; fuel, timeout and traps end the
 * actor with a `PluginError`, as for a plugin.
 */
import { type Behavior, type Context, Kind } from '@pd/actor';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOG_LEVEL_NAMES } from './abi.js';
import { ComponentMeter } from './component-meter.js';
import { PluginError } from './errors.js';
import { MeterStop } from './fuel-meter.js';
import type { PluginLogEntry } from './host-calls.js';
import { type PluginLimits, PLUGIN_DEFAULTS, type ResolvedLimits, resolveLimits } from './limits.js';
import type { PluginHooks } from './source.js';
import { watchdogClock } from './watchdog-clock.js';
import { Wasm, type WasmGlobal, type WasmImports, type WasmInstance, type WasmModule } from './wasm/api.js';
import { WasmFormatError, WasmLimitError } from './wasm/bytes.js';
import { FUEL_EXPORT, METER_MODULE, METER_REFILL, rewriteModule } from './wasm/meter.js';
import { readModule } from './wasm/module.js';

/** The WIT package of the host interfaces a component may import (its text: {@link COMPONENT_HOST_WIT}). */
export const COMPONENT_HOST_PACKAGE = 'pd:host@0.1.0';

/** Every import a component may have; anything else is refused at load with `plugin/import-refused`. */
export const COMPONENT_HOST_IMPORTS = ['pd:host/log@0.1.0', 'pd:host/clock@0.1.0', 'pd:host/random@0.1.0'] as const;

/** The host interfaces as WIT, the same text as `wit/host.wit` in this package. */
export const COMPONENT_HOST_WIT = `/// The host interfaces a Palladium component may import (@pd/plugin, docs/plugins.md).
/// Anything else a component imports is refused at load, naming the import.
package pd:host@0.1.0;

/// Log lines, handed to the \`onLog\` hook of the component's kind.
interface log {
  enum level { trace, debug, info, warn, error }
  log: func(level: level, message: string);
}

/// The engine's clock: virtual time under simulation.
interface clock {
  /// Milliseconds.
  now: func() -> f64;
}

/// The engine's seeded random stream for user code (replayable under simulation).
interface random {
  /// A uniform number in [0, 1).
  next: func() -> f64;
}
`;

/**
 * Limits of a component's actors: the plugin limits that apply to components, with the
 * same meanings and defaults ({@link PLUGIN_DEFAULTS}). `fuel` and `timeoutMs` are per call;
 * `memoryPages` and `tableEntries` cap every memory and table of every core module inside.
 */
export type ComponentLimits = Pick<PluginLimits, 'fuel' | 'timeoutMs' | 'checkEveryFuel' | 'memoryPages' | 'tableEntries' | 'maxLogBytes' | 'unmetered'>;

/** Options of {@link loadComponent} and {@link componentKind}. */
export interface ComponentOptions extends PluginHooks {
  readonly limits?: ComponentLimits;
}

/**
 * A message to a component actor: call the exported function `call` with `args`. Names are
 * as the component exports them: `add` for a function of the world, `calc.add` (or
 * `pd:example/calc.add`, or `pd:example/calc#add`) for a function of an exported interface.
 * Arguments and results follow jco's mapping of WIT types to JavaScript (u64/s64 are
 * bigints, records are objects, `result` errors reject the ask).
 */
export interface ComponentCall {
  readonly call: string;
  readonly args?: readonly unknown[];
}

/** A {@link ComponentCall} message. */
export function componentCall(call: string, ...args: unknown[]): ComponentCall {
  return { call, args };
}

/** Counters of one loaded component, over all its actors. */
export interface ComponentStats {
  /** Calls that ran (whatever their outcome). */
  readonly calls: number;
  /** Calls refused before running or that returned an `err` result: the actor went on. */
  readonly refused: number;
  /** Fuel used by every call and instantiation. */
  readonly fuelUsed: number;
  readonly instancesStarted: number;
  /** Actor ends by reason. */
  readonly failures: Readonly<Record<'fuel-exhausted' | 'timeout' | 'trap', number>>;
}

/** A checked, transpiled and compiled component. */
export interface LoadedComponent {
  readonly name: string;
  /** The kind whose actors run this component; spawn it like any kind. */
  readonly kind: Kind<ComponentCall, unknown>;
  /** Callable function names, e.g. `['add', 'calc.mul']`. */
  readonly functions: readonly string[];
  /** The component's imports (all from {@link COMPONENT_HOST_IMPORTS}). */
  readonly imports: readonly string[];
  /** The component's world, as WIT. */
  readonly wit: string;
  readonly limits: ResolvedLimits;
  /** Live counters. */
  readonly stats: ComponentStats;
}

/**
 * Loads a component (its bytes, or a path to a `.wasm` file): checks it is a component
 * whose imports are all host interfaces ({@link COMPONENT_HOST_IMPORTS}), transpiles it
 * with jco, caps and meters every core module inside, and instantiates it once to check
 * it links and to list its functions. Needs the optional peer
 * `@bytecodealliance/jco-transpile`. Throws a `PluginError` naming what is wrong:
 * `plugin/invalid-module` (not WebAssembly, or jco cannot read it), `plugin/not-component`
 * (a core module), `plugin/import-refused`, `plugin/limit`, `plugin/jco-missing`.
 */
export async function loadComponent(name: string, component: Uint8Array | string, options: ComponentOptions = {}): Promise<LoadedComponent> {
  if (typeof name !== 'string' || name === '') throw new PluginError('plugin/invalid-options', 'a component needs a non-empty name');
  const limits = resolveLimits(pickLimits(options.limits));
  const bytes = typeof component === 'string' ? await readBytes(name, component) : component;
  if (!(bytes instanceof Uint8Array)) throw new PluginError('plugin/invalid-module', `component "${name}": expected the component's bytes as a Uint8Array or a file path`, { plugin: name });
  checkPreamble(name, bytes);
  const jco = await loadJco();
  const wit = await jcoStep(name, 'read its world', () => jco.componentWit(bytes));
  const imports = worldImports(wit);
  const allowed: readonly string[] = COMPONENT_HOST_IMPORTS;
  for (const imported of imports) {
    if (!allowed.includes(imported)) {
      throw new PluginError('plugin/import-refused', `component "${name}" imports ${imported}, which is not a host interface (allowed: ${allowed.join(', ')})`, { plugin: name, import: imported });
    }
  }
  const out = await jcoStep(name, 'transpile it', () => jco.transpileBytes(bytes, {
    name: 'component', instantiation: 'async', emitTypescriptDeclarations: false, noComponentErrorWrapping: false,
  }));
  const modules = new Map<string, WasmModule>();
  for (const [file, content] of Object.entries(out.files)) {
    if (file.endsWith('.wasm')) modules.set(file, compileCore(name, file, content, limits));
  }
  const glue = out.files['component.js'];
  if (glue === undefined) throw new PluginError('plugin/invalid-module', `component "${name}": jco produced no JavaScript module`, { plugin: name });
  const instantiate = await importGlue(glue);
  const stats = { calls: 0, refused: 0, fuelUsed: 0, instancesStarted: 0, failures: { 'fuel-exhausted': 0, timeout: 0, trap: 0 } };
  const shared: Shared = {
    name, limits, modules, instantiate, stats, hostKeys: out.imports,
    onLog: options.onLog, clock: options.clock ?? watchdogClock,
  };
  // One instance now: it must link, and it tells the functions.
  const probe = new ComponentInstance(shared);
  probe.start(null);
  const functions = probe.functionNames();
  probe.close();
  stats.instancesStarted = 0;
  stats.fuelUsed = 0;
  const kind = new Kind<ComponentCall, unknown>(name, () => new ComponentBehavior(shared));
  return { name, kind, functions, imports, wit, limits, stats };
}

/** {@link loadComponent}, keeping only the kind. */
export async function componentKind(name: string, component: Uint8Array | string, options: ComponentOptions = {}): Promise<Kind<ComponentCall, unknown>> {
  return (await loadComponent(name, component, options)).kind;
}

// --- internal ---

type Instantiate = (getCoreModule: (file: string) => WasmModule, imports: Record<string, unknown>, instantiateCore: (module: WasmModule, imports?: WasmImports) => WasmInstance) => unknown;

interface Shared {
  readonly name: string;
  readonly limits: ResolvedLimits;
  readonly modules: ReadonlyMap<string, WasmModule>;
  readonly instantiate: Instantiate;
  readonly stats: { calls: number; refused: number; fuelUsed: number; instancesStarted: number; failures: Record<'fuel-exhausted' | 'timeout' | 'trap', number> };
  /** Import keys as jco names them (no version): the host interfaces to provide. */
  readonly hostKeys: readonly string[];
  readonly onLog: ((entry: PluginLogEntry) => void) | undefined;
  readonly clock: () => number;
}

interface JcoApi {
  componentWit(bytes: Uint8Array): Promise<string>;
  transpileBytes(bytes: Uint8Array, options: Record<string, unknown>): Promise<{ files: Record<string, Uint8Array>; imports: string[]; exports: [string, string][] }>;
}

let jcoApi: Promise<JcoApi> | null = null;

async function loadJco(): Promise<JcoApi> {
  jcoApi ??= (async () => {
    const [main, tools] = await Promise.all([import('@bytecodealliance/jco-transpile'), import('@bytecodealliance/jco-transpile/wasm-tools')]);
    return { componentWit: tools.componentWit, transpileBytes: main.transpileBytes as JcoApi['transpileBytes'] };
  })();
  try {
    return await jcoApi;
  } catch (error) {
    jcoApi = null;
    throw new PluginError('plugin/jco-missing', `components need @bytecodealliance/jco-transpile (an optional peer of @pd/plugin): install it next to @pd/plugin (${(error as Error).message})`, {}, { cause: error });
  }
}

async function readBytes(name: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new PluginError('plugin/invalid-module', `component "${name}": cannot read ${path}: ${(error as Error).message}`, { plugin: name }, { cause: error });
  }
}

/** `\0asm`, then version 1 layer 0 (a core module) or version 0x0d layer 1 (a component). */
function checkPreamble(name: string, bytes: Uint8Array): void {
  if (bytes.length > PLUGIN_DEFAULTS.maxModuleBytes) {
    throw new PluginError('plugin/limit', `component "${name}" is ${bytes.length} bytes, above the ${PLUGIN_DEFAULTS.maxModuleBytes}-byte limit`, { plugin: name });
  }
  const magic = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw new PluginError('plugin/invalid-module', `component "${name}" is not WebAssembly (no \\0asm preamble)`, { plugin: name });
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer === 0) {
    throw new PluginError('plugin/not-component', `component "${name}" is a core WebAssembly module, not a component: load it with pluginKind/PluginHost, or wrap it with jco's componentNew`, { plugin: name });
  }
  if (layer !== 1) throw new PluginError('plugin/invalid-module', `component "${name}" has an unknown WebAssembly layer ${layer}`, { plugin: name });
}

async function jcoStep<T>(name: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new PluginError('plugin/invalid-module', `component "${name}": jco cannot ${what}: ${text}`, { plugin: name }, { cause: error });
  }
}

/** The imports of the world jco prints: `import pd:host/log@0.1.0;`, `import f: func(...)`. */
function worldImports(wit: string): string[] {
  const imports: string[] = [];
  for (const line of wit.split('\n')) {
    const match = /^\s*import\s+([^;\s]+?)(?::\s|;|\s*$)/.exec(line);
    if (match !== null) imports.push(match[1]!);
  }
  return imports;
}

function compileCore(name: string, file: string, bytes: Uint8Array, limits: ResolvedLimits): WasmModule {
  let rewritten: Uint8Array;
  try {
    rewritten = rewriteModule(readModule(bytes), { meter: limits.metered, memoryMaxPages: limits.memoryPages, tableMaxEntries: limits.tableEntries });
  } catch (error) {
    if (error instanceof WasmLimitError) throw new PluginError('plugin/limit', `component "${name}" (${file}): ${error.message}`, { plugin: name });
    if (error instanceof WasmFormatError) {
      throw new PluginError('plugin/invalid-module', `component "${name}" cannot be loaded (${file}): ${error.message}`, { plugin: name }, { cause: error });
    }
    throw error;
  }
  try {
    return new Wasm.Module(rewritten);
  } catch (error) {
    throw new PluginError('plugin/invalid-module', `component "${name}" (${file}) does not compile: ${(error as Error).message}`, { plugin: name }, { cause: error });
  }
}

/** Imports jco's generated ES module from a temporary file (removed once imported). */
async function importGlue(source: Uint8Array): Promise<Instantiate> {
  const dir = await mkdtemp(join(tmpdir(), 'pd-component-'));
  try {
    const file = join(dir, 'component.mjs');
    await writeFile(file, source);
    const glue = await import(/* @vite-ignore */ pathToFileURL(file).href) as { instantiate: Instantiate };
    return glue.instantiate;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pickLimits(limits: ComponentLimits | undefined): PluginLimits {
  if (limits === undefined) return {};
  const { fuel, timeoutMs, checkEveryFuel, memoryPages, tableEntries, maxLogBytes, unmetered } = limits;
  return { fuel, timeoutMs, checkEveryFuel, memoryPages, tableEntries, maxLogBytes, unmetered };
}

type ComponentFn = (...args: unknown[]) => unknown;

/** One component instance: the core instances behind one actor incarnation. */
class ComponentInstance {
  ctx: Context | null = null;
  dead = false;
  private readonly meter: ComponentMeter | null;
  private readonly fns = new Map<string, ComponentFn>();
  private readonly listed: string[] = [];

  constructor(private readonly shared: Shared) {
    const { limits } = shared;
    this.meter = limits.metered ? new ComponentMeter(limits.fuel, limits.timeoutMs, limits.checkEveryFuel, shared.clock) : null;
  }

  /** Instantiates every core module (their start functions run under the meter). */
  start(ctx: Context | null): void {
    const { shared } = this;
    const getCoreModule = (file: string): WasmModule => {
      const module = shared.modules.get(file);
      if (module === undefined) throw new PluginError('plugin/invalid-module', `component "${shared.name}": jco asked for ${file}, which it did not produce`, { plugin: shared.name });
      return module;
    };
    const instantiateCore = (module: WasmModule, imports: WasmImports = {}): WasmInstance => {
      if (this.meter === null) return new Wasm.Instance(module, imports);
      const refill = this.meter.slot();
      const instance = new Wasm.Instance(module, { ...imports, [METER_MODULE]: { [METER_REFILL]: refill } });
      this.meter.attach(instance.exports[FUEL_EXPORT] as WasmGlobal | undefined);
      return instance;
    };
    const exports = this.run(ctx, 'instantiation', () => {
      const result = shared.instantiate(getCoreModule, this.hostImports(), instantiateCore);
      if (result instanceof Promise) throw new PluginError('plugin/invalid-module', `component "${shared.name}" instantiates asynchronously, which this host does not support`, { plugin: shared.name });
      return result as Record<string, unknown>;
    });
    shared.stats.instancesStarted++;
    this.index(exports);
  }

  functionNames(): string[] {
    return this.listed;
  }

  /** The function a call names, or undefined. */
  lookup(call: string): ComponentFn | undefined {
    return this.fns.get(call);
  }

  /** Calls `fn`; returns its result, or throws a PluginError (ending the actor when `fatal`). */
  call(ctx: Context, call: string, fn: ComponentFn, args: readonly unknown[]): unknown {
    this.shared.stats.calls++;
    return this.run(ctx, call, () => fn(...args));
  }

  close(): void {
    this.dead = true;
  }

  // --- internal ---

  private run<T>(ctx: Context | null, entry: string, fn: () => T): T {
    const { shared } = this;
    if (this.dead) throw new PluginError('plugin/trap', `component "${shared.name}" was called after it failed`, { plugin: shared.name });
    this.ctx = ctx;
    this.meter?.begin();
    try {
      return fn();
    } catch (error) {
      throw this.classify(error, entry);
    } finally {
      if (this.meter !== null) shared.stats.fuelUsed += this.meter.end();
      this.ctx = null;
    }
  }

  /** Turns what a call threw into a PluginError; marks the instance dead unless the call was merely refused. */
  private classify(error: unknown, entry: string): PluginError {
    const { shared } = this;
    const details = { plugin: shared.name, entry, fuelUsed: this.meter?.last ?? 0 };
    if (error instanceof MeterStop) {
      this.close();
      const reason = error.why === 'fuel' ? 'fuel-exhausted' : 'timeout';
      shared.stats.failures[reason]++;
      return error.why === 'fuel'
        ? new PluginError('plugin/fuel-exhausted', `component "${shared.name}" used more than ${shared.limits.fuel} fuel in ${entry}`, { ...details, fuelUsed: error.used })
        : new PluginError('plugin/timeout', `component "${shared.name}" ran past ${shared.limits.timeoutMs} ms in ${entry}`, { ...details, fuelUsed: error.used });
    }
    if (error instanceof PluginError) {
      this.close();
      return error;
    }
    if (isComponentError(error)) {
      shared.stats.refused++;
      return new PluginError('plugin/component-error', `component "${shared.name}" ${entry} returned an error: ${describe(error.payload)}`, { ...details, payload: error.payload });
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (!ranInGuest(error)) {
      // jco refused the arguments before entering the guest (or the result after it
      // returned): the instance is intact.
      shared.stats.refused++;
      return new PluginError('plugin/component-call', `component "${shared.name}" ${entry}: ${text}`, details, { cause: error });
    }
    this.close();
    shared.stats.failures.trap++;
    return new PluginError('plugin/trap', `component "${shared.name}" trapped in ${entry}: ${text}`, details, { cause: error });
  }

  private hostImports(): Record<string, unknown> {
    const { shared } = this;
    const all: Record<string, Record<string, ComponentFn>> = {
      'pd:host/log': {
        log: (level, message) => {
          try {
            const ctx = this.ctx;
            if (ctx === null || shared.onLog === undefined) return;
            let text = String(message);
            if (text.length > shared.limits.maxLogBytes) text = text.slice(0, shared.limits.maxLogBytes);
            const name = (LOG_LEVEL_NAMES as readonly string[]).includes(level as string) ? level as PluginLogEntry['level'] : 'info';
            shared.onLog({ plugin: shared.name, path: ctx.path, level: name, text, at: ctx.now() });
          } catch {
            // A log hook's failure is not the guest's.
          }
        },
      },
      'pd:host/clock': { now: () => this.ctx?.now() ?? 0 },
      'pd:host/random': { next: () => this.ctx?.random() ?? 0 },
    };
    const imports: Record<string, unknown> = {};
    for (const key of shared.hostKeys) if (all[key] !== undefined) imports[key] = all[key];
    return imports;
  }

  private index(exports: Record<string, unknown>): void {
    const shortNames = new Set(Object.keys(exports).filter((k) => !k.includes(':')));
    for (const [key, value] of Object.entries(exports)) {
      if (typeof value === 'function') {
        this.fns.set(key, value as ComponentFn);
        this.listed.push(key);
        continue;
      }
      if (typeof value !== 'object' || value === null) continue;
      const short = key.includes(':') ? key.slice(key.indexOf('/') + 1).replace(/@.*$/, '') : key;
      const list = !key.includes(':') || !shortNames.has(short);
      for (const [fnName, fn] of Object.entries(value)) {
        if (typeof fn !== 'function') continue;
        this.fns.set(`${key}.${fnName}`, fn as ComponentFn);
        this.fns.set(`${key}#${fnName}`, fn as ComponentFn);
        if (list) this.listed.push(`${key}.${fnName}`);
      }
    }
    this.listed.sort();
  }
}

/** The behaviour of a component actor: one instance, one call per message. */
class ComponentBehavior implements Behavior<ComponentCall> {
  private instance: ComponentInstance | null = null;

  constructor(private readonly shared: Shared) {}

  started(ctx: Context<ComponentCall>): void {
    const instance = new ComponentInstance(this.shared);
    instance.start(ctx as Context);
    this.instance = instance;
  }

  receive(message: ComponentCall, ctx: Context<ComponentCall>): unknown {
    const instance = this.instance!;
    const { shared } = this;
    if (!isCall(message)) {
      shared.stats.refused++;
      return refuse(ctx, new PluginError('plugin/component-call', `component "${shared.name}" expects { call: string, args?: unknown[] }, got ${describe(message)}`, { plugin: shared.name }));
    }
    const fn = instance.lookup(message.call);
    if (fn === undefined) {
      shared.stats.refused++;
      const names = instance.functionNames();
      return refuse(ctx, new PluginError('plugin/component-export', `component "${shared.name}" exports no function "${message.call}" (it exports: ${names.join(', ') || 'none'})`, { plugin: shared.name, call: message.call }));
    }
    const args = message.args ?? [];
    if (args.length !== fn.length) {
      shared.stats.refused++;
      return refuse(ctx, new PluginError('plugin/component-call', `component "${shared.name}" ${message.call} takes ${fn.length} argument${fn.length === 1 ? '' : 's'}, got ${args.length}`, { plugin: shared.name, call: message.call }));
    }
    try {
      return instance.call(ctx as Context, message.call, fn, args);
    } catch (error) {
      if (instance.dead) throw error; // fuel, timeout, trap: the actor ends
      return refuse(ctx, error);
    }
  }

  stopping(): void {
    this.instance?.close();
  }
}

function refuse(ctx: Context<ComponentCall>, error: unknown): undefined {
  ctx.deferReply()?.reject(error);
  return undefined;
}

function isCall(message: unknown): message is ComponentCall {
  if (typeof message !== 'object' || message === null) return false;
  const { call, args } = message as Partial<ComponentCall>;
  return typeof call === 'string' && (args === undefined || Array.isArray(args));
}

function isComponentError(error: unknown): error is Error & { payload: unknown } {
  return error instanceof Error && (error.name === 'ComponentError' || error.constructor.name === 'ComponentError') && 'payload' in error;
}

/** Whether the guest was running when `error` was thrown: a trap, or a throw with guest frames on its stack. */
function ranInGuest(error: unknown): boolean {
  if (error instanceof Wasm.RuntimeError) return true;
  const stack = error instanceof Error ? error.stack ?? '' : '';
  return stack.includes('wasm-function[') || stack.includes('wasm://');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? `${v}n` : v) ?? String(value);
  } catch {
    return String(value);
  }
}
