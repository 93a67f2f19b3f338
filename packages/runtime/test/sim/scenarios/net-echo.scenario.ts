/**
 * net-echo: three nodes exchange numbered messages over the simulated network through
 * link actors that run a small reliable protocol (sequence numbers, cumulative acks,
 * retransmission on a timer). The network may lose, duplicate, delay, reorder, partition
 * and clog; clocks may jump. Safety: every receiver delivers each sender's messages in
 * order, without duplicates or gaps. Liveness: once faults stop, everything arrives.
 */
import type { Addr, Context } from '@pd/actor';
import { defineScenario, type SimContext, type SimNode } from '../../../src/sim/index.js';
import { perRun } from './per-run.js';

type Packet = { t: 'data'; seq: number; body: number } | { t: 'ack'; upTo: number };
type LinkMsg =
  | { t: 'send'; to: string; body: number }
  | { t: 'packet'; from: string; packet: Packet }
  | { t: 'tick' };

const RETRANSMIT_MS = 20;
const WINDOW = 16;

const state = perRun(() => ({ delivered: new Map<string, Map<string, number[]>>() }));

class Link {
  private readonly next = new Map<string, number>();
  private readonly unacked = new Map<string, Map<number, number>>();
  private readonly expected = new Map<string, number>();

  constructor(private readonly node: SimNode, private readonly sim: SimContext, private readonly deliver: (from: string, body: number) => void) {}

  started(ctx: Context<LinkMsg>): void {
    ctx.sendEvery(ctx.self, { t: 'tick' }, RETRANSMIT_MS);
  }

  receive(m: LinkMsg): void {
    if (m.t === 'send') {
      const seq = this.next.get(m.to) ?? 0;
      this.next.set(m.to, seq + 1);
      this.pending(m.to).set(seq, m.body);
      this.node.send(m.to, { t: 'data', seq, body: m.body });
    } else if (m.t === 'tick') {
      for (const [to, pending] of this.unacked) {
        let n = 0;
        for (const [seq, body] of pending) {
          if (n++ === WINDOW) break;
          this.sim.sometimes(true, 'retransmitted');
          this.node.send(to, { t: 'data', seq, body });
        }
      }
    } else if (m.packet.t === 'ack') {
      const pending = this.pending(m.from);
      for (const seq of pending.keys()) if (seq < m.packet.upTo) pending.delete(seq);
    } else {
      const expected = this.expected.get(m.from) ?? 0;
      this.sim.sometimes(m.packet.seq < expected, 'duplicate or old packet ignored');
      this.sim.sometimes(m.packet.seq > expected, 'gap: packet ahead of its turn ignored');
      if (m.packet.seq === expected) {
        this.expected.set(m.from, expected + 1);
        this.deliver(m.from, m.packet.body);
      }
      this.node.send(m.from, { t: 'ack', upTo: this.expected.get(m.from) ?? 0 });
    }
  }

  private pending(to: string): Map<number, number> {
    let p = this.unacked.get(to);
    if (p === undefined) this.unacked.set(to, (p = new Map()));
    return p;
  }
}

export const netEcho = defineScenario({
  name: 'net-echo',
  description: 'numbered messages between 3 nodes over a lossy, duplicating, partitioned network, through a retransmitting link',
  nodes: 3,
  size: 20,
  durationMs: 1000,
  quietMs: 20_000,
  faults: { network: true, reorder: true, partition: true, clog: true, clockJump: true, buggify: true },
  boot(node, sim) {
    const engine = node.engine;
    const delivered = new Map<string, number[]>();
    state(sim).delivered.set(node.name, delivered);
    const link: Addr<LinkMsg> = engine.spawn(new Link(node, sim, (from, body) => {
      const got = delivered.get(from) ?? [];
      sim.always(body === got.length, 'in order, no duplicates, no gaps', { at: node.name, from, body, expected: got.length });
      got.push(body);
      delivered.set(from, got);
      sim.trace(`${node.name}<${from}`, body);
    }));
    node.listen((from, packet) => engine.send(link, { t: 'packet', from, packet: packet as Packet }));
    const peers = sim.nodes.filter((n) => n !== node).map((n) => n.name);
    // The producer spreads its messages over the safety phase at seeded intervals.
    const producer = engine.spawn({
      receive(n: number, ctx: Context<number>) {
        for (const to of peers) ctx.send(link, { t: 'send', to, body: n });
        if (n + 1 < sim.size) ctx.sendAfter(ctx.self, n + 1, 1 + ctx.random() * 40);
      },
    });
    engine.send(producer, 0);
  },
  converged(sim) {
    for (const [at, delivered] of state(sim).delivered) {
      for (const from of sim.nodes.map((n) => n.name)) {
        if (from === at) continue;
        const n = delivered.get(from)?.length ?? 0;
        if (n < sim.size) return `${at} has ${n}/${sim.size} messages from ${from}`;
      }
    }
    return true;
  },
});
