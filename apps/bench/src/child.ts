/**
 * One benchmark process: `node --expose-gc dist/child.js <workload> <impl> <runs> <warmup> <json params>`.
 * Warms up (one run at a tenth of the size, then `warmup` unmeasured runs at the full size,
 * so the measured runs find the code optimised), then does `runs` measured ones, and prints
 * one `@@RESULT {json}` line per measured run (or `@@SKIP reason`, `@@ERROR msg`), each
 * with the 1-minute load average when it ended. `warmup` 0 skips warming up altogether.
 */
import { loadavg } from 'node:os';
import { loadImpl } from './impls/index.js';
import { specOf, warmParams } from './workloads.js';
import type { ImplName, Params, WorkloadName } from './types.js';

async function main(): Promise<void> {
  const [workload, implName, runsArg, warmArg, paramsArg] = process.argv.slice(2);
  const spec = specOf(workload as WorkloadName);
  const params = JSON.parse(paramsArg ?? '{}') as Params;
  const runs = Number(runsArg ?? 1), warm = Number(warmArg ?? 1);
  const impl = await loadImpl(implName as ImplName);
  const why = typeof impl === 'string' ? impl : await impl.available();
  if (why !== null || typeof impl === 'string') {
    console.log(`@@SKIP ${why}`);
    return;
  }
  const fn = impl.workloads[spec.name];
  if (!fn) {
    console.log(`@@SKIP ${impl.name} has no ${spec.name} workload`);
    return;
  }
  if (warm > 0) await fn(warmParams(spec, params));
  for (let i = 0; i < warm; i++) await fn(params);
  for (let i = 0; i < runs; i++) {
    const r = await fn(params);
    console.log(`@@RESULT ${JSON.stringify({ ...r, load1: loadavg()[0] })}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    console.log(`@@ERROR ${msg.split('\n').slice(0, 3).join(' | ')}`);
    process.exit(1);
  },
);
