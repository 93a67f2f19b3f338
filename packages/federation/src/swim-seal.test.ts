/**
 * Sealed membership messages. The codec: a sealed message opens only with the same secret
 * and cluster, any altered or missing byte is refused (never thrown), nothing of the body
 * shows in the bytes, and a signed message of the versions before still opens. On loopback
 * TCP, with every byte on the way recorded: nodes that seal talk sealed to each other and
 * signed to a node that does not (standing in for an older version), so a mixed cluster
 * converges; `always` drops signed messages. Waits are on observable conditions.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NodeReactor, type RandomStream } from '@pd/runtime';
import { tcpCarrier } from '@pd/transport';
import { SwimMembership, type SwimEncryption, type SwimTransport, carrierSwimTransport } from './index.js';
import { SEALED_V1 } from './swim-seal.js';
import { type Envelope, SwimCodec } from './swim-wire.js';
import { until } from './real-process.test-util.js';

const SECRET = 'swim-seal-secret-0123456789abcdef';
const CLUSTER = 'seal-test';
const nonces: RandomStream = new NodeReactor().entropy();
const envelope: Envelope = {
  t: 'ping', seq: 7, target: 'node-b', cluster: CLUSTER, from: 'node-a', fHost: '10.9.8.7', fPort: 7946, seal: true,
  updates: [{ id: 'node-c', status: 'suspect', incarnation: 3, host: '10.9.8.6', port: 7400, gHost: '10.9.8.6', gPort: 7946, by: 'node-a' }],
};

describe('the sealed form of membership messages', () => {
  const codec = new SwimCodec(SECRET, CLUSTER);

  it('opens with the same secret and cluster only, and shows nothing of the body', () => {
    const sealed = codec.encode(envelope, nonces);
    expect(sealed[0]).toBe(SEALED_V1);
    expect(codec.decode(sealed)).toEqual({ envelope, sealed: true });
    const text = Buffer.from(sealed).toString('latin1');
    for (const plain of ['node-a', 'node-b', 'node-c', '10.9.8', CLUSTER, 'suspect', 'ping']) expect(text).not.toContain(plain);
    // A fresh nonce each time: the same envelope never gives the same bytes.
    expect(Buffer.from(codec.encode(envelope, nonces)).equals(Buffer.from(sealed))).toBe(false);
    expect(new SwimCodec('another-secret-0123456789abcdef', CLUSTER).decode(sealed)).toBeNull();
    // The cluster's name is in the key: the same secret in another cluster cannot open it.
    expect(new SwimCodec(SECRET, 'other').decode(sealed)).toBeNull();
    expect(new SwimCodec(undefined, CLUSTER).decode(sealed)).toBeNull();
  });

  it('refuses any altered, cut or lengthened message without throwing', () => {
    const sealed = codec.encode(envelope, nonces);
    fc.assert(fc.property(fc.nat(sealed.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
      const altered = Uint8Array.from(sealed);
      altered[at]! ^= mask;
      expect(codec.decode(altered)).toBeNull();
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.nat(sealed.length - 1), (length) => {
      expect(codec.decode(sealed.subarray(0, length))).toBeNull();
    }), { numRuns: 100 });
    expect(codec.decode(Buffer.concat([sealed, new Uint8Array([0])]))).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      expect(codec.decode(bytes)).toBeNull();
    }), { numRuns: 300 });
  });

  it('opens under an accepted secret too, and sends under its own only (a rotation)', () => {
    const next = 'the-next-secret-0123456789abcdef';
    const rotating = new SwimCodec(next, CLUSTER, [SECRET]);
    expect(rotating.decode(codec.encode(envelope, nonces))).toEqual({ envelope, sealed: true });
    expect(rotating.decode(codec.encode(envelope, null))).toEqual({ envelope, sealed: false });
    // What it sends is under the next secret: a node that has not accepted that one drops it.
    expect(codec.decode(rotating.encode(envelope, nonces))).toBeNull();
    expect(new SwimCodec(SECRET, CLUSTER, [next]).decode(rotating.encode(envelope, nonces))).toEqual({ envelope, sealed: true });
  });

  it('still opens a message signed as the versions before sealing sign it, and says it was not sealed', () => {
    const { seal: _seal, ...old } = envelope;
    const body = Buffer.from(JSON.stringify(old));
    const signed = Buffer.concat([createHmac('sha256', SECRET).update(body).digest(), body]);
    expect(codec.decode(signed)).toEqual({ envelope: old, sealed: false });
    expect(Buffer.from(codec.encode(old, null)).equals(signed)).toBe(true);
    // One altered byte, and it is refused.
    signed[40]! ^= 1;
    expect(codec.decode(signed)).toBeNull();
  });
});

describe('sealed membership on loopback TCP', () => {
  const started: SwimMembership[] = [];
  const transports: SwimTransport[] = [];
  afterEach(async () => {
    for (const m of started.splice(0)) await m.close();
    for (const t of transports.splice(0)) await t.close();
  });

  /** Every message sent, with its sender, its endpoint and whether it went sealed. */
  const wire: { from: string; to: string; sealed: boolean; bytes: Uint8Array }[] = [];
  const reader = new SwimCodec(SECRET, CLUSTER);
  const recording = (id: string): SwimTransport => {
    const inner = carrierSwimTransport(tcpCarrier());
    return {
      listen: (address, reactor, receive) => inner.listen(address, reactor, receive),
      send(to, bytes) {
        const opened = reader.decode(bytes);
        wire.push({ from: id, to: `${to.host}:${to.port}`, sealed: opened?.sealed === true, bytes });
        inner.send(to, bytes);
      },
      close: () => inner.close(),
    };
  };
  const node = async (id: string, seeds: { host: string; port: number }[], encryption?: SwimEncryption): Promise<SwimMembership> => {
    const m = new SwimMembership({
      nodeId: id, cluster: CLUSTER, advertise: { host: '127.0.0.1', port: 7400 }, gossip: { host: '127.0.0.1', port: 0 }, seeds,
      transport: recording(id), secret: SECRET, ...(encryption === undefined ? {} : { encryption }),
      timing: { gossipIntervalMs: 50 },
    });
    started.push(m);
    await m.start(new NodeReactor());
    return m;
  };
  const endpoint = (m: SwimMembership): string => `${m.gossipAddress.host}:${m.gossipAddress.port}`;
  const alive = (m: SwimMembership): string[] => m.memberList().filter((x) => x.status === 'alive').map((x) => x.id).sort();

  it('nodes that seal talk sealed to each other and signed to one that does not; the mixed cluster converges', async () => {
    wire.length = 0;
    const a = await node('a', []);
    const b = await node('b', [a.gossipAddress]);
    const old = await node('old', [a.gossipAddress], 'never');
    await until(() => [a, b, old].every((m) => alive(m).join() === 'a,b,old'), 'all three alive everywhere');
    // From here on, every message between a and b is sealed; every message to or from old is signed.
    const from = wire.length;
    const between = (x: SwimMembership, y: SwimMembership): number => wire.slice(from).filter((w) => w.from === x.nodeId && w.to === endpoint(y)).length;
    await until(() => between(a, b) >= 5 && between(b, a) >= 5 && between(a, old) >= 5 && between(b, old) >= 5 && between(old, a) >= 5, 'messages every way');
    const later = wire.slice(from);
    const toOld = later.filter((w) => w.to === endpoint(old));
    const fromOld = later.filter((w) => w.from === 'old');
    const sealedPair = later.filter((w) => w.from !== 'old' && w.to !== endpoint(old));
    expect(sealedPair.length).toBeGreaterThanOrEqual(10);
    expect(sealedPair.every((w) => w.sealed)).toBe(true);
    expect(toOld.some((w) => w.sealed)).toBe(false);
    expect(fromOld.some((w) => w.sealed)).toBe(false);
    // What was signed is readable on the way; what was sealed is not.
    expect(Buffer.from(toOld[0]!.bytes).toString('latin1')).toContain(CLUSTER);
    expect(sealedPair.some((w) => Buffer.from(w.bytes).toString('latin1').includes(CLUSTER))).toBe(false);
    expect(a.stats.unsealed).toBeGreaterThan(0);
    expect(old.stats.unsealed).toBe(0);
    expect([a, b, old].map((m) => m.stats.badMessages)).toEqual([0, 0, 0]);
  });

  it('encryption always: only sealed messages leave, and signed ones are dropped and counted', async () => {
    wire.length = 0;
    const a = await node('a', []);
    const strict = await node('strict', [a.gossipAddress], 'always');
    await until(() => [a, strict].every((m) => alive(m).join() === 'a,strict'), 'both alive on both');
    expect(wire.filter((w) => w.from === 'strict').every((w) => w.sealed)).toBe(true);
    // A well-formed, correctly signed message from a would-be member: dropped, not learned.
    const raw = carrierSwimTransport(tcpCarrier());
    transports.push(raw);
    const before = strict.stats.badMessages;
    const { seal: _seal, ...signed } = {
      ...envelope, t: 'gossip' as const, from: 'x', fHost: '127.0.0.1', fPort: 9,
      updates: [{ id: 'x', status: 'alive' as const, incarnation: 0, host: '127.0.0.1', port: 7400, gHost: '127.0.0.1', gPort: 9, by: 'x' }],
    };
    raw.send(strict.gossipAddress, reader.encode(signed as Envelope, null));
    await until(() => strict.stats.badMessages > before, 'the signed message counted');
    expect(strict.memberList().map((m) => m.id)).not.toContain('x');
  });

  it('a node with auto joins through a seed with always: its first, signed message is answered sealed, and it seals from then on', async () => {
    wire.length = 0;
    const strict = await node('strict', [], 'always');
    const joiner = await node('joiner', [strict.gossipAddress]);
    await until(() => [strict, joiner].every((m) => alive(m).join() === 'joiner,strict'), 'both alive on both');
    const fromJoiner = wire.filter((w) => w.from === 'joiner');
    // Signed only until the first sealed answer came; sealed from then on.
    const firstSealed = fromJoiner.findIndex((w) => w.sealed);
    expect(firstSealed).toBeGreaterThanOrEqual(1);
    expect(fromJoiner.slice(firstSealed).every((w) => w.sealed)).toBe(true);
    expect(wire.filter((w) => w.from === 'strict').every((w) => w.sealed)).toBe(true);
    expect(strict.stats.badMessages).toBe(firstSealed);
  });

  it('refuses to seal with a seeded nonce stream on a reactor of real time without entropy', async () => {
    const reactor = new NodeReactor();
    const plain = Object.assign(Object.create(reactor) as NodeReactor, { entropy: undefined });
    const m = new SwimMembership({
      nodeId: 'n', cluster: CLUSTER, advertise: { host: '127.0.0.1', port: 7400 }, gossip: { host: '127.0.0.1', port: 0 },
      transport: recording('n'), secret: SECRET,
    });
    await expect(m.start(plain)).rejects.toMatchObject({ code: 'arg/invalid', details: { field: 'encryption' } });
  });
});
