/**
 * The entry of a worker core: boots one engine core on this thread (its reactor, the
 * application's kinds from the entry module, its router on the rings core 0 made), tells
 * core 0 it is ready, then follows core 0's lifecycle messages until shutdown. Everything
 * else happens in the engine and the router, driven by the reactor.
 *
 * Must not: touch real timers or clocks (the core reactor does), or exit while the core
 * runs (the reactor holds a handle until shutdown has reported).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { context } from '@opentelemetry/api';
import type { Kind } from '@pd/actor';
import { Engine } from '../kernel/engine.js';
import type { FromWorker, ToWorker, WorkerBoot } from './boot.js';
import { CoreReactor } from './core-reactor.js';
import { forwardingLogger } from './core-logs.js';
import { CoreRouter } from './core-router.js';
import { loadKinds } from './kinds-entry.js';
import { RingLayout, maxFrameBytes } from '@pd/transport';
import type { NormalizedPlacement } from './options.js';
import { RingIn, RingOut } from './ring-channel.js';
import { AsyncContextManager } from '../telemetry/async-context.js';

const port = parentPort!;
const boot = workerData as WorkerBoot;

function post(message: FromWorker): void {
  port.postMessage(message);
}

async function main(): Promise<void> {
  const reactor = new CoreReactor({ seed: boot.seed, incarnation: boot.incarnation, originMs: boot.originMs });
  reactor.hold();
  let kinds: Kind[] = [];
  try {
    kinds = boot.entry === null ? [] : await loadKinds(boot.entry);
  } catch (error) {
    post({ type: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    reactor.release();
    port.close();
    return;
  }
  // Traced handlers keep their span across `await`s, as on core 0 (whose SDK registers a
  // manager); refused (false) when the entry module registered its own, which then serves.
  context.setGlobalContextManager(new AsyncContextManager());
  const placement: NormalizedPlacement = { default: boot.placement.default, kinds: new Map(boot.placement.kinds as [string, never][]) };
  let router!: CoreRouter;
  const engine = new Engine({
    ...boot.engine, id: `${boot.engine.id ?? 'engine'}/${boot.core}`, core: boot.core, reactor, kinds,
    // Crash reports go to core 0's logger (`pd start`: its pino logger), with this core's number.
    logger: forwardingLogger((record) => post({ type: 'record', record })),
    remote: (e) => (router = new CoreRouter(e, { cores: boot.cores, epoch: boot.epoch, restarted: boot.epoch > 0, placement, idleSpinMs: boot.idleSpinMs,
      ...(boot.gateway ? { gateway: 0 } : {}), maxFrameBytes: ringFrameLimit(boot.outRings) })).attachment(),
  });
  for (let core = 0; core < boot.cores; core++) {
    const peer = router.peers[core];
    if (peer === null || peer === undefined) continue;
    peer.epoch = boot.epochs[core] ?? 0;
    router.connect(core, { out: new RingOut(boot.outRings[core]!, router.codec), in: new RingIn(boot.inRings[core]!) });
  }
  for (const core of boot.gone) router.coreGone(core);
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'core-down':
        return router.coreDown(message.core, message.detail);
      case 'core-up':
        return router.connect(message.core, { out: new RingOut(message.outRing, router.codec), in: new RingIn(message.inRing) }, { epoch: message.epoch });
      case 'core-gone':
        return router.coreGone(message.core);
      case 'shutdown':
        return void shutdown(engine, router, reactor, message.deadlineMs);
    }
  });
  post({ type: 'ready' });
}

/** Stop every actor of this core (with the deadline), flush what is left for other cores, report, end. */
async function shutdown(engine: Engine, router: CoreRouter, reactor: CoreReactor, deadlineMs: number): Promise<void> {
  const report = await engine.shutdown({ deadlineMs });
  router.coreTelemetry?.flush(); // the last spans to core 0
  router.flushNow();
  // Exits and downs for other cores' actors must reach them: wait (boundedly) for the overflow to drain.
  for (let waited = 0; router.backlog > 0 && waited < deadlineMs; waited += 5) {
    await new Promise<void>((resolve) => reactor.setTimer(5, resolve));
    router.flushNow();
  }
  post({ type: 'report', stopped: report.stopped, killed: report.killed });
  router.close();
  reactor.release();
  port.close();
}

/** The largest frame this core's rings carry (all rings of an engine have one size). */
function ringFrameLimit(rings: readonly (SharedArrayBuffer | null)[]): number {
  const ring = rings.find((r) => r !== null);
  return ring === undefined ? maxFrameBytes(1 << 20) : maxFrameBytes(ring.byteLength - RingLayout.dataByte);
}

void main();
