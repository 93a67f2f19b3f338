/**
 * Discovery and lease options as the library checks them (each mistake named by its
 * field path, as `pd start` reports it under `federation.`), and the lease arbiter of
 * lease-majority downing against a stand-in lock: the holder's side keeps running, a
 * majority waits for a holder across the partition to let go, a store that cannot be
 * reached stops the side once the wait is over.
 */
import { describe, expect, it } from 'vitest';
import { NodeReactor } from '@pd/runtime';
import { ArgumentError } from '@pd/actor';
import { type LeaseProvider, decideDowning, staticSeeds, validateFederationOptions } from '../index.js';
import { leaseArbiter } from './lease-majority.js';

const swim = { kind: 'swim' } as const;
const base = { nodeId: 'a', listen: { port: 0 }, membership: swim };

function fieldOf(options: unknown): string {
  try {
    validateFederationOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return String((error as ArgumentError).details?.field);
  }
  throw new Error(`accepted: ${JSON.stringify(options)}`);
}

describe('discovery and lease options', () => {
  it('accepts each kind, a provider object, and lease-majority with an etcd lease or a LeaseProvider', () => {
    for (const discovery of [
      { kind: 'static', seeds: [{ host: 'h', port: 7946 }] },
      { kind: 'dns', name: 'pd.svc', port: 7946 },
      { kind: 'dns', name: '_gossip._tcp.pd.svc', type: 'SRV', servers: ['127.0.0.1:5353'] },
      { kind: 'etcd', endpoints: ['http://127.0.0.1:2379', 'https://etcd.example:2379/'], prefix: '/pd/x', ttlMs: 3000 },
      staticSeeds([]),
    ]) expect(() => validateFederationOptions({ ...base, discovery })).not.toThrow();
    const lease: LeaseProvider = { kind: 'mine', ttlMs: 1000, tryLock: async (id) => ({ holder: id }), close: async () => {} };
    for (const l of [lease, { endpoints: ['http://127.0.0.1:2379'], key: '/k', ttlMs: 2000 }]) {
      expect(() => validateFederationOptions({ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: l, leaseWaitMs: 0 } } })).not.toThrow();
    }
  });

  it('names the first bad field', () => {
    const cases: [unknown, string][] = [
      [{ nodeId: 'a', discovery: { kind: 'static', seeds: [] } }, 'discovery'],
      [{ ...base, discovery: 'dns' }, 'discovery'],
      [{ ...base, discovery: { kind: 'k8s' } }, 'discovery.kind'],
      [{ ...base, discovery: { kind: 'static', seeds: [{ host: 'h', port: 0 }] } }, 'discovery.seeds[0].port'],
      [{ ...base, discovery: { kind: 'dns', name: '', port: 1 } }, 'discovery.name'],
      [{ ...base, discovery: { kind: 'dns', name: 'x', type: 'AAAA' } }, 'discovery.port'],
      [{ ...base, discovery: { kind: 'dns', name: 'x', type: 'SRV', servers: [''] } }, 'discovery.servers[0]'],
      [{ ...base, discovery: { kind: 'dns', name: 'x', port: 1, refreshMs: 5 } }, 'discovery.refreshMs'],
      [{ ...base, discovery: { kind: 'etcd', endpoints: [] } }, 'discovery.endpoints'],
      [{ ...base, discovery: { kind: 'etcd', endpoints: ['etcd:2379'] } }, 'discovery.endpoints[0]'],
      [{ ...base, discovery: { kind: 'etcd', endpoints: ['http://e:2379'], ttlMs: 500 } }, 'discovery.ttlMs'],
      [{ ...base, discovery: { kind: 'etcd', endpoints: ['http://e:2379'], prefix: 'pd' } }, 'discovery.prefix'],
      [{ ...base, discovery: { kind: 'etcd', endpoints: ['http://e:2379'], key: '/k' } }, 'discovery.key'],
      [{ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority' } } }, 'membership.downing.lease'],
      [{ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { endpoints: ['http://e:2379'], kind: 'nats' } } } }, 'membership.downing.lease.kind'],
      [{ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { endpoints: ['http://e:2379'], bogus: 1 } } } }, 'membership.downing.lease.bogus'],
      [{ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { tryLock() {} } } } }, 'membership.downing.lease'],
      [{ ...base, membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { endpoints: ['http://e:2379'] }, leaseWaitMs: -1 } } }, 'membership.downing.leaseWaitMs'],
      [{ ...base, membership: { kind: 'swim', downing: { leaseWaitMs: 10 } } }, 'membership.downing.leaseWaitMs'],
    ];
    for (const [options, field] of cases) expect(fieldOf(options), JSON.stringify(options)).toBe(field);
  });
});

describe('lease-majority', () => {
  const members = (ids: string, dead: string) => [...ids].map((id) => ({ id, status: dead.includes(id) ? 'dead' as const : 'alive' as const, age: 0 }));

  it('before asking the lease: a minority stops, half or more asks', () => {
    const options = { strategy: 'lease-majority' as const };
    expect(decideDowning('a', members('abcde', 'de'), options).decision).toBe('keep');
    expect(decideDowning('a', members('abcd', 'cd'), options).decision).toBe('keep');
    expect(decideDowning('d', members('abcde', 'abc'), options)).toEqual({ decision: 'down', reason: 'only 2 of 5 reachable: a minority' });
  });

  const reactor = new NodeReactor();

  it('keeps the side that holds the lock, stops the side that sees it held across the partition', async () => {
    let holder = '';
    const lock: LeaseProvider = { kind: 'test', ttlMs: 1000, tryLock: async (id) => ({ holder: (holder ||= id) }), close: async () => {} };
    expect(await leaseArbiter('a', lock, reactor, 0)(['a', 'b'], ['c', 'd'])).toMatchObject({ decision: 'keep', reason: '2 of 4 reachable and this node holds the lease' });
    expect(await leaseArbiter('b', lock, reactor, 0)(['a', 'b'], ['c', 'd'])).toMatchObject({ decision: 'keep', reason: '2 of 4 reachable and the lease is held by a, on this side' });
    expect(await leaseArbiter('c', lock, reactor, 0)(['c', 'd'], ['a', 'b'])).toMatchObject({ decision: 'down', reason: 'the lease is held by a, on the other side, still after 0 ms' });
  });

  it('a majority waits for a holder across the partition to let go (its side stopped), then takes the lock', async () => {
    let holder = 'e';
    let tries = 0;
    const lock: LeaseProvider = {
      kind: 'test', ttlMs: 1000, close: async () => {},
      tryLock: async (id) => {
        if (++tries === 3) holder = ''; // e's side stopped, its lease expired
        return { holder: (holder ||= id) };
      },
    };
    expect(await leaseArbiter('a', lock, reactor, 60_000)(['a', 'b', 'c'], ['d', 'e'])).toMatchObject({ decision: 'keep', reason: '3 of 5 reachable and this node holds the lease' });
    expect(tries).toBe(3);
  });

  it('a side that cannot reach the store stops once the wait is over', async () => {
    const lock: LeaseProvider = { kind: 'test', ttlMs: 1000, close: async () => {}, tryLock: async () => Promise.reject(new Error('discovery/etcd: kv/txn failed: no endpoint answered')) };
    expect(await leaseArbiter('a', lock, reactor, 300)(['a', 'b', 'c'], ['d', 'e'])).toEqual({
      decision: 'down', reason: 'the lease store cannot be reached (discovery/etcd: kv/txn failed: no endpoint answered), still after 300 ms',
    });
  });
});
