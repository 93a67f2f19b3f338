/**
 * The behaviour of a plugin actor: a push behaviour whose handler is a WebAssembly
 * instance. Owns: when the instance starts (first turn, or the first message after a hot
 * swap), what a message the codec cannot encode does (skipped, its asker told), and
 * closing the instance when the actor ends. The runtime does the rest: one message at a
 * time, supervision, links, monitors, introspection; a `PluginError` thrown from here ends
 * the actor like any crash.
 */
import type { Behavior, Context, ExitReason } from '@pd/actor';
import { PluginError } from './errors.js';
import type { PluginInstance } from './instance.js';
import type { PluginSource } from './source.js';

const INHERIT = Symbol('inherit spawn arguments');

export class PluginBehavior implements Behavior {
  private instance: PluginInstance | null = null;
  private args: unknown;

  constructor(private readonly source: PluginSource, args: unknown = undefined, inherit = false) {
    this.args = inherit ? INHERIT : args;
  }

  /** A behaviour to hot-swap in: it takes the spawn arguments of the one it replaces. */
  static replacing(source: PluginSource): PluginBehavior {
    return new PluginBehavior(source, undefined, true);
  }

  /** The live instance, for introspection. */
  get current(): PluginInstance | null {
    return this.instance;
  }

  started(ctx: Context): void {
    this.startInstance(ctx);
  }

  receive(message: unknown, ctx: Context): unknown {
    const instance = this.instance ?? this.startInstance(ctx);
    if (instance === null) return undefined;
    let keepGoing: boolean;
    try {
      keepGoing = instance.handle(ctx, message);
    } catch (error) {
      if (error instanceof PluginError || (error as { code?: string }).code !== 'send/not-serializable') throw error;
      // The sender's value cannot be put in guest memory: skip it, as a boundary refuses it.
      ctx.deferReply()?.reject(error);
      return undefined;
    }
    if (!keepGoing) ctx.stop();
    return undefined;
  }

  stopping(_reason: ExitReason): void {
    this.instance?.close();
  }

  /** Hot swap: keep the previous behaviour's spawn arguments and held children; drop its instance. */
  migrate(previous: Behavior): void {
    if (!(previous instanceof PluginBehavior)) return;
    if (this.args === INHERIT) this.args = previous.args;
    previous.instance?.close();
    this.inherited = previous.instance;
  }

  // --- internal ---

  private inherited: PluginInstance | null = null;

  private startInstance(ctx: Context): PluginInstance | null {
    const instance = this.source.newInstance();
    if (this.inherited !== null) {
      for (const id of this.inherited.holdings.children) instance.holdings.children.add(id);
      instance.holdings.timers = this.inherited.holdings.timers;
      this.inherited = null;
    }
    this.instance = instance;
    if (!instance.start(ctx, this.args === INHERIT ? undefined : this.args)) {
      ctx.stop();
      return null;
    }
    return instance;
  }
}
