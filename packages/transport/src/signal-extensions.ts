/**
 * msgpackr extensions for the runtime's own messages, so an actor can forward them: `Down`
 * (ext 0x44), `ExitSignal` (ext 0x58) and `MonitorRef` (ext 0x52), with the exit reason
 * inside in the one wire format of reasons.ts. Owns: those extension formats. Must not:
 * fail to encode whatever a reason holds, or trust what it reads (a wrong shape throws,
 * which the codec reports as malformed).
 */
import { Down, ExitSignal, MonitorRef, isAddr, type AnyAddr } from '@pd/actor';
import { addExtension } from 'msgpackr';
import { readReason, wireReason, type WireBox } from './reasons.js';

/** Extension type of an encoded `Down`: `[ref id, addr, reason]`. */
export const DOWN_EXT_TYPE = 0x44;
/** Extension type of an encoded `ExitSignal`: `[from, reason]`. */
export const EXIT_SIGNAL_EXT_TYPE = 0x58;
/** Extension type of an encoded `MonitorRef`: its id. */
export const MONITOR_REF_EXT_TYPE = 0x52;

/**
 * Registers the three extensions (called once by `ensureExtensions`). `box` turns a value
 * that passed the scan into what msgpackr writes (Maps boxed).
 */
export function registerSignalExtensions(box: WireBox): void {
  addExtension({ Class: MonitorRef, type: MONITOR_REF_EXT_TYPE, write: (ref: MonitorRef) => ref.id, read: readRef });
  addExtension({
    Class: ExitSignal, type: EXIT_SIGNAL_EXT_TYPE,
    write: (s: ExitSignal) => [s.from, wireReason(s.reason, box)],
    read: (data: unknown) => {
      const [from, reason] = tuple(data, 2, 'an ExitSignal');
      return new ExitSignal(addrOf(from), readReason(reason));
    },
  });
  addExtension({
    Class: Down, type: DOWN_EXT_TYPE,
    write: (d: Down) => [d.ref.id, d.addr, wireReason(d.reason, box)],
    read: (data: unknown) => {
      const [ref, addr, reason] = tuple(data, 3, 'a Down');
      return new Down(readRef(ref), addrOf(addr), readReason(reason));
    },
  });
}

// --- internal ---

function readRef(data: unknown): MonitorRef {
  if (!Number.isSafeInteger(data) || (data as number) < 0) throw new Error('a MonitorRef id must be a non-negative safe integer');
  return new MonitorRef(data as number);
}

function tuple(data: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(data) || data.length !== length) throw new Error(`${what} must be a ${length}-item array`);
  return data;
}

function addrOf(value: unknown): AnyAddr {
  if (!isAddr(value)) throw new Error('expected an address');
  return value;
}
