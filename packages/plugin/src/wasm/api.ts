/**
 * The slice of the engine's WebAssembly API this package uses, typed here because the
 * project's TypeScript libraries (ES2023 + Node) do not declare `WebAssembly`. Must not:
 * leak into the public API (callers see bytes and plain data, never these types).
 */

export interface WasmModule { readonly __wasmModule?: never }
export interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
export interface WasmGlobal { value: number }
export interface WasmInstance { readonly exports: Record<string, unknown> }
export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmNamespace {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  CompileError: new (...args: any[]) => Error;
  RuntimeError: new (...args: any[]) => Error;
  LinkError: new (...args: any[]) => Error;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
