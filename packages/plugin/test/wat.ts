// Test helper: WebAssembly text to module bytes with wabt (npm), at test time.
import wabtInit from 'wabt';

let wabt: Awaited<ReturnType<typeof wabtInit>> | null = null;

export async function wat(text: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('plugin.wat', text, { bulk_memory: true, mutable_globals: true, sign_extension: true, sat_float_to_int: true });
  try {
    mod.resolveNames();
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

/** The exports every plugin needs: ABI marker, memory, a scratch allocator at 1024. */
export const ABI_BASICS = `
  (memory (export "memory") 1)
  (func (export "pd_abi_version_1"))
  (func (export "pd_alloc") (param $n i32) (result i32) (i32.const 1024))
`;

/** A module of ABI basics plus `body` (imports first). */
export function plugin(imports: string, body: string): Promise<Uint8Array> {
  return wat(`(module ${imports} ${ABI_BASICS} ${body})`);
}
