/**
 * Logs with pino: one JSON object per line (time, level, engine id, actor path, trace and
 * span ids of the active span) or, for a person at a terminal, one human line per record
 * with the stack indented below. {@link engineLoggerFrom} adapts a pino logger to the
 * runtime's pluggable {@link EngineLogger}, so each crash becomes exactly one record.
 */
import { context, trace } from '@opentelemetry/api';
import type { EngineLogger, LogLevel } from '@pd/runtime';
import { pino, type Logger } from 'pino';
import { type LogFormat, TELEMETRY_DEFAULTS } from './options.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly engineId: string;
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  readonly destination?: { write(line: string): unknown };
  readonly isTTY?: boolean;
}

/** A pino logger for an engine. */
export function createLogger(options: LoggerOptions): Logger {
  const isTTY = options.isTTY ?? process.stderr.isTTY === true;
  const format = options.format ?? TELEMETRY_DEFAULTS.logFormat;
  const pretty = format === 'pretty' || (format === 'auto' && isTTY);
  const sink = options.destination ?? pino.destination({ dest: 2, sync: true });
  const stream = pretty ? { write: (line: string) => sink.write(prettyLine(line)) } : sink;
  return pino({
    level: options.level ?? TELEMETRY_DEFAULTS.logLevel,
    base: { engine: options.engineId, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
  }, stream);
}

/** The runtime's logger interface over a pino logger: crashes are `error` records with the stack. */
export function engineLoggerFrom(logger: Logger): EngineLogger {
  return {
    crash: (r) => logger.error({
      path: r.path, kind: r.kind, ...(r.core === undefined ? {} : { core: r.core }), phase: r.phase, reason: r.reason, stack: r.stack, crashedAt: new Date(r.at).toISOString(),
    }, `actor ${r.path} crashed`),
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  };
}

/** One JSON log line as a human line: `12:00:01.123 ERROR [engine] /user/a: message` and the stack. */
export function prettyLine(jsonLine: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { time, level, engine, path, msg, stack, pid: _pid, trace_id: traceId, span_id: _span, trace_flags: _flags, ...rest } = r;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const extras = Object.entries(rest).filter(([k]) => k !== 'reason' && k !== 'crashedAt').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head = `${clock} ${String(level).toUpperCase().padEnd(5)} [${String(engine)}]${path === undefined ? '' : ` ${String(path)}`}: ${String(msg ?? '')}`;
  const tail = `${extras.length > 0 ? ` (${extras.join(', ')})` : ''}${traceId === undefined ? '' : ` trace=${String(traceId)}`}`;
  const stackText = typeof stack === 'string' ? `\n${stack.split('\n').map((l) => `    ${l.trimStart()}`).join('\n')}` : '';
  return `${head}${tail}${stackText}\n`;
}

// --- internal ---

/** The ids of the active span, as `@opentelemetry/instrumentation-pino` names them. */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId, trace_flags: `0${c.traceFlags.toString(16)}`.slice(-2) };
}
