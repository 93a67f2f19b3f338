/**
 * `wire`: envelope frames of a small message one way between two processes on loopback.
 * This process receives and counts; it starts a sender process (./wire-sender.ts) that
 * stages `batch` frames per event-loop turn. Rows: pd over TCP, TLS and ws (NetNode both
 * ends: handshake, lanes, one batched write per turn, length-prefixed decoding), and
 * `bare-tcp`, the ceiling: a bare node:net loop writing the same record bytes in the same
 * batches, read by a bare length-prefix loop. The clock runs from the first frame received
 * to the last.
 */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Codec, NetNode, hostNetClock, tcpCarrier, tlsCarrier, wsCarrier, type Carrier } from '@pd/transport';
import { nowSec } from '../stats.js';
import type { Impl, ImplName, Params, RunResult } from '../types.js';
import { LIMITS, SECRET, makePems, type Pems, type WireKind } from './wire-common.js';
import { bareEchoRtt } from './bare-echo.js';

const SENDER = fileURLToPath(new URL('./wire-sender.js', import.meta.url));
let pems: Pems | null = null;

function carrierFor(kind: WireKind): Carrier {
  if (kind === 'tcp') return tcpCarrier();
  if (kind === 'ws') return wsCarrier({ maxPayload: 4 << 20 });
  pems ??= makePems();
  return tlsCarrier({ cert: pems.cert, key: pems.key, ca: pems.ca });
}

function startSender(kind: WireKind, port: number, p: Params): () => void {
  const child = spawn(process.execPath, [SENDER, kind, String(port), String(p.messages), String(p.batch), JSON.stringify(kind === 'tls' ? pems : null)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return () => child.kill('SIGKILL');
}

async function runPd(kind: WireKind, p: Params): Promise<RunResult> {
  const n = p.messages!;
  const node = new NetNode({
    clock: hostNetClock(), codec: new Codec(), carrier: carrierFor(kind), nodeId: 'receiver', cluster: 'bench', incarnation: 1,
    secret: SECRET, listen: { host: '127.0.0.1', port: 0 }, limits: LIMITS,
  });
  const bound = await node.start();
  const inbound = node.channel('sender').in;
  let count = 0;
  let t0 = 0;
  const sink = (): void => {
    count++;
  };
  const done = new Promise<void>((resolve) => {
    const pump = (): void => {
      if (count === 0 && t0 === 0) t0 = nowSec();
      inbound.read(1 << 30, sink);
      if (count >= n) resolve();
      else inbound.arm(pump);
    };
    inbound.arm(pump);
  });
  const stop = startSender(kind, bound!.port, p);
  await done;
  const seconds = nowSec() - t0;
  stop();
  await node.close();
  return { ops: n, seconds };
}

async function runBare(p: Params): Promise<RunResult> {
  const n = p.messages!;
  let count = 0;
  let t0 = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    // A bare length-prefix walk that copies nothing: the ceiling for a receiver that only
    // finds record boundaries (a record split across chunks is skipped, not reassembled).
    let pending = 0;
    const prefix = Buffer.alloc(4);
    let prefixHave = 0;
    socket.on('data', (chunk: Buffer) => {
      if (t0 === 0) t0 = nowSec();
      let at = 0;
      while (at < chunk.length) {
        if (pending > 0) {
          const take = Math.min(pending, chunk.length - at);
          pending -= take;
          at += take;
          if (pending === 0) count++;
          continue;
        }
        if (prefixHave > 0 || chunk.length - at < 4) {
          const take = Math.min(4 - prefixHave, chunk.length - at);
          chunk.copy(prefix, prefixHave, at, at + take);
          prefixHave += take;
          at += take;
          if (prefixHave < 4) break;
          prefixHave = 0;
          pending = prefix.readUInt32LE(0);
          continue;
        }
        pending = chunk.readUInt32LE(at);
        at += 4;
      }
      if (count >= n) finish();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const stop = startSender('bare', (server.address() as { port: number }).port, p);
  await done;
  const seconds = nowSec() - t0;
  stop();
  server.close();
  return { ops: n, seconds };
}

function implOf(name: ImplName, kind: WireKind): Impl {
  return {
    name,
    available: async () => {
      if (kind !== 'tls') return null;
      try {
        pems ??= makePems();
        return null;
      } catch (e) {
        return `openssl is needed for test certificates: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      }
    },
    workloads: {
      wire: (p) => (kind === 'bare' ? runBare(p) : runPd(kind, p)),
      // The floor under pd-remote and BEAM: a bare node:net echo between two processes (bare-echo.ts).
      ...(kind === 'bare' ? { 'remote-rtt': bareEchoRtt } : {}),
    },
  };
}

export const impls: Partial<Record<ImplName, Impl>> = {
  'pd-tcp': implOf('pd-tcp', 'tcp'),
  'pd-tls': implOf('pd-tls', 'tls'),
  'pd-ws': implOf('pd-ws', 'ws'),
  'bare-tcp': implOf('bare-tcp', 'bare'),
};
