// The config's `telemetry` section: defaults, the fields it accepts, the mistakes it names.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, validateConfig } from '@pd/control';
import { issues } from '../control.test-util.js';

describe('config: telemetry', () => {
  it('is off by default, with loopback port 9464, no sampling, info logs in auto format, no observer', () => {
    expect(validateConfig({ version: 1 }).telemetry).toEqual({
      enabled: false, sampling: 0, observer: false, metrics: { host: '127.0.0.1', port: 9464, allowRemote: false }, log: { level: 'info', format: 'auto' },
    });
    expect(CONFIG_DEFAULTS.telemetry.metrics.port).toBe(9464);
  });

  it('takes every documented field, filling in the rest', () => {
    const t = validateConfig({
      version: 1,
      telemetry: { enabled: true, metrics: { port: 0 }, otlp: { endpoint: 'http://127.0.0.1:4318' }, sampling: 0.01, log: { format: 'json' }, observer: true },
    }).telemetry;
    expect(t).toEqual({
      enabled: true, sampling: 0.01, observer: true, otlp: { endpoint: 'http://127.0.0.1:4318' },
      metrics: { host: '127.0.0.1', port: 0, allowRemote: false }, log: { level: 'info', format: 'json' },
    });
  });

  it('names unknown fields and out-of-range values by path', () => {
    expect(issues({ version: 1, telemetry: { metrics: { prot: 1 } } })).toEqual([{ path: 'telemetry.metrics.prot', message: 'unknown field "prot"; did you mean "port"?' }]);
    expect(issues({ version: 1, telemetry: { sampling: 1.5 } })).toEqual([{ path: 'telemetry.sampling', message: 'must be <= 1, got the number 1.5' }]);
    expect(issues({ version: 1, telemetry: { log: { level: 'loud' } } })[0]!.path).toBe('telemetry.log.level');
    expect(issues({ version: 1, telemetry: { otlp: { endpoint: 'grpc://x:4317' } } })[0]!.path).toBe('telemetry.otlp.endpoint');
    expect(issues({ version: 1, telemetry: { otlp: {} } })[0]).toEqual({ path: 'telemetry.otlp.endpoint', message: 'required field "endpoint" is missing' });
  });

  it('binds the metrics endpoint to loopback unless allowRemote', () => {
    expect(issues({ version: 1, telemetry: { enabled: true, metrics: { host: '0.0.0.0' } } })).toEqual([
      { path: 'telemetry.metrics.host', message: '"0.0.0.0" is not a loopback address; the metrics endpoint binds loopback only unless telemetry.metrics.allowRemote is true' },
    ]);
    expect(validateConfig({ version: 1, telemetry: { metrics: { host: '0.0.0.0', allowRemote: true } } }).telemetry.metrics.host).toBe('0.0.0.0');
  });

  it('the demo config turns telemetry and the observer on, on an ephemeral loopback port', async () => {
    const raw = JSON.parse(await readFile(new URL('../../../../apps/demo/demo.config.json', import.meta.url), 'utf8'));
    const t = validateConfig(raw).telemetry;
    expect(t).toMatchObject({ enabled: true, observer: true, metrics: { host: '127.0.0.1', port: 0 } });
  });
});
