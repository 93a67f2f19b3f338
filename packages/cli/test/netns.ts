/**
 * What the network-namespace tests share: whether this machine can make namespaces, `ip`
 * that throws with its stderr, and a pid check. Each test makes its own namespaces (named
 * with the test's pid) and deletes them itself.
 */
import { spawnSync } from 'node:child_process';

/** Why this machine cannot run a network-namespace test, or null when it can (`probe`: a namespace name to try). */
export function netnsUnavailable(probe: string): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (`ip`): apt-get install iproute2';
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `\`ip netns add\` failed: ${(made.stderr ?? '').trim() || made.error?.message}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** `ip ARGS`; throws with ip's stderr when it fails. */
export function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
}

/** Whether process `pid` still runs (pids are global: no pid namespace in these tests). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
