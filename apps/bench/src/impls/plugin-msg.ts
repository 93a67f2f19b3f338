/**
 * The `plugin-msg` workload: messages/s through one counter actor. The counter is the
 * AssemblyScript example plugin of @pd/plugin (examples/counter-as) with fuel metering on
 * (`pd-wasm-fuel`) or uninstrumented (`pd-wasm`), or the same counter as a TypeScript actor
 * (`pd`). Messages are sent from outside in chunks of `chunk`, each chunk closed by an ask
 * (FIFO: its reply means the chunk was handled), so the mailbox stays bounded.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Addr } from '@pd/actor';
import { createEngine } from '@pd/runtime';
import { PluginHost } from '@pd/plugin';
import { nowSec } from '../stats.js';
import type { Params, RunResult } from '../types.js';

export type CounterVariant = 'wasm-fuel' | 'wasm' | 'ts';

/** The built AssemblyScript counter example. */
export function counterWasmPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@pd/plugin/package.json');
  return join(dirname(pkg), 'examples/counter-as/build/counter.wasm');
}

export async function counterAvailable(): Promise<string | null> {
  return existsSync(counterWasmPath()) ? null : `the counter example is not built (${counterWasmPath()}): build @pd/plugin`;
}

export async function pluginMsg(variant: CounterVariant, p: Params): Promise<RunResult> {
  const messages = p.messages!, chunk = p.chunk!;
  const engine = createEngine({ id: 'bench' });
  try {
    let worker: Addr<unknown>;
    if (variant === 'ts') {
      let count = 0;
      worker = engine.spawn({ receive: (m: unknown) => (typeof m === 'number' ? (count += m) : count) });
    } else {
      const host = new PluginHost(engine);
      const limits = variant === 'wasm' ? { fuel: false as const, timeoutMs: false as const, unmetered: true } : { fuel: 1_000_000 };
      host.load(counterWasmPath(), { name: 'counter', limits });
      worker = host.spawn('counter');
    }
    const t0 = nowSec();
    let sent = 0;
    while (sent < messages) {
      const k = Math.min(chunk, messages - sent);
      for (let i = 0; i < k; i++) engine.send(worker, 1);
      sent += k;
      const count = await engine.ask(worker, 'get');
      if (count !== sent) throw new Error(`plugin-msg: counter says ${String(count)} after ${sent} messages`);
    }
    return { ops: messages, seconds: nowSec() - t0 };
  } finally {
    await engine.shutdown();
  }
}
