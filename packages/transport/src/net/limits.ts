/**
 * The bounds of a network node (invariant 9): frame ceiling, queues, timeouts, handshakes
 * in flight, reconnect backoff. Defaults in one object; `resolveLimits` checks every field
 * and names the one that is wrong.
 */
import { TransportError } from '../errors.js';

/** What a full outbound queue does with one more frame. */
export type QueueFullPolicy = 'drop' | 'error';

export interface NetLimits {
  /** Largest envelope frame (header + payload), bytes. A bigger one is refused at send. */
  readonly maxFrameBytes: number;
  /** Bytes waiting in one peer's data lane (user messages) before the full policy applies. */
  readonly maxQueueBytes: number;
  /** Bytes waiting in one peer's control lane (system signals, heartbeats). */
  readonly maxControlQueueBytes: number;
  /** `drop`: count the frame as dropped (default, at-most-once like Erlang); `error`: throw `net/queue-full` at send. */
  readonly queueFullPolicy: QueueFullPolicy;
  /** Bytes handed to the socket in one write, at most (one whole record more if a record is larger). */
  readonly maxWriteBytes: number;
  /** Bytes of received frames waiting to be read before the connection stops reading. */
  readonly maxInboundBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  /** Handshakes in progress at once (inbound); more are refused with `busy`. */
  readonly maxHandshakes: number;
  /** Reconnect backoff: first and largest delay, ms (doubling, with jitter). */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /**
   * After each write, keep the event loop polling without blocking for up to this many
   * microseconds, so an answer that comes back within it is read without a sleep and a
   * wake-up (see ./poll-spin.ts: adaptive, it halves after a spin that saw nothing). 0 (the
   * default): never spin. At most 10 000. Costs CPU while it spins: for latency-bound
   * request/response traffic on machines with a core to spare.
   */
  readonly pollSpinUs: number;
}

export const DEFAULT_NET_LIMITS: NetLimits = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxQueueBytes: 8 * 1024 * 1024,
  maxControlQueueBytes: 1024 * 1024,
  queueFullPolicy: 'drop',
  maxWriteBytes: 1024 * 1024,
  maxInboundBytes: 16 * 1024 * 1024,
  handshakeTimeoutMs: 5000,
  heartbeatMs: 1000,
  idleTimeoutMs: 5000,
  maxHandshakes: 64,
  reconnectMinMs: 50,
  reconnectMaxMs: 2000,
  pollSpinUs: 0,
});

/** The largest {@link NetLimits.pollSpinUs}: 10 ms. */
const MAX_POLL_SPIN_US = 10_000;

/** Defaults overridden by `partial`, every field checked. */
export function resolveLimits(partial: Partial<NetLimits> = {}): NetLimits {
  const limits: NetLimits = { ...DEFAULT_NET_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (key === 'queueFullPolicy' || key === 'pollSpinUs') continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TransportError('net/config', `limits.${key} must be a positive number, got ${String(value)}`, { field: `limits.${key}` });
    }
  }
  if (limits.queueFullPolicy !== 'drop' && limits.queueFullPolicy !== 'error') {
    throw new TransportError('net/config', `limits.queueFullPolicy must be 'drop' or 'error', got ${String(limits.queueFullPolicy)}`, { field: 'limits.queueFullPolicy' });
  }
  const spin = limits.pollSpinUs;
  if (typeof spin !== 'number' || !(spin >= 0 && spin <= MAX_POLL_SPIN_US)) {
    throw new TransportError('net/config', `limits.pollSpinUs must be a number of microseconds from 0 to ${MAX_POLL_SPIN_US}, got ${String(spin)}`, { field: 'limits.pollSpinUs' });
  }
  if (limits.maxFrameBytes > 0x3fff_ffff) throw new TransportError('net/config', 'limits.maxFrameBytes must be below 1 GiB', { field: 'limits.maxFrameBytes' });
  const record = limits.maxFrameBytes + 5;
  if (limits.maxQueueBytes < record || limits.maxControlQueueBytes < Math.min(record, 64 * 1024)) {
    throw new TransportError('net/config', 'limits.maxQueueBytes must hold at least one frame of maxFrameBytes', { field: 'limits.maxQueueBytes' });
  }
  if (limits.heartbeatMs >= limits.idleTimeoutMs) {
    throw new TransportError('net/config', `limits.heartbeatMs (${limits.heartbeatMs}) must be below limits.idleTimeoutMs (${limits.idleTimeoutMs})`, { field: 'limits.heartbeatMs' });
  }
  return limits;
}
