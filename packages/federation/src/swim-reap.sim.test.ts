/**
 * Reaping dead members, in the simulator across seeds: a federation running SWIM forgets a
 * member dead for `gossipToTheDeadMs` — but only once its downing put that member out — and
 * keeps a tombstone of it for a while. Checked: a crashed member is reaped on every survivor
 * after the survivors' `keep` decision and not before (its death came well before the
 * decision: the reaping waited for downing); the reaped member is gone from the table, counted
 * and announced (`member` event, status `reaped`); a stale `alive` of its old incarnation,
 * relayed by a member, does not bring it back; its restart rejoins above the old incarnation
 * and counts for downing again; after the tombstone expires, the id is unknown, as one never
 * seen. With downing `off`, both halves of a partition reap each other, and the tombstones
 * still find the other half when the partition heals. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type ClusterEvent, type DowningOptions, type Federation, TOMBSTONE_FACTOR, carrierSwimTransport, createFederation } from './index.js';
import { SwimCodec } from './swim-wire.js';

const SECRET = 'sim-federation-secret-0123456789';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 1000, idleTimeoutMs: 3_600_000, reconnectMinMs: 20, reconnectMaxMs: 200 };
const GOSSIP_TO_THE_DEAD_MS = 3000;
/** How long the simulated carrier retransmits on a connection its user closed (net-carrier.ts's ORPHAN_GIVE_UP_MS). */
const ORPHAN_GIVE_UP_MS = 10_000;
const TIMING = { gossipToTheDeadMs: GOSSIP_TO_THE_DEAD_MS, pushPullIntervalMs: 5000 };

function cluster(seed: number, downing: DowningOptions) {
  const world = new SimWorld({ seed });
  const Sink = defineKind<unknown>('sink', () => ({ receive: () => undefined }));
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  let failure: unknown = null;
  const boot = async (id: string, host: string): Promise<void> => {
    const federation = createFederation({
      nodeId: id, cluster: 'sim', secret: SECRET, carrier: simNetCarrier(world, host), listen: { host, port: 7000 }, limits: LIMITS,
      membership: { kind: 'swim', gossip: { port: 7946 }, seeds: [{ host: 'ha', port: 7946 }], timing: TIMING, downing },
    });
    const engine = createEngine({ id, reactor: world.reactor(host), kinds: [Sink], routers: [federation.router] });
    nodes.set(id, { engine, federation });
    await federation.start(engine);
  };
  const step = async (what: string, work: () => Promise<void>): Promise<void> => {
    let done = false;
    world.at(0, () => work().then(() => { done = true; }, (error: unknown) => { failure ??= error; }));
    await world.run({ untilMs: world.now + 30_000, until: () => failure !== null || done });
    if (failure !== null) throw failure;
    expect(done, what).toBe(true);
  };
  const wait = async (what: string, condition: () => boolean, untilMs = 120_000): Promise<void> => {
    await world.run({ untilMs: world.now + untilMs, until: () => failure !== null || condition() });
    if (failure !== null) throw failure;
    expect(condition(), what).toBe(true);
  };
  const member = (observer: string, id: string) => nodes.get(observer)!.federation.members().members.find((m) => m.id === id);
  const sees = (observers: readonly string[], id: string, status: string, minIncarnation = 0): boolean =>
    observers.every((o) => {
      const m = member(o, id);
      return m !== undefined && m.status === status && m.incarnation >= minIncarnation;
    });
  const gone = (observers: readonly string[], id: string): boolean => observers.every((o) => member(o, id) === undefined);
  /** What `b` would relay if it still held an old copy: `id` alive at `incarnation`, sent to `to`'s membership port. */
  const relayStale = (to: string, id: string, incarnation: number): void => {
    const bytes = new SwimCodec(SECRET, 'sim').encode({
      t: 'gossip', cluster: 'sim', from: 'b', fHost: 'hb', fPort: 7946, seal: true,
      updates: [{ id, status: 'alive', incarnation, host: `h${id}`, port: 7000, gHost: `h${id}`, gPort: 7946, by: id }],
    }, world.reactor('hb').random('test-nonce'));
    carrierSwimTransport(simNetCarrier(world, 'hb')).send({ host: `h${to}`, port: 7946 }, bytes);
  };
  const crash = (host: string): void => {
    const h = world.host(host);
    h.up = false;
    h.epoch++;
    world.net.unlisten(host);
  };
  return { world, nodes, boot, step, wait, member, sees, gone, relayStale, crash };
}

describe('reaping dead members (SWIM in a federation, in the simulator)', () => {
  it.each([1, 2, 3])('seed %i: a crashed member is reaped after the keep decision, a stale alive does not revive it, its restart rejoins, its tombstone expires', async (seed) => {
    const c = cluster(seed, { stableAfterMs: 8000 });
    const ids = ['a', 'b', 'c', 'd'];
    await c.step('boot', async () => {
      for (const id of ids) await c.boot(id, `h${id}`);
    });
    await c.wait('converged', () => ids.every((o) => ids.every((m) => m === o || c.sees([o], m, 'alive'))));
    const log: string[] = [];
    const times: Record<string, number> = {};
    c.nodes.get('a')!.federation.events.subscribe((e: ClusterEvent) => {
      const what = e.type === 'member' && e.node === 'd' ? `d ${e.status}` : e.type === 'downing' ? `${e.decision} ${e.unreachable.join(',')}` : null;
      if (what === null) return;
      log.push(what);
      times[what] ??= c.world.now;
    });

    c.crash('hd');
    const survivors = ['a', 'b', 'c'];
    await c.wait('d reaped on a, b and c', () => c.gone(survivors, 'd'));
    // Dead first; then the verdict stood for longer than gossipToTheDeadMs while downing had
    // not decided, and d was kept; reaped only after the keep decision put it out.
    expect(log.filter((w) => w !== 'd suspect')).toEqual(['d dead', 'keep d', 'd reaped']);
    expect(times['keep d']! - times['d dead']!).toBeGreaterThan(GOSSIP_TO_THE_DEAD_MS);
    // Forgotten by downing too (at its next look), so that a new run of d counts again.
    await c.wait('d no longer downed', () => survivors.every((id) => c.nodes.get(id)!.federation.members().downing!.downed.length === 0), 5000);
    for (const id of survivors) {
      const f = c.nodes.get(id)!.federation;
      expect(f.stats().swim!.reaped, `${id} counted one reaping`).toBe(1);
      expect(f.members().members.map((m) => m.id).sort()).toEqual(survivors.filter((s) => s !== id).concat(id).sort());
    }

    // A member that still holds an old copy of d relays it: d's old incarnation is stale.
    for (const to of survivors) c.relayStale(to, 'd', 0);
    await c.world.run({ untilMs: c.world.now + 2000 });
    expect(c.gone(survivors, 'd'), 'a stale alive does not bring d back').toBe(true);

    // d restarts (a new run at incarnation 0): a sync tells it of its old death, it refutes above.
    await c.step('restart d', () => c.boot('d', 'hd2'));
    await c.wait('d alive again for a, b, c', () => c.sees(survivors, 'd', 'alive', 1));
    await c.wait('d sees a, b, c alive', () => survivors.every((m) => c.sees(['d'], m, 'alive')));
    const rejoined = c.member('a', 'd')!.incarnation;

    // d crashes again: reaped again; once the tombstone has expired, d is unknown here — an
    // alive of it (stale or not) is news, as of a member never seen.
    c.crash('hd2');
    await c.wait('d reaped again', () => c.gone(survivors, 'd'));
    expect(c.nodes.get('a')!.federation.stats().swim!.reaped).toBe(2);
    c.relayStale('a', 'd', rejoined);
    await c.world.run({ untilMs: c.world.now + 2000 });
    expect(c.gone(['a'], 'd'), 'within the tombstone the old incarnation is stale').toBe(true);
    await c.world.run({ untilMs: c.world.now + TOMBSTONE_FACTOR * GOSSIP_TO_THE_DEAD_MS });
    c.relayStale('a', 'd', rejoined);
    await c.wait('after the tombstone, d is news', () => c.member('a', 'd') !== undefined, 5000);
    c.world.dispose();
  });

  it.each([1, 2])('seed %i: downing off, 2 | 3: each half reaps the other, and the tombstones find it again when the partition heals', async (seed) => {
    const c = cluster(seed, { strategy: 'off' });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    await c.step('boot', async () => {
      for (const id of ids) await c.boot(id, `h${id}`);
    });
    await c.wait('converged', () => ids.every((o) => ids.every((m) => m === o || c.sees([o], m, 'alive'))));
    const left = ['a', 'b'];
    const right = ['c', 'd', 'e'];
    c.world.net.partition(left.map((id) => `h${id}`), right.map((id) => `h${id}`));
    await c.wait('each half reaped the other', () => right.every((id) => c.gone(left, id)) && left.every((id) => c.gone(right, id)));
    for (const id of ids) expect(c.nodes.get(id)!.federation.stats().swim!.reaped, id).toBe(id === 'a' || id === 'b' ? 3 : 2);
    // Longer than a closed connection retransmits (ORPHAN_GIVE_UP_MS): no message of before the
    // cut is still on its way when it heals.
    await c.world.run({ untilMs: c.world.now + ORPHAN_GIVE_UP_MS + 2000 });
    c.world.net.heal();
    // Only the tombstones' push-pull can reunite them now: each half has live members (no
    // rejoin through the seeds), and neither lists the other any more.
    await c.wait('all alive everywhere again', () => ids.every((o) => ids.every((m) => m === o || c.sees([o], m, 'alive'))), 15_000);
    for (const id of ids) expect(c.nodes.get(id)!.engine.status).toBe('running');
    c.world.dispose();
  });
});
