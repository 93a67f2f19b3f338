/**
 * Multi-core engines as cluster nodes, in one process over real loopback TCP: each node is
 * a two-core engine (worker threads), its federation on core 0, the gateway. An actor on
 * core 1 of node a reaches one on core 1 of node b through a's rings, the network, then
 * b's rings: send in order, ask both ways, links and monitors with the other side's exit
 * reason, `noconnection` when a node goes away, unlink and demonitor that hold, spawns on
 * a named node that land on its worker core, the send policy for actors on a worker core
 * (checked there) answering as it does on core 0, and a cluster name and a group membership
 * for an actor on core 1, gone on both nodes when that core crashes and restarts. The probes
 * live in worker threads, so they report to clients on core 0. Every wait is for an
 * observable condition.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyAddr } from '@pd/actor';
import { mintAddr } from '@pd/actor/internal';
import { type Client, type Engine, multiCore } from '@pd/runtime';
import { type FederationNode, type FederationOptions, StaticMembership, startNode } from './index.js';

const SECRET = 'federation-multi-secret-0123456789';
const ENTRY = new URL('../test/fixtures/multi-kinds.mjs', import.meta.url);
const open: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
});

interface Node extends FederationNode {
  readonly client: Client;
  /** Everything the client got, in order. */
  readonly got: unknown[];
}

/** What a test adds to a node's options. */
interface Extra {
  readonly federation?: Partial<FederationOptions>;
  readonly engine?: { readonly placement?: { readonly kinds: Readonly<Record<string, { readonly core: number }>> } };
}

/** Two-core nodes on loopback, each knowing the others. */
async function cluster(ids: readonly string[], extra: (id: string) => Extra = () => ({})): Promise<Map<string, Node>> {
  const nodes = new Map<string, Node>();
  const memberships = new Map<string, StaticMembership>();
  for (const id of ids) {
    const membership = new StaticMembership();
    const more = extra(id);
    const node = await startNode({
      federation: { nodeId: id, cluster: 'multi', secret: SECRET, listen: { host: '127.0.0.1', port: 0 }, membership, requestTimeoutMs: 30_000, ...more.federation },
      engine: { id, mode: 'multi', cores: 2, entry: ENTRY, askTimeoutMs: 20_000, ...more.engine },
    });
    open.push(() => node.stop({ deadlineMs: 500 }));
    const client = node.engine.client();
    const got: unknown[] = [];
    void (async () => {
      for (;;) got.push(await client.receive());
    })().catch(() => undefined);
    nodes.set(id, { ...node, client, got });
    memberships.set(id, membership);
  }
  for (const id of nodes.keys()) {
    for (const [other, peer] of nodes) if (other !== id) memberships.get(id)!.add({ id: other, host: '127.0.0.1', port: peer.address!.port });
  }
  // Connected both ways before the tests hand addresses over by reference (a real node learns them from messages).
  for (const [id, node] of nodes) for (const other of nodes.keys()) if (other !== id) await node.federation.whereis('nobody', { node: other });
  return nodes;
}

async function until(engine: Engine, condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = engine.reactor.now();
  while (!condition()) {
    if (engine.reactor.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => engine.reactor.setTimer(2, resolve));
  }
}

/** A probe on core 1 of `node`, reporting to its client; resolves once it answers there. */
async function probeOnCore1(node: Node, options: { trapExits?: boolean } = {}): Promise<AnyAddr> {
  const addr = node.engine.spawn('probe', { args: { report: node.client.self }, placement: { core: 1 }, ...options });
  expect(addr.core).toBe(1);
  expect(await node.engine.ask(addr, 'where')).toBe(1);
  return addr;
}

function find(got: readonly unknown[], match: (m: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  return got.find((m) => typeof m === 'object' && m !== null && match(m as Record<string, unknown>)) as Record<string, unknown> | undefined;
}

describe('multi-core nodes', () => {
  it('core 1 of a node reaches core 1 of another: send in order, ask both ways, and asks from core 0', async () => {
    const nodes = await cluster(['a', 'b']);
    const a = nodes.get('a')!;
    const b = nodes.get('b')!;
    const pa = await probeOnCore1(a);
    const pb = await probeOnCore1(b);
    // From a's core 0 to b's core 1: one network hop, then b's ring.
    expect(await a.engine.ask(pb, { echo: 'from a core 0' })).toEqual({ echo: 'from a core 0', core: 1 });
    // From core 1 of a to core 1 of b: a's ring, the network, b's ring; numbered sends keep their order.
    a.engine.send(pa, { seqs: true, to: pb, n: 300 });
    await until(b.engine, () => b.got.filter((m) => find([m], (x) => typeof x.got === 'object')).length === 300, 'the 300 numbered messages');
    const seqs = b.got.flatMap((m) => (find([m], (x) => typeof x.got === 'object') === undefined ? [] : [((m as { got: { seq: number } }).got.seq)]));
    expect(seqs).toEqual([...Array(300).keys()]);
    // Asks from a worker core across nodes, both ways (one after the other: a probe waits in its
    // handler for its answer, so two probes asking each other at once would wait for ever).
    a.engine.send(pa, { ask: { echo: 'a1 asks b1' }, to: pb, report: a.client.self });
    await until(a.engine, () => find(a.got, (m) => m.answer !== undefined || m.failed !== undefined) !== undefined, "a1's answer");
    b.engine.send(pb, { ask: { echo: 'b1 asks a1' }, to: pa, report: b.client.self });
    await until(b.engine, () => find(b.got, (m) => m.answer !== undefined || m.failed !== undefined) !== undefined, "b1's answer");
    expect(find(a.got, (m) => m.answer !== undefined)).toEqual({ at: 1, answer: { echo: 'a1 asks b1', core: 1 } });
    expect(find(b.got, (m) => m.answer !== undefined)).toEqual({ at: 1, answer: { echo: 'b1 asks a1', core: 1 } });
    // A spawn on node b by name lands wherever b's placement puts it, and answers.
    const spawned = await a.federation.spawn('probe', { node: 'b' });
    expect(await a.engine.ask(spawned, 'where')).toBe(spawned.core);
  });

  it('links and monitors between worker cores of two nodes carry the exit reason; unlink and demonitor hold', async () => {
    const nodes = await cluster(['a', 'b']);
    const a = nodes.get('a')!;
    const b = nodes.get('b')!;
    const target = await probeOnCore1(b);
    const watcher = await probeOnCore1(a);
    const linker = await probeOnCore1(a, { trapExits: true });
    const quitter = await probeOnCore1(a, { trapExits: true });
    a.engine.send(watcher, { monitor: true, target, report: a.client.self });
    a.engine.send(linker, { link: true, target, report: a.client.self });
    a.engine.send(quitter, { link: true, target, report: a.client.self });
    await until(a.engine, () => a.got.filter((m) => find([m], (x) => x.done !== undefined)).length === 3, 'the link and monitor calls');
    a.engine.send(quitter, { unlink: true, target, report: a.client.self });
    await until(a.engine, () => find(a.got, (m) => m.done === 'unlink') !== undefined, 'the unlink');
    // Let the link, monitor and unlink reach node b before the crash (they travel with later sends in order).
    expect(await a.engine.ask(target, { echo: 'sync' })).toEqual({ echo: 'sync', core: 1 });
    b.engine.send(target, 'crash');
    await until(a.engine, () => a.got.filter((m) => find([m], (x) => x.saw !== undefined)).length >= 2, 'the Down and the exit signal');
    const saw = a.got.flatMap((m) => (find([m], (x) => x.saw !== undefined) === undefined ? [] : [(m as { saw: unknown }).saw]));
    expect(saw).toContainEqual({ down: 'error', from: String(target) });
    expect(saw).toContainEqual({ exit: 'error', from: String(target) });
    // Give a stray exit signal for the unlinked one time to show up: an ask round trip through both nodes.
    expect(await b.engine.ask(await probeOnCore1(b), { echo: 'after' })).toEqual({ echo: 'after', core: 1 });
    expect(await a.engine.ask(quitter, { echo: 'still here' })).toEqual({ echo: 'still here', core: 1 });
    expect(saw).toHaveLength(2);
  });

  it('a node that goes away: every link and monitor from a worker core of another node fires noconnection', async () => {
    const nodes = await cluster(['a', 'b']);
    const a = nodes.get('a')!;
    const b = nodes.get('b')!;
    const onA = await probeOnCore1(a);
    const watcher = await probeOnCore1(b);
    const linker = await probeOnCore1(b, { trapExits: true });
    b.engine.send(watcher, { monitor: true, target: onA, report: b.client.self });
    b.engine.send(linker, { link: true, target: onA, report: b.client.self });
    await until(b.engine, () => b.got.filter((m) => find([m], (x) => x.done !== undefined)).length === 2, 'the link and monitor calls');
    expect(await b.engine.ask(onA, { echo: 'sync' })).toEqual({ echo: 'sync', core: 1 });
    await a.stop({ deadlineMs: 200 });
    await until(b.engine, () => b.got.filter((m) => find([m], (x) => x.saw !== undefined)).length >= 2, 'noconnection for both');
    const saw = b.got.flatMap((m) => (find([m], (x) => x.saw !== undefined) === undefined ? [] : [(m as { saw: { down?: string; exit?: string } }).saw]));
    // The actor on a was stopped with the node (a `shutdown` exit) or the connection went first (noconnection): never silence.
    for (const s of saw) expect(['noconnection', 'shutdown']).toContain(s.down ?? s.exit);
    expect(saw.some((s) => s.down !== undefined)).toBe(true);
    expect(saw.some((s) => s.exit !== undefined)).toBe(true);
  });

  it('the send policy holds for actors on a worker core as on core 0: allowed ones receive, denied ones refuse with the same answers, counted', async () => {
    const nodes = await cluster(['a', 'b'], (id) => (id !== 'b' ? {} : {
      federation: { policy: { send: { allow: ['/user/ok', '/user/again'] }, spawn: { deny: ['/user/closed'] } } },
      engine: { placement: { kinds: { probe: { core: 1 } } } },
    }));
    const a = nodes.get('a')!;
    const b = nodes.get('b')!;
    const on = (name: string, core: number): AnyAddr => b.engine.spawn('probe', { args: { report: b.client.self }, name, placement: { core } });
    const ok1 = on('ok', 1);
    const closed1 = on('closed1', 1);
    const closed0 = on('closed0', 0);
    expect([ok1.core, closed1.core, closed0.core]).toEqual([1, 1, 0]);
    expect(await b.engine.ask(ok1, 'where')).toBe(1);
    expect(await b.engine.ask(closed1, 'where')).toBe(1);
    // From a's core 0, to a denied actor on b's core 0 (checked by b's node router) and on b's core 1 (checked there).
    const answers = new Map<AnyAddr, { error: { code?: string; message?: string }; waited: unknown }>();
    for (const target of [closed0, closed1]) {
      a.engine.send(target, 'refused');
      const error = await a.engine.ask(target, 'refused too').then(() => ({}), (e: { code?: string; message?: string }) => e);
      answers.set(target, { error, waited: await a.engine.sendWait(target, 'refused as well') });
    }
    const off0 = answers.get(closed0)!;
    const off1 = answers.get(closed1)!;
    expect(off0.error.code).toBe('ask/rejected');
    expect({ code: off1.error.code, message: off1.error.message }).toEqual({ code: off0.error.code, message: off0.error.message!.replace(String(closed0), String(closed1)) });
    expect(off1.waited).toBe(off0.waited);
    // The allowed one on core 1 gets everything.
    a.engine.send(ok1, 'allowed');
    expect(await a.engine.ask(ok1, { echo: 'asked' })).toEqual({ echo: 'asked', core: 1 });
    expect(await a.engine.sendWait(ok1, 'waited')).toBe('queued');
    await until(b.engine, () => find(b.got, (m) => m.got === 'waited') !== undefined, 'the allowed messages');
    expect(b.got.filter((m) => find([m], (x) => x.got !== undefined))).toEqual([{ at: 1, got: 'allowed' }, { at: 1, got: 'waited' }]);
    // From a's worker core: the same rejection. Stop and kill are refused too.
    const pa = await probeOnCore1(a);
    a.engine.send(pa, { ask: 'from a1', to: closed1, report: a.client.self });
    await until(a.engine, () => find(a.got, (m) => m.failed !== undefined) !== undefined, "a1's refused ask");
    expect(find(a.got, (m) => m.failed !== undefined)).toEqual({ at: 1, failed: 'ask/rejected' });
    a.engine.stop(closed1);
    a.engine.kill(closed1);
    // 3 refusals for closed0 (on core 0), 6 for closed1 (on core 1, counted on core 0).
    await until(b.engine, () => b.federation.stats().refused.send === 9, 'nine refusals counted on the gateway');
    expect(await b.engine.ask(closed1, 'where')).toBe(1);
    expect(b.got.filter((m) => find([m], (x) => x.got !== undefined))).toHaveLength(2);
    expect(b.engine.deadLetters().byReason.rejected).toBe(3);
    // The spawn policy is checked on core 0 against the path wherever the spawn lands.
    const spawned = await a.federation.spawn('probe', { node: 'b', name: 'fresh' });
    expect(spawned.core).toBe(1);
    await expect(a.federation.spawn('probe', { node: 'b', name: 'closed' })).rejects.toThrow(/policy/);
    expect(b.federation.stats().refused).toEqual({ send: 9, spawn: 1 });
    // A worker core that dies and restarts has the policy again (in the gateway's hello) before anything it covers.
    b.engine.send(closed1, 'die');
    await until(b.engine, () => multiCore(b.engine).status()[1]!.epoch === 1 && multiCore(b.engine).status()[1]!.state === 'up', 'core 1 back');
    const again = on('again', 1);
    const closedAgain = on('closed-again', 1);
    a.engine.send(closedAgain, 'refused again');
    a.engine.send(again, 'after the restart');
    expect(await a.engine.ask(again, { echo: 'back' })).toEqual({ echo: 'back', core: 1 });
    await expect(a.engine.ask(closedAgain, 'refused again too')).rejects.toMatchObject({ code: 'ask/rejected' });
    await until(b.engine, () => b.federation.stats().refused.send === 11, 'the refusals after the restart');
    expect(b.got.filter((m) => find([m], (x) => x.got !== undefined)).at(-1)).toEqual({ at: 1, got: 'after the restart' });
  });

  it('from a worker core, a send or ask to an actor of a node nobody knows is a dead letter on the gateway, and a failed ask', async () => {
    const nodes = await cluster(['a', 'b']);
    const a = nodes.get('a')!;
    const onA = await probeOnCore1(a);
    const nowhere = mintAddr({ node: 0x1234567, core: 1, slot: 1, generation: 1, secret: 42 }, null);
    a.engine.send(onA, { send: 'to nobody', to: nowhere });
    await until(a.engine, () => a.engine.deadLetters().byReason.unknown === 1, 'the dead letter on the gateway core');
    a.engine.send(onA, { ask: 'anyone?', to: nowhere, report: a.client.self });
    await until(a.engine, () => find(a.got, (m) => m.failed !== undefined) !== undefined, 'the failed ask');
    expect(find(a.got, (m) => m.failed !== undefined)).toEqual({ at: 1, failed: 'ask/target-exited' });
    expect(a.engine.deadLetters().byReason.unknown).toBe(2);
  });

  it('a cluster name and a group membership for an actor on core 1: reached from the other node, gone on both when its core restarts', async () => {
    const nodes = await cluster(['a', 'b']);
    const a = nodes.get('a')!;
    const b = nodes.get('b')!;
    const onA = await probeOnCore1(a);
    a.federation.registry.register('svc', onA);
    a.federation.groups.join('g', onA);
    await until(b.engine, () => b.federation.registry.whereis('svc') !== undefined && b.federation.groups.members('g').length === 1, 'b sees the name and the member');
    expect(b.federation.registry.whereis('svc')!.equals(onA)).toBe(true);
    // Through the name from b's core 0: the network, a's gateway, a's ring to core 1.
    expect(await b.engine.ask(b.federation.registry.whereis('svc')!, { echo: 'by name' })).toEqual({ echo: 'by name', core: 1 });
    expect(b.federation.groups.publish('g', 'to the group')).toBe(1);
    await until(a.engine, () => find(a.got, (m) => m.got === 'to the group') !== undefined, 'the publish on core 1 of a');
    // Core 1 of a dies outside any handler (its worker exits) and is restarted without its actors.
    a.engine.send(onA, 'die');
    await until(b.engine, () => b.federation.registry.whereis('svc') === undefined && b.federation.groups.members('g').length === 0, 'b drops the name and the member');
    expect(a.federation.registry.list()).toEqual([]);
    expect(a.federation.groups.groups()).toEqual([]);
    // The restarted core's actors take names again.
    await until(a.engine, () => multiCore(a.engine).status()[1]!.state === 'up', 'core 1 of a back');
    const reborn = await probeOnCore1(a);
    a.federation.registry.register('svc', reborn);
    await until(b.engine, () => b.federation.registry.whereis('svc')?.equals(reborn) === true, 'b resolves the new holder');
  });
});
