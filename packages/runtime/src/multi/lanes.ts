/**
 * Lanes: the priority of a message as the one-byte code that rides in an envelope header,
 * and back. Must not: accept an unknown priority (refused as a local send refuses it).
 */
import { ArgumentError, type Priority as Lane, type SendOptions } from '@pd/actor';
import type { Priority } from '@pd/transport';

const LANES: Record<Lane, Priority> = { normal: 0, low: 1, high: 2 };

/** The lane code of a priority; an unknown one is refused, as a local send refuses it. */
export function laneOf(priority: Lane | undefined): Priority {
  if (priority === undefined) return 0;
  if (priority !== 'normal' && priority !== 'low' && priority !== 'high') {
    throw new ArgumentError(`priority must be "high", "normal" or "low", got ${String(priority)}`);
  }
  return LANES[priority];
}

/** The send options for a lane code read from a header (undefined for normal). */
export const LANE_OPTIONS: readonly (SendOptions | undefined)[] = [undefined, { priority: 'low' }, { priority: 'high' }, undefined];
