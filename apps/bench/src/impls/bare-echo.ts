/**
 * `remote-rtt` for `bare-tcp`: the platform's floor for a round trip between two Node.js
 * processes on loopback. This process writes a record of the size of pd's ask frame (80
 * bytes: record prefix and type, the 72-byte envelope header, a small payload) and waits for
 * the far process to echo it whole; one at a time, like pd-remote's asks. Both ends are bare
 * node:net sockets with Nagle off (as pd's are): no framing beyond counting bytes, no
 * encoding, no actors. So pd-remote's distance from this row is what pd's frame path adds,
 * and BEAM's distance from it what Erlang distribution adds.
 *
 * The far process is this file run with `serve`; it exits when its stdin (a pipe from here)
 * closes, so it cannot outlive this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Latencies, nowSec } from '../stats.js';
import type { Params, RunResult } from '../types.js';

/** Bytes per message each way: pd's ask frame with a small payload. */
export const ECHO_BYTES = 80;

const SELF = fileURLToPath(import.meta.url);
/** The far end's script as node runs it: the built file, also when this module runs from source (tests). */
const FAR = SELF.endsWith('.ts') ? SELF.replace(/\/src\/impls\/bare-echo\.ts$/, '/dist/impls/bare-echo.js') : SELF;

interface Pair {
  readonly child: ChildProcess;
  readonly socket: Socket;
}

let pair: Promise<Pair> | null = null;

async function startPair(): Promise<Pair> {
  const child = spawn(process.execPath, [FAR, 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the echo process exited (${code}) before listening`)));
    child.stdout!.once('data', (line: Buffer) => resolve(Number(line.toString().trim())));
  });
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { child, socket };
}

/** `rounds` sequential round trips of {@link ECHO_BYTES} bytes; rate and latency. */
export async function bareEchoRtt(p: Params): Promise<RunResult> {
  const { socket } = await (pair ??= startPair());
  const rounds = p.rounds!;
  const message = Buffer.alloc(ECHO_BYTES, 7);
  const lat = new Latencies(rounds);
  let got = 0;
  let wake: (() => void) | null = null;
  const onData = (chunk: Buffer): void => {
    got += chunk.length;
    if (got >= ECHO_BYTES && wake !== null) {
      got -= ECHO_BYTES;
      const w = wake;
      wake = null;
      w();
    }
  };
  socket.on('data', onData);
  const t0 = nowSec();
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await new Promise<void>((resolve) => {
      wake = resolve;
      socket.write(message);
    });
    lat.add((performance.now() - s) * 1000);
  }
  const seconds = nowSec() - t0;
  socket.off('data', onData);
  return { ops: rounds, seconds, ...lat.summary() };
}

/** Close the pair (tests): the far process exits when its stdin closes. */
export async function closeBareEcho(): Promise<void> {
  if (pair === null) return;
  const { child, socket } = await pair;
  pair = null;
  socket.destroy();
  child.stdin!.end();
}

/** The far end: echo every whole {@link ECHO_BYTES}-byte message back as one write. */
function serve(): void {
  const server = createServer({ noDelay: true }, (socket) => {
    let held = 0;
    const out = Buffer.alloc(ECHO_BYTES, 7);
    socket.on('data', (chunk: Buffer) => {
      held += chunk.length;
      while (held >= ECHO_BYTES) {
        held -= ECHO_BYTES;
        socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (process.argv[1] === SELF && process.argv[2] === 'serve') serve();
