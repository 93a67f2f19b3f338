/**
 * The far node of the pd-remote workloads, a process of its own:
 * `node dist/impls/pd-remote-node.js` with the cluster secret in `$PD_CLUSTER_SECRET` (and
 * the poll spin, µs, in `$PD_BENCH_POLL_SPIN_US`).
 * It starts a federation node `far` on a free loopback port, prints one line
 * `@@PORT { "port": N }` once it listens (other output, such as node's `--trace-gc`, may come
 * before it), and serves the sinks and echoes the bench process spawns
 * on it. It exits when its stdin closes: the bench process holds the other end, so a bench
 * process that dies in any way (killed on a timeout, Ctrl-C, a crash) takes it along.
 */
import { silentLogger } from '@pd/runtime';
import { startNode } from '@pd/federation';
import { farKinds } from './pd-remote-kinds.js';

// The poll spin the bench process asked for (pd-remote-spin), µs; 0: off.
const pollSpinUs = Number(process.env['PD_BENCH_POLL_SPIN_US'] ?? 0);
const node = await startNode({
  federation: { nodeId: 'far', cluster: 'bench', listen: { host: '127.0.0.1', port: 0 }, limits: { pollSpinUs } },
  engine: { id: 'far', kinds: farKinds, logger: silentLogger },
});
process.stdout.write(`@@PORT ${JSON.stringify({ port: node.address!.port })}\n`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // Exit even if a clean stop hangs (the bench process is gone or going).
  setTimeout(() => process.exit(0), 2000).unref();
  void node.stop({ deadlineMs: 500 }).finally(() => process.exit(0));
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
