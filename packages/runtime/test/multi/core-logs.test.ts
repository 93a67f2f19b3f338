/**
 * A worker core's log records reaching core 0's logger (multi/core-logs.ts) through a real
 * message port, as a worker posts them: plain `log` records with their fields and the core,
 * fields that cannot cross threads replaced (the record itself kept), crash reports rebuilt
 * with their stack, and a logger that throws never reaching the engine.
 */
import { describe, expect, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import type { CrashReport, EngineLogger, LogLevel } from '../../src/logger.js';
import { type CoreLogRecord, forwardingLogger, logFromCore } from '../../src/multi/core-logs.js';

interface Logged {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** A worker-side logger whose records arrive, through a MessageChannel, at `target` as core `core`'s. */
function overPort(target: EngineLogger, core: number): { worker: EngineLogger; arrived: (n: number) => Promise<void>; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  let count = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  port2.on('message', (record: CoreLogRecord) => {
    logFromCore(target, core, record);
    count++;
    for (const w of waiting.filter((w) => count >= w.n)) w.resolve();
  });
  return {
    worker: forwardingLogger((record) => port1.postMessage(record)),
    arrived: (n) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }))),
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

describe('log records of a worker core', () => {
  it('reach core 0\'s logger with their level, message, fields and the core', async () => {
    const logged: Logged[] = [];
    const link = overPort({ log: (level, message, fields) => logged.push({ level, message, fields }) }, 3);
    try {
      link.worker.log!('warn', 'plugin said', { plugin: 'counter', path: '/user/p', n: 7 });
      link.worker.log!('info', 'no fields');
      await link.arrived(2);
      expect(logged).toEqual([
        { level: 'warn', message: 'plugin said', fields: { plugin: 'counter', path: '/user/p', n: 7, core: 3 } },
        { level: 'info', message: 'no fields', fields: { core: 3 } },
      ]);
    } finally {
      link.close();
    }
  });

  it('keep the record when its fields cannot cross threads, saying the fields were dropped', async () => {
    const logged: Logged[] = [];
    const link = overPort({ log: (level, message, fields) => logged.push({ level, message, fields }) }, 1);
    try {
      link.worker.log!('error', 'with a callback', { callback: () => 1 });
      await link.arrived(1);
      expect(logged).toEqual([{ level: 'error', message: 'with a callback', fields: { fieldsDropped: true, core: 1 } }]);
    } finally {
      link.close();
    }
  });

  it('rebuild a crash report with its reason, stack and core (an Error standing in for what was thrown)', async () => {
    const reports: CrashReport[] = [];
    const link = overPort({ crash: (r) => reports.push(r) }, 2);
    try {
      const thrown = new Error('boom');
      link.worker.crash!({ at: 1_700_000_000_000, engine: 'e/2', path: '/user/w', kind: 'worker', phase: 'receive', reason: 'Error: boom', stack: thrown.stack ?? null, error: thrown });
      await link.arrived(1);
      expect(reports).toEqual([expect.objectContaining({ at: 1_700_000_000_000, engine: 'e/2', path: '/user/w', kind: 'worker', phase: 'receive', reason: 'Error: boom', core: 2 })]);
      expect(reports[0]!.stack).toBe(thrown.stack);
      expect(reports[0]!.error).toBeInstanceOf(Error);
      expect((reports[0]!.error as Error).stack).toBe(thrown.stack);
    } finally {
      link.close();
    }
  });

  it('never throw into core 0 when its logger throws or lacks the method', () => {
    const throwing: EngineLogger = {
      crash: () => { throw new Error('logger down'); },
      log: () => { throw new Error('logger down'); },
    };
    const crash: CoreLogRecord = { type: 'crash', report: { at: 0, engine: 'e/1', path: '/user/w', kind: 'w', phase: 'receive', reason: 'x', stack: null } };
    const log: CoreLogRecord = { type: 'log', level: 'info', message: 'm', fields: null };
    expect(() => logFromCore(throwing, 1, crash)).not.toThrow();
    expect(() => logFromCore(throwing, 1, log)).not.toThrow();
    expect(() => logFromCore({}, 1, crash)).not.toThrow();
    expect(() => logFromCore({}, 1, log)).not.toThrow();
    // What a worker sent is data: an unknown record type is ignored.
    expect(() => logFromCore(throwing, 1, { type: 'other' } as unknown as CoreLogRecord)).not.toThrow();
  });
});
