/**
 * pd-remote: two Palladium engines in two processes, federated over loopback TCP
 * (@pd/federation). This process is node `bench`; it starts the far node
 * (./pd-remote-node.ts, the built packages) as a child process and dials it. Workloads:
 *   - `remote`: a sender actor here sends `messages` small objects to a sink actor on the
 *     far node (spawned there by name), within a credit window the sink replenishes (see
 *     ./pd-remote-kinds.ts); ends when the sink has counted them all and said so;
 *   - `remote-rtt`: this process asks an echo actor on the far node, one request at a
 *     time; rate and round-trip latency.
 * `pd-remote` runs both nodes with the defaults; `pd-remote-spin` with the network's poll
 * spin on (`limits.pollSpinUs`: {@link SPIN_US} µs at both ends), the setting for
 * latency-bound traffic on a machine with a core to spare (BEAM's schedulers busy-wait by
 * default, `+sbwt medium`).
 * The pair of nodes is kept for the process (the warm-up runs warm both ends' JIT and the
 * connection); each run spawns its own actors. The far node exits with this process:
 * killed on exit, and it also exits when its stdin (a pipe from here) closes, which covers
 * a SIGKILL of this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Addr } from '@pd/actor';
import { silentLogger } from '@pd/runtime';
import { type FederationNode, startNode } from '@pd/federation';
import { Latencies, nowSec } from '../stats.js';
import type { Impl, Params, RunResult } from '../types.js';
import { RemoteSender, type RemoteMessage, type SenderMessage } from './pd-remote-kinds.js';

/** The far node's script as node runs it: the built file, also when this module runs from source (tests). */
const FAR_NODE = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL(import.meta.url.replace(/\/src\/impls\/pd-remote\.ts$/, '/dist/impls/pd-remote-node.js'))
    : new URL('./pd-remote-node.js', import.meta.url),
);

/** How long a step that only waits on the other process (start, spawn, the last message) may take. */
const WAIT_MS = 600_000;

interface Pair {
  readonly node: FederationNode;
  readonly child: ChildProcess;
}

/** The poll spin of `pd-remote-spin`, µs (`limits.pollSpinUs` of both nodes). */
export const SPIN_US = 200;

/** The pair of nodes of each implementation, by its poll spin (0: off). */
const pairs = new Map<number, Promise<Pair>>();
const children = new Set<ChildProcess>();
// A child left behind is a leak on a shared machine: kill every one when this process exits,
// whatever the reason (the far node also exits when its stdin closes, for a SIGKILL of this one).
// A far node run with flags (a profile to write) gets SIGTERM, which it answers with a clean exit.
process.once('exit', () => {
  for (const child of children) child.kill(process.env['PD_BENCH_FAR_FLAGS'] ? 'SIGTERM' : 'SIGKILL');
});

/** Starts the far node; resolves with its port once it listens. */
function startFar(secret: string, spinUs: number): Promise<{ child: ChildProcess; port: number }> {
  if (!existsSync(FAR_NODE)) throw new Error(`${FAR_NODE} missing: build @pd/bench first (pnpm --filter @pd/bench... build)`);
  // Node flags for the far node (`PD_BENCH_FAR_FLAGS="--cpu-prof --cpu-prof-dir=prof"`: profile it too).
  const flags = (process.env['PD_BENCH_FAR_FLAGS'] ?? '').split(/\s+/).filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, FAR_NODE], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PD_CLUSTER_SECRET: secret, PD_BENCH_POLL_SPIN_US: String(spinUs) },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the far node did not start listening in time'));
    }, WAIT_MS);
    // The far node's output goes to this process's stderr (its own output, `--trace-gc`, ...),
    // but for the one line that says where it listens.
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (listening) {
        process.stderr.write(chunk);
        return;
      }
      out += chunk;
      for (let eol = out.indexOf('\n'); eol >= 0 && !listening; eol = out.indexOf('\n')) {
        const line = out.slice(0, eol);
        out = out.slice(eol + 1);
        if (!line.startsWith('@@PORT ')) {
          process.stderr.write(`${line}\n`);
          continue;
        }
        listening = true;
        clearTimeout(timer);
        const port = (JSON.parse(line.slice(7)) as { port?: unknown }).port;
        if (typeof port === 'number') resolve({ child, port });
        else {
          child.kill('SIGKILL');
          reject(new Error(`the far node printed ${JSON.stringify(line)}, not its port`));
        }
        if (out !== '') process.stderr.write(out);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the far node exited (${signal ?? code}) before it listened: ${out}`));
    });
  });
}

async function startPair(spinUs: number): Promise<Pair> {
  const secret = randomBytes(24).toString('hex');
  const { child, port } = await startFar(secret, spinUs);
  try {
    const node = await startNode({
      federation: {
        nodeId: 'bench', cluster: 'bench', secret, peers: [{ id: 'far', host: '127.0.0.1', port }], requestTimeoutMs: WAIT_MS,
        limits: { pollSpinUs: spinUs },
      },
      engine: { id: 'bench', kinds: [RemoteSender], logger: silentLogger, askTimeoutMs: WAIT_MS },
    });
    await node.federation.connect('far');
    return { node, child };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function withPair<T>(spinUs: number, body: (node: FederationNode) => Promise<T>): Promise<T> {
  let pair = pairs.get(spinUs);
  if (pair === undefined) pairs.set(spinUs, (pair = startPair(spinUs)));
  return body((await pair).node);
}

/** Stops this process's nodes and the far nodes (tests; the bench's child process just exits). */
export async function closePair(): Promise<void> {
  const all = [...pairs.values()];
  pairs.clear();
  for (const p of all) {
    const { node, child } = await p;
    await node.stop({ deadlineMs: 500 });
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/** Frames the network dropped (a full outbound queue, lost in flight, unconfirmed by a peer that restarted, closed): each one a message the sink will never count. */
function dropped(federation: FederationNode['federation']): number {
  const d = federation.stats().net?.dropped;
  return d === undefined ? 0 : d.queueFull + d.lostInFlight + d.unconfirmed + d.closed + d.staleIncarnation;
}

/**
 * Waits for `done`, failing at once when the network drops a frame (the sink would then
 * wait forever): a window larger than the outbound queue holds is a configuration error,
 * not a slow run.
 */
function untilDone(done: Promise<unknown>, lost: () => number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      const n = lost();
      if (n > 0) {
        clearInterval(check);
        reject(new Error(`remote: the network dropped ${n} frame(s) (outbound queue full?): lower the window`));
      }
    }, 250);
    done.then(
      () => {
        clearInterval(check);
        resolve();
      },
      (error: unknown) => {
        clearInterval(check);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

const remote = (spinUs: number) => (p: Params): Promise<RunResult> =>
  withPair(spinUs, async ({ engine, federation }) => {
    const n = p.messages!, window = p.window ?? 65_536, ackEvery = p.ackEvery ?? 8_192;
    const client = engine.client<string>();
    const sender = engine.spawn<SenderMessage>('bench.remote-sender');
    // The sink exists on the far node before the clock starts (the spawn answers once it does).
    const sink = await federation.spawn<RemoteMessage>('bench.remote-sink', {
      node: 'far',
      args: { expect: n, notify: client.self, ackTo: sender, ackEvery },
    });
    const droppedBefore = dropped(federation);
    const t0 = nowSec();
    engine.send(sender, { to: sink, n, window });
    await untilDone(client.receive({ timeoutMs: WAIT_MS }), () => dropped(federation) - droppedBefore);
    const seconds = nowSec() - t0;
    client.close();
    engine.stop(sender);
    engine.stop(sink);
    return { ops: n, seconds };
  });

const remoteRtt = (spinUs: number) => (p: Params): Promise<RunResult> =>
  withPair(spinUs, async ({ engine, federation }) => {
    const rounds = p.rounds!;
    const echo: Addr<number> = await federation.spawn<number>('bench.remote-echo', { node: 'far' });
    await engine.ask(echo, -1);
    const lat = new Latencies(rounds);
    const t0 = nowSec();
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      const r = await engine.ask<number, number>(echo, i);
      lat.add((performance.now() - s) * 1000);
      if (r !== i) throw new Error(`remote-rtt: asked ${i}, the echo answered ${String(r)}`);
    }
    const seconds = nowSec() - t0;
    engine.stop(echo);
    return { ops: rounds, seconds, ...lat.summary() };
  });

function remoteImpl(name: 'pd-remote' | 'pd-remote-spin', spinUs: number): Impl {
  return {
    name,
    available: async () => (existsSync(FAR_NODE) ? null : `${FAR_NODE} missing: build @pd/bench first`),
    workloads: { remote: remote(spinUs), 'remote-rtt': remoteRtt(spinUs) },
  };
}

export const impl: Impl = remoteImpl('pd-remote', 0);
export const impls = { 'pd-remote': impl, 'pd-remote-spin': remoteImpl('pd-remote-spin', SPIN_US) };
