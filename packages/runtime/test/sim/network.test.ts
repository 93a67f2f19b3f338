/**
 * The simulated network: seeded latency, per-pair FIFO (unless reordering is on), loss and
 * duplication (counted), partitions (symmetric, one-way, isolating a host), clogging,
 * crashed hosts; and actors on two engines talking through it via bridge actors.
 */
import { describe, expect, it } from 'vitest';
import type { Addr, Context } from '@pd/actor';
import { SimWorld } from '../../src/sim/index.js';

interface Got { from: string; seq: number; at: number }

function rig(seed: number, hosts = ['a', 'b', 'c']): { world: SimWorld; got: Map<string, Got[]> } {
  const world = new SimWorld({ seed });
  const got = new Map<string, Got[]>();
  for (const h of hosts) {
    world.host(h);
    got.set(h, []);
    world.net.listen(h, (from, payload) => got.get(h)!.push({ from, seq: (payload as { seq: number }).seq, at: world.now }));
  }
  return { world, got };
}

const seqsFrom = (list: Got[], from: string) => list.filter((g) => g.from === from).map((g) => g.seq);

describe('sim network', () => {
  it('delays packets within the latency range and keeps each pair in order while pairs interleave', async () => {
    const { world, got } = rig(4);
    world.net.setFaults({ latencyMs: [1, 20] });
    for (let i = 0; i < 100; i++) {
      world.at(i, () => world.net.send('a', 'c', { seq: i }));
      world.at(i, () => world.net.send('b', 'c', { seq: i }));
    }
    await world.run();
    const atC = got.get('c')!;
    expect(seqsFrom(atC, 'a')).toEqual([...Array(100).keys()]);
    expect(seqsFrom(atC, 'b')).toEqual([...Array(100).keys()]);
    for (const g of atC) expect(g.at).toBeGreaterThanOrEqual(g.seq + 1);
    // The two senders interleave at the receiver, not one after the other.
    const switches = atC.slice(1).filter((g, i) => g.from !== atC[i]!.from).length;
    expect(switches).toBeGreaterThan(20);
    expect(world.net.stats).toMatchObject({ sent: 200, delivered: 200, duplicated: 0, dropped: { loss: 0, partition: 0, down: 0 } });
  });

  it('reorders within a pair only when the reorder fault is on', async () => {
    const { world, got } = rig(5);
    world.net.setFaults({ latencyMs: [1, 30], reorder: true });
    for (let i = 0; i < 50; i++) world.net.send('a', 'b', { seq: i });
    await world.run();
    const seqs = seqsFrom(got.get('b')!, 'a');
    expect(seqs.slice().sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(seqs).not.toEqual([...Array(50).keys()]);
  });

  it('loses and duplicates packets at the configured rates, and counts both', async () => {
    const { world, got } = rig(6);
    world.net.setFaults({ loss: 0.2, duplicate: 0.1 });
    for (let i = 0; i < 1000; i++) world.net.send('a', 'b', { seq: i });
    await world.run();
    const s = world.net.stats;
    expect(s.dropped.loss).toBeGreaterThan(120);
    expect(s.dropped.loss).toBeLessThan(280);
    expect(s.duplicated).toBeGreaterThan(40);
    expect(got.get('b')!.length).toBe(1000 - s.dropped.loss + s.duplicated);
    // Still per-pair FIFO: a duplicate arrives right after its original, never before.
    const seqs = seqsFrom(got.get('b')!, 'a');
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThanOrEqual(seqs[i - 1]!);
  });

  it('partitions: symmetric cuts both ways, one-way cuts one, isolate cuts a host off; heal restores', async () => {
    const { world, got } = rig(7);
    const net = world.net;
    const sendAll = (seq: number) => {
      for (const x of ['a', 'b', 'c']) for (const y of ['a', 'b', 'c']) if (x !== y) net.send(x, y, { seq });
    };
    const heard = (seq: number) => [...got].flatMap(([to, list]) => list.filter((g) => g.seq === seq).map((g) => `${g.from}>${to}`)).sort().join(' ');
    net.partition(['a'], ['b', 'c']);
    sendAll(1);
    await world.run();
    expect(heard(1)).toBe('b>c c>b');
    net.heal();
    net.cut(['a'], ['b']);
    sendAll(2);
    await world.run();
    expect(heard(2)).toBe('a>c b>a b>c c>a c>b');
    net.heal();
    net.isolate('c', ['a', 'b', 'c']);
    sendAll(3);
    await world.run();
    expect(heard(3)).toBe('a>b b>a');
    net.heal();
    sendAll(4);
    await world.run();
    expect(heard(4).split(' ')).toHaveLength(6);
    expect(net.stats.dropped.partition).toBe(4 + 1 + 4);
  });

  it('a packet in flight when a partition starts is dropped on arrival', async () => {
    const { world, got } = rig(8);
    world.net.setFaults({ latencyMs: [10, 10] });
    world.net.send('a', 'b', { seq: 1 });
    world.at(5, () => world.net.partition(['a'], ['b']));
    await world.run();
    expect(got.get('b')).toEqual([]);
    expect(world.net.stats.dropped.partition).toBe(1);
  });

  it('a clogged link holds packets until the clog ends, then delivers them in order', async () => {
    const { world, got } = rig(9);
    world.net.setFaults({ latencyMs: [1, 2] });
    world.net.clog('a', 'b', 100);
    for (let i = 0; i < 5; i++) world.at(i * 10, () => world.net.send('a', 'b', { seq: i }));
    world.at(1, () => world.net.send('b', 'a', { seq: 99 }));
    await world.run();
    const atB = got.get('b')!;
    expect(atB.map((g) => g.seq)).toEqual([0, 1, 2, 3, 4]);
    for (const g of atB) expect(g.at).toBeGreaterThanOrEqual(100);
    expect(got.get('a')![0]!.at).toBeGreaterThanOrEqual(100);
  });

  it('drops packets for a host that crashed after they were sent, even once it is back', async () => {
    const { world, got } = rig(10);
    world.net.setFaults({ latencyMs: [10, 10] });
    world.net.send('a', 'b', { seq: 1 });
    const b = world.host('b');
    world.at(5, () => {
      b.epoch++;
      b.up = true;
    });
    world.at(6, () => world.net.send('a', 'b', { seq: 2 }));
    await world.run();
    expect(got.get('b')!.map((g) => g.seq)).toEqual([2]);
    expect(world.net.stats.dropped.down).toBe(1);
  });

  it('copies bytes at send, so the sender may reuse its buffer', async () => {
    const world = new SimWorld({ seed: 1 });
    const received: number[][] = [];
    world.net.listen('b', (_from, payload) => received.push([...(payload as Uint8Array)]));
    const buf = new Uint8Array([1, 2, 3]);
    world.net.send('a', 'b', buf);
    buf[0] = 9;
    await world.run();
    expect(received).toEqual([[1, 2, 3]]);
    expect(() => world.net.send('a', 'b', 'text' as never)).toThrow(/bytes or an object/);
  });

  it('carries messages between actors on two engines through bridge actors', async () => {
    const world = new SimWorld({ seed: 12, autoRun: true });
    world.net.setFaults({ latencyMs: [2, 5] });
    const left = world.engine({ host: 'left' });
    const right = world.engine({ host: 'right' });
    type Wire = { to: string; body: number };
    // A bridge owns its host's endpoint: packets in become messages to local actors by name.
    const bridge = (engine: typeof left, host: string) => engine.spawn({
      started(ctx: Context<Wire>) {
        world.net.listen(host, (_from, p) => {
          const wire = p as Wire;
          const local = engine.registry.whereis(wire.to);
          if (local !== undefined) engine.send(local as Addr<number>, wire.body);
          void ctx;
        });
      },
      receive: (m: Wire & { host: string }) => void world.net.send(host, m.host, { to: m.to, body: m.body }),
    });
    const leftBridge = bridge(left, 'left');
    const rightBridge = bridge(right, 'right');
    const got: number[] = [];
    right.spawn({
      receive(n: number, ctx: Context<number>) {
        got.push(n);
        ctx.send(rightBridge, { host: 'left', to: 'pong', body: n * 10 } as never);
      },
    }, { register: 'ping' });
    const pongs: number[] = [];
    left.spawn({ receive: (n: number) => void pongs.push(n) }, { register: 'pong' });
    const t0 = left.reactor.now();
    for (let i = 1; i <= 3; i++) left.send(leftBridge, { host: 'right', to: 'ping', body: i } as never);
    for (let i = 0; i < 100 && pongs.length < 3; i++) await new Promise<void>((r) => left.reactor.setTimer(1, r));
    expect(got).toEqual([1, 2, 3]);
    expect(pongs).toEqual([10, 20, 30]);
    expect(left.reactor.now() - t0).toBeGreaterThanOrEqual(4);
    world.net.partition(['left'], ['right']);
    left.send(leftBridge, { host: 'right', to: 'ping', body: 4 } as never);
    await new Promise<void>((r) => left.reactor.setTimer(50, r));
    expect(got).toEqual([1, 2, 3]);
    expect(world.net.stats.dropped.partition).toBe(1);
    await left.shutdown();
    await right.shutdown();
    world.dispose();
  });
});
