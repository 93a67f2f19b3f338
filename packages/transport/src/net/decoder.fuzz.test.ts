// Fuzzing the receive path with seeded random and mutated input: the stream decoder alone
// (random chunking of valid streams must reassemble exactly; random bytes must never throw,
// hang or buffer more than one record), then a whole open connection fed mutated frames,
// each delivered frame decoded as the router would: only TransportErrors, never a crash.
import { afterAll, describe, expect, it } from 'vitest';
import { Codec } from '../codec.js';
import { MessageKind } from '../envelope.js';
import { isTransportError } from '../errors.js';
import { decodeFrame, encodeFrame } from '../frame.js';
import type { NetClock, NetTimer } from './clock.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { StreamDecoder } from './decoder.js';
import type { HandshakeHooks, HandshakeLocal } from './handshake.js';
import type { StreamEvents, StreamPort } from './stream.js';
import { RECORD_PREFIX_BYTES, RecordType, WIRE_FEATURES, WireFeature } from './wire.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
const int = (r: () => number, n: number): number => Math.floor(r() * n);

function recordOf(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_PREFIX_BYTES + 1 + body.length);
  new DataView(out.buffer).setUint32(0, 1 + body.length, true);
  out[4] = type;
  out.set(body, 5);
  return out;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const totals = { records: 0, chunks: 0, connectionRecords: 0 };
afterAll(() => {
  // What the run covered, for the record (sized for CI: over 3 million inputs in about ten seconds on a 2-core machine at load 9).
  console.log(`decoder fuzz: ${totals.records} records reassembled, ${totals.chunks} random/mutated chunks, ${totals.connectionRecords} frames through connections`);
});

// The generators below allocate nothing per input: streams are written into one buffer, random
// input is a window of a pool of random bytes, mutations are made in a scratch copy. Most of
// the time then goes to the decoder itself, so a CI-sized run pushes millions of inputs.

/** `count` records of random type and size (5% near the ceiling) in one buffer; their bodies' offsets and lengths. */
function validStream(r: () => number, count: number, ceiling: number): { stream: Buffer; offsets: Int32Array; lengths: Int32Array } {
  const lengths = new Int32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    lengths[i] = int(r, r() < 0.05 ? ceiling - 1 : 64);
    total += RECORD_PREFIX_BYTES + 1 + lengths[i]!;
  }
  // 4 spare bytes: the last body's random words may run up to 3 bytes past it.
  const stream = Buffer.allocUnsafe(total + 4).subarray(0, total);
  const offsets = new Int32Array(count);
  const words = new DataView(stream.buffer, stream.byteOffset, total + 4);
  for (let i = 0, at = 0; i < count; i++) {
    const length = lengths[i]!;
    stream.writeUInt32LE(1 + length, at);
    stream[at + 4] = 1 + int(r, 3);
    offsets[i] = at + 5;
    // Random words over the body; the up to 3 bytes past it are the next record's prefix, written next.
    for (let j = 0; j < length; j += 4) words.setUint32(at + 5 + j, (r() * 0x1_0000_0000) >>> 0, true);
    at += RECORD_PREFIX_BYTES + 1 + length;
  }
  return { stream, offsets, lengths };
}

describe('stream decoder fuzz', () => {
  it.each(SEEDS)('seed %i: valid streams cut at random points reassemble exactly', (seed) => {
    const r = rng(seed);
    const ceiling = 4096;
    const perStream = 1000;
    const cuttings = 4; // each stream is cut four ways: generating it costs more than decoding it
    let records = 0;
    for (let round = 0; round < 60; round++) {
      const { stream, offsets, lengths } = validStream(r, perStream, ceiling);
      for (let cut = 0; cut < cuttings; cut++) {
        const decoder = new StreamDecoder(ceiling);
        let next = 0;
        let wrong = -1;
        const handler = (_t: number, s: { bytes: Uint8Array }, o: number, l: number): boolean => {
          // Compared in place (Buffer#compare with ranges): no copy, no view per record.
          if (wrong < 0 && (l !== lengths[next] || stream.compare(s.bytes, o, o + l, offsets[next]!, offsets[next]! + l) !== 0)) wrong = next;
          next++;
          return true;
        };
        for (let at = 0; at < stream.length;) {
          const n = Math.min(stream.length - at, 1 + int(r, r() < 0.3 ? 8 : 3000));
          // Plain checks in the hot loop: expect() per chunk would cost more than the decoder.
          check(decoder.push(stream.subarray(at, at + n), handler) === 0, 'a valid stream failed');
          check(decoder.bufferedBytes <= ceiling + RECORD_PREFIX_BYTES, 'buffered more than one record');
          at += n;
        }
        check(wrong < 0, `record ${wrong} differs`);
        expect(next).toBe(perStream);
        records += next;
      }
    }
    expect(records).toBe(60 * 4 * 1000);
    totals.records += records;
  });

  it.each(SEEDS)('seed %i: random and mutated bytes never throw, hang or buffer more than one record', (seed) => {
    const r = rng(seed * 7919);
    const ceiling = 1024;
    const valid = Buffer.concat(Array.from({ length: 64 }, (_, i) => recordOf(1, new Uint8Array(i * 13 % 900))));
    const pool = randomBytes(r, 1 << 20);
    const scratch = new Uint8Array(valid.length);
    let chunks = 0;
    let seen = 0;
    const handler = (_t: number, _s: unknown, _o: number, l: number): boolean => {
      seen += l + 1 + RECORD_PREFIX_BYTES;
      return true;
    };
    for (let round = 0; round < 6000; round++) {
      const decoder = new StreamDecoder(ceiling);
      let input: Uint8Array;
      if (r() < 0.5) {
        const n = 1 + int(r, 4000);
        const from = int(r, pool.length - n);
        input = pool.subarray(from, from + n);
      } else {
        input = mutateInto(scratch, valid, r);
      }
      seen = 0;
      for (let at = 0; at < input.length;) {
        const n = 1 + int(r, 512);
        const failure = decoder.push(input.subarray(at, at + n), handler);
        chunks++;
        check(decoder.bufferedBytes <= ceiling + RECORD_PREFIX_BYTES, 'buffered more than one record');
        if (failure !== 0) {
          check(decoder.push(new Uint8Array(8), () => true) === failure, 'a failed decoder went on');
          break;
        }
        at += n;
      }
      check(seen <= input.length, 'handed up more bytes than it was given');
    }
    expect(chunks).toBeGreaterThan(20_000);
    totals.chunks += chunks;
  });
});

// --- a whole connection, fed mutated frames after a real handshake ---

/** Two ports joined in memory; writes are delivered when the test pumps. */
function pipe(): [StreamPort, StreamPort, () => void] {
  const queues: [Uint8Array[], Uint8Array[]] = [[], []];
  const events: [StreamEvents | null, StreamEvents | null] = [null, null];
  const make = (me: 0 | 1): StreamPort => ({
    remote: `mem:${me}`, peerCertificateVerified: false,
    attach: (e) => void (events[me] = e),
    write: (b) => (queues[1 - me]!.push(b), true),
    end: () => {}, destroy: () => {}, pause: () => {}, resume: () => {},
  });
  const pump = (): void => {
    for (let moved = true; moved;) {
      moved = false;
      for (const i of [0, 1] as const) {
        while (queues[i].length > 0) {
          moved = true;
          events[i]!.data(queues[i].shift()!);
        }
      }
    }
  };
  return [make(0), make(1), pump];
}

const stillClock: NetClock = {
  now: () => 0, setTimer: (): NetTimer => ({}), clearTimer: () => {}, soon: (f) => f(),
  random: () => ({ next: () => 0.5, nextU32: () => 1 }),
};

function local(nodeId: string): HandshakeLocal {
  return { nodeId, cluster: 'fuzz', incarnation: 1, versionMin: 1, versionMax: 1, features: WIRE_FEATURES, secret: new Uint8Array(16).fill(9), nonce: new Uint8Array(32).fill(nodeId.charCodeAt(0)) };
}
const hooks: HandshakeHooks = { resume: () => ({ knownIncarnation: 0, received: 0 }), admit: () => null, peerCertificateVerified: () => false };

describe('connection fuzz', () => {
  it.each(SEEDS)('seed %i: mutated frames on an open connection close it or decode; nothing else', (seed) => {
    const r = rng(seed * 104_729);
    const codec = new Codec();
    const frames = Array.from({ length: 32 }, (_, i) => encodeFrame(codec, {
      flags: 0, kind: i % 5 === 0 ? MessageKind.exit : MessageKind.user, priority: 0, source: null,
      destination: { node: 1, core: 0, slot: i, generation: 1, secret: 3 }, correlationId: i, deadlineMs: i % 3 === 0 ? 5 : null, trace: null,
    }, i % 4 === 0 ? new Uint8Array(i) : { i, text: 'x'.repeat(i), list: [i, [i], { i }], when: new Date(i) }));
    const stream = Buffer.concat(frames.map((f) => recordOf(1, f)));
    let decoded = 0;
    let refused = 0;
    let records = 0;
    for (let round = 0; round < 120; round++) {
      const [dialPort, acceptPort, pump] = pipe();
      let closedWith = '';
      const owner: ConnectionOwner = {
        established: () => {}, writable: () => {}, idle: () => {}, beat: () => false, acked: () => {},
        frame: (_c, source, offset, length) => {
          records++;
          try {
            decodeFrame(codec, source, offset, length);
            decoded++;
          } catch (error) {
            if (!isTransportError(error)) throw error;
            refused++;
          }
        },
        closed: (_c, reason) => void (closedWith = reason),
      };
      const times = { handshakeTimeoutMs: 1000, heartbeatMs: 100, idleTimeoutMs: 1000 };
      const acceptor = new Connection('acceptor', acceptPort, stillClock, times, 4096, local('b'), hooks, owner);
      const dialer = new Connection('dialer', dialPort, stillClock, times, 4096, local('a'), hooks, { ...owner, frame: () => {} }, 'b');
      acceptor.start();
      dialer.start();
      pump();
      expect(acceptor.state).toBe('open');
      for (let burst = 0; burst < 20 && acceptor.state === 'open'; burst++) {
        const input = r() < 0.8 ? mutate(stream, r) : stream;
        for (let at = 0; at < input.length && acceptor.state === 'open';) {
          const n = 1 + int(r, 2048);
          deliver(acceptor, input.subarray(at, at + n));
          at += n;
        }
      }
      expect(['', 'malformed', 'frameTooLarge']).toContain(closedWith);
    }
    expect(records).toBeGreaterThan(1000);
    expect(decoded + refused).toBe(records);
    totals.connectionRecords += records;
  });
});

function randomBytes(r: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n + 3 & ~3);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < words.length; i++) words[i] = r() * 0x1_0000_0000;
  return out.subarray(0, n);
}

/**
 * {@link mutate} without allocating: `input` copied into `scratch` (its length), mutated
 * there; a cut is a shorter view, a splice a copyWithin. The result is valid until the next call.
 */
function mutateInto(scratch: Uint8Array, input: Uint8Array, r: () => number): Uint8Array {
  scratch.set(input);
  let length = input.length;
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const what = int(r, 4);
    if (what === 0) scratch[int(r, length)] = int(r, 256);
    else if (what === 1) length = int(r, length);
    else if (what === 2) {
      const at = int(r, length);
      const from = int(r, length);
      scratch.copyWithin(at, from, length);
      length = at + (length - from);
    } else if (length >= 4) {
      const at = int(r, length - 3);
      const v = int(r, 0x1_0000_0000);
      scratch[at] = v & 0xff;
      scratch[at + 1] = (v >>> 8) & 0xff;
      scratch[at + 2] = (v >>> 16) & 0xff;
      scratch[at + 3] = v >>> 24;
    }
    if (length === 0) break;
  }
  return scratch.subarray(0, length);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Hands bytes to a connection as its port would. */
function deliver(conn: Connection, chunk: Uint8Array): void {
  (conn as unknown as { data(chunk: Uint8Array): void }).data(chunk);
}

/** A copy of `input` with a few random mutations: byte flips, a cut, a spliced run, a huge length. */
function mutate(input: Uint8Array, r: () => number): Uint8Array {
  let out = Uint8Array.from(input);
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const what = int(r, 4);
    if (what === 0) out[int(r, out.length)] = int(r, 256);
    else if (what === 1) out = out.slice(0, int(r, out.length));
    else if (what === 2) {
      const at = int(r, out.length);
      out = Buffer.concat([out.subarray(0, at), out.subarray(int(r, out.length))]);
    } else if (out.length >= 4) new DataView(out.buffer, out.byteOffset).setUint32(int(r, out.length - 3), int(r, 0x1_0000_0000), true);
    if (out.length === 0) break;
  }
  return out;
}

describe('ACK record fuzz', () => {
  /** An open acceptor whose peer offered `features`; what it was told, and how it closed. */
  function openAcceptor(features: number): { conn: Connection; acks: number[]; closed: () => string } {
    const [dialPort, acceptPort, pump] = pipe();
    let closedWith = '';
    const acks: number[] = [];
    const owner: ConnectionOwner = {
      established: () => {}, writable: () => {}, idle: () => {}, beat: () => false, frame: () => {},
      acked: (_c, received) => void acks.push(received),
      closed: (_c, reason) => void (closedWith = reason),
    };
    const times = { handshakeTimeoutMs: 1000, heartbeatMs: 100, idleTimeoutMs: 1000 };
    const conn = new Connection('acceptor', acceptPort, stillClock, times, 4096, local('b'), hooks, owner);
    const dialer = new Connection('dialer', dialPort, stillClock, times, 4096, { ...local('a'), features }, hooks, { ...owner, acked: () => {} }, 'b');
    conn.start();
    dialer.start();
    pump();
    expect(conn.state).toBe('open');
    return { conn, acks, closed: () => closedWith };
  }

  it.each(SEEDS)('seed %i: random ACK bodies are a count handed up, or a malformed close; never a throw', (seed) => {
    const r = rng(seed * 7919);
    let good = 0;
    let bad = 0;
    for (let round = 0; round < 400; round++) {
      const { conn, acks, closed } = openAcceptor(WIRE_FEATURES);
      const what = int(r, 4);
      const body = new Uint8Array(what === 0 ? int(r, 17) : 8);
      const view = new DataView(body.buffer);
      if (what === 1) view.setFloat64(0, int(r, 1e9), true);
      else if (what === 2) view.setFloat64(0, [NaN, -1, Infinity, 2 ** 60, 0.5, -0][int(r, 6)]!, true);
      else if (what === 3) for (let i = 0; i < 8; i++) body[i] = int(r, 256);
      else for (let i = 0; i < body.length; i++) body[i] = int(r, 256);
      deliver(conn, recordOf(RecordType.ack, body));
      if (closed() === '') {
        expect(acks).toHaveLength(1);
        check(Number.isSafeInteger(acks[0]) && acks[0]! >= 0, `handed up ${acks[0]}`);
        expect(conn.state).toBe('open');
        good++;
      } else {
        expect(closed()).toBe('malformed');
        expect(acks).toHaveLength(0);
        bad++;
      }
    }
    expect(good).toBeGreaterThan(50);
    expect(bad).toBeGreaterThan(50);
  });

  it('an ACK from a peer that did not offer acks is not this protocol: a malformed close', () => {
    const { conn, acks, closed } = openAcceptor(WIRE_FEATURES & ~WireFeature.acks);
    const body = new Uint8Array(8);
    new DataView(body.buffer).setFloat64(0, 3, true);
    deliver(conn, recordOf(RecordType.ack, body));
    expect(closed()).toBe('malformed');
    expect(acks).toEqual([]);
  });
});
