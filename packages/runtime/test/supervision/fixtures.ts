/**
 * Test actors for the supervision suites: a worker that does what it is told (crash, exit
 * with a reason, link, unlink from its supervisor, trap exits, answer pings) and writes its
 * lifecycle to a shared log (`start:a`, `restarting:a:error`, `stop:a`), with an optional
 * slow or endless stop hook.
 */
import { type AnyAddr, type Behavior, type Context, Exit, type ExitReason, ExitSignal, defineKind } from '@pd/actor';

export type WorkerMsg =
  | { readonly t: 'crash'; readonly why?: string }
  | { readonly t: 'stop'; readonly reason?: ExitReason }
  | { readonly t: 'ping' }
  | { readonly t: 'echo'; readonly v: unknown }
  | { readonly t: 'record'; readonly v: unknown }
  | { readonly t: 'link'; readonly to: AnyAddr }
  | { readonly t: 'trap' }
  | { readonly t: 'unlink-parent' }
  | { readonly t: 'who' };

export interface WorkerArgs {
  /** Lifecycle lines are pushed here. */
  readonly log?: string[];
  /** Messages received with `record` are pushed here as `<tag>:<value>`. */
  readonly sink?: string[];
  /** The stop hook waits for this promise (e.g. engine-time delay, or one that never settles). */
  readonly stopping?: () => Promise<void>;
  /** `started` throws. */
  readonly failStart?: boolean;
}

export class TestWorker implements Behavior<WorkerMsg> {
  constructor(private readonly args: WorkerArgs = {}) {}

  started(ctx: Context<WorkerMsg>): void {
    this.args.log?.push(`start:${tag(ctx)}`);
    if (this.args.failStart === true) throw new Error('start failed');
  }

  restarting(previous: ExitReason, ctx: Context<WorkerMsg>): void {
    this.args.log?.push(`restarting:${tag(ctx)}:${previous.type}`);
  }

  receive(m: WorkerMsg | ExitSignal, ctx: Context<WorkerMsg>): unknown {
    if (m instanceof ExitSignal) {
      this.args.log?.push(`trapped:${tag(ctx)}:${m.reason.type}`);
      return undefined;
    }
    switch (m.t) {
      case 'crash':
        throw new Error(m.why ?? 'boom');
      case 'stop':
        ctx.stop(ctx.self, m.reason ?? Exit.normal);
        return undefined;
      case 'ping':
        return 'pong';
      case 'echo':
        return m.v;
      case 'record':
        this.args.sink?.push(`${tag(ctx)}:${String(m.v)}`);
        return undefined;
      case 'link':
        ctx.link(m.to);
        return undefined;
      case 'trap':
        ctx.trapExits(true);
        return undefined;
      case 'unlink-parent':
        // OTP's naughty_child: its supervisor no longer hears of its exit through the link.
        if (ctx.parent !== null) ctx.unlink(ctx.parent);
        return undefined;
      case 'who':
        return { path: ctx.path, restarts: ctx.info.restarts };
    }
  }

  stopping(_reason: ExitReason, ctx: Context<WorkerMsg>): void | Promise<void> {
    this.args.log?.push(`stop:${tag(ctx)}`);
    return this.args.stopping?.();
  }
}

/** The worker as a named kind. */
export const Worker = defineKind<WorkerMsg, WorkerArgs>('test.worker', (args) => new TestWorker(args ?? {}));

/** A promise that never settles: a stop hook that hangs until the shutdown timeout kills it. */
export const never = (): Promise<void> => new Promise<void>(() => {});

function tag(ctx: Context<any>): string {
  return ctx.path.slice(ctx.path.lastIndexOf('/') + 1);
}
