/**
 * One plugin instance: the WebAssembly instance behind one actor incarnation. Owns:
 * instantiation, calling the guest (`pd_on_start`, `pd_on_message`) under a fresh fuel
 * budget and deadline, and turning whatever the guest does into an outcome: a status, or
 * a `PluginError` (fuel-exhausted, timeout, trap, guest-status) that ends the actor. Must
 * not: outlive a failure: after a trap or a stop the instance is never called again (its
 * memory may be half-written), the supervisor starts a fresh one.
 */
import type { AnyAddr, Context, ReplyHandle } from '@pd/actor';
import type { Codec } from '@pd/transport';
import { Status, statusName } from './abi.js';
import { PluginError } from './errors.js';
import { FuelMeter, MeterStop } from './fuel-meter.js';
import { GuestMemory } from './guest-memory.js';
import { type HostCallFrame, Holdings, type PluginLogEntry, hostCalls } from './host-calls.js';
import type { CompiledPlugin } from './loader.js';
import { Wasm, type WasmGlobal, type WasmInstance, type WasmMemory } from './wasm/api.js';
import { FUEL_EXPORT, METER_MODULE, METER_REFILL } from './wasm/meter.js';

/** Counters shared by every instance of one plugin. */
export class PluginStats {
  fuelUsed = 0;
  messages = 0;
  instancesStarted = 0;
  /** Ends by reason: fuel-exhausted, timeout, trap, guest-status. */
  readonly failures = { 'fuel-exhausted': 0, timeout: 0, trap: 0, 'guest-status': 0 };
  /** Live instances, for memory figures. Pruned by the host. */
  readonly live = new Set<PluginInstance>();
}

export interface InstanceOptions {
  readonly codec: Codec;
  readonly stats: PluginStats;
  readonly clock: () => number;
  readonly onLog?: ((entry: PluginLogEntry) => void) | undefined;
}

type GuestFn = (...args: number[]) => number;

export class PluginInstance implements HostCallFrame {
  readonly plugin: string;
  readonly limits: CompiledPlugin['limits'];
  readonly codec: Codec;
  readonly memory = new GuestMemory();
  readonly meter: FuelMeter;
  readonly holdings = new Holdings();
  readonly onLog: InstanceOptions['onLog'];
  ctx: Context | null = null;
  /** The actor this instance serves, once started. */
  self: AnyAddr | null = null;
  quota = 0;
  reply: ReplyHandle | null | 'done' | undefined = undefined;
  /** Set once the instance failed or stopped: it is never called again. */
  dead = false;
  private instance: WasmInstance | null = null;
  private counter: WasmGlobal | null = null;
  private guestAlloc: GuestFn | null = null;
  private onMessage: GuestFn | null = null;

  constructor(readonly compiled: CompiledPlugin, private readonly options: InstanceOptions) {
    this.plugin = compiled.name;
    this.limits = compiled.limits;
    this.codec = options.codec;
    this.onLog = options.onLog;
    this.meter = new FuelMeter(compiled.limits.fuel, compiled.limits.timeoutMs, compiled.limits.checkEveryFuel, options.clock);
  }

  /** Bytes of guest memory now. */
  get memoryBytes(): number {
    return this.memory.memory?.buffer.byteLength ?? 0;
  }

  /** Instantiates and runs `_initialize` and `pd_on_start(args)`; false when the guest asked to stop. */
  start(ctx: Context, args: unknown): boolean {
    this.self = ctx.self;
    const imports = { pd: hostCalls(this, this.holdings), [METER_MODULE]: { [METER_REFILL]: this.meter.refill } };
    const status = this.call(ctx, () => {
      this.instance = new Wasm.Instance(this.compiled.module, imports);
      const exports = this.instance.exports;
      this.memory.memory = exports.memory as WasmMemory;
      this.counter = (exports[FUEL_EXPORT] as WasmGlobal | undefined) ?? null;
      if (this.counter !== null) this.meter.attach(this.counter);
      this.guestAlloc = exports.pd_alloc as GuestFn;
      this.onMessage = exports.pd_on_message as GuestFn;
      (exports._initialize as (() => void) | undefined)?.();
      const onStart = exports.pd_on_start as GuestFn | undefined;
      if (onStart === undefined) return Status.OK;
      const bytes = this.codec.encode(args === undefined ? null : args);
      return onStart(this.copyIn(bytes), bytes.length);
    }, 'pd_on_start');
    this.options.stats.instancesStarted++;
    this.options.stats.live.add(this);
    return status !== Status.STOP;
  }

  /** Hands one message to the guest; false when the guest asked to stop. Throws `PluginError` to end the actor. */
  handle(ctx: Context, message: unknown): boolean {
    if (this.holdings.takeChildDown(message)) return true;
    const bytes = this.codec.encode(message);
    if (bytes.length > this.limits.maxMessageBytes) {
      throw new PluginError('plugin/guest-status', `a ${bytes.length}-byte message is above maxMessageBytes (${this.limits.maxMessageBytes})`, { plugin: this.plugin });
    }
    this.options.stats.messages++;
    return this.call(ctx, () => this.onMessage!(this.copyIn(bytes), bytes.length), 'pd_on_message') !== Status.STOP;
  }

  /** Host calls: allocate in the guest with its own allocator (metered like any guest code). */
  alloc(size: number): number {
    const ptr = this.guestAlloc === null ? 0 : this.guestAlloc(size) >>> 0;
    return ptr !== 0 && this.memory.inBounds(ptr, size) ? ptr : 0;
  }

  /** Forgets the instance: no further calls. */
  close(): void {
    this.dead = true;
    this.options.stats.live.delete(this);
  }

  // --- internal ---

  /** Runs `fn` in the guest under a fresh budget; maps every way out to a status or a PluginError. */
  private call(ctx: Context, fn: () => number, entry: string): number {
    if (this.dead) throw new PluginError('plugin/trap', `plugin "${this.plugin}" was called after it failed`, { plugin: this.plugin });
    this.ctx = ctx;
    this.quota = this.limits.hostCallsPerMessage;
    this.reply = undefined;
    this.meter.begin(this.counter);
    let status: number;
    try {
      status = fn();
    } catch (error) {
      // The call's fuel first: the error names it.
      this.endCall();
      this.close();
      throw this.classify(error, entry);
    }
    this.endCall();
    if (status === Status.OK || status === Status.STOP) {
      const duty = this.reply as PluginInstance['reply']; // host calls set it while fn ran
      if (duty !== undefined && duty !== null && duty !== 'done') duty.resolve(undefined); // taken, never given: as a handler returning nothing
      return status;
    }
    this.close();
    this.options.stats.failures['guest-status']++;
    throw new PluginError('plugin/guest-status', `plugin "${this.plugin}" ${entry} returned ${statusName(status)}`, { plugin: this.plugin, status });
  }

  /** A call's end, however it ended: its fuel counted, its context let go. */
  private endCall(): void {
    this.options.stats.fuelUsed += this.meter.end(this.counter);
    this.ctx = null;
  }

  /** Copies `bytes` into a block from the guest's allocator; the guest owns it afterwards. */
  private copyIn(bytes: Uint8Array): number {
    const ptr = this.alloc(bytes.length);
    if (ptr === 0 || !this.memory.write(ptr, bytes)) {
      throw new PluginError('plugin/guest-status', `plugin "${this.plugin}" pd_alloc(${bytes.length}) returned no usable block`, { plugin: this.plugin, status: Status.ALLOC_FAILED });
    }
    return ptr;
  }

  private classify(error: unknown, entry: string): PluginError {
    const details = { plugin: this.plugin, entry, fuelUsed: this.meter.last };
    const failures = this.options.stats.failures;
    if (error instanceof PluginError) {
      if (error.reason !== undefined) failures[error.reason]++;
      return error;
    }
    if (error instanceof MeterStop) {
      if (error.why === 'fuel') {
        failures['fuel-exhausted']++;
        return new PluginError('plugin/fuel-exhausted', `plugin "${this.plugin}" used more than ${this.limits.fuel} fuel in ${entry}`, { ...details, fuelUsed: error.used });
      }
      failures.timeout++;
      return new PluginError('plugin/timeout', `plugin "${this.plugin}" ran past ${this.limits.timeoutMs} ms in ${entry}`, { ...details, fuelUsed: error.used });
    }
    failures.trap++;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new PluginError('plugin/trap', `plugin "${this.plugin}" trapped in ${entry}: ${text}`, details, { cause: error });
  }
}
