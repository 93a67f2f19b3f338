// The example component in AssemblyScript: a core module that follows the component model's
// canonical ABI for wit/world.wit (strings as UTF-16, the encoding the build embeds), made
// into a component by jco's componentEmbed + componentNew in scripts/build-examples.mjs.

// Imports: pd:host/log.log(level: enum, message: string) and pd:host/clock.now() -> f64.
@external("pd:host/log@0.1.0", "log")
declare function hostLog(level: i32, ptr: usize, len: usize): void;
@external("pd:host/clock@0.1.0", "now")
declare function hostNow(): f64;

const LEVEL_INFO = 2; // trace, debug, info, warn, error

/** The canonical ABI's allocator: the host copies arguments (the name) into blocks from it. */
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return old == 0 ? heap.alloc(newSize) : heap.realloc(old, newSize);
}

export function add(a: i32, b: i32): i32 {
  return a + b;
}

// A string result is returned as a pointer to (data pointer, length in code units).
const RET = memory.data(8);

export function greet(ptr: usize, len: usize): usize {
  const name = String.UTF16.decodeUnsafe(ptr, len << 1);
  const line = "greeting " + name;
  hostLog(LEVEL_INFO, changetype<usize>(line), line.length);
  const out = "hello, " + name + "!";
  store<u32>(RET, <u32>changetype<usize>(out));
  store<u32>(RET, <u32>out.length, 4);
  return RET;
}

/** Called by the host once it has read greet's result: everything allocated since is garbage. */
export function cabi_post_greet(_ret: usize): void {
  heap.reset();
}

export function fib(n: u32): u64 {
  let a: u64 = 0;
  let b: u64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const t = a + b;
    a = b;
    b = t;
  }
  return a;
}

export function stamp(): f64 {
  return hostNow();
}
