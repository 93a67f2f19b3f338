// Hostile plugins (issue #20): each one is stopped or refused, and after each the engine is
// alive and another actor's work is unaffected.
import { afterEach, describe, expect, it } from 'vitest';
import { PluginError, Status, isPluginError, pluginExitReason } from '../src/index.js';
import { type Rig, rig } from './helpers.js';
import { ABI_BASICS, plugin, wat } from './wat.js';

let r: Rig;
afterEach(async () => {
  await r.checkAlive();
  await r.close();
});

const SPIN = `(func (export "pd_on_message") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))`;

describe('hostile plugins', () => {
  it('an infinite loop is stopped by fuel: the actor ends with fuel-exhausted', async () => {
    r = rig();
    r.host.load(await plugin('', SPIN), { name: 'spin', limits: { fuel: 100_000, timeoutMs: false } });
    const a = r.host.spawn('spin');
    const exit = r.exitOf(a);
    r.engine.send(a, 'go');
    const reason = await exit;
    expect(pluginExitReason(reason)).toBe('fuel-exhausted');
    const error = (reason as { error: PluginError }).error;
    expect(error.code).toBe('plugin/fuel-exhausted');
    expect(error.details?.fuelUsed).toBeGreaterThan(100_000);
    expect(r.host.info('spin').failures['fuel-exhausted']).toBe(1);
  });

  it('with fuel off, an infinite loop is stopped by the wall-time cap: the actor ends with timeout', async () => {
    r = rig();
    r.host.load(await plugin('', SPIN), { name: 'spin', limits: { fuel: false, timeoutMs: 50, checkEveryFuel: 10_000 } });
    const a = r.host.spawn('spin');
    const exit = r.exitOf(a);
    r.engine.send(a, 'go');
    const reason = await exit;
    expect(pluginExitReason(reason)).toBe('timeout');
    expect((reason as { error: PluginError }).error.code).toBe('plugin/timeout');
  });

  it('a memory bomb is refused at its cap: memory.grow fails there and memory stays at the cap', async () => {
    r = rig();
    const bytes = await plugin(`(import "pd" "reply" (func $reply (param i32 i32) (result i32)))`, `
      (func (export "pd_on_message") (param i32 i32) (result i32)
        (block $full (loop $l
          (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
          (br $l)))
        ;; reply with memory.size as a msgpack uint16 (0xcd hi lo)
        (i32.store8 (i32.const 0) (i32.const 0xcd))
        (i32.store8 (i32.const 1) (i32.shr_u (memory.size) (i32.const 8)))
        (i32.store8 (i32.const 2) (i32.and (memory.size) (i32.const 0xff)))
        (drop (call $reply (i32.const 0) (i32.const 3)))
        (i32.const 0))`);
    r.host.load(bytes, { name: 'bomb', limits: { memoryPages: 8 } });
    const a = r.host.spawn('bomb');
    expect(await r.engine.ask(a, 'grow')).toBe(8);
    expect(r.host.info('bomb').memoryBytes).toBe(8 * 65536);
    expect(r.engine.info(a)?.status).not.toBe('dead');
  });

  it('a guest whose allocator grows its memory: each message is written into the new pages and read back from them', async () => {
    r = rig();
    // pd_alloc grows memory by a page and hands out the start of it: the host's view of the
    // memory from before is detached each time, and must be made again before every write.
    const bytes = await wat(`(module (import "pd" "reply" (func $reply (param i32 i32) (result i32)))
      (memory (export "memory") 1) (func (export "pd_abi_version_1"))
      (func (export "pd_alloc") (param $n i32) (result i32) (local $old i32)
        (local.set $old (memory.grow (i32.const 1)))
        (if (i32.eq (local.get $old) (i32.const -1)) (then (return (i32.const 0))))
        (i32.mul (local.get $old) (i32.const 65536)))
      (func (export "pd_on_message") (param i32 i32) (result i32)
        (drop (call $reply (local.get 0) (local.get 1)))
        (i32.const 0)))`);
    r.host.load(bytes, { name: 'grower', limits: { memoryPages: 16 } });
    const a = r.host.spawn('grower');
    for (let i = 1; i <= 4; i++) expect(await r.engine.ask(a, { i, text: 'x'.repeat(100 * i) })).toEqual({ i, text: 'x'.repeat(100 * i) });
    expect(r.host.info('grower').memoryBytes).toBe(5 * 65536);
  });

  it('a module that starts with more memory than its cap is refused at load', async () => {
    r = rig();
    const bytes = await wat(`(module (memory (export "memory") 20) (func (export "pd_abi_version_1"))
      (func (export "pd_alloc") (param i32) (result i32) (i32.const 0))
      (func (export "pd_on_message") (param i32 i32) (result i32) (i32.const 0)))`);
    expect(() => r.host.load(bytes, { name: 'big', limits: { memoryPages: 8 } })).toThrow(/plugin\/limit.*memory starts at 20 pages, above the limit of 8/);
  });

  it('a trap ends the actor with trap; a supervisor-style restart gets a fresh instance', async () => {
    r = rig();
    r.host.load(await plugin('', `(func (export "pd_on_message") (param i32 i32) (result i32)
      (drop (i32.div_s (i32.const 1) (i32.const 0))) (i32.const 0))`), { name: 'trapper' });
    const a = r.host.spawn('trapper');
    const exit = r.exitOf(a);
    r.engine.send(a, 1);
    const reason = await exit;
    expect(pluginExitReason(reason)).toBe('trap');
    expect(String((reason as { error: Error }).error.message)).toMatch(/divide by zero/);
    // The fuel the trapping call used (not the call before it's): a few operators.
    const used = (reason as { error: PluginError }).error.details?.fuelUsed as number;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(20);
  });

  it('an import outside the ABI is refused at load, naming it', async () => {
    r = rig();
    const bytes = await wat(`(module (import "env" "abort" (func (param i32 i32 i32 i32))) ${ABI_BASICS}
      (func (export "pd_on_message") (param i32 i32) (result i32) (i32.const 0)))`);
    const attempt = () => r.host.load(bytes, { name: 'escape' });
    expect(attempt).toThrow(PluginError);
    expect(attempt).toThrow(/plugin\/import-refused: plugin "escape" imports env.abort, which is not part of the plugin ABI/);
    const wrongSig = await wat(`(module (import "pd" "send" (func (param i32) (result i32))) ${ABI_BASICS}
      (func (export "pd_on_message") (param i32 i32) (result i32) (i32.const 0)))`);
    expect(() => r.host.load(wrongSig, { name: 'sig' })).toThrow(/imports pd.send as \(i32\) -> \(i32\); the ABI defines \(i32, i32, i32, i32\) -> \(i32\)/);
    expect(r.host.list()).toEqual([]);
  });

  it('a missing or other-version ABI marker is refused with a reason', async () => {
    r = rig();
    const body = `(memory (export "memory") 1) (func (export "pd_alloc") (param i32) (result i32) (i32.const 0))
      (func (export "pd_on_message") (param i32 i32) (result i32) (i32.const 0))`;
    const none = await wat(`(module ${body})`);
    const v2 = await wat(`(module ${body} (func (export "pd_abi_version_2")))`);
    let error: unknown;
    try { r.host.load(none, { name: 'nomark' }); } catch (e) { error = e; }
    expect(isPluginError(error, 'plugin/abi-missing')).toBe(true);
    expect(String(error)).toMatch(/exports no ABI marker: export "pd_abi_version_1"/);
    try { r.host.load(v2, { name: 'v2' }); } catch (e) { error = e; }
    expect(isPluginError(error, 'plugin/abi-version')).toBe(true);
    expect(String(error)).toMatch(/built for ABI version 2; this host speaks version 1/);
  });

  it('out-of-bounds pointers to host calls get BAD_POINTER, and the host does not crash', async () => {
    r = rig();
    // Calls each host function with pointers past the end of memory, then replies with the
    // statuses as a msgpack array of negative fixints.
    const bytes = await plugin(`
      (import "pd" "send" (func $send (param i32 i32 i32 i32) (result i32)))
      (import "pd" "reply" (func $reply (param i32 i32) (result i32)))
      (import "pd" "self" (func $self (param i32 i32) (result i32)))
      (import "pd" "log" (func $log (param i32 i32 i32) (result i32)))
      (import "pd" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i32)))
      (import "pd" "send_after" (func $after (param i32 i32 i32 i32 i32) (result i32)))`, `
      (func $put (param $i i32) (param $s i32) (i32.store8 (i32.add (i32.const 2049) (local.get $i)) (local.get $s)))
      (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32)
        (i32.store8 (i32.const 2048) (i32.const 0x97))
        (call $put (i32.const 0) (call $send (i32.const 0xfffffff0) (i32.const 100) (i32.const 0) (i32.const 1)))
        (call $put (i32.const 1) (call $send (local.get $p) (local.get $n) (i32.const 65530) (i32.const 100)))
        (call $put (i32.const 2) (call $reply (i32.const -1) (i32.const -1)))
        (call $put (i32.const 3) (call $self (i32.const 65535) (i32.const 0)))
        (call $put (i32.const 4) (call $log (i32.const 2) (i32.const 65000) (i32.const 1000)))
        (call $put (i32.const 5) (call $spawn (i32.const 70000) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4)))
        (call $put (i32.const 6) (call $after (local.get $p) (local.get $n) (i32.const 0x7fffffff) (i32.const 2) (i32.const 10)))
        (drop (call $reply (i32.const 2048) (i32.const 8)))
        (i32.const 0))`);
    r.host.load(bytes, { name: 'oob' });
    const a = r.host.spawn('oob');
    const statuses = await r.engine.ask(a, a);
    expect(statuses).toEqual(new Array(7).fill(Status.BAD_POINTER));
    expect(r.engine.info(a)?.status).not.toBe('dead');
  });

  it('a plugin flooding sends: the target mailbox bound holds, the quota stops the flood', async () => {
    r = rig();
    // The message is the target's address; send it to itself 1e5 times, reply with the OK count (uint32).
    const bytes = await plugin(`
      (import "pd" "send" (func $send (param i32 i32 i32 i32) (result i32)))
      (import "pd" "reply" (func $reply (param i32 i32) (result i32)))`, `
      (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32) (local $i i32) (local $ok i32)
        (memory.copy (i32.const 4096) (local.get $p) (local.get $n))
        (loop $l
          (if (i32.eqz (call $send (i32.const 4096) (local.get $n) (i32.const 4096) (local.get $n)))
            (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
        (i32.store8 (i32.const 0) (i32.const 0xce))
        (i32.store8 (i32.const 1) (i32.shr_u (local.get $ok) (i32.const 24)))
        (i32.store8 (i32.const 2) (i32.shr_u (local.get $ok) (i32.const 16)))
        (i32.store8 (i32.const 3) (i32.shr_u (local.get $ok) (i32.const 8)))
        (i32.store8 (i32.const 4) (local.get $ok))
        (drop (call $reply (i32.const 0) (i32.const 5)))
        (i32.const 0))`);
    r.host.load(bytes, { name: 'flood', limits: { fuel: 100_000_000, timeoutMs: false } });
    const sink = r.engine.spawn({ receive: () => undefined }, { mailbox: { capacity: 100, overflow: 'drop-newest' } });
    const a = r.host.spawn('flood');
    const accepted = await r.engine.ask(a, sink);
    expect(accepted).toBe(100);
    const info = r.engine.info(sink)!;
    expect(info.mailbox.depth).toBeLessThanOrEqual(100);
    expect(r.engine.deadLetters().byReason.dropped).toBeGreaterThanOrEqual(10_000 - 100);
  });
});
