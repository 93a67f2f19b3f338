/**
 * Loopback addresses: the control plane binds one by default, and refuses any other host
 * unless the config says `allowRemote`. Pure functions; no I/O.
 */
import { isIP } from 'node:net';

/** True when `host` is `localhost`, in 127.0.0.0/8, or `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return h.startsWith('127.');
  if (family === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./i.test(h);
  return false;
}
