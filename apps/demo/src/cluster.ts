/**
 * The cluster demo, what `npm run demo` runs: three engine processes on loopback (nodes a,
 * b, c; `--nodes N` for more), each started with `pd start` from a versioned config in
 * ../cluster/, forming one cluster with the demo's own process, the director (itself a node,
 * booted from ../cluster/director.json, never killed).
 *
 * - Nodes are multi-core where the machine has the cores (`cores`: by default
 *   availableParallelism / nodes, 1 to 4): core 0 is the node's gateway (its federation), and
 *   the desks run on the worker cores, so an order crosses the network, core 0 and a ring.
 * - The order pipeline is spread across the nodes. Every node's config tree runs a stock
 *   keeper and the flaky payment gateway under the cluster names `stock` and `payments`
 *   (`clusterName`, on core 0): one node holds each name, the others stand by and take it
 *   when the holder goes. The director spawns the WASM tally (the AssemblyScript counter
 *   plugin) on c and the order desks, a pool across every node (one per worker core, or one
 *   per node when single-core), with `federation.spawn`, and monitors each: that is the
 *   demo's cluster supervisor (the runtime has no supervised children on other nodes yet).
 * - The director places orders and asks a desk of the pool to process each, round robin, with
 *   the stock keeper's and gateway's addresses resolved through the cluster registry
 *   (`federation.registry.whereis`, the director's replicated copy of every node's names).
 * - Membership is SWIM (`federation.membership` in the configs, fast loopback timing: probe
 *   every 500 ms), the director a member like the nodes; the narrative tells the director's
 *   SWIM view as it changes (`federation.members()`, polled).
 * - Every few seconds a fault: one node's process is killed with SIGKILL. The monitors of
 *   what it hosted fire with `noconnection`, and SWIM finds it suspect, then dead; the
 *   cluster supervisor respawns those actors on the surviving nodes; the demo restarts the
 *   node process, which rejoins with a new incarnation (SWIM sees it refute its death with a
 *   higher membership incarnation), and its actors move back home.
 * - Every order placed ends up paid, out of stock, failed (gave up after retries) or lost
 *   (its desk's node died while the order was there, its outcome unknown): counted, said,
 *   and summed up at the end (`--json` for the summary as JSON).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Addr, AnyAddr, Down, MonitorRef } from '@pd/actor';
import { bootEngine, loadConfig, observerUrl, type RunningEngine } from '@pd/control';
import type { Federation } from '@pd/federation';
import { deskKindFor, MAX_NODE_CORES, type DeskReply, type DeskRequest } from './cluster-kinds.js';
import type { Order, PaymentMsg, StockMsg } from './kinds.js';

/** Options of {@link runClusterDemo}. */
export interface ClusterDemoOptions {
  /** Nodes besides the director, 2 to 9; default 3. */
  readonly nodes?: number;
  /** Cores per node, 1 to 8 (core 0 the gateway, desks on the others); default {@link defaultCores}. */
  readonly cores?: number;
  /** Stop placing orders this long after the cluster is up (starting it comes first); default: run until SIGINT/SIGTERM. */
  readonly durationMs?: number;
  /** Kill a node every so often; default true. */
  readonly faults?: boolean;
  /** Time between faults (counted from the previous node's rejoin), ms; default 10 000. */
  readonly faultEveryMs?: number;
  /** A new order every so often, ms; default 50. */
  readonly orderEveryMs?: number;
  /** Where the narrative goes (one line per call); default console.log. */
  readonly say?: (line: string) => void;
  /** Where the nodes' state files go (default: pd's state folder, where `npm run pd -- … --engine demo-a` looks). */
  readonly stateDir?: string;
}

/** One node failure, from the kill to the rejoin. */
export interface FaultRecord {
  readonly node: string;
  readonly pid: number;
  /** ms since the demo started. */
  readonly killedAtMs: number;
  readonly incarnationBefore: number;
  /** The actors (roles) the node hosted when it was killed, and the cluster names it held (`stock`, `payments`). */
  readonly hosted: string[];
  /** Whether the cluster noticed: a monitor fired `noconnection`, or the connection went down. */
  detected: boolean;
  detectedBy: 'noconnection' | 'connection-down' | null;
  detectedAfterMs: number | null;
  /** The node's SWIM incarnation in the director's membership view when it was killed. */
  readonly memberIncarnationBefore: number | null;
  /** When the director's SWIM membership first saw it `suspect` (ms after the kill), or null if it went straight to dead or was never suspected. */
  suspectAfterMs: number | null;
  /** Whether the director's SWIM membership declared it `dead`, and when (ms after the kill). */
  declaredDead: boolean;
  deadAfterMs: number | null;
  /** Where each hosted role was restarted (`via: 'standby'`: a cluster name taken by another node's standby). */
  readonly restarted: { role: string; on: string; via?: 'standby' }[];
  rejoined: boolean;
  incarnationAfter: number | null;
  rejoinedAfterMs: number | null;
  /** Its SWIM incarnation once the membership saw it alive again (higher than before: it refuted its death), or null if not seen. */
  memberIncarnationAfter: number | null;
}

/** An actor the cluster supervisor (re)started on some node. */
export interface RestartRecord {
  readonly role: string;
  readonly from: string;
  readonly to: string;
  /** `noconnection` (its node was lost), `crash` (it failed: the gateway's bug) or `home` (moved back to its rejoined node). */
  readonly why: 'noconnection' | 'crash' | 'home';
  /** How: `spawn` (the director's cluster supervisor spawned it), or `standby` (a cluster name taken by the standby on another node). */
  readonly via: 'spawn' | 'standby';
  readonly atMs: number;
}

/** Order totals: placed = paid + outOfStock + failed + lost once the run is over. */
export interface ClusterTotals {
  placed: number;
  paid: number;
  outOfStock: number;
  /** Gave up after every retry. */
  failed: number;
  /** Outcome unknown: the desk's node died with the order in it (or it was still unanswered at the end). */
  lost: number;
  /** Why each lost order was lost, counted. */
  lostReasons: Record<string, number>;
  /** Orders still being processed (0 in the final summary unless the drain timed out: those count as lost). */
  inFlight: number;
}

/** What {@link runClusterDemo} resolves with (and `--json` prints). */
export interface ClusterSummary {
  readonly mode: 'cluster';
  readonly nodes: string[];
  /** Cores per node (1: single-core nodes). */
  readonly cores: number;
  readonly durationMs: number;
  readonly faults: FaultRecord[];
  readonly restarts: RestartRecord[];
  readonly gatewayCrashes: number;
  readonly totals: ClusterTotals;
  /** placed === paid + outOfStock + failed + lost. */
  readonly balanced: boolean;
  /** Where each role ran at the end (the cluster names `stock` and `payments`: their holder's node). */
  readonly placement: Record<string, string>;
  /** The core each role ran on at the end, on its node (0: the gateway core); absent for one that ran nowhere. */
  readonly placementCores: Record<string, number>;
  /** The WASM tally's count at the end (paid orders since its last start), or null if it could not be asked. */
  readonly tally: number | null;
  /** The node processes' ids, every incarnation: all have exited when the demo resolves. */
  readonly pids: number[];
  /** Node processes that had to be killed at the end (did not stop within the deadline). */
  readonly forcedStops: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The versioned configs (apps/demo/cluster), from src/ and from dist/ alike. */
const CONFIG_DIR = resolve(HERE, '..', 'cluster');
/** The node process: `pd start` plus stop-on-stdin-close (dist/node-host.js, from src/ and dist/ alike). */
const NODE_HOST = resolve(HERE, '..', 'dist', 'node-host.js');
const NODE_IDS = 'abcdefghi'.split('');
/** How long a node process may take to report ready (a busy 2-core machine, cold caches), ms. */
const NODE_READY_TIMEOUT_MS = 60_000;
/** How long a node may take to stop gracefully at the end, ms. */
const NODE_STOP_TIMEOUT_MS = 10_000;
/** How long a desk may take with one order before the director gives up on it, ms. */
const DESK_TIMEOUT_MS = 10_000;
/** Tries of one order before it counts as failed. */
const ORDER_ATTEMPTS = 12;
/** How long a desk that moved home leaves its stand-in to finish the orders it holds, ms. */
const RETIRE_AFTER_MS = 5000;
/** How long the end waits for orders in flight and a recovery under way, ms. */
const DRAIN_TIMEOUT_MS = 30_000;

interface NodeRec {
  readonly id: string;
  readonly engineId: string;
  readonly configFile: string;
  proc: ChildProcess | null;
  /** Resolves when the current process has exited. */
  exited: Promise<void>;
  /** As the director knows it: false from a detected loss until the rejoin. */
  up: boolean;
  incarnation: number;
}

interface Role {
  readonly name: string;
  readonly kind: string;
  readonly home: string;
  node: string | null;
  addr: AnyAddr | null;
  ref: MonitorRef | null;
}

/** Cores per node by default: the machine's share per node, `max(1, floor(availableParallelism / nodes))`, at most 4. */
export function defaultCores(nodes: number, parallelism: number = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(parallelism / nodes)));
}

/** The cluster names every node's config tree keeps (`clusterName`): one node holds each, the others stand by. */
const NAMES = ['stock', 'payments'] as const;

/**
 * Run the cluster demo: start the nodes, place orders, inject faults, and at the end stop
 * everything (no node process survives it) and resolve with the summary. Throws when a node
 * cannot be started at all (its log's tail in the message).
 */
export async function runClusterDemo(options: ClusterDemoOptions = {}): Promise<ClusterSummary> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 2 || count > NODE_IDS.length) throw new RangeError(`nodes must be an integer from 2 to ${NODE_IDS.length}, got ${count}`);
  const cores = options.cores ?? defaultCores(count);
  if (!Number.isInteger(cores) || cores < 1 || cores > MAX_NODE_CORES) throw new RangeError(`cores must be an integer from 1 to ${MAX_NODE_CORES}, got ${cores}`);
  const say = options.say ?? ((line: string) => console.log(line));
  const faults = options.faults ?? true;
  const faultEveryMs = options.faultEveryMs ?? 10_000;
  const orderEveryMs = options.orderEveryMs ?? 50;
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const stamp = (line: string) => say(`[${(now() / 1000).toFixed(1).padStart(5)}s] ${line}`);

  const runDir = await mkdtemp(join(tmpdir(), 'pd-demo-cluster-'));
  const nodes: NodeRec[] = [];
  const pids: number[] = [];
  let running: RunningEngine | null = null;
  let interrupted = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    if (interrupted) return killAll(nodes, 'SIGKILL');
    interrupted = true;
    stamp('interrupted: stopping (Ctrl-C again to kill the nodes at once)');
    wake();
  };
  const onExit = () => killAll(nodes, 'SIGKILL');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  try {
    // --- configs: the versioned ones, with this run's ports and secret ---
    const ids = NODE_IDS.slice(0, count);
    // Each member's federation port, then its membership's (gossip) port.
    const ports = await freePorts(count + 1);
    const gossipPorts = await freePorts(count + 1);
    const secretFile = join(runDir, 'cluster.secret');
    await writeFile(secretFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    await chmod(secretFile, 0o600);
    // SWIM: every member lists every member's gossip endpoint as a seed (its own included, which
    // it skips), so a restarted node rejoins through whichever is alive.
    const seeds = gossipPorts.map((port) => ({ host: '127.0.0.1', port }));
    // Downing stays the default, keep-majority: the director is a member too, so a single
    // killed node leaves 3 of 4 members reachable (2 of 3 with --nodes 2), a majority on
    // every survivor, who keep running and down the dead node; the restarted node is
    // undowned when it rejoins with a higher incarnation. The view must also hold still for
    // stableAfterMs (20 s in the configs) before anything is decided, so a brief false
    // suspicion on a loaded machine stops no one; only two nodes lost at once for 20 s
    // could stop a side, and the demo kills one at a time.
    const writeConfig = async (template: string, id: string, port: number, gossipPort: number): Promise<string> => {
      const raw = JSON.parse(await readFile(join(CONFIG_DIR, template), 'utf8')) as Record<string, any>;
      raw.engine.id = id === 'director' ? raw.engine.id : `demo-${id}`;
      if (id !== 'director' && cores > 1) {
        // A multi-core node: core 0 is its gateway (the federation, the config tree with the
        // cluster-named stock keeper and gateway, the tally); each worker core runs a desk,
        // pinned there by its kind's placement.
        const kinds = Object.fromEntries(Array.from({ length: cores - 1 }, (_, i) => [deskKindFor(i + 1), { core: i + 1 }]));
        raw.engine = { ...raw.engine, mode: 'multi', cores, placement: { default: 'local', kinds } };
      }
      raw.modules = (raw.modules ?? []).map((m: string) => resolve(CONFIG_DIR, m));
      raw.plugins = (raw.plugins ?? []).map((p: { file: string }) => ({ ...p, file: resolve(CONFIG_DIR, p.file) }));
      raw.federation = {
        ...raw.federation, nodeId: id, listen: { host: '127.0.0.1', port }, secretFile,
        membership: { ...raw.federation.membership, kind: 'swim', gossip: { host: '127.0.0.1', port: gossipPort }, seeds },
      };
      if (options.stateDir !== undefined) raw.control = { ...raw.control, stateDir: options.stateDir };
      const file = join(runDir, `${id}.json`);
      await writeFile(file, `${JSON.stringify(raw, null, 2)}\n`);
      return file;
    };
    for (const [i, id] of ids.entries()) {
      const template = i < 3 ? `node-${id}.json` : 'node-c.json';
      nodes.push({ id, engineId: `demo-${id}`, configFile: await writeConfig(template, id, ports[i + 1]!, gossipPorts[i + 1]!), proc: null, exited: Promise.resolve(), up: false, incarnation: 0 });
    }

    say(`Palladium demo: an order pipeline on a cluster of ${count} nodes on loopback, plus the director (this process).`);
    say(`Each node is its own process, started like \`pd start --config apps/demo/cluster/node-X.json\`, ${cores === 1
      ? 'single-core (--cores K for more)'
      : `with ${cores} cores: core 0 is the node's gateway (the network, the stock keeper, the payment gateway, the tally), ${cores === 2 ? 'core 1 runs a desk' : `cores 1-${cores - 1} run a desk each`}`}.`);
    say('The stock keeper and the payment gateway run on every node under the cluster names "stock" and "payments": one node holds');
    say('each name, the others stand by and take it when the holder goes. Cluster secret: fresh for this run.\n');

    // --- the director and the nodes ---
    running = await bootEngine(await loadConfig(await writeConfig('director.json', 'director', ports[0]!, gossipPorts[0]!)), {
      ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
      // The observer is served by the control plane itself; this only tells `pd observer` so.
      instrument: async () => ({ describe: () => ({ observer: { path: '/observer/' } }), close: async () => {} }),
    });
    const director = running;
    const federation = director.federation as Federation;
    const { engine } = director;
    // `pd stop --engine demo` stops the director: the demo ends as on Ctrl-C.
    let finished = false;
    void director.stopped.then(() => {
      if (finished || interrupted) return;
      interrupted = true;
      stamp('the director was stopped from outside (pd stop): ending the demo');
      wake();
    });
    stamp(`starting nodes ${ids.join(', ')}…`);
    await Promise.all(nodes.map((n) => startNode(n, runDir, pids)));
    await Promise.all(nodes.map(async (n) => {
      await connectWithRetry(federation, n.id);
      n.incarnation = incarnationOf(federation, n.id);
      n.up = true;
    }));
    stamp(`nodes up: ${nodes.map((n) => `${n.id} (pid ${n.proc?.pid}, incarnation ${n.incarnation})`).join(', ')}`);

    // --- the cluster supervisor ---
    // The desks are a pool across every node: one per worker core of each (desk-a1 on core 1 of
    // a, …), or one per node (desk-a) when the nodes are single-core.
    const deskCores = cores === 1 ? [0] : Array.from({ length: cores - 1 }, (_, i) => i + 1);
    const roles: Role[] = [
      { name: 'tally', kind: 'tally', home: ids[2 % count]!, node: null, addr: null, ref: null },
      ...ids.flatMap((id) => deskCores.map((core): Role => ({ name: cores === 1 ? `desk-${id}` : `desk-${id}${core}`, kind: deskKindFor(core), home: id, node: null, addr: null, ref: null }))),
    ];
    const isDesk = (role: Role) => role.kind.startsWith('cluster-desk');
    const restarts: RestartRecord[] = [];
    const faultLog: FaultRecord[] = [];
    let gatewayCrashes = 0;
    const watcher = engine.client<Down>();
    // The cluster names, as the director's copy of the cluster registry has them: the holder's
    // node and address last seen, and the monitors of every holder seen (a Down tells a
    // gateway crash, or, with noconnection, a lost node).
    const named = new Map<string, { node: string | null; addr: AnyAddr | null }>(NAMES.map((n) => [n, { node: null, addr: null }]));
    const nameRefs = new Map<number, { name: string; node: string }>();
    const whereis = <M>(name: string): Addr<M> | undefined => (federation.running ? federation.registry.whereis(name) as Addr<M> | undefined : undefined);
    const holderNode = (name: string): string | undefined => (federation.running ? federation.registry.list().find((e) => e.name === name)?.node : undefined);
    let stopping = false;
    const retiring = new Set<ReturnType<typeof setTimeout>>();
    // Supervisor actions run one at a time, in order.
    let queue: Promise<void> = Promise.resolve();
    const serially = (job: () => Promise<void>): Promise<void> => (queue = queue.then(job, job).catch((error: unknown) => stamp(`cluster supervisor: ${(error as Error).message}`)));
    const nodeRec = (id: string) => nodes.find((n) => n.id === id)!;
    const pickNode = (role: Role, avoid?: string): string | null => {
      const up = nodes.filter((n) => n.up && n.id !== avoid);
      if (up.length === 0) return null;
      if (up.some((n) => n.id === role.home)) return role.home;
      const load = (id: string) => roles.filter((r) => r.node === id).length;
      return up.map((n) => n.id).sort((x, y) => load(x) - load(y) || x.localeCompare(y))[0]!;
    };
    /** Spawn `role` on `on` (registered under its name there) and monitor it. */
    const place = async (role: Role, on: string): Promise<void> => {
      // Registered on its node (`pd call --engine demo-c tally 0`); the desks need no name.
      const addr = await federation.spawn(role.kind, { node: on, name: role.name, ...(role.kind === 'tally' ? { register: role.name } : {}) });
      role.ref = watcher.monitor(addr);
      role.addr = addr;
      role.node = on;
    };
    /** Respawn `role` away from a lost or failing node; tries each live node in turn. */
    const respawn = async (role: Role, why: RestartRecord['why'], from: string): Promise<void> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const on = why === 'crash' && nodeRec(from).up ? from : pickNode(role, from);
        if (on === null) return void stamp(`cluster supervisor: no live node for ${role.name}; it waits for a rejoin`);
        try {
          await place(role, on);
          restarts.push({ role: role.name, from, to: on, why, via: 'spawn', atMs: now() });
          // Part of a node failure's recovery (also a crash whose Down was on its way when the node was killed).
          const fault = faultLog.find((f) => f.node === from && !f.rejoined && f.hosted.includes(role.name) && !f.restarted.some((r) => r.role === role.name));
          if (fault !== undefined && on !== from) fault.restarted.push({ role: role.name, on });
          if (why !== 'crash') stamp(`  restarted ${role.name} on node ${on} (was on ${from})`);
          return;
        } catch (error) {
          stamp(`  could not start ${role.name} on ${on}: ${(error as Error).message}; trying again`);
          await sleep(300);
        }
      }
    };
    const detected = (node: string, by: 'noconnection' | 'connection-down') => {
      const rec = nodeRec(node);
      const fault = faultLog.find((f) => f.node === node && !f.detected);
      if (rec.up) {
        rec.up = false;
        stamp(`DETECTED: node ${node} is gone (${by === 'noconnection' ? 'monitors fired noconnection' : 'its connection went down'})`);
      }
      if (fault !== undefined) {
        fault.detected = true;
        fault.detectedBy = by;
        fault.detectedAfterMs = now() - fault.killedAtMs;
      }
    };
    const onDown = (down: Down) => {
      const holder = nameRefs.get(down.ref.id);
      if (holder !== undefined) {
        // A holder of a cluster name (or a former one) went down: its node was lost, or it
        // crashed (the gateway's bug; its node's supervisor restarts it, and the name goes to
        // the new incarnation or to a standby). trackNames sees where the name went.
        nameRefs.delete(down.ref.id);
        const current = named.get(holder.name);
        if (current !== undefined && current.addr !== null && current.addr.equals(down.addr)) current.addr = null;
        if (down.reason.type === 'noconnection') {
          stamp(`  monitor: ${holder.name} on node ${holder.node} is down: noconnection`);
          detected(holder.node, 'noconnection');
        } else if (holder.name === 'payments') gatewayCrashes++;
        return;
      }
      const role = roles.find((r) => r.ref !== null && r.ref.id === down.ref.id);
      if (role === undefined) return; // an actor moved home: stopped on purpose
      const from = role.node ?? '?';
      role.ref = null;
      role.addr = null;
      role.node = null;
      if (down.reason.type === 'noconnection') {
        stamp(`  monitor: ${role.name} on node ${from} is down: noconnection`);
        detected(from, 'noconnection');
        void serially(() => respawn(role, 'noconnection', from));
      } else {
        void serially(async () => {
          await sleep(100);
          await respawn(role, 'crash', from);
        });
      }
    };
    // --- SWIM's view (the director's membership), polled: every change of a node's state is told ---
    const memberState = new Map<string, { status: string; incarnation: number }>();
    const memberOf = (id: string) => federation.members().members.find((m) => m.id === id);
    const watchMembership = () => {
      if (engine.status !== 'running') return;
      for (const m of federation.members().members) {
        if (m.id === federation.nodeId) continue;
        const before = memberState.get(m.id);
        if (before !== undefined && before.status === m.status && before.incarnation === m.incarnation) continue;
        memberState.set(m.id, { status: m.status, incarnation: m.incarnation });
        if (before === undefined) continue; // first seen: told with the nodes up
        const fault = faultLog.find((f) => f.node === m.id && !f.rejoined);
        stamp(`  membership (SWIM): node ${m.id} ${m.status}, incarnation ${m.incarnation}${m.status === 'suspect' ? ` (${m.accusers} accuser${m.accusers === 1 ? '' : 's'})` : ''}`);
        if (fault === undefined) continue;
        if (m.status === 'suspect' && fault.suspectAfterMs === null) fault.suspectAfterMs = now() - fault.killedAtMs;
        if (m.status === 'dead' && !fault.declaredDead) {
          fault.declaredDead = true;
          fault.deadAfterMs = now() - fault.killedAtMs;
        }
      }
    };
    /**
     * Where each cluster name resolves now (the director's copy of the registry): a new holder
     * is monitored, and a name that a lost node held, now held on another node, was taken by
     * that node's standby: its restart, for the fault's record.
     */
    const trackNames = () => {
      if (!federation.running) return;
      const list = federation.registry.list();
      for (const name of NAMES) {
        const entry = list.find((e) => e.name === name);
        if (entry === undefined) continue; // between holders: keep the last one seen
        const seen = named.get(name)!;
        const moved = seen.addr === null || !seen.addr.equals(entry.addr);
        const before = seen.node;
        if (moved) {
          seen.addr = entry.addr;
          seen.node = entry.node;
          nameRefs.set(watcher.monitor(entry.addr).id, { name, node: entry.node });
        }
        const fault = faultLog.find((f) => !f.rejoined && f.node !== entry.node && f.hosted.includes(name) && !f.restarted.some((r) => r.role === name));
        if (fault !== undefined) {
          fault.restarted.push({ role: name, on: entry.node, via: 'standby' });
          restarts.push({ role: name, from: fault.node, to: entry.node, why: 'noconnection', via: 'standby', atMs: now() });
          stamp(`  cluster name ${name}: taken by the standby on node ${entry.node} (was on ${fault.node})`);
        } else if (moved && before !== null && before !== entry.node) stamp(`  cluster name ${name}: now held on node ${entry.node} (was on ${before})`);
      }
    };
    const watching = (async () => {
      while (!stopping) {
        try {
          onDown(await watcher.receive({ timeoutMs: 250 }));
        } catch {
          // A receive timeout: look again (or stop). Stopped from outside: nothing more comes.
          if (engine.status !== 'running') {
            await sleep(250);
            continue;
          }
        }
        watchMembership();
        trackNames();
        for (const n of nodes) {
          const peer = federation.stats().peers.find((p) => p.id === n.id);
          // Only for a node that hosts nothing monitored: otherwise its monitors tell (noconnection).
          if (n.up && peer !== undefined && peer.state === 'down' && !roles.some((r) => r.node === n.id && r.ref !== null)) detected(n.id, 'connection-down');
        }
      }
    })();

    // Every node a member in the director's SWIM view (gossip may take a moment more than the handshakes).
    for (let i = 0; i < 120 && !ids.every((id) => memberOf(id)?.status === 'alive'); i++) await sleep(250);
    watchMembership();
    stamp(`membership (SWIM, the director's view): ${federation.members().members.map((m) => `${m.id} ${m.status}`).join(', ')}`);
    // Every node registers the names at start, before it hears of the others: the cluster
    // registry's conflict rule leaves one holder of each (the others stand by).
    for (let i = 0; i < 120 && !NAMES.every((name) => holderNode(name) !== undefined); i++) await sleep(250);
    await sleep(500);
    trackNames();
    stamp(`cluster registry: ${NAMES.map((name) => `${name} held on node ${holderNode(name) ?? '(nowhere yet)'}`).join(', ')}; standbys on the other nodes`);
    for (const role of roles) await serially(() => place(role, role.home));
    stamp(`placed: ${roles.map((r) => `${r.name}@${r.node}${cores > 1 ? `/core ${r.addr?.core ?? '?'}` : ''}`).join(', ')}`);

    // --- where to look ---
    const observer = director.state === null ? null : observerUrl(director.state.url, director.state.token);
    const sd = options.stateDir === undefined ? '' : ` --state-dir ${options.stateDir}`;
    say('');
    say('Watch it from a second terminal, in this repository (the nodes are demo-a, demo-b, …; the director is demo):');
    if (observer !== null) say(`  web observer (the director): ${observer}`);
    say(`  npm run pd -- observer --engine demo-a${sd}         the observer of node a (a new URL after each restart)`);
    say(`  npm run pd -- cluster status --engine demo${sd}     the director's view: node, peers, counters`);
    say(`  npm run pd -- cluster members --engine demo${sd}    SWIM's view: each member alive, suspect or dead, its incarnation`);
    say(`  npm run pd -- cluster peers --engine demo-a${sd}    node a's connections, incarnations, queues`);
    say(`  npm run pd -- top --engine demo-b${sd}              the busiest actors of node b`);
    say(`  npm run pd -- tree --engine demo-c${sd}             what node c hosts now`);
    say('');
    say(options.durationMs === undefined ? 'Press Ctrl-C to stop.' : `Running for ${options.durationMs / 1000} s from now${faults ? `, a node killed every ${faultEveryMs / 1000} s or so` : ', no faults'}.`);

    // --- orders ---
    const totals: ClusterTotals = { placed: 0, paid: 0, outOfStock: 0, failed: 0, lost: 0, lostReasons: {}, inFlight: 0 };
    const inFlight = new Set<Promise<void>>();
    let nextOrder = 1;
    let deskTurn = 0;
    const ITEMS = ['widget', 'gadget', 'gizmo', 'doohickey'];
    const lose = (why: string) => {
      totals.lost++;
      totals.lostReasons[why] = (totals.lostReasons[why] ?? 0) + 1;
    };
    const pickDesk = (): Addr<DeskRequest> | null => {
      const desks = roles.filter((r) => isDesk(r) && r.addr !== null && r.node !== null && nodeRec(r.node).up);
      if (desks.length === 0) return null;
      return desks[deskTurn++ % desks.length]!.addr as Addr<DeskRequest>;
    };
    const processOrder = async (order: Order): Promise<void> => {
      let reserved = false;
      let chargeAttempt = 0;
      for (let attempt = 0; attempt < ORDER_ATTEMPTS; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 100 * attempt));
        const desk = pickDesk();
        // Resolved through the cluster registry: the director's copy of every node's names.
        const stock = reserved ? null : whereis<StockMsg>('stock');
        const payments = whereis<PaymentMsg>('payments');
        if (desk === null || payments === undefined || (!reserved && stock === undefined)) continue; // nothing sent yet: safe to try again
        let reply: DeskReply;
        try {
          const req: DeskRequest = { type: 'order', order, stock: (stock ?? payments) as Addr<StockMsg>, payments, reserved, chargeAttempt };
          reply = await engine.ask<DeskRequest, DeskReply>(desk, req, { timeoutMs: DESK_TIMEOUT_MS });
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'error';
          const reason = (error as { details?: { reason?: string } }).details?.reason;
          if (reason === 'noconnection') return lose('its desk\'s node died with the order in it');
          return lose(code === 'ask/timeout' ? `its desk did not answer within ${DESK_TIMEOUT_MS / 1000} s (outcome unknown)` : `its desk did not answer (${code})`);
        }
        if (reply === 'paid') {
          totals.paid++;
          // Best effort: the tally counts what it saw since it last started.
          const tally = roles.find((r) => r.name === 'tally')?.addr ?? null;
          try {
            if (tally !== null) engine.send(tally as Addr<number>, 1);
          } catch {
            // The director is closing (pd stop): the order is paid all the same.
          }
          return;
        }
        if (reply === 'out-of-stock') return void totals.outOfStock++;
        // The holder was unreachable or crashed: the next attempt resolves the name afresh.
        if (reply !== 'retry-reserve') {
          reserved = true;
          chargeAttempt++;
        }
      }
      totals.failed++;
    };
    const intake = setInterval(() => {
      if (stopping) return;
      const id = nextOrder++;
      totals.placed++;
      const order: Order = { id, item: ITEMS[id % ITEMS.length]!, qty: 1 + (id % 3), cents: 250 + ((id * 137) % 5000), attempt: 0 };
      const p: Promise<void> = processOrder(order).catch(() => lose('the director failed on it')).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }, orderEveryMs);
    const progress = setInterval(() => {
      stamp(`orders: ${totals.placed} placed, ${totals.paid} paid, ${totals.outOfStock} out of stock, ${totals.failed} failed, ${totals.lost} lost, ${inFlight.size} in flight | nodes: ${nodes.map((n) => `${n.id} ${n.up ? 'up' : 'DOWN'}`).join(', ')}`);
    }, 2000);

    // --- faults ---
    let faultTurn = 0;
    const injectFault = async (): Promise<void> => {
      const victim = nodes[faultTurn++ % nodes.length]!;
      trackNames();
      const hosted = [...NAMES.filter((name) => holderNode(name) === victim.id), ...roles.filter((r) => r.node === victim.id).map((r) => r.name)];
      const pid = victim.proc?.pid ?? 0;
      const fault: FaultRecord = {
        node: victim.id, pid, killedAtMs: now(), incarnationBefore: victim.incarnation, hosted,
        detected: false, detectedBy: null, detectedAfterMs: null, memberIncarnationBefore: memberOf(victim.id)?.incarnation ?? null, suspectAfterMs: null, declaredDead: false, deadAfterMs: null,
        restarted: [], rejoined: false, incarnationAfter: null, rejoinedAfterMs: null, memberIncarnationAfter: null,
      };
      faultLog.push(fault);
      stamp(`FAULT: killing node ${victim.id} (pid ${pid}, SIGKILL); it hosts ${hosted.join(', ')}`);
      victim.proc?.kill('SIGKILL');
      await victim.exited;
      // The cluster must notice by itself: the monitors' noconnection, and SWIM declaring the
      // node dead (suspect first, then dead once its suspicion times out). Generous waits: a
      // loaded machine slows the probes. The node is restarted only then, or it would refute
      // its death before the director's membership declared it.
      for (let i = 0; i < 300 && !(fault.detected && fault.declaredDead); i++) await sleep(100);
      if (!fault.detected) stamp(`node ${victim.id}: no noconnection seen 30 s after the kill (counted as undetected)`);
      if (!fault.declaredDead) stamp(`node ${victim.id}: SWIM did not declare it dead within 30 s of the kill`);
      victim.up = false;
      // Let the respawns queued by the detection run first.
      await serially(async () => {});
      await sleep(1000);
      stamp(`restarting node ${victim.id}…`);
      try {
        await startNode(victim, runDir, pids);
      } catch (error) {
        // Once more (a busy machine, a port another process took for a moment); a second failure ends the demo.
        stamp(`node ${victim.id} did not start: ${(error as Error).message}; trying once more`);
        victim.proc?.kill('SIGKILL');
        await victim.exited;
        await startNode(victim, runDir, pids);
      }
      await connectWithRetry(federation, victim.id);
      victim.incarnation = incarnationOf(federation, victim.id);
      victim.up = true;
      fault.rejoined = true;
      fault.incarnationAfter = victim.incarnation;
      fault.rejoinedAfterMs = now() - fault.killedAtMs;
      stamp(`node ${victim.id} rejoined: pid ${victim.proc?.pid}, incarnation ${fault.incarnationBefore} → ${victim.incarnation}`);
      // SWIM sees the rejoin as the node refuting its death with a higher membership incarnation.
      const refuted = () => {
        const m = memberOf(victim.id);
        return m !== undefined && m.status === 'alive' && m.incarnation > (fault.memberIncarnationBefore ?? -1);
      };
      for (let i = 0; i < 300 && !refuted(); i++) await sleep(100);
      watchMembership();
      if (refuted()) {
        fault.memberIncarnationAfter = memberOf(victim.id)!.incarnation;
        stamp(`  membership (SWIM): node ${victim.id} alive again, membership incarnation ${fault.memberIncarnationBefore} → ${fault.memberIncarnationAfter}`);
      } else stamp(`  membership (SWIM): node ${victim.id} not seen alive with a higher incarnation within 30 s of its rejoin`);
      // What lives elsewhere but belongs on the rejoined node moves back home.
      await serially(async () => {
        for (const role of roles.filter((r) => r.home === victim.id && r.node !== victim.id)) {
          const old = { addr: role.addr, ref: role.ref, node: role.node };
          try {
            await place(role, victim.id);
          } catch (error) {
            stamp(`  could not move ${role.name} home to ${victim.id}: ${(error as Error).message}`);
            continue;
          }
          if (old.ref !== null) watcher.demonitor(old.ref);
          // New work goes to the new one now. A stand-in desk gets a few seconds to finish the
          // orders it holds; any other stand-in stops at once, so its name resolves only at home
          // (a desk asking it meanwhile is told to retry, and asks the one at home).
          const retired = old.addr;
          if (retired !== null && isDesk(role)) retiring.add(setTimeout(() => engine.status === 'running' && engine.stop(retired), RETIRE_AFTER_MS));
          else if (retired !== null) engine.stop(retired);
          restarts.push({ role: role.name, from: old.node ?? '?', to: victim.id, why: 'home', via: 'spawn', atMs: now() });
          stamp(`  moved ${role.name} home to node ${victim.id}`);
        }
      });
      stamp(`cluster registry: ${NAMES.map((name) => `${name} → ${holderNode(name) ?? 'nowhere'}`).join(', ')}`);
    };

    // --- the run: the duration counts from here, the cluster up and the orders flowing ---
    const until = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
    let nextFault = Date.now() + faultEveryMs;
    while (!interrupted && Date.now() < until) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, Math.max(0, Math.min(250, until - Date.now())));
      });
      if (faults && !interrupted && Date.now() >= nextFault && Date.now() < until - 2000) {
        await injectFault();
        nextFault = Date.now() + faultEveryMs;
      }
    }

    // --- the end: stop placing, let the orders in flight settle, report ---
    clearInterval(intake);
    stamp(`stopping: no new orders; waiting for the ${inFlight.size} in flight`);
    const drained = await Promise.race([Promise.all([...inFlight]).then(() => true), sleep(DRAIN_TIMEOUT_MS).then(() => false)]);
    if (!drained) for (let i = 0; i < inFlight.size; i++) lose('still unanswered at the end');
    totals.inFlight = 0;
    clearInterval(progress);
    await queue;
    let tally: number | null = null;
    const tallyAddr = engine.status === 'running' ? roles.find((r) => r.name === 'tally')?.addr ?? null : null;
    try {
      if (tallyAddr !== null) tally = await engine.ask<number, number>(tallyAddr as Addr<number>, 0, { timeoutMs: 3000 });
    } catch {
      tally = null; // its node is restarting, or the director was stopped from outside
    }
    stopping = true;
    await watching;
    for (const timer of retiring) clearTimeout(timer);
    // A cluster name may be between holders for a moment (its gateway just crashed): wait a little for one.
    for (let i = 0; i < 40 && engine.status === 'running' && !NAMES.every((name) => holderNode(name) !== undefined); i++) await sleep(250);
    const holders = NAMES.map((name) => ({ name, entry: federation.running ? federation.registry.list().find((e) => e.name === name) : undefined }));
    const placement = Object.fromEntries([...holders.map(({ name, entry }) => [name, entry?.node ?? 'nowhere']), ...roles.map((r) => [r.name, r.node ?? 'nowhere'])]);
    const placementCores = Object.fromEntries([...holders.flatMap(({ name, entry }) => (entry === undefined ? [] : [[name, entry.addr.core]])), ...roles.flatMap((r) => (r.addr === null ? [] : [[r.name, r.addr.core]]))]);
    const balanced = totals.placed === totals.paid + totals.outOfStock + totals.failed + totals.lost;

    say('');
    say(`Node failures: ${faultLog.length}; detected: ${faultLog.filter((f) => f.detected).length}; declared dead by SWIM: ${faultLog.filter((f) => f.declaredDead).length}; rejoined: ${faultLog.filter((f) => f.rejoined).length}.`);
    for (const f of faultLog) {
      say(`  node ${f.node} killed at ${(f.killedAtMs / 1000).toFixed(1)} s hosting ${f.hosted.join(', ')}: ${f.detected ? `detected after ${f.detectedAfterMs} ms (${f.detectedBy})` : 'NOT detected'}; ${f.declaredDead ? `SWIM: ${f.suspectAfterMs === null ? '' : `suspect after ${f.suspectAfterMs} ms, `}dead after ${f.deadAfterMs} ms` : 'SWIM did NOT declare it dead'}; restarted ${f.restarted.map((r) => `${r.role} on ${r.on}`).join(', ') || 'nothing'}; ${f.rejoined ? `rejoined after ${((f.rejoinedAfterMs ?? 0) / 1000).toFixed(1)} s, incarnation ${f.incarnationBefore} → ${f.incarnationAfter}${f.memberIncarnationAfter === null ? '' : ` (membership incarnation ${f.memberIncarnationBefore} → ${f.memberIncarnationAfter})`}` : 'did not rejoin'}`);
    }
    say(`The gateway crashed ${gatewayCrashes} time${gatewayCrashes === 1 ? '' : 's'} (its bug)${gatewayCrashes > 0 ? ', restarted by its node\'s supervisor each time (the config tree), the cluster name "payments" kept or taken by a standby' : ''}.`);
    say(`Orders: ${totals.placed} placed = ${totals.paid} paid + ${totals.outOfStock} out of stock + ${totals.failed} failed + ${totals.lost} lost${balanced ? '' : '  (DOES NOT ADD UP)'}`);
    for (const [why, n] of Object.entries(totals.lostReasons)) say(`  lost: ${n}: ${why}`);
    if (tally !== null) say(`The WASM tally on node ${placement.tally} counted ${tally} paid order${tally === 1 ? '' : 's'} since it last started.`);

    finished = true;
    const forcedStops = await stopNodes(nodes);
    await director.stop();
    running = null;
    say(`Stopped: ${nodes.length} nodes${forcedStops > 0 ? ` (${forcedStops} killed after ${NODE_STOP_TIMEOUT_MS / 1000} s)` : ''} and the director.`);
    return { mode: 'cluster', nodes: ids, cores, durationMs: now(), faults: faultLog, restarts, gatewayCrashes, totals, balanced, placement, placementCores, tally, pids, forcedStops };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    killAll(nodes, 'SIGKILL');
    process.off('exit', onExit);
    await running?.stop().catch(() => {});
    await rm(runDir, { recursive: true, force: true }).catch(() => {});
  }
}

// --- internal ---

/** `count` free TCP ports on loopback (bound together, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Start `node`'s process (`pd start --foreground`) and wait until it reports ready over IPC. */
async function startNode(node: NodeRec, runDir: string, pids: number[]): Promise<void> {
  const log = join(runDir, `${node.id}.log`);
  const fd = openSync(log, 'a');
  // Its own process group: a Ctrl-C in the terminal signals the whole foreground group, and the
  // nodes must not stop before the demo has let the orders in flight settle (it stops them
  // then). Its stdin is a pipe from here, so it stops when this process dies for any reason.
  const child = spawn(process.execPath, [NODE_HOST, 'start', '--foreground', '--json', '--config', node.configFile], {
    stdio: ['pipe', 'ignore', fd, 'ipc'], detached: true,
  });
  closeSync(fd);
  node.proc = child;
  if (child.pid !== undefined) pids.push(child.pid);
  node.exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.on('error', () => {}); // EPIPE when it dies first: nothing to tell it any more
  const tail = () => readFileSafe(log).split('\n').filter(Boolean).slice(-5).join('\n    ');
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`node ${node.id} did not report ready within ${NODE_READY_TIMEOUT_MS / 1000} s; its log:\n    ${tail()}`)), NODE_READY_TIMEOUT_MS);
    child.once('message', (m: { type?: string; error?: { message?: string } }) => {
      clearTimeout(timer);
      if (m.type === 'ready') ok();
      else fail(new Error(`node ${node.id} could not start: ${m.error?.message ?? JSON.stringify(m)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`node ${node.id} exited before it was ready (${signal ?? `exit code ${code}`}); its log:\n    ${tail()}`));
    });
  });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Dial `node` until the handshake is done (it may still be binding its port), up to 30 s. */
async function connectWithRetry(federation: Federation, node: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    try {
      await federation.connect(node);
      if (incarnationOf(federation, node) !== 0) return;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`could not connect to node ${node}: ${(last as Error | undefined)?.message ?? 'no handshake'}`);
}

function incarnationOf(federation: Federation, node: string): number {
  return federation.stats().peers.find((p) => p.id === node)?.incarnation ?? 0;
}

/** SIGTERM every node (`pd start` stops its engine gracefully), SIGKILL those still there after the deadline; how many needed it. */
async function stopNodes(nodes: NodeRec[]): Promise<number> {
  let forced = 0;
  await Promise.all(nodes.map(async (n) => {
    const p = n.proc;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const done = await Promise.race([n.exited.then(() => true), sleep(NODE_STOP_TIMEOUT_MS).then(() => false)]);
    if (!done) {
      forced++;
      p.kill('SIGKILL');
      await n.exited;
    }
  }));
  return forced;
}

function killAll(nodes: NodeRec[], signal: NodeJS.Signals): void {
  for (const n of nodes) {
    const p = n.proc;
    if (p !== null && p.exitCode === null && p.signalCode === null) p.kill(signal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
