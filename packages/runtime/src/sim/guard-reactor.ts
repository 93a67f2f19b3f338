/**
 * The host guard: while a simulated run is in progress, it notices simulated code reaching
 * past the reactor for the real host: a timer or immediate, a socket, DNS, a file request,
 * a child process or worker (through `async_hooks`), or a read of real time or randomness
 * (`Date.now`, `new Date()`, `performance.now`, `process.hrtime`, `Math.random`, patched).
 * Each violation records the file and line of the code that made the call.
 *
 * Attribution: a call is blamed on the innermost stack frame that is neither Node's own
 * nor this file. When that frame is inside `node_modules` (the test runner, a library) it
 * is let through, so the harness around a simulation keeps working; code of this
 * workspace is caught. The simulator's own pump runs inside {@link withHostAccess}.
 * Reads are not blocked (that would break the harness too): the run fails afterwards.
 *
 * Must not: be installed outside a simulated run; it restores every patch on uninstall.
 */
import { type AsyncHook, createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimError } from './failure.js';

/** One use of the real host by simulated code. */
export interface HostViolation {
  /** What was used, in words: `a real timer (setTimeout/setInterval)`, `Date.now()`. */
  readonly what: string;
  /** `file:line:column` of the code that used it (relative to the working directory). */
  readonly where: string;
  readonly stack: string;
}

const RESOURCES: Record<string, string> = {
  Timeout: 'a real timer (setTimeout/setInterval)',
  Immediate: 'a real setImmediate',
  TCPWRAP: 'a real TCP socket', TCPCONNECTWRAP: 'a real TCP connection', TCPSERVERWRAP: 'a real TCP server',
  PIPEWRAP: 'a real pipe', PIPECONNECTWRAP: 'a real pipe connection', TLSWRAP: 'a real TLS socket',
  UDPWRAP: 'a real UDP socket', UDPSENDWRAP: 'a real UDP send',
  HTTPCLIENTREQUEST: 'a real HTTP request', HTTPINCOMINGMESSAGE: 'a real HTTP message',
  GETADDRINFOREQWRAP: 'a real DNS lookup', GETNAMEINFOREQWRAP: 'a real DNS lookup', QUERYWRAP: 'a real DNS query',
  FSREQCALLBACK: 'a real file request', FSREQPROMISE: 'a real file request', FILEHANDLE: 'a real file handle',
  FILEHANDLECLOSEREQ: 'a real file request', FSEVENTWRAP: 'a real file watcher', STATWATCHER: 'a real file watcher',
  DIRHANDLE: 'a real directory handle', PROCESSWRAP: 'a real child process', SIGNALWRAP: 'a real signal handler',
  WORKER: 'a real worker thread', MESSAGEPORT: 'a real message port',
};

const violations: HostViolation[] = [];
let installs = 0;
let hostAccess = 0;
let hook: AsyncHook | null = null;
let restore: (() => void) | null = null;

/** Run `fn` with host access allowed (the simulator's own macrotask pump). */
export function withHostAccess<T>(fn: () => T): T {
  hostAccess++;
  try {
    return fn();
  } finally {
    hostAccess--;
  }
}

/** A guard for one run; guards nest (the outermost install patches, the last uninstall restores). */
export class HostGuard {
  private readonly from: number;
  private installed = true;

  private constructor() {
    this.from = violations.length;
  }

  static install(): HostGuard {
    if (installs++ === 0) {
      violations.length = 0;
      enable();
    }
    return new HostGuard();
  }

  /** Violations since this guard was installed. */
  get violations(): readonly HostViolation[] {
    return violations.slice(this.from);
  }

  /** Throw a `sim/host-leak` error describing the first violation, if any. */
  check(): void {
    const found = this.violations;
    if (found.length > 0) throw new SimError('sim/host-leak', describeViolations(found));
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    if (--installs === 0) disable();
  }
}

/** A message naming the first violation (and how many more there were). */
export function describeViolations(found: readonly HostViolation[]): string {
  const first = found[0]!;
  const more = found.length > 1 ? ` (and ${found.length - 1} more: ${[...new Set(found.slice(1).map((v) => `${v.what} at ${v.where}`))].slice(0, 3).join('; ')})` : '';
  return `simulated code used ${first.what} at ${first.where}; go through the engine's reactor instead (ctx.sendAfter, ctx.now(), ctx.random(), engine.reactor)${more}`;
}

// --- internal ---

function enable(): void {
  hook = createHook({
    init(_asyncId, type) {
      const what = RESOURCES[type];
      if (what !== undefined && hostAccess === 0) blame(what);
    },
  });
  hook.enable();
  const RealDate = Date;
  const realNow = RealDate.now;
  const realRandom = Math.random;
  const realPerfNow = performance.now;
  const hadOwnPerfNow = Object.prototype.hasOwnProperty.call(performance, 'now');
  const realHrtime = process.hrtime;
  const realBigint = process.hrtime.bigint;
  RealDate.now = function now() {
    blame('Date.now()');
    return realNow.call(RealDate);
  };
  Math.random = function random() {
    blame('Math.random()');
    return realRandom();
  };
  performance.now = function now() {
    blame('performance.now()');
    return realPerfNow.call(performance);
  };
  const hrtime = function hrtime(time?: [number, number]) {
    blame('process.hrtime()');
    return realHrtime(time);
  } as typeof process.hrtime;
  hrtime.bigint = function bigint() {
    blame('process.hrtime.bigint()');
    return realBigint();
  };
  process.hrtime = hrtime;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      if (args.length === 0) blame('new Date()');
      return Reflect.construct(target, args, newTarget);
    },
    apply(target, self, args) {
      blame('Date()');
      return Reflect.apply(target, self, args);
    },
  });
  restore = () => {
    globalThis.Date = RealDate;
    RealDate.now = realNow;
    Math.random = realRandom;
    if (hadOwnPerfNow) performance.now = realPerfNow;
    else delete (performance as { now?: unknown }).now;
    process.hrtime = realHrtime;
  };
}

function disable(): void {
  hook?.disable();
  hook = null;
  restore?.();
  restore = null;
}

function blame(what: string): void {
  if (hostAccess > 0) return;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const where = culprit(stack);
  if (where !== null) violations.push({ what, where, stack });
}

const SELF = /guard-reactor\.[cm]?[jt]s/;

/** The innermost frame that is neither Node's nor ours; null when it belongs to a library. */
function culprit(stack: string): string | null {
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const location = frameLocation(lines[i]!);
    if (location === null || location.startsWith('node:') || SELF.test(location)) continue;
    if (/[\\/]node_modules[\\/]/.test(location)) return null;
    return location;
  }
  return null;
}

function frameLocation(line: string): string | null {
  const m = /\((.*:\d+:\d+)\)\s*$/.exec(line) ?? /^\s*at (?:async )?(.*:\d+:\d+)\s*$/.exec(line);
  if (m === null) return null;
  let location = m[1]!;
  if (location.startsWith('file://')) {
    const parts = /^(.*?)(:\d+:\d+)$/.exec(location)!;
    location = fileURLToPath(parts[1]!) + parts[2]!;
  }
  if (location.startsWith('/')) location = relative(process.cwd(), location);
  return location;
}
