/**
 * What `pd start` plugs into `bootEngine`: @pd/telemetry configured from the config's
 * `telemetry` section. The OpenTelemetry SDK is loaded only when telemetry is enabled;
 * logs always go through pino (JSON lines, or human lines for `--foreground` on a
 * terminal), to stderr, so `--json` output on stdout stays clean.
 */
import type { Instrumentation, PdConfig } from '@pd/control';
import type { Logger, Telemetry } from '@pd/telemetry';

/** The instrumentation for `config`, and its logger for the command's own lines. */
export async function startInstrumentation(config: PdConfig): Promise<{ instrumentation: Instrumentation; logger: Logger }> {
  const { startTelemetry } = await import('@pd/telemetry');
  const t = config.telemetry;
  const telemetry: Telemetry = await startTelemetry({
    engineId: config.engine.id,
    metrics: t.enabled ? { host: t.metrics.host, port: t.metrics.port } : false,
    otlpEndpoint: t.enabled ? t.otlp?.endpoint ?? null : null,
    sampling: t.enabled ? t.sampling : 0,
    log: t.log,
    isTTY: process.stderr.isTTY === true && typeof process.send !== 'function',
  });
  const instrumentation: Instrumentation = {
    logger: telemetry.engineLogger,
    attach: (engine) => telemetry.attach(engine),
    ready: () => telemetry.setReady(true),
    stopping: () => telemetry.setStopping(),
    describe: () => ({ ...telemetry.describe(), observer: t.observer ? { path: '/observer/' } : null }),
    close: () => telemetry.close(),
  };
  return { instrumentation, logger: telemetry.logger };
}
