// The cluster demo keeps its promises (issue #21): run as `npm run demo` runs it (a child
// process, `--json`), with faults on, for a bounded time, it must detect every node it
// killed (its monitors' noconnection, and SWIM declaring it dead), restart everything the
// node hosted on another node, bring the node back with a new incarnation (seen by SWIM too),
// account for every order placed, and leave no node process behind.
// Nothing here depends on speed: the run is as long as it is, and the checks are on what
// happened, whatever the timing (a busy machine only makes fewer orders and faults).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ClusterSummary } from '../src/cluster.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the cluster demo', () => {
  it('survives killed nodes: every failure detected, every actor restarted elsewhere, every order accounted for', async () => {
    for (const built of [MAIN, join(MAIN, '..', 'node-host.js'), join(MAIN, '..', 'cluster-kinds.js')]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: the nodes run the built demo; build first (\`npm run setup\`), or run the tests through \`npm test\``);
    }
    const stateDir = await mkdtemp(join(tmpdir(), 'pd-demo-cluster-test-'));
    try {
      // 24 s of orders once the cluster is up; the first kill 4 s in, the next 4 s after each rejoin.
      const run = await runDemo(['--duration', '24', '--fault-every', '4', '--json'], { ...process.env, PD_STATE_DIR: stateDir });
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as ClusterSummary;

      expect(summary.nodes).toEqual(['a', 'b', 'c']);
      expect(summary.faults.length, run.stderr).toBeGreaterThanOrEqual(1);
      for (const fault of summary.faults) {
        expect(fault.detected, `node ${fault.node}'s loss was not detected\n${run.stderr}`).toBe(true);
        expect(fault.detectedBy).toBe('noconnection');
        // The director's SWIM membership declared it dead (the nodes and the director run SWIM),
        // and saw it come back alive with a higher membership incarnation (it refuted its death).
        expect(fault.declaredDead, `SWIM did not declare node ${fault.node} dead\n${run.stderr}`).toBe(true);
        expect(fault.deadAfterMs).not.toBeNull();
        expect(fault.memberIncarnationBefore).not.toBeNull();
        expect(fault.memberIncarnationAfter, `SWIM did not see node ${fault.node} rejoin\n${run.stderr}`).not.toBeNull();
        expect(fault.memberIncarnationAfter!).toBeGreaterThan(fault.memberIncarnationBefore!);
        expect(fault.hosted.length).toBeGreaterThan(0);
        // Everything it hosted was restarted on another node, and the node came back as a new incarnation.
        expect(fault.restarted.map((r) => r.role).sort()).toEqual([...fault.hosted].sort());
        for (const r of fault.restarted) expect(r.on).not.toBe(fault.node);
        expect(fault.rejoined).toBe(true);
        expect(fault.incarnationAfter).not.toBe(fault.incarnationBefore);
        const after = summary.restarts.filter((r) => r.from === fault.node && r.why === 'noconnection' && r.atMs >= fault.killedAtMs);
        expect(after.map((r) => r.role)).toEqual(expect.arrayContaining(fault.hosted));
      }

      // Every order placed is paid, out of stock, failed or lost (counted, with a reason).
      const t = summary.totals;
      expect(summary.balanced).toBe(true);
      expect(t.placed).toBe(t.paid + t.outOfStock + t.failed + t.lost);
      expect(Object.values(t.lostReasons).reduce((a, b) => a + b, 0)).toBe(t.lost);
      expect(t.placed).toBeGreaterThan(0);
      expect(t.paid).toBeGreaterThan(0);
      expect(t.inFlight).toBe(0);

      // Every role runs somewhere at the end, and no node process outlived the demo.
      for (const [role, node] of Object.entries(summary.placement)) expect(summary.nodes, role).toContain(node);
      expect(summary.pids.length).toBeGreaterThanOrEqual(3 + summary.faults.length);
      expect(summary.pids.filter(alive)).toEqual([]);
      // The nodes stopped gracefully removed their state files.
      expect((await readdir(stateDir)).filter((f) => f.endsWith('.json'))).toEqual([]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 180_000);
});
