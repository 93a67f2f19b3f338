/**
 * The host functions of ABI v1 (module `pd`), bound to one plugin instance. Each one reads
 * its arguments out of guest memory with bounds checks, acts through the actor's context
 * (the runtime's public API, so sends, spawns and timers are the actor's own), and answers
 * with a status code. Owns: argument checks and quotas. Must not: throw at the guest,
 * except the meter's stop (which must unwind the guest): every other failure is a status.
 */
import { type AnyAddr, type Context, Down, type ReplyHandle, isAddr } from '@pd/actor';
import type { Codec } from '@pd/transport';
import { LOG_LEVEL_NAMES, Status } from './abi.js';
import { MeterStop } from './fuel-meter.js';
import type { GuestMemory } from './guest-memory.js';
import type { ResolvedLimits } from './limits.js';

/** A line a plugin logged. */
export interface PluginLogEntry {
  readonly plugin: string;
  readonly path: string;
  readonly level: (typeof LOG_LEVEL_NAMES)[number];
  readonly text: string;
  /** Engine clock, ms. */
  readonly at: number;
}

/** What host calls need from the instance they serve. */
export interface HostCallFrame {
  readonly plugin: string;
  readonly limits: ResolvedLimits;
  readonly codec: Codec;
  readonly memory: GuestMemory;
  /** The context of the actor whose handler is running; null between calls. */
  ctx: Context | null;
  /** Host calls left in this call. */
  quota: number;
  /** This call's reply duty: not yet looked at (undefined), not an ask (null), taken, or given ('done'). */
  reply: ReplyHandle | null | 'done' | undefined;
  /** Allocates `size` bytes in the guest (its `pd_alloc`); 0 when it cannot. */
  alloc(size: number): number;
  onLog?: ((entry: PluginLogEntry) => void) | undefined;
}

/** Children and timers a plugin actor holds, for their limits. */
export class Holdings {
  /** Monitor ids of live children. */
  readonly children = new Set<number>();
  /** Due times of pending timers, engine clock. */
  timers: number[] = [];

  /** True (and forgotten) when `message` is the Down of a child this host monitors. */
  takeChildDown(message: unknown): boolean {
    return message instanceof Down && this.children.delete(message.ref.id);
  }
}

/** Most timers a plugin actor may have pending at once. */
export const MAX_PENDING_TIMERS = 1024;

/** The `pd` import object for one instance. */
export function hostCalls(frame: HostCallFrame, holdings: Holdings): Record<string, (...args: number[]) => number> {
  const guard = (fn: (ctx: Context) => number, counted = true) => {
    const ctx = frame.ctx;
    if (ctx === null) return Status.NO_ASK;
    if (counted) {
      if (frame.quota <= 0) return Status.LIMIT;
      frame.quota--;
    }
    try {
      return fn(ctx);
    } catch (error) {
      if (error instanceof MeterStop) throw error;
      return Status.BAD_ARGUMENT;
    }
  };
  return {
    send: (toPtr, toLen, msgPtr, msgLen) => guard((ctx) => {
      const to = readAddr(frame, toPtr, toLen);
      if (typeof to === 'number') return to;
      const msg = readMessage(frame, msgPtr, msgLen);
      if (msg.status !== Status.OK) return msg.status;
      return sendStatus(ctx.send(to, msg.value));
    }),
    reply: (msgPtr, msgLen) => guard((ctx) => {
      if (!frame.memory.inBounds(msgPtr, msgLen)) return Status.BAD_POINTER;
      // Taking the reply duty first tells a plain send (no decoding) from an ask; it stays
      // with the call until a reply decodes (the instance answers undefined at the end otherwise).
      if (frame.reply === undefined) frame.reply = ctx.deferReply();
      const handle = frame.reply;
      if (handle === null || handle === 'done') return Status.NO_ASK;
      const msg = readMessage(frame, msgPtr, msgLen);
      if (msg.status !== Status.OK) return msg.status;
      handle.resolve(msg.value);
      frame.reply = 'done';
      return Status.OK;
    }, false), // outside the quota: a flood of sends must not cost the guest its reply
    self: (outPtrPtr, outLenPtr) => guard((ctx) => writeOut(frame, frame.codec.encode(ctx.self), outPtrPtr, outLenPtr)),
    spawn: (kindPtr, kindLen, argsPtr, argsLen, outPtrPtr, outLenPtr) => guard((ctx) => spawn(frame, holdings, ctx, [kindPtr, kindLen, argsPtr, argsLen, outPtrPtr, outLenPtr])),
    send_after: (toPtr, toLen, msgPtr, msgLen, delayMs) => guard((ctx) => {
      if (!Number.isInteger(delayMs) || delayMs < 0) return Status.BAD_ARGUMENT;
      const to = readAddr(frame, toPtr, toLen);
      if (typeof to === 'number') return to;
      const msg = readMessage(frame, msgPtr, msgLen);
      if (msg.status !== Status.OK) return msg.status;
      const now = ctx.now();
      if (holdings.timers.length >= MAX_PENDING_TIMERS) holdings.timers = holdings.timers.filter((due) => due > now);
      if (holdings.timers.length >= MAX_PENDING_TIMERS) return Status.LIMIT;
      ctx.sendAfter(to, msg.value, delayMs);
      holdings.timers.push(now + delayMs);
      return Status.OK;
    }),
    now: () => frame.ctx?.now() ?? 0,
    random: () => frame.ctx === null ? 0 : (frame.ctx.random() * 0x1_0000_0000) | 0,
    log: (level, ptr, len) => guard((ctx) => {
      const name = LOG_LEVEL_NAMES[level];
      if (name === undefined) return Status.BAD_ARGUMENT;
      const bytes = frame.memory.read(ptr, len);
      if (bytes === null) return Status.BAD_POINTER;
      const text = new TextDecoder().decode(bytes.subarray(0, frame.limits.maxLogBytes));
      frame.onLog?.({ plugin: frame.plugin, path: ctx.path, level: name, text, at: ctx.now() });
      return Status.OK;
    }),
  };
}

// --- internal ---

type Decoded = { status: number; value: unknown };

function readMessage(frame: HostCallFrame, ptr: number, len: number): Decoded {
  const bytes = frame.memory.read(ptr, len);
  if (bytes === null) return { status: Status.BAD_POINTER, value: undefined };
  if (bytes.length > frame.limits.maxMessageBytes) return { status: Status.TOO_LARGE, value: undefined };
  try {
    return { status: Status.OK, value: frame.codec.decode(bytes) };
  } catch {
    return { status: Status.BAD_ENCODING, value: undefined };
  }
}

/** The last address decoded per frame: a guest sending in a loop sends to the same one. */
const lastAddr = new WeakMap<HostCallFrame, { bytes: Uint8Array; addr: AnyAddr }>();

function readAddr(frame: HostCallFrame, ptr: number, len: number): AnyAddr | number {
  const bytes = frame.memory.read(ptr, len);
  const last = lastAddr.get(frame);
  if (bytes !== null && last !== undefined && sameBytes(bytes, last.bytes)) return last.addr;
  const decoded = readMessage(frame, ptr, len);
  if (decoded.status !== Status.OK) return decoded.status;
  if (!isAddr(decoded.value)) return Status.BAD_ENCODING;
  lastAddr.set(frame, { bytes: bytes!.slice(), addr: decoded.value });
  return decoded.value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sendStatus(result: string): number {
  switch (result) {
    case 'queued': return Status.OK;
    case 'dead': return Status.DEAD;
    default: return Status.MAILBOX_FULL;
  }
}

/** Copies `data` into a block from the guest's allocator and stores its pointer and length. */
function writeOut(frame: HostCallFrame, data: Uint8Array, outPtrPtr: number, outLenPtr: number): number {
  if (!frame.memory.inBounds(outPtrPtr, 4) || !frame.memory.inBounds(outLenPtr, 4)) return Status.BAD_POINTER;
  const ptr = frame.alloc(data.length);
  if (ptr === 0 || !frame.memory.write(ptr, data)) return Status.ALLOC_FAILED;
  frame.memory.writeU32(outPtrPtr, ptr);
  frame.memory.writeU32(outLenPtr, data.length);
  return Status.OK;
}

function spawn(frame: HostCallFrame, holdings: Holdings, ctx: Context, [kindPtr, kindLen, argsPtr, argsLen, outPtrPtr, outLenPtr]: number[]): number {
  const kindBytes = frame.memory.read(kindPtr!, kindLen!);
  if (kindBytes === null) return Status.BAD_POINTER;
  if (!frame.memory.inBounds(outPtrPtr!, 4) || !frame.memory.inBounds(outLenPtr!, 4)) return Status.BAD_POINTER;
  let kind: string;
  try {
    kind = new TextDecoder('utf-8', { fatal: true }).decode(kindBytes);
  } catch {
    return Status.BAD_ENCODING;
  }
  const allowed = frame.limits.spawnKinds;
  if (allowed !== '*' && !allowed.includes(kind)) return Status.DENIED;
  if (holdings.children.size >= frame.limits.maxChildren) return Status.LIMIT;
  const args = argsLen === 0 ? { status: Status.OK, value: undefined } : readMessage(frame, argsPtr!, argsLen!);
  if (args.status !== Status.OK) return args.status;
  let child: AnyAddr;
  try {
    child = ctx.spawn(kind, args.value === undefined ? {} : { args: args.value });
  } catch (error) {
    return (error as { code?: string }).code === 'spawn/unknown-kind' ? Status.UNKNOWN_KIND : Status.BAD_ARGUMENT;
  }
  holdings.children.add(ctx.monitor(child).id);
  return writeOut(frame, frame.codec.encode(child), outPtrPtr!, outLenPtr!);
}
