/**
 * One node of the cluster demo: `pd start` run in this process (the @pd/cli `main`, with
 * the arguments the demo passes: `start --foreground --config <node config>`), plus one
 * thing `pd start` does not do: the node stops (gracefully, as on SIGTERM) when its stdin
 * closes, which happens when the demo's process exits for any reason, SIGKILL included, so a
 * demo that dies leaves no orphan nodes behind.
 */
import { main } from '@pd/cli';

process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
const code = await main(process.argv.slice(2));
process.exit(code);
