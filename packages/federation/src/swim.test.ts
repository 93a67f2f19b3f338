/**
 * SWIM membership outside the simulator: option validation naming the bad field, hostile
 * input (garbage, a wrong MAC, another secret) dropped and counted, a throwing listener
 * counted, and three nodes on loopback TCP joining through one seed, then one leaving
 * gracefully. Waits are on observable conditions, never on elapsed time. */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeReactor } from '@pd/runtime';
import { tcpCarrier } from '@pd/transport';
import { SWIM_DEFAULTS, SwimMembership, type SwimOptions, type SwimTransport, carrierSwimTransport, validateSwimOptions } from './index.js';
import { until } from './real-process.test-util.js';

const SECRET = 'swim-test-secret-0123456789abcdef';
const quiet: SwimTransport = { listen: async (a) => a, send() {}, close: async () => {} };
const base: SwimOptions = { nodeId: 'a', advertise: { host: '127.0.0.1', port: 7400 }, gossip: { host: '127.0.0.1', port: 7946 }, transport: quiet };

describe('SWIM options', () => {
  it('fills memberlist LAN defaults and names the first bad field', () => {
    expect(validateSwimOptions(base)).toEqual(SWIM_DEFAULTS);
    expect(validateSwimOptions({ ...base, timing: { probeIntervalMs: 200, probeTimeoutMs: 100 } }).probeIntervalMs).toBe(200);
    const cases: [unknown, string][] = [
      [null, '(root)'],
      [{ ...base, nodeId: '' }, 'nodeId'],
      [{ ...base, bogus: 1 }, 'bogus'],
      [{ ...base, gossip: { host: '127.0.0.1', port: 70000 } }, 'gossip.port'],
      [{ ...base, advertise: { host: '', port: 1 } }, 'advertise.host'],
      [{ ...base, seeds: [{ host: 'x', port: 1 }, { host: 'y' }] }, 'seeds[1].port'],
      [{ ...base, transport: {} }, 'transport'],
      [{ ...base, secret: 'short' }, 'secret'],
      [{ ...base, mayReap: true }, 'mayReap'],
      [{ ...base, secret: SECRET, encryption: 'yes' }, 'encryption'],
      [{ ...base, encryption: 'always' }, 'encryption'],
      [{ ...base, acceptSecrets: [SECRET] }, 'acceptSecrets'],
      [{ ...base, secret: SECRET, acceptSecrets: [SECRET, 'short'] }, 'acceptSecrets[1]'],
      [{ ...base, timing: { probeIntervalMs: -1 } }, 'timing.probeIntervalMs'],
      [{ ...base, timing: { indirectChecks: 1.5 } }, 'timing.indirectChecks'],
      [{ ...base, timing: { suspicionMult: 1 } }, 'timing.suspicionMult'],
      [{ ...base, timing: { probeTimeout: 1 } }, 'timing.probeTimeout'],
      [{ ...base, timing: { probeIntervalMs: 500, probeTimeoutMs: 500 } }, 'timing.probeTimeoutMs'],
    ];
    for (const [options, field] of cases) {
      let error: unknown = null;
      try {
        validateSwimOptions(options);
      } catch (e) {
        error = e;
      }
      expect(error, field).toMatchObject({ code: 'arg/invalid', details: { field } });
      expect(String((error as Error).message)).toContain(field);
    }
    expect(() => new SwimMembership({ ...base, timing: { gossipNodes: -1 } })).toThrow(/timing\.gossipNodes/);
  });
});

describe('SWIM on loopback TCP', () => {
  const started: SwimMembership[] = [];
  afterEach(async () => {
    for (const m of started.splice(0)) await m.close();
  });

  const node = async (id: string, seeds: { host: string; port: number }[], secret = SECRET): Promise<SwimMembership> => {
    const m = new SwimMembership({
      nodeId: id, cluster: 'tcp-test', advertise: { host: '127.0.0.1', port: 7400 }, gossip: { host: '127.0.0.1', port: 0 }, seeds,
      transport: carrierSwimTransport(tcpCarrier()), secret, // LAN probe timing (a loaded CI machine must not produce false suspicions); quick gossip.
      timing: { gossipIntervalMs: 50 },
    });
    started.push(m);
    await m.start(new NodeReactor());
    return m;
  };
  const sees = (m: SwimMembership, id: string, status: string): boolean => m.memberList().some((x) => x.id === id && x.status === status);

  it('three nodes join through one seed; one leaves and the others hear it at once; garbage is dropped and counted', async () => {
    const a = await node('a', []);
    const downs: string[] = [];
    a.subscribe({ peerUp() {}, peerDown: (id, reason) => downs.push(`${id}:${reason}`) });
    const b = await node('b', [a.gossipAddress]);
    // A listener that throws is counted; the protocol goes on.
    b.subscribe({ peerUp() { throw new Error('a listener bug'); }, peerDown() {} });
    const c = await node('c', [a.gossipAddress]);
    await until(() => [a, b, c].every((m) => m.memberList().filter((x) => x.status === 'alive').length === 3), 'all three alive everywhere');
    expect(a.addressOf('c')).toEqual({ id: 'c', host: '127.0.0.1', port: 7400 });
    expect(b.stats.errors).toBeGreaterThan(0);
    expect(String(b.lastError)).toContain('a listener bug');

    // Hostile input: not JSON, a wrong MAC, another secret's well-formed message.
    const raw = carrierSwimTransport(tcpCarrier());
    raw.send(a.gossipAddress, new Uint8Array([1, 2, 3]));
    raw.send(a.gossipAddress, new Uint8Array(64).fill(7));
    const stranger = await node('x', [a.gossipAddress], 'another-secret-0123456789abcdef');
    await until(() => a.stats.badMessages >= 3, 'the bad messages counted');
    expect(a.memberList().map((x) => x.id)).not.toContain('x');
    await stranger.close();
    await raw.close();

    c.leave();
    await until(() => sees(a, 'c', 'left') && sees(b, 'c', 'left'), 'c left, on a and b');
    expect(downs.filter((d) => d.startsWith('c:'))).toEqual(['c:left']);
    expect(a.addressOf('c')).toBeUndefined();
  });
});
