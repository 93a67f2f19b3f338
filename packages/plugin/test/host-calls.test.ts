// The host functions through the actor's context: self, send, send_after, log, spawn (with
// its allowlist), reply; and a plugin actor is supervised, linked and introspected like any.
import { type AnyAddr, Exit, defineKind, isAddr } from '@pd/actor';
import { createEngine, startSupervisor } from '@pd/runtime';
import { describe, expect, it } from 'vitest';
import { PluginHost, type PluginLogEntry, Status, pluginExitReason } from '../src/index.js';
import { plugin } from './wat.js';

const IMPORTS = `
  (import "pd" "send" (func $send (param i32 i32 i32 i32) (result i32)))
  (import "pd" "reply" (func $reply (param i32 i32) (result i32)))
  (import "pd" "self" (func $self (param i32 i32) (result i32)))
  (import "pd" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "pd" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "pd" "send_after" (func $after (param i32 i32 i32 i32 i32) (result i32)))`;

// The message is the client's address. Statuses go to 2049.. and are replied as a fixarray.
const KITCHEN = `
  (data (i32.const 100) "hello")
  (data (i32.const 110) "\\a4tick")
  (data (i32.const 120) "echo")
  (data (i32.const 130) "nope")
  (func $put (param $i i32) (param $s i32) (i32.store8 (i32.add (i32.const 2049) (local.get $i)) (local.get $s)))
  (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32)
    (memory.copy (i32.const 4096) (local.get $p) (local.get $n))
    (call $put (i32.const 0) (call $self (i32.const 16) (i32.const 20)))
    (call $put (i32.const 1) (call $send (i32.const 4096) (local.get $n) (i32.load (i32.const 16)) (i32.load (i32.const 20))))
    (call $put (i32.const 2) (call $after (i32.const 4096) (local.get $n) (i32.const 110) (i32.const 5) (i32.const 10)))
    (call $put (i32.const 3) (call $log (i32.const 2) (i32.const 100) (i32.const 5)))
    (call $put (i32.const 4) (call $spawn (i32.const 120) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 24) (i32.const 28)))
    (call $put (i32.const 5) (call $send (i32.const 4096) (local.get $n) (i32.load (i32.const 24)) (i32.load (i32.const 28))))
    (call $put (i32.const 6) (call $spawn (i32.const 130) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 24) (i32.const 28)))
    (call $put (i32.const 7) (call $reply (i32.const 0) (i32.const 0)))
    (i32.store8 (i32.const 2048) (i32.const 0x98))
    (drop (call $reply (i32.const 2048) (i32.const 9)))
    (call $put (i32.const 8) (call $reply (i32.const 2048) (i32.const 9)))
    (i32.store8 (i32.const 2048) (i32.const 0x99))
    (drop (call $send (i32.const 4096) (local.get $n) (i32.const 2048) (i32.const 10)))
    (i32.const 0))`;

describe('host calls', () => {
  it('self, send, send_after, log, spawn (allowlisted), reply: each through the actor context', async () => {
    const engine = createEngine();
    const logs: PluginLogEntry[] = [];
    const host = new PluginHost(engine, { onLog: (e) => logs.push(e) });
    engine.kinds.register(defineKind('echo', () => ({ receive: (m: unknown) => m })));
    host.load(await plugin(IMPORTS, KITCHEN), { name: 'kitchen', limits: { spawnKinds: ['echo'] } });
    const a = host.spawn('kitchen');
    const client = engine.client();
    const statuses = await engine.ask(a, client.self);
    expect(statuses).toEqual([Status.OK, Status.OK, Status.OK, Status.OK, Status.OK, Status.OK, Status.DENIED, Status.BAD_ENCODING]);
    const self = await client.receive();
    expect(isAddr(self) && self.equals(a)).toBe(true);
    const child = await client.receive<AnyAddr>();
    expect(engine.info(child)?.parent).toBe(engine.info(a)?.path);
    expect(engine.info(a)?.children).toEqual([engine.info(child)?.path]);
    // The second reply is refused (NO_ASK): the plugin sends its statuses on, NO_ASK last
    const again = await client.receive<number[]>();
    expect(again.at(-1)).toBe(Status.NO_ASK);
    expect(await client.receive({ timeoutMs: 5000 })).toBe('tick');
    expect(logs).toEqual([expect.objectContaining({ plugin: 'kitchen', level: 'info', text: 'hello', path: engine.info(a)?.path })]);
    await engine.shutdown();
  });

  it('a plugin actor under a supervisor is restarted with a fresh instance after running out of fuel', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    // Counts messages in memory; "spin" loops forever.
    host.load(await plugin(IMPORTS, `
      (func (export "pd_on_message") (param $p i32) (param $n i32) (result i32)
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0xa4)) (then (loop $l (br $l))))
        (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1)))
        (i32.store8 (i32.const 0) (i32.load (i32.const 512)))
        (drop (call $reply (i32.const 0) (i32.const 1)))
        (i32.const 0))`), { name: 'counter', limits: { fuel: 50_000 } });
    const sup = startSupervisor(engine, { name: 'plugins', strategy: 'one-for-one', children: [{ id: 'c', kind: 'counter' }] });
    const first = (await sup.whichChildren())[0]!.addr!;
    expect(await engine.ask(first, 1)).toBe(1);
    expect(await engine.ask(first, 1)).toBe(2);
    const client = engine.client();
    client.link(first);
    client.trapExits(true);
    engine.send(first, 'spin');
    const signal = await client.receive<{ reason: never }>();
    expect(pluginExitReason(signal.reason)).toBe('fuel-exhausted');
    const [child] = await sup.whichChildren();
    expect(child!.restarts).toBe(1);
    expect(child!.addr!.equals(first)).toBe(false);
    expect(await engine.ask(child!.addr!, 1)).toBe(1); // a fresh instance: memory starts over
    expect(await engine.ask(child!.stable, 1)).toBe(2);
    await engine.shutdown();
  });

  it('pd_on_start gets the spawn arguments; returning STOP ends the actor normally', async () => {
    const engine = createEngine();
    const host = new PluginHost(engine);
    host.load(await plugin(IMPORTS, `
      (func (export "pd_on_start") (param $p i32) (param $n i32) (result i32)
        (i32.ne (i32.load8_u (local.get $p)) (i32.const 0xc0))) ;; nil args: OK (0); any other: STOP (1)
      (func (export "pd_on_message") (param i32 i32) (result i32) (i32.const 0))`), { name: 'starter' });
    const client = engine.client();
    const running = host.spawn('starter');
    const stopping = host.spawn('starter', { args: { any: 1 } });
    client.monitor(stopping);
    const down = await client.receive<{ reason: unknown }>();
    expect(down.reason).toEqual(Exit.normal);
    await engine.idle();
    expect(engine.info(running)?.status).not.toBe('dead');
    await engine.shutdown();
  });
});
