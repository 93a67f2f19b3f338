/**
 * The network transports' protocol over the simulated network, across seeds: two NetNodes
 * on simulated hosts, frames one way under latency, loss, duplication, reordering and a
 * partition that heals. Per seed: per-pair FIFO with nothing duplicated, every frame either
 * received or counted lost, the connection back after the partition, and the same run
 * twice gives the same trace.
 */
import { describe, expect, it } from 'vitest';
import { Codec, MessageKind, NetNode, type FrameInit } from '@pd/transport';
import { SimWorld, simNetCarrier } from '../../src/sim/index.js';

const SECRET = new TextEncoder().encode('sim-cluster-secret-0123456789');
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };

function init(seq: number): FrameInit {
  return {
    flags: 0, kind: MessageKind.user, priority: 0, source: null,
    destination: { node: 2, core: 0, slot: 1, generation: 1, secret: 7 }, correlationId: seq, deadlineMs: null, trace: null,
  };
}

interface Outcome { got: number[]; lost: number; sent: number; hash: string; handshakes: number; reordered: number; connected: boolean }

async function run(seed: number): Promise<Outcome> {
  const world = new SimWorld({ seed });
  const node = (host: string, id: string, incarnation: number): NetNode => new NetNode({
    clock: world.reactor(host), codec: new Codec(), carrier: simNetCarrier(world, host), nodeId: id, cluster: 'sim', incarnation,
    secret: SECRET, listen: { host, port: 7000 }, limits: LIMITS,
  });
  const a = node('ha', 'a', 1);
  const b = node('hb', 'b', 2);
  await a.start();
  await b.start();
  world.net.setFaults({ latencyMs: [0.2, 4], loss: 0.002, duplicate: 0.01, reorder: true });
  const out = a.connect('b', { host: 'hb', port: 7000 }).out;
  const got: number[] = [];
  let reordered = 0;
  const inbound = b.channel('a').in;
  const pump = (): void => {
    inbound.read(1e9, (source, offset) => {
      const seq = source.view.getUint32(offset + 8, true);
      if (got.length > 0 && seq <= got[got.length - 1]!) reordered++;
      got.push(seq);
    });
    inbound.arm(pump);
  };
  inbound.arm(pump);
  let sent = 0;
  const empty = new Uint8Array(0);
  // 20 frames every 5 ms for 4 s of virtual time; a partition from 1.5 s to 2.5 s.
  for (let t = 0; t < 4000; t += 5) {
    world.at(t, () => {
      for (let i = 0; i < 20; i++) out.stage(init(++sent), empty, false);
      out.publish();
    });
  }
  world.at(1500, () => world.net.partition(['ha'], ['hb']));
  world.at(2500, () => world.net.heal());
  // Calm network at the end: whatever waits drains and the books close.
  world.at(4000, () => world.net.setFaults({ loss: 0, duplicate: 0, reorder: false }));
  // Frames written into a connection that broke are lost (counted); one sent on a calm,
  // connected network arrives.
  world.at(7000, () => {
    out.stage(init(++sent), empty, false);
    out.publish();
  });
  await world.run({ untilMs: 8000 });
  const d = a.stats.dropped;
  const outcome = {
    got, sent, reordered, lost: d.lostInFlight + d.unconfirmed + d.queueFull + d.staleIncarnation, hash: world.trace.hash,
    handshakes: a.stats.handshakes.ok, connected: a.peer('b')?.connected === true,
  };
  await a.close();
  await b.close();
  world.dispose();
  return outcome;
}

describe('wire protocol over the simulated network', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('seed %i: FIFO, nothing duplicated, every loss counted, back after a partition', async (seed) => {
    const r = await run(seed);
    expect(r.sent).toBe(16_001);
    expect(r.reordered).toBe(0);
    expect(new Set(r.got).size).toBe(r.got.length);
    expect(r.got.length + r.lost).toBe(r.sent);
    expect(r.connected).toBe(true);
    expect(r.handshakes).toBeGreaterThanOrEqual(2);
    expect(r.got.at(-1)).toBe(r.sent);
  });

  it('replays: the same seed gives the same run', async () => {
    const [x, y] = [await run(11), await run(11)];
    expect(x.hash).toBe(y.hash);
    expect(x.got).toEqual(y.got);
  });
});
