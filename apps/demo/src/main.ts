/**
 * The demo, the README's main job. By default the cluster demo (./cluster.ts): three engine
 * processes on loopback as one cluster that survives losing a node. With `--single`, the
 * single-engine demo below: an order pipeline booted the way `pd start` boots one — from a
 * versioned config (demo.config.json) with a control plane — plus a pool of order desks and
 * an order intake added in code.
 *
 * The single engine's tree:
 *   /user/shop                 supervisor (one-for-one) from the config
 *     ledger                   tallies outcomes, prints progress every second
 *     stock                    stock counts, registered as "stock", restocks on a timer
 *     payments                 supervisor with restart backoff
 *       gateway                the flaky dependency, registered as "payments"
 *   /user/desks                worker pool supervisor: desk-0..3 behind one pool address
 *   /user/intake               a new order every 20 ms, to the pool
 *
 * Run `npm run demo` (until Ctrl-C), `npm run demo -- --single`, or
 * `node apps/demo/dist/main.js --help`.
 *
 * The single demo reports truthfully what happened, whoever caused it: a supervisor that gives up (it
 * reached its restart intensity and took its subtree down, say after `pd kill` on two
 * desks) is announced when it happens and in the summary; and when the engine is stopped
 * from outside (`pd stop --engine demo`) the summary gives the last totals and tree seen
 * before the stop, saying so, instead of an empty tree and zero totals.
 */
import { describeExit } from '@pd/actor';
import { bootEngine, loadConfig, type RunningEngine } from '@pd/control';
import { startSupervisor, workerPool, type EngineEvent } from '@pd/runtime';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCores, runClusterDemo, type ClusterDemoOptions } from './cluster.js';
import { MAX_NODE_CORES } from './cluster-kinds.js';
import { kinds, ledger, orderDesk, orderIntake, type DeskMsg, type LedgerMsg, type Totals } from './kinds.js';

export interface DemoOptions {
  /** Stop after this long; default: run until SIGINT/SIGTERM. */
  readonly durationMs?: number;
  /** Serve the control plane (for `pd top`); default true. */
  readonly control?: boolean;
  /** Print progress; default true. */
  readonly verbose?: boolean;
  /** Where the control plane's state file goes (default: pd's state folder). */
  readonly stateDir?: string;
  /** Where the narrative goes (one line per call); default console.log. */
  readonly say?: (line: string) => void;
}

export interface DemoSummary {
  readonly totals: Totals;
  readonly gatewayRestarts: number;
  readonly tree: string[];
  /** Supervisors that gave up (reached their restart intensity), one line each. */
  readonly escalations: string[];
  /** Who stopped the engine: the demo at its end, or someone else (`pd stop`). */
  readonly stoppedBy: 'demo' | 'outside';
}

/** How often the demo notes the totals and the tree, so a stop from outside loses little, ms. */
const SNAPSHOT_EVERY_MS = 250;

const CONFIG = fileURLToPath(new URL('../demo.config.json', import.meta.url));

/** Run the single-engine demo until `durationMs`, SIGINT/SIGTERM or `pd stop`; resolves with its summary. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const verbose = options.verbose ?? true;
  const print = options.say ?? ((line: string) => console.log(line));
  const say = (line: string) => verbose && print(line);
  const loaded = await loadConfig(CONFIG);
  // The kinds come from this build (the config's module is the same file when run from dist).
  const config = { ...loaded, modules: [], control: { ...loaded.control, enabled: options.control ?? true }, tree: quietLedger(loaded.tree, !verbose) };
  const running: RunningEngine = await bootEngine(config, { kinds, ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }) });
  const { engine } = running;
  let gatewayRestarts = 0;
  const escalations: string[] = [];
  engine.events.subscribe((e: EngineEvent) => {
    if (e.type === 'crashed') say(`  crash: ${e.path}: ${(e.error as Error).message}`);
    if (e.type === 'supervisor' && e.action === 'intensity') {
      const d = e.detail as { restarts: number; intensity: number; periodMs: number };
      const line = `${e.supervisor} reached its restart intensity (${d.restarts} restarts of ${e.child} within ${d.periodMs} ms, at most ${d.intensity}) and took its whole subtree down`;
      escalations.push(line);
      say(`  ESCALATION: ${line}`);
      if (e.supervisor === '/user/desks') say('  the order desks are gone: new orders to the pool are held, then become dead letters (`pd dead --engine demo`)');
    }
    if (e.type === 'supervisor' && e.child === 'gateway') {
      if (e.action === 'backoff') say(`  supervisor ${e.supervisor}: restarting gateway in ${Math.round((e.detail as { delayMs: number }).delayMs)} ms (backoff)`);
      if (e.action === 'restarted') gatewayRestarts++;
    }
  }, ['crashed', 'supervisor']);

  const pool = workerPool<DeskMsg, void>(engine, { size: 4, kind: orderDesk, routing: 'least-loaded', idPrefix: 'desk', backoff: { initialMs: 50 } });
  startSupervisor(engine, pool.spec, { name: 'desks' });
  engine.spawn(orderIntake, { name: 'intake', args: { desks: pool.addr, everyMs: 20 } });

  say('Palladium demo: an order pipeline whose payment gateway crashes on one order in fifty.');
  say('Its supervisor restarts it with exponential backoff; desks retry while it is down.\n');
  if (running.state !== null) {
    say(`Control plane on ${running.state.url}. From a second terminal, in this repository:`);
    say('  npm run pd -- top --engine demo      live view of the busiest actors');
    say('  npm run pd -- tree --engine demo     the supervision tree');
    say('  npm run pd -- dead --engine demo     exits and dead letters\n');
  }
  say(options.durationMs === undefined ? 'Press Ctrl-C to stop.\n' : `Running for ${options.durationMs} ms.\n`);

  let last: Snapshot = { totals: emptyTotals(), tree: [], at: Date.now() };
  const snapshots = setInterval(() => void snapshot(running).then((s) => (s !== null ? (last = s) : undefined)), SNAPSHOT_EVERY_MS);

  await new Promise<void>((resolve) => {
    if (options.durationMs !== undefined) {
      const timer = setTimeout(resolve, options.durationMs);
      void running.stopped.then(() => (clearTimeout(timer), resolve()));
      return;
    }
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void running.stopped.then(stop);
  });

  clearInterval(snapshots);
  // Still running: the demo ends it. Stopping or stopped: someone else did (pd stop).
  const stoppedBy = engine.status === 'running' ? 'demo' : 'outside';
  const now = stoppedBy === 'demo' ? await snapshot(running) : null;
  const { totals, tree } = now ?? last;
  if (stoppedBy === 'outside') {
    say(`\nThe engine was stopped from outside (pd stop). The last state seen, ${Date.now() - last.at} ms before the end:`);
    say('The tree then:');
  } else say(now === null ? `\nThe tree ${Date.now() - last.at} ms before the end:` : '\nThe tree at the end:');
  for (const line of tree) say(`  ${line}`);
  if (escalations.length > 0) say(`\n${escalations.length} supervisor(s) gave up during the run:\n${escalations.map((l) => `  ${l}`).join('\n')}`);
  const exits = engine.terminated().filter((t) => t.kind === 'payment-gateway');
  if (exits.length > 0) say(`\nThe gateway exited ${exits.length} times; the last: ${describeExit(exits.at(-1)!.reason)}`);
  say(`Totals: ${totals.paid} paid, ${totals['out-of-stock']} out of stock, ${totals.retried} retries, ${totals.failed} failed; gateway restarted ${gatewayRestarts} times.`);
  const report = await running.stop();
  say(`Shutdown: ${report.stopped} actors stopped gracefully, ${report.killed} killed.`);
  return { totals, gatewayRestarts, tree, escalations, stoppedBy };
}

interface Snapshot {
  readonly totals: Totals;
  readonly tree: string[];
  readonly at: number;
}

/** The ledger's totals and the tree now; null once the engine is stopping or stopped. */
async function snapshot(running: RunningEngine): Promise<Snapshot | null> {
  const { engine } = running;
  if (engine.status !== 'running') return null;
  const ledgerAddr = engine.registry.whereis<LedgerMsg>('ledger');
  let totals = emptyTotals();
  try {
    if (ledgerAddr !== undefined) totals = await engine.ask<LedgerMsg, Totals>(ledgerAddr, { type: 'totals' }, { timeoutMs: 1000 });
  } catch {
    return null; // Stopping under us: keep the previous snapshot.
  }
  const tree: string[] = [];
  const walk = (nodes: ReturnType<typeof engine.tree>, depth: number): void => {
    for (const n of nodes) {
      tree.push(`${'  '.repeat(depth)}${n.path.split('/').pop()}  (${n.kind})`);
      walk(n.children, depth + 1);
    }
  };
  walk(engine.tree(), 0);
  return { totals, tree, at: Date.now() };
}

function quietLedger<T extends { children: readonly { kind?: string }[] }>(tree: T, quiet: boolean): T {
  if (!quiet) return tree;
  return { ...tree, children: tree.children.map((c) => (c.kind === ledger.name ? { ...c, args: { quiet: true } } : c)) };
}

function emptyTotals(): Totals {
  return { paid: 0, 'out-of-stock': 0, retried: 0, failed: 0, revenueCents: 0 };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
/** `--help` text: the two modes and their options. */
export const DEMO_USAGE = `usage: npm run demo [-- options]   (or: node apps/demo/dist/main.js [options])

The demo: an order pipeline on a cluster of three engine processes on loopback (nodes a, b,
c, each started like \`pd start\` from apps/demo/cluster/), plus the director (this
process). Every so often one node is killed with SIGKILL: the cluster notices
(noconnection), what it hosted is restarted on the survivors (the stock keeper and the
payment gateway, under the cluster names "stock" and "payments", by a standby on another
node), the node restarts and rejoins. Order totals show that nothing is lost silently.
Nodes are multi-core where the machine has the cores: core 0 is a node's gateway, and its
desks run on the other cores.

options:
  --nodes N            cluster nodes, 2 to 9 (default 3)
  --cores K            cores per node, 1 to 8 (default: this machine's cores / nodes,
                       at least 1, at most 4 — ${defaultCores(3)} here with 3 nodes); with 2 or
                       more, core 0 is the node's gateway and each other core runs a desk
  --duration SECONDS   stop after this many seconds (of orders, once the cluster is up;
                       default: run until Ctrl-C)
  --fault-every SECONDS  time between node kills (default 10)
  --no-faults          kill no node
  --json               print the final summary as JSON on stdout (the narrative goes to stderr)
  --single             the single-engine demo instead: one engine, a supervision tree, a
                       flaky payment gateway restarted with backoff (engine "demo")
  -h, --help           show this help

Watch a running demo with \`npm run pd -- cluster status --engine demo\`,
\`npm run pd -- top --engine demo-a\` and the other commands it prints (docs/cli.md).
`;

/** What the command line asks for: the cluster demo (default) or the single-engine one. */
export type DemoRequest =
  | { readonly mode: 'single'; readonly options: DemoOptions; readonly json: boolean }
  | { readonly mode: 'cluster'; readonly options: ClusterDemoOptions; readonly json: boolean };

/** The demo's command line: what to run, or the exit status and message to leave with. */
export function parseDemoArgs(argv: readonly string[]): DemoRequest | { exit: number; message: string } {
  let values: { duration?: string; help?: boolean; nodes?: string; cores?: string; 'fault-every'?: string; 'no-faults'?: boolean; json?: boolean; single?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' }, help: { type: 'boolean', short: 'h' }, nodes: { type: 'string' }, cores: { type: 'string' }, 'fault-every': { type: 'string' },
        'no-faults': { type: 'boolean' }, json: { type: 'boolean' }, single: { type: 'boolean' },
      },
      strict: true, allowPositionals: false,
    }));
  } catch (error) {
    return { exit: 2, message: `demo: ${(error as Error).message}\n\n${DEMO_USAGE}` };
  }
  if (values.help === true) return { exit: 0, message: DEMO_USAGE };
  const positive = (flag: string, value: string | undefined): number | string | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    return n > 0 && Number.isFinite(n) ? n : `demo: --${flag} takes a positive number of seconds, got ${value}`;
  };
  const duration = positive('duration', values.duration);
  if (typeof duration === 'string') return { exit: 2, message: duration };
  const json = values.json === true;
  if (values.single === true) {
    const clusterOnly = (['nodes', 'cores', 'fault-every', 'no-faults'] as const).filter((f) => values[f] !== undefined);
    if (clusterOnly.length > 0) return { exit: 2, message: `demo: --${clusterOnly[0]} is for the cluster demo, not --single` };
    return { mode: 'single', options: duration === undefined ? {} : { durationMs: duration * 1000 }, json };
  }
  const faultEvery = positive('fault-every', values['fault-every']);
  if (typeof faultEvery === 'string') return { exit: 2, message: faultEvery };
  let nodes: number | undefined;
  if (values.nodes !== undefined) {
    nodes = Number(values.nodes);
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > 9) return { exit: 2, message: `demo: --nodes takes a whole number from 2 to 9, got ${values.nodes}` };
  }
  let cores: number | undefined;
  if (values.cores !== undefined) {
    cores = Number(values.cores);
    if (values.cores.trim() === '' || !Number.isInteger(cores) || cores < 1 || cores > MAX_NODE_CORES) {
      return { exit: 2, message: `demo: --cores takes a whole number of cores per node from 1 to ${MAX_NODE_CORES}, got ${values.cores}` };
    }
  }
  const options: ClusterDemoOptions = {
    ...(duration === undefined ? {} : { durationMs: duration * 1000 }),
    ...(nodes === undefined ? {} : { nodes }),
    ...(cores === undefined ? {} : { cores }),
    ...(faultEvery === undefined ? {} : { faultEveryMs: faultEvery * 1000 }),
    ...(values['no-faults'] === true ? { faults: false } : {}),
  };
  return { mode: 'cluster', options, json };
}

if (invokedDirectly) {
  const parsed = parseDemoArgs(process.argv.slice(2));
  if ('exit' in parsed) {
    (parsed.exit === 0 ? console.log : console.error)(parsed.message);
    process.exit(parsed.exit);
  }
  // With --json, stdout carries only the summary; the narrative goes to stderr.
  const say = parsed.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const run: Promise<unknown> = parsed.mode === 'single'
    ? runDemo({ ...parsed.options, ...(parsed.json ? { verbose: false } : {}) }).then((summary) => ({ mode: 'single', ...summary }))
    : runClusterDemo({ ...parsed.options, say });
  run.then(
    (summary) => {
      if (parsed.json) console.log(JSON.stringify(summary, null, 2));
      process.exit(0);
    },
    (error) => {
      console.error(error instanceof Error ? `demo: ${error.message}` : error);
      process.exit(1);
    },
  );
}
