/**
 * The supervision suites' harness: an engine plus control of its (virtual) time, and a
 * recorder of supervisor events as compact strings (`exited b:error`, `restarted b`).
 * A suite takes a {@link HarnessFactory}, so the same cases run on the manual test reactor
 * here and on any other engine (the simulation) that can provide `settle` and `advance`.
 */
import type { EngineEvent } from '@pd/runtime';
import { type Engine, createEngine } from '@pd/runtime';
import { type AnyAddr, Down, type ExitReason, type Kind } from '@pd/actor';
import { ManualReactor } from './manual-reactor.js';

export interface SupervisionHarness {
  readonly engine: Engine;
  /** Run everything runnable at the current time (messages, signals, timers due now). */
  settle(): Promise<void>;
  /** Move time forward by `ms`, firing due timers in order and settling after each. */
  advance(ms: number): Promise<void>;
  /** The engine clock. */
  now(): number;
  /** A promise that resolves after `ms` of engine time (for slow stop hooks in tests). */
  delay(ms: number): Promise<void>;
  /** Shut the engine down. */
  dispose(): Promise<void>;
}

export type HarnessFactory = (options?: { kinds?: readonly Kind[]; seed?: number }) => SupervisionHarness;

/** The default harness: a fresh engine on a {@link ManualReactor}. */
export const manualHarness: HarnessFactory = (options = {}) => {
  const reactor = new ManualReactor(options.seed ?? 1);
  const engine = createEngine({ reactor, ...(options.kinds === undefined ? {} : { kinds: options.kinds }) });
  const settle = async (): Promise<void> => {
    let quiet = 0;
    for (let round = 0; quiet < 3; round++) {
      if (round > 100_000) throw new Error('harness: the engine never settles (a timer or message loop at one instant?)');
      await new Promise<void>((resolve) => setImmediate(resolve));
      const fired = reactor.fireDue();
      if (fired || engine.stats().runQueue > 0) quiet = 0;
      else quiet++;
    }
  };
  return {
    engine,
    settle,
    async advance(ms: number): Promise<void> {
      const target = reactor.now() + ms;
      await settle();
      for (let guard = 0; ; guard++) {
        if (guard > 100_000) throw new Error('harness: too many timers while advancing');
        const next = reactor.nextDueAt();
        if (next === null || next > target) break;
        reactor.setClock(next);
        await settle();
      }
      reactor.setClock(target);
      await settle();
    },
    now: () => reactor.now(),
    delay: (ms) => new Promise<void>((resolve) => reactor.setTimer(ms, resolve)),
    async dispose(): Promise<void> {
      const done = engine.shutdown({ deadlineMs: 1 });
      for (let i = 0; i < 5; i++) await this.advance(1);
      await done;
    },
  };
};

type SupervisorEvent = Extract<EngineEvent, { type: 'supervisor' }>;

/** Records supervisor events; `log()` renders them as `action child[:reason]`. */
export class SupervisionLog {
  readonly events: SupervisorEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(engine: Engine, private readonly options: { qualified?: boolean; times?: boolean; clock?: () => number } = {}) {
    this.unsubscribe = engine.events.subscribe((e) => {
      if (e.type === 'supervisor') this.events.push(e);
    }, ['supervisor']);
  }

  /** The events as strings, e.g. `exited b:error`, `terminated c:shutdown`, `shutdown top:shutdown`. */
  log(filter?: (e: SupervisorEvent) => boolean): string[] {
    return this.events.filter(filter ?? (() => true)).map((e) => this.format(e));
  }

  /** Forget what was recorded so far. */
  clear(): void {
    this.events.length = 0;
  }

  stop(): void {
    this.unsubscribe();
  }

  private format(e: SupervisorEvent): string {
    const detail = (e.detail ?? {}) as { reason?: { type: string } | null };
    const sup = e.supervisor.slice(e.supervisor.lastIndexOf('/') + 1);
    const child = e.child === '' ? sup : this.options.qualified === true ? `${sup}/${e.child}` : e.child;
    const reason = detail.reason != null && (e.action === 'exited' || e.action === 'terminated' || e.action === 'shutdown') ? `:${detail.reason.type}` : '';
    return `${e.action} ${child}${reason}`;
  }
}

/** Watch `addr` with a monitor: `reason` is its exit reason once the DOWN arrived, null before. */
export function watchExit(h: SupervisionHarness, addr: AnyAddr): { readonly reason: ExitReason | null } {
  const client = h.engine.client();
  client.monitor(addr);
  let reason: ExitReason | null = null;
  client.receive<Down>({ match: (m): m is Down => m instanceof Down }).then(
    (d) => {
      reason = d.reason;
      client.close();
    },
    () => {}, // the engine shut down first
  );
  return {
    get reason() {
      return reason;
    },
  };
}

/** Resolve `promise` if it settles while the engine settles; throws if it is still pending after. */
export async function settled<T>(h: SupervisionHarness, promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => {});
  await h.settle();
  if (!done) throw new Error('the promise is still pending after the engine settled');
  return tracked;
}
