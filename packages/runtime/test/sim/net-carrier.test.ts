/**
 * The simulator's stream carrier on its own (no wire protocol above it): a connection is a
 * reliable, ordered byte stream over a lossy network, as TCP is. Packets a cut drops are
 * sent again, so a stream cut for a few seconds delivers every byte, in order, once, soon
 * after the heal (no idle timeout needed); a cut that never heals resets both ends after
 * GIVE_UP_MS (one its user closed, quietly, after ORPHAN_GIVE_UP_MS); random loss, duplication and reordering never show through; a packet for an
 * incarnation that crashed is answered with a reset. All times are virtual.
 */
import { describe, expect, it } from 'vitest';
import type { Carrier, StreamPort } from '@pd/transport';
import { GIVE_UP_MS, ORPHAN_GIVE_UP_MS, RTO_MAX_MS } from '../../src/sim/net-carrier.js';
import { SimWorld, simNetCarrier } from '../../src/sim/index.js';

interface End {
  readonly port: StreamPort;
  /** Every byte received, in order. */
  readonly got: number[];
  /** When the last byte came, virtual ms. */
  lastAt: number;
  /** How it closed (undefined: still open), and when. */
  closed: Error | null | undefined;
  closedAt: number;
}

function end(world: SimWorld, port: StreamPort): End {
  const e: End = { port, got: [], lastAt: -1, closed: undefined, closedAt: -1 };
  port.attach({
    data(chunk) {
      for (const b of chunk) e.got.push(b);
      e.lastAt = world.now;
    },
    drain() {},
    closed(error) {
      e.closed = error;
      e.closedAt = world.now;
    },
  });
  return e;
}

/** A listener on hb:9000 and a connection to it from ha; both ends, once accepted. */
async function connect(world: SimWorld): Promise<{ a: End; b: () => End; carriers: Carrier[] }> {
  const ca = simNetCarrier(world, 'ha');
  const cb = simNetCarrier(world, 'hb');
  let b: End | null = null;
  await cb.listen({ host: 'hb', port: 9000 }, (port) => {
    b = end(world, port);
  });
  const a = end(world, ca.dial({ host: 'hb', port: 9000 }));
  return { a, b: () => b!, carriers: [ca, cb] };
}

/** Write bytes 0..n-1 from `from`, one a packet, every `everyMs` from `startMs`. */
function stream(world: SimWorld, from: End, n: number, everyMs: number, startMs = 0): void {
  for (let i = 0; i < n; i++) world.at(startMs + i * everyMs, () => void from.port.write(Uint8Array.of(i % 256)));
}

const sequence = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 256);

describe('simNetCarrier: a reliable stream over a lossy network', () => {
  it('a cut in the middle of a stream, healed after 3 s: every byte arrives, in order, once, within RTO_MAX_MS of the heal', async () => {
    const world = new SimWorld({ seed: 7 });
    world.net.setFaults({ latencyMs: [0.2, 4] });
    const { a, b } = await connect(world);
    // 200 bytes, one every 10 ms (0..1990 ms); both ways, so each side also has data in flight.
    stream(world, a, 200, 10);
    world.at(1, () => stream(world, b(), 200, 10, 1));
    world.at(500, () => world.net.partition(['ha'], ['hb']));
    world.at(3500, () => world.net.heal());
    await world.run({ untilMs: 20_000 });
    expect(world.net.stats.dropped.partition).toBeGreaterThan(100);
    for (const [to, label] of [[b(), 'a>b'], [a, 'b>a']] as const) {
      expect({ label, got: to.got }).toEqual({ label, got: sequence(200) });
      expect(to.lastAt).toBeGreaterThan(3500);
      // The backed-off retransmission timer fires within RTO_MAX_MS of the heal; then one round trip.
      expect(to.lastAt).toBeLessThan(3500 + RTO_MAX_MS + 20);
      expect(to.closed).toBeUndefined();
    }
    world.dispose();
  });

  it('a cut that never heals resets both ends GIVE_UP_MS after the last acknowledgement', async () => {
    const world = new SimWorld({ seed: 3 });
    const { a, b } = await connect(world);
    // Each side writes every 100 ms for the whole run (heartbeats, say).
    stream(world, a, 600, 100);
    world.at(1, () => stream(world, b(), 600, 100, 1));
    world.at(1000, () => world.net.partition(['ha'], ['hb']));
    await world.run({ untilMs: 60_000 });
    for (const e of [a, b()]) {
      expect(e.closed).toBeInstanceOf(Error);
      expect(String(e.closed)).toMatch(/connection reset: nothing acknowledged for 30000 ms/);
      // Acked up to the cut (writes every 100 ms), so stuck from within 100 ms of it.
      expect(e.closedAt).toBeGreaterThanOrEqual(1000 - 100 + GIVE_UP_MS);
      expect(e.closedAt).toBeLessThanOrEqual(1000 + 100 + GIVE_UP_MS);
      expect(e.port.write(Uint8Array.of(1))).toBe(false);
    }
    world.dispose();
  });

  it('a cut shorter than GIVE_UP_MS but longer than the backoff cap still resumes (no reset)', async () => {
    const world = new SimWorld({ seed: 5 });
    const { a, b } = await connect(world);
    stream(world, a, 100, 100);
    world.at(2000, () => world.net.partition(['ha'], ['hb']));
    world.at(2000 + GIVE_UP_MS - 5000, () => world.net.heal());
    await world.run({ untilMs: GIVE_UP_MS + 20_000 });
    expect(b().got).toEqual(sequence(100));
    expect(a.closed).toBeUndefined();
    expect(b().closed).toBeUndefined();
    world.dispose();
  });

  it.each([1, 2, 3, 4])('seed %i: loss, duplication and reordering never show through', async (seed) => {
    const world = new SimWorld({ seed });
    world.net.setFaults({ latencyMs: [0.05, 40], loss: 0.1, duplicate: 0.05, reorder: true });
    const { a, b } = await connect(world);
    stream(world, a, 500, 2);
    await world.run({ untilMs: 20_000 });
    expect(world.net.stats.dropped.loss).toBeGreaterThan(10);
    expect(b().got).toEqual(sequence(500));
    expect(b().closed).toBeUndefined();
    world.dispose();
  });

  it('what is written just before end() arrives across a cut, then the close (the end lingers, unseen)', async () => {
    const world = new SimWorld({ seed: 9 });
    const { a, b } = await connect(world);
    world.at(100, () => world.net.partition(['ha'], ['hb']));
    world.at(200, () => {
      a.port.write(Uint8Array.of(1, 2, 3));
      a.port.end();
    });
    world.at(2000, () => world.net.heal());
    await world.run({ untilMs: 10_000 });
    expect(a.closed).toBeNull();
    expect(a.closedAt).toBe(200);
    expect(b().got).toEqual([1, 2, 3]);
    expect(b().closed).toBeNull();
    expect(b().closedAt).toBeGreaterThan(2000);
    // Nothing is left retransmitting: the world has no events left.
    expect(world.pending).toBe(0);
    world.dispose();
  });

  it('both ends closing at once: each CLOSE is acknowledged, nothing lingers', async () => {
    const world = new SimWorld({ seed: 12 });
    world.net.setFaults({ latencyMs: [0.2, 4] });
    const { a, b } = await connect(world);
    world.at(100, () => {
      a.port.end();
      b().port.end();
    });
    // Well before ORPHAN_GIVE_UP_MS: an end still retransmitting would show as a pending event.
    await world.run({ untilMs: 1000 });
    expect([a.closed, b().closed]).toEqual([null, null]);
    expect(world.pending).toBe(0);
    world.dispose();
  });

  it('an end its user closed gives up quietly ORPHAN_GIVE_UP_MS into a cut that never heals', async () => {
    const world = new SimWorld({ seed: 10 });
    const { a, b } = await connect(world);
    world.at(100, () => world.net.partition(['ha'], ['hb']));
    world.at(200, () => {
      a.port.write(Uint8Array.of(1));
      a.port.end();
    });
    await world.run({ untilMs: 200 + ORPHAN_GIVE_UP_MS - 1 });
    const sentBefore = world.net.stats.sent;
    expect(world.pending).toBeGreaterThan(0);
    await world.run({ untilMs: 60_000 });
    // Its RST and nothing after; the other end, with nothing in flight, never noticed (as TCP without keepalive).
    expect(world.net.stats.sent).toBe(sentBefore + 1);
    expect(world.pending).toBe(0);
    expect(a.closed).toBeNull();
    expect(b().got).toEqual([]);
    expect(b().closed).toBeUndefined();
    world.dispose();
  });

  it('a packet for an incarnation that crashed is answered with a reset', async () => {
    const world = new SimWorld({ seed: 4 });
    const { a, b, carriers } = await connect(world);
    stream(world, a, 50, 100);
    await world.run({ untilMs: 1000 });
    expect(b().got.length).toBeGreaterThan(5);
    // hb crashes and comes back (a new incarnation listening again); ha's connection was to the old one.
    const hb = world.host('hb');
    hb.up = false;
    hb.epoch++;
    world.net.unlisten('hb');
    world.at(500, () => {
      hb.up = true;
      void carriers[1]!.listen({ host: 'hb', port: 9000 }, () => expect.fail('a ghost packet opened a connection'));
    });
    await world.run({ untilMs: 10_000 });
    expect(String(a.closed)).toMatch(/connection reset by peer/);
    expect(a.closedAt).toBeLessThan(1500 + RTO_MAX_MS);
    world.dispose();
  });

  it('replays: the same seed gives the same trace', async () => {
    const once = async (): Promise<string> => {
      const world = new SimWorld({ seed: 11 });
      world.net.setFaults({ latencyMs: [0.05, 10], loss: 0.05, duplicate: 0.05, reorder: true });
      const { a } = await connect(world);
      stream(world, a, 200, 5);
      world.at(300, () => world.net.partition(['ha'], ['hb']));
      world.at(1300, () => world.net.heal());
      await world.run({ untilMs: 10_000 });
      world.dispose();
      return world.trace.hash;
    };
    expect(await once()).toBe(await once());
  });
});
