/**
 * The log records of a worker core, written by core 0's logger. A worker thread cannot take
 * the application's logger (functions do not cross threads), so its engine gets one that posts
 * each record to core 0 over the worker's message port — crash reports as plain data: at,
 * engine, path, kind, phase, reason, stack — and core 0 hands them to its engine's logger
 * with the worker's `core` (`pd start`: one pino JSON line per crash, as for core 0's actors).
 * The port, not the rings: a log record is not actor traffic, and must not wait on, or take
 * room in, a full ring. Must not: throw into the engine (a record that cannot be posted or
 * logged is dropped), or let what a worker sent pass as anything but data.
 */
import { type CrashReport, type EngineLogger, type LogLevel, defaultLogger } from '../logger.js';

/** A crash report as it crosses threads (what was thrown stays behind: `reason` and `stack` describe it). */
export type PortableCrash = Omit<CrashReport, 'error' | 'core'>;

/** A worker's log record for core 0. */
export type CoreLogRecord =
  | { readonly type: 'crash'; readonly report: PortableCrash }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly fields: Readonly<Record<string, unknown>> | null };

/** The logger of a worker core's engine: every record goes to core 0 through `post`. */
export function forwardingLogger(post: (record: CoreLogRecord) => void): EngineLogger {
  return {
    crash: (r) => post({ type: 'crash', report: { at: r.at, engine: r.engine, path: r.path, kind: r.kind, phase: r.phase, reason: r.reason, stack: r.stack } }),
    log: (level, message, fields) => {
      try {
        post({ type: 'log', level, message, fields: fields ?? null });
      } catch {
        // Fields that cannot be cloned: the record without them.
        post({ type: 'log', level, message, fields: { fieldsDropped: true } });
      }
    },
  };
}

/** A wrapper of `logger` that adds `core` to every record (core 0 of a multi-core engine). */
export function withCore(logger: EngineLogger, core: number): EngineLogger {
  const { crash, log } = logger;
  return {
    ...(crash === undefined ? {} : { crash: (r: CrashReport) => crash.call(logger, { ...r, core }) }),
    ...(log === undefined ? {} : { log: (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => log.call(logger, level, message, { ...fields, core }) }),
  };
}

/** Core 0: write the record worker core `core` sent with `logger`; never throws. */
export function logFromCore(logger: EngineLogger, core: number, record: CoreLogRecord): void {
  try {
    if (record.type === 'crash') {
      if (logger.crash === undefined) return;
      const r = record.report;
      // What was thrown stayed in the worker: an Error with its description and stack stands in.
      const error = new Error(r.reason);
      if (r.stack !== null) error.stack = r.stack;
      logger.crash({ at: r.at, engine: r.engine, path: r.path, kind: r.kind, phase: r.phase, reason: r.reason, stack: r.stack, error, core });
    } else if (record.type === 'log') {
      logger.log?.(record.level, record.message, { ...record.fields, core });
    }
  } catch {
    // A logger must never disturb the engine (invariant 8).
  }
}

/** The logger core 0's engine gets: the one given (or the default) with `core: 0` on every record. */
export function coreZeroLogger(given: EngineLogger | undefined): { base: EngineLogger; logger: EngineLogger } {
  const base = given ?? defaultLogger();
  return { base, logger: withCore(base, 0) };
}
